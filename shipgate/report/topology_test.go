package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/config"
)

// greenShared is a shared-postgres artifact and config that pass: the
// config lists no chaos class (Classes is judged in its own tests), so
// only the topology's own rules are in play.
func greenShared() (SharedPostgres, config.SharedPostgresConfig) {
	c := config.DefaultSharedPostgres(config.Default())
	c.Chaos.Faults = []string{}
	now := time.Now().UTC()
	return SharedPostgres{
		Topology: config.TopologySharedPostgres, Nodes: 3, Pass: true, Reasons: []string{},
		Functional: SharedFunctional{VisibleOn: []string{"a", "b", "c"}, RestartSurvival: true},
		Burst:      SharedBurst{Writes: 400, OK: 400, Killed: "b", Restarted: true, Identical: true},
		Chaos:      &Phase4{}, Refused: map[string]int{"db_stop/1": 0}, Unanswered: map[string]int{},
		Timing: Timing{StartedAt: now, CompletedAt: now.Add(time.Second), WallSeconds: 1},
	}, c
}

func certify(t *testing.T, dir string, cfg config.Campaign, topologies ...string) {
	t.Helper()
	cfg.Topologies = topologies
	if err := WriteJSON(filepath.Join(dir, ConfigFile), cfg); err != nil {
		t.Fatal(err)
	}
}

// A run that certifies shared-postgres is green only with its artifact
// present, green and honest: missing, red or a red measurement recorded as
// a pass each make overall_pass false, with the reason.
func TestAggregateFailsClosedOnTheSharedPostgresArtifact(t *testing.T) {
	for _, tc := range []struct {
		name   string
		plant  func(t *testing.T, dir string)
		pass   bool
		reason string
	}{
		{"missing", func(t *testing.T, dir string) {}, false, "shared-postgres: shared_postgres.artifact: " + SharedPostgresFile + ": missing"},
		{"green", func(t *testing.T, dir string) {
			a, c := greenShared()
			put(t, dir, SharedPostgresFile, a)
			put(t, dir, SharedPostgresConfigFile, c)
		}, true, ""},
		{"red", func(t *testing.T, dir string) {
			a, c := greenShared()
			a.Refused["db_stop/1"] = 2
			a.Pass, a.Reasons = false, VerdictShared(&a, c)
			put(t, dir, SharedPostgresFile, a)
			put(t, dir, SharedPostgresConfigFile, c)
		}, false, "db_stop/1: 2 writes acknowledged while the database was out of reach"},
		{"red recorded as a pass", func(t *testing.T, dir string) {
			a, c := greenShared()
			a.Burst.Missing = map[string][]string{"c": {"X1"}}
			put(t, dir, SharedPostgresFile, a)
			put(t, dir, SharedPostgresConfigFile, c)
		}, false, "recorded pass:true contradicts its measured values"},
		{"no config", func(t *testing.T, dir string) {
			a, _ := greenShared()
			put(t, dir, SharedPostgresFile, a)
		}, false, SharedPostgresConfigFile + " present"},
		{"empty", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, SharedPostgresFile), nil, 0o644)
		}, false, "shared_postgres.artifact: " + SharedPostgresFile + ": empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, cfg := goodRun(t)
			certify(t, dir, cfg, config.TopologyFederated, config.TopologySharedPostgres)
			tc.plant(t, dir)
			s, err := Aggregate(dir, judges)
			if err != nil {
				t.Fatal(err)
			}
			if s.OverallPass != tc.pass || len(s.Topologies) != 1 || s.Topologies[0].Pass != tc.pass {
				t.Fatalf("overall_pass %v (want %v), topologies %+v, reasons %v", s.OverallPass, tc.pass, s.Topologies, s.Reasons)
			}
			if got := strings.Join(s.Reasons, "\n"); tc.reason != "" && !strings.Contains(got, tc.reason) {
				t.Fatalf("reasons do not say %q:\n%s", tc.reason, got)
			}
			if len(s.Status) != len(judges) {
				t.Fatalf("federated phases judged %d, want %d", len(s.Status), len(judges))
			}
		})
	}
}

// A run that certifies shared-postgres alone is judged on its artifact
// alone; one that does not certify it never reads it.
func TestAggregateJudgesOnlyTheTopologiesTheRunCertifies(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	now := time.Now().UTC()
	put(t, dir, ProvenanceFile, Provenance{BinaryName: "ai-memory", BinarySHA256: strings.Repeat("ab", 32), Version: "ai-memory 0.1.0"})
	put(t, dir, MetaFile, Meta{CampaignID: "shared", StartedAt: now, CompletedAt: now.Add(time.Second), WallSeconds: 1})
	certify(t, dir, cfg, config.TopologySharedPostgres)
	if s, _ := Aggregate(dir, judges); s.OverallPass {
		t.Fatalf("shared-postgres run without its artifact passed: %v", s.Reasons)
	}
	a, c := greenShared()
	put(t, dir, SharedPostgresFile, a)
	put(t, dir, SharedPostgresConfigFile, c)
	s, _ := Aggregate(dir, judges)
	if !s.OverallPass || len(s.Status) != 0 {
		t.Fatalf("green shared-postgres run: overall_pass %v, phases judged %d, reasons %v", s.OverallPass, len(s.Status), s.Reasons)
	}

	fed, fcfg := goodRun(t)
	a.Pass = false // red, but not certified by this run
	put(t, fed, SharedPostgresFile, a)
	certify(t, fed, fcfg, config.TopologyFederated)
	if s, _ := Aggregate(fed, judges); !s.OverallPass || len(s.Topologies) != 0 {
		t.Fatalf("federated run read shared-postgres.json: %v %+v", s.Reasons, s.Topologies)
	}
	certify(t, fed, fcfg)
	if s, _ := Aggregate(fed, judges); s.OverallPass {
		t.Fatal("a run certifying no topology passed")
	}
}

func put(t *testing.T, dir, name string, v any) {
	t.Helper()
	if err := WriteJSON(filepath.Join(dir, name), v); err != nil {
		t.Fatal(err)
	}
}
