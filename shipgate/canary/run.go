package canary

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/shipgate/phases"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// Options configure a canary run.
type Options struct {
	Only   []string // canary names; empty means all
	Cycles int      // phase-4 cycles per class (0: the campaign default)
	Repeat int      // campaigns per canary (0 or 1: one)
	OutDir string   // campaigns and canary-summary.json go here
	// Command starts one campaign: normally the ship-gate executable with
	// "run" and any extra run flags. The canary appends --node-args (the
	// fault switch), --campaign-id, --out, and --faults and --cycles when
	// set. Every phase runs: no --fail-fast.
	Command []string
	Log     io.Writer
}

// Run executes the selected canaries, Repeat rounds of one campaign each.
func Run(ctx context.Context, o Options) (*Summary, error) {
	selected, err := selectCanaries(o.Only)
	if err != nil {
		return nil, err
	}
	if len(o.Command) == 0 || o.OutDir == "" {
		return nil, memory.Errorf(memory.CodeInvalid, "canary needs a campaign command and an output directory")
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	o.Repeat = max(o.Repeat, 1)
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, err
	}
	s := &Summary{Total: len(selected), Repeat: o.Repeat, Cycles: o.Cycles, StartedAt: time.Now().UTC(), Canaries: []Result{}}
	for _, c := range selected {
		s.Canaries = append(s.Canaries, Result{Name: c.Fault, Why: c.Why, Catch: c.Catch, Quiet: nz(c.Quiet), Faults: c.Faults,
			MinCycles: c.MinCycles, Attempts: []Attempt{}})
	}
	stamp := s.StartedAt.Format("20060102T150405Z")
	for round := 1; round <= o.Repeat; round++ {
		for i, c := range selected {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			id := fmt.Sprintf("canary-%s-%s-r%d", c.Fault, stamp, round)
			a, err := runOne(ctx, o, c, id)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(o.Log, "canary %s round %d: caught=%v %s\n", c.Fault, round, a.Caught, a.Reason)
			s.Canaries[i].Attempts = append(s.Canaries[i].Attempts, a)
			s.tally()
			// Written after each campaign, so a long matrix shows progress
			// and a crash keeps what was learned.
			if err := s.write(o.OutDir); err != nil {
				return nil, err
			}
		}
	}
	s.CompletedAt = time.Now().UTC()
	s.WallSeconds = s.CompletedAt.Sub(s.StartedAt).Seconds()
	s.tally()
	return s, s.write(o.OutDir)
}

func selectCanaries(only []string) ([]Canary, error) {
	if len(only) == 0 {
		return All, nil
	}
	var out []Canary
	for _, n := range only {
		c, ok := Find(n)
		if !ok {
			var names []string
			for _, c := range All {
				names = append(names, c.Fault)
			}
			return nil, memory.Errorf(memory.CodeInvalid, "unknown canary %q (known: %s)", n, strings.Join(names, ", "))
		}
		out = append(out, c)
	}
	return out, nil
}

func runOne(ctx context.Context, o Options, c Canary, id string) (Attempt, error) {
	a := Attempt{CampaignID: id, Phases: []PhaseOutcome{}}
	args := append(slices.Clone(o.Command[1:]),
		"--node-args", "--unsafe-fault-injection --fault "+c.Fault, "--campaign-id", id, "--out", o.OutDir)
	if len(c.Faults) > 0 {
		args = append(args, "--faults", strings.Join(c.Faults, ","))
	}
	if o.Cycles > 0 {
		args = append(args, "--cycles", strconv.Itoa(max(o.Cycles, c.MinCycles)))
	}
	cmd := exec.CommandContext(ctx, o.Command[0], args...)
	cmd.Stdout, cmd.Stderr = o.Log, o.Log
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 2 * time.Minute
	start := time.Now()
	runErr := cmd.Run()
	a.WallSeconds = time.Since(start).Seconds()
	if ctx.Err() != nil {
		return a, ctx.Err()
	}
	a.ExitCode = -1
	if cmd.ProcessState != nil {
		a.ExitCode = cmd.ProcessState.ExitCode()
	}
	// The verdict is recomputed from the campaign's evidence, as the gate
	// does, never read from what the campaign wrote of itself.
	s, err := phases.Aggregate(filepath.Join(o.OutDir, id))
	if err != nil || s.Provenance == nil {
		a.Reason = fmt.Sprintf("the campaign left no evidence (exit %d: %v %v): a crash is not a catch", a.ExitCode, runErr, err)
		return a, nil
	}
	a.Commit, a.BinarySHA256 = commit(s.Provenance), s.Provenance.BinarySHA256
	judge(&a, c, s)
	return a, nil
}

// commit is the tested commit: the one stamped into the binary, else the
// checkout's.
func commit(p *report.Provenance) string {
	if p.BinaryVCSRevision != "" {
		return p.BinaryVCSRevision
	}
	return p.GitCommit
}

func nz(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}
