// Package phases runs the four phases of a ship-gate campaign against real
// ai-memory processes and returns their artifacts, judged by package report.
package phases

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// Progress receives live status. Set replaces one named field of the status
// line (phase, cycle, writes, faults); Logf writes an event.
type Progress interface {
	Set(key, value string)
	Logf(format string, args ...any)
}

// Env is what every phase needs.
type Env struct {
	Cfg      config.Campaign
	Sup      *cluster.Supervisor
	Provider cluster.Provider
	Binary   string
	ShipGate string // serves the disk layer ("" is this executable)
	Version  string // `ai-memory --version`
	RunDir   string // artifacts
	WorkDir  string // node data; removed at teardown
	Clock    *history.Clock
	Progress Progress
	Host     string

	pg *pgServer
}

// nodeOptions are serve settings for phase p.
func (e *Env) nodeOptions(p int, w int, quorumTimeout, syncInterval time.Duration) cluster.NodeOptions {
	n := e.Cfg.Node
	return cluster.NodeOptions{
		Binary: e.Binary, QuorumWrites: w, QuorumTimeout: quorumTimeout, SyncInterval: syncInterval,
		Extra: e.Cfg.ServeArgs(p), StartTimeout: n.StartTimeout.D(), HealthPoll: n.HealthPoll.D(), StopGrace: n.StopGrace.D(),
		DiskBinary: e.ShipGate,
	}
}

// cli runs one ai-memory command against db and returns its stdout.
func (e *Env) cli(ctx context.Context, dir, db string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, e.Cfg.Phase1.CommandTimeout.D())
	defer cancel()
	full := append([]string{"--db", db}, args...)
	out, _, err := e.Sup.Run(ctx, cluster.ProcSpec{
		Name: "ai-memory " + args[0], Path: e.Binary, Args: full, Dir: dir,
		Env: []string{"HOME=" + dir, "AI_MEMORY_DB=" + db},
	})
	return out, err
}

// steps records timed steps of a phase.
type steps struct{ list []report.Step }

func (s *steps) do(name string, f func() error) error {
	start := time.Now()
	err := f()
	st := report.Step{Name: name, OK: err == nil, MS: ms(time.Since(start))}
	if err != nil {
		st.Error = err.Error()
		if len(st.Error) > 600 {
			st.Error = st.Error[:600] + "..."
		}
	}
	s.list = append(s.list, st)
	return err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mkdir(parts ...string) (string, error) {
	d := filepath.Join(parts...)
	return d, os.MkdirAll(d, 0o755)
}

// decode parses a command's JSON output, quoting it on failure.
func decode(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		s := strings.TrimSpace(string(b))
		if len(s) > 300 {
			s = s[:300] + "..."
		}
		return fmt.Errorf("unparsable JSON (%v): %q", err, s)
	}
	return nil
}
