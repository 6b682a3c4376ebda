package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/validate"
	"github.com/aimemory/ai-memory/shipgate/validate/validatetest"
)

// goodRun writes a complete, passing run directory whose every number is
// what a clean campaign measures, with histories that agree.
func goodRun(t *testing.T) (string, config.Campaign) {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Phase4.Cycles = 2
	cfg.Phase4.MinEffectiveCycles = 2
	put := func(name string, v any) {
		if err := WriteJSON(filepath.Join(dir, name), v); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	tm := Timing{StartedAt: now, CompletedAt: now.Add(time.Second), WallSeconds: 1}
	put(ConfigFile, cfg)
	put(ProvenanceFile, Provenance{BinaryName: "ai-memory", BinarySHA256: strings.Repeat("ab", 32), Version: "ai-memory 0.1.0"})
	put(MetaFile, Meta{CampaignID: "good", StartedAt: now, CompletedAt: now.Add(4 * time.Second), WallSeconds: 4})
	for _, n := range []string{"a", "b", "c"} {
		put("phase1-node-"+n+".json", Phase1{Phase: 1, Pass: true, Reasons: []string{}, Node: n, StatsTotal: 1, RecallCount: 1,
			SnapshotCount: 1, ManifestCount: 1, RestoreOK: true, MCPToolCount: 36, RestartSurvival: true,
			Steps: []Step{{Name: "store", OK: true}}, Timing: tm})
	}
	rec := func(name string, cycles map[int][]string, class string) {
		r, err := history.Create(filepath.Join(dir, name), history.NewClock())
		if err != nil {
			t.Fatal(err)
		}
		for cy, ids := range cycles {
			for i, id := range ids {
				r.Add(history.Op{Op: history.Invoke, Proc: cy*1000 + i, Class: class, Cycle: cy})
				r.Add(history.Op{Op: history.OK, Proc: cy*1000 + i, Class: class, Cycle: cy, ID: id})
			}
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var burst []string
	for i := range 200 {
		burst = append(burst, fmt.Sprintf("A%03d", i))
	}
	rec("history-phase2.jsonl", map[int][]string{0: burst}, "")
	durable := Durability{Survivor: "b", Writes: cfg.Phase2.CrashWrites, Survived: true}
	for i := range cfg.Phase2.CrashWrites {
		durable.Acked = append(durable.Acked, fmt.Sprintf("D%03d", i))
	}
	cfg2 := cfg.Phase2
	put("phase2.json", Phase2{Phase: 2, Pass: true, Reasons: []string{}, TotalWrites: 200, ExpectedWrites: 200, OK: 200, AckedIDs: burst,
		Counts: map[string]int{"a": 200, "b": 200, "c": 200}, MissingIDs: map[string][]string{}, Converged: true,
		Probe1: "201", Probe2: "503", Probe2Detail: Probe{Status: 503, Code: "quorum_not_met", MS: float64(cfg2.QuorumTimeout.D().Milliseconds())},
		Rejoin: Rejoin{Complete: true}, History: "history-phase2.jsonl", Timing: tm,
		Consolidation: Consolidation{ID: "C1", Converged: true}, Durability: durable,
		CatchUp: CatchUp{Node: "c", Pulled: []int64{100, 100}, PulledMS: 240, Killed: true}})
	rep := json.RawMessage(`{"batches":2,"dry_run":false,"errors":[],"memories_read":1000,"memories_written":1000,"content_digest":{"source":"d1","destination":"d1"}}`)
	idem := json.RawMessage(`{"batches":2,"dry_run":false,"errors":[],"memories_read":1000,"memories_written":0,"content_digest":{"source":"d1","destination":"d1"}}`)
	sql := SQLView{Memories: 1000, Tombstones: 50, Links: 249, Records: 3, Digest: "s"}
	put("phase3.json", Phase3{Phase: 3, Pass: true, Reasons: []string{}, ReportForward: rep, ReportIdempotent: idem, ReportReverse: rep,
		SrcCount: 950, DstCount: 950, Seeded: 1000, Updated: 100, Deleted: 50, Records: 3, SeededLinks: 249, SrcLinks: 249, DstLinks: 249,
		SrcDigest: "x", DstDigest: "x", SQLSource: sql, SQLPostgres: sql, SQLRoundTrip: sql,
		Steps: []Step{{Name: "seed", OK: true}}, Timing: tm})
	p4 := Phase4{Phase: 4, Pass: true, Reasons: []string{}, CyclesPerFault: 2, Timing: tm, ClockStartUnixMS: validatetest.ChaosStart}
	for _, f := range config.AllFaults {
		r, err := history.Create(filepath.Join(dir, "history-phase4-"+f+".jsonl"), history.NewClock())
		if err != nil {
			t.Fatal(err)
		}
		dw, err := CreateDumps(filepath.Join(dir, DumpsFile(f)))
		if err != nil {
			t.Fatal(err)
		}
		for cy := 1; cy <= 2; cy++ {
			ops, dumps := validatetest.ChaosCycle(f, cy, false)
			for _, o := range ops {
				r.Add(o)
			}
			dw.Add(cy, dumps)
			c := Cycle{Fault: f, Cycle: cy, Victims: []string{"a", "b"}, Ops: 3, OK: 1, Unknown: 2, Valid: true, Injected: true,
				FaultAtMS: 5, HealAtMS: 50, FaultMS: 45, SkewMS: 3600_000, DelayMS: 20, Dropped: 1, BytesCut: 1,
				Check: validate.Check(ops, dumps), Converged: true}
			c.AckedWrites = c.Check.AckedWrites
			c.Effective, c.EffectEvidence = validate.Effective(ops, EffectWindow(c, validatetest.ChaosStart))
			if !c.Effective {
				t.Fatalf("fixture cycle of %s shows no effect: %s", f, c.EffectEvidence)
			}
			p4.Cycles = append(p4.Cycles, c)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if err := dw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	put("phase4.json", p4)
	return dir, cfg
}

// judges is the aggregator's view of the four phases, as package phases
// lists them in its registry (which imports this package, so the tests
// here cannot use it).
var judges = []Judge{
	{N: 1, Name: "functional", Artifacts: []string{"phase1-node-a.json", "phase1-node-b.json", "phase1-node-c.json"}, Verdict: JudgeFunctional},
	{N: 2, Name: "federation", Artifacts: []string{"phase2.json"}, Verdict: JudgeFederation, Evidence: FederationEvidence},
	{N: 3, Name: "migration", Artifacts: []string{"phase3.json"}, Verdict: JudgeMigration},
	{N: 4, Name: "chaos", Artifacts: []string{"phase4.json"}, Verdict: JudgeChaos, Evidence: ChaosEvidence},
}

func aggregate(t *testing.T, dir string) *Summary {
	t.Helper()
	s, err := Aggregate(dir, judges)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mustFail requires the run to be red with the check id among the failing
// ones and, when given, its reasons mentioning each detail.
func mustFail(t *testing.T, dir, id string, details ...string) {
	t.Helper()
	s := aggregate(t, dir)
	if s.OverallPass {
		t.Fatalf("planted failure %s aggregated to overall_pass true", id)
	}
	all := append([]Check{}, s.Checks...)
	for _, st := range s.Status {
		all = append(all, st.Checks...)
	}
	if failed := FailedIDs(all); !slices.Contains(failed, id) {
		t.Fatalf("check %s did not fail; failing: %v\nreasons:\n%s", id, failed, strings.Join(s.Reasons, "\n"))
	}
	for _, d := range details {
		if !strings.Contains(strings.Join(s.Reasons, "\n"), d) {
			t.Fatalf("reasons do not mention %q:\n%s", d, strings.Join(s.Reasons, "\n"))
		}
	}
}

func edit[T any](t *testing.T, dir, name string, f func(*T)) {
	t.Helper()
	var v T
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	f(&v)
	if err := WriteJSON(filepath.Join(dir, name), &v); err != nil {
		t.Fatal(err)
	}
}

func TestGoodRunPasses(t *testing.T) {
	dir, _ := goodRun(t)
	s := aggregate(t, dir)
	if !s.OverallPass {
		t.Fatalf("clean run failed: %v", s.Reasons)
	}
	if len(s.Phases) != 6 || len(s.Status) != 4 {
		t.Fatalf("phases %d status %d", len(s.Phases), len(s.Status))
	}
}

func TestPhase2NodeMissingIDs(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase2.json", func(p *Phase2) {
		p.Counts["b"] = 199
		p.MissingIDs["b"] = []string{"A004"}
	})
	mustFail(t, dir, "federation.acked_present", "node-b holds every acknowledged id: 199 of 200; lost ids: A004")
}

func TestPhase2Probe201When503Due(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase2.json", func(p *Phase2) {
		p.Probe2, p.Probe2Detail = "201", Probe{Status: 201, ID: "X"}
	})
	mustFail(t, dir, "federation.probe2", "both peers down: the write is refused: 201")
}

func TestPhase2ConsolidationNotReplicated(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase2.json", func(p *Phase2) {
		p.Consolidation = Consolidation{ID: "C1", Node: "b", Lacking: []string{"a", "c"}}
	})
	mustFail(t, dir, "federation.consolidation", "C1 on node-b not replicated")
}

func TestPhase2CrashAfterAckLosesWrite(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase2.json", func(p *Phase2) {
		p.Durability.Survived, p.Durability.Missing = false, []string{"D007"}
	})
	mustFail(t, dir, "federation.crash_after_ack", "1 of 100 acknowledged by node-a and node-b lost when both were SIGKILLed: D007")
	// Fewer writes than the campaign asks for prove less.
	dir, _ = goodRun(t)
	edit(t, dir, "phase2.json", func(p *Phase2) { p.Durability.Acked = p.Durability.Acked[:1] })
	mustFail(t, dir, "federation.crash_after_ack", "1 of 100 writes acknowledged with one peer down")
}

func TestPhase2AckCountedTwice(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase2.json", func(p *Phase2) { p.Probe1Detail.QuorumAcks = 4 })
	mustFail(t, dir, "federation.probe1_acks")
}

func TestPhase2ListingOmitsIDs(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase2.json", func(p *Phase2) {
		p.UnlistedIDs = map[string][]string{"a": {"A1", "A2"}}
		p.Listed = map[string]int{"a": 2}
	})
	mustFail(t, dir, "federation.list_complete", "node-a lists every id it holds: 2 omitted")
}

func TestPhase3DigestMismatch(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase3.json", func(p *Phase3) { p.DstDigest = "y" })
	mustFail(t, dir, "migration.export_digest")
	dir, _ = goodRun(t)
	edit(t, dir, "phase3.json", func(p *Phase3) {
		p.ReportReverse = json.RawMessage(`{"errors":["boom"],"memories_read":1000,"memories_written":1000,"content_digest":{"source":"d1","destination":"d2"}}`)
	})
	mustFail(t, dir, "migration.reverse.errors", "boom")
	mustFail(t, dir, "migration.reverse.digest")
}

func TestPhase4LostAcknowledgedWrite(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase4.json", func(p *Phase4) {
		c := &p.Cycles[0]
		c.Check.Lost = 1
		c.Check.Findings = []validate.Finding{{Check: validate.CheckLost, Key: "k01", ID: "lost-id", Node: "c", Detail: "absent"}}
	})
	mustFail(t, dir, "chaos.kill_node.lost", "lost-id")
	mustFail(t, dir, "chaos.kill_node.max_lost", "1 of n=")
}

func TestPhase4HistoryDisagrees(t *testing.T) {
	dir, _ := goodRun(t)
	// An acknowledged write the artifact does not count.
	f, err := os.OpenFile(filepath.Join(dir, "history-phase4-drop_acks.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"op":"invoke","kind":"put","proc":1099,"t_ms":60,"phase":4,"cycle":1,"node":"c","key":"k9","value":"k9 v1"}` + "\n" +
		`{"op":"ok","kind":"put","proc":1099,"t_ms":61,"phase":4,"cycle":1,"node":"c","key":"k9","id":"extra","version":5}` + "\n")
	f.Close()
	mustFail(t, dir, "chaos.drop_acks.evidence", "drop_acks cycle 1: history acknowledges 2 operations, artifact says 1",
		"drop_acks cycle 1: the checker over the history and dumps gives")
}

func TestPhase4ArtifactHidesAViolation(t *testing.T) {
	dir, _ := goodRun(t)
	// The node dumps hold a duplicate that the artifact's counts leave out.
	b, _ := os.ReadFile(filepath.Join(dir, DumpsFile(config.KillNode)))
	b = []byte(strings.Replace(string(b), `"items":[{"id":"kill_node-1"`, `"items":[{"id":"dup","key":"k1","value":"k1 v1","version":1},{"id":"kill_node-1"`, 1))
	os.WriteFile(filepath.Join(dir, DumpsFile(config.KillNode)), b, 0o644)
	mustFail(t, dir, "chaos.kill_node.evidence", "kill_node cycle 1: the checker over the history and dumps gives")
}

func TestPhase4EffectIsRecomputed(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase4.json", func(p *Phase4) {
		for i := range p.Cycles {
			if p.Cycles[i].Fault == config.DropAcks {
				p.Cycles[i].Dropped = 0 // no answer lost: the cycle showed nothing
			}
		}
	})
	mustFail(t, dir, "chaos.drop_acks.evidence", "drop_acks cycle 1: the history says effective=false")
}

func TestPhase4CheckerViolationIsRed(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase4.json", func(p *Phase4) {
		p.Cycles[3].Check.Duplicates = 1
		p.Cycles[3].Check.Findings = []validate.Finding{{Check: validate.CheckDuplicates, Key: "k03", Detail: "two ids"}}
	})
	mustFail(t, dir, "chaos.kill_majority.duplicates", "key k03")
}

func TestPhase4InvalidWhenFaultHadNoEffect(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase4.json", func(p *Phase4) {
		for i := range p.Cycles {
			if p.Cycles[i].Fault == config.PartitionMinority && p.Cycles[i].Cycle == 2 {
				p.Cycles[i].Effective = false
			}
		}
	})
	mustFail(t, dir, "chaos.partition_minority.effective", "1 effective of 2 valid")
}

func TestPhase4SkippedClassIsNeverPassed(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase4.json", func(p *Phase4) { p.Skipped = map[string]string{config.PowerLoss: "no /dev/fuse"} })
	mustFail(t, dir, "chaos.power_loss.ran", "skipped: no /dev/fuse")
}

func TestPhase4AckDuringDiskFaultIsRed(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase4.json", func(p *Phase4) {
		for i := range p.Cycles {
			if p.Cycles[i].Fault == config.DiskFull {
				p.Cycles[i].AckedDuringDiskFault, p.Cycles[i].Victims = 1, []string{"b"}
				return
			}
		}
	})
	mustFail(t, dir, "chaos.disk_full.acked_during_disk_fault")
}

func TestPhase4MissingClassIsRed(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase4.json", func(p *Phase4) {
		var keep []Cycle
		for _, c := range p.Cycles {
			if c.Fault != config.ClockSkew {
				keep = append(keep, c)
			}
		}
		p.Cycles = keep
	})
	mustFail(t, dir, "chaos.clock_skew.ran", "0 of 2 cycles")
}

func TestHandEditedPassIsRecomputed(t *testing.T) {
	dir, _ := goodRun(t)
	edit(t, dir, "phase1-node-c.json", func(p *Phase1) { p.MCPToolCount = 12 }) // pass stays true
	mustFail(t, dir, "functional.mcp_tools", "phase1-node-c: MCP tools listed (all pages): 12 (want ≥ 36)")
	mustFail(t, dir, "functional.recorded", "recorded pass:true contradicts")
}

func TestBrokenArtifactsFailClosed(t *testing.T) {
	for name, write := range map[string]func(string){
		"missing":     func(p string) { os.Remove(p) },
		"empty":       func(p string) { os.WriteFile(p, nil, 0o644) },
		"unparsable":  func(p string) { os.WriteFile(p, []byte(`{"phase":2,"pass":tr`), 0o644) },
		"array":       func(p string) { os.WriteFile(p, []byte(`[]`), 0o644) },
		"wrong phase": func(p string) { os.WriteFile(p, []byte(`{"phase":3,"pass":true,"reasons":[]}`), 0o644) },
	} {
		wantID := "federation.artifact"
		if name == "wrong phase" {
			wantID = "federation.artifact_phase"
		}
		t.Run(name, func(t *testing.T) {
			dir, _ := goodRun(t)
			write(filepath.Join(dir, "phase2.json"))
			mustFail(t, dir, wantID)
		})
	}
	t.Run("no phase files at all", func(t *testing.T) {
		dir, _ := goodRun(t)
		for _, f := range []string{"phase1-node-a.json", "phase1-node-b.json", "phase1-node-c.json", "phase2.json", "phase3.json", "phase4.json"} {
			os.Remove(filepath.Join(dir, f))
		}
		mustFail(t, dir, "functional.artifact", "missing")
	})
	t.Run("one phase-1 node missing", func(t *testing.T) {
		dir, _ := goodRun(t)
		os.Remove(filepath.Join(dir, "phase1-node-b.json"))
		mustFail(t, dir, "functional.artifact", "phase1-node-b.json: missing")
	})
	t.Run("history unparsable", func(t *testing.T) {
		dir, _ := goodRun(t)
		os.WriteFile(filepath.Join(dir, "history-phase2.jsonl"), []byte("garbage\n"), 0o644)
		mustFail(t, dir, "federation.history", "not a history line")
	})
	t.Run("no provenance", func(t *testing.T) {
		dir, _ := goodRun(t)
		os.Remove(filepath.Join(dir, ProvenanceFile))
		mustFail(t, dir, "campaign.provenance")
	})
	t.Run("run did not finish", func(t *testing.T) {
		dir, _ := goodRun(t)
		os.Remove(filepath.Join(dir, MetaFile))
		mustFail(t, dir, "campaign.finished")
	})
	t.Run("timed out phase", func(t *testing.T) {
		dir, _ := goodRun(t)
		edit(t, dir, "phase3.json", func(p *Phase3) { p.TimedOut = true })
		mustFail(t, dir, "migration.in_time")
	})
}

func TestNotRunPhaseIsRed(t *testing.T) {
	dir, cfg := goodRun(t)
	cfg.Phases = []int{1, 2, 3}
	if err := WriteJSON(filepath.Join(dir, ConfigFile), cfg); err != nil {
		t.Fatal(err)
	}
	mustFail(t, dir, "chaos.run")
}
