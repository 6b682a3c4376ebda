package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/shipgate/gate"
	"github.com/aimemory/ai-memory/shipgate/render"
)

// Options configure a soak.
type Options struct {
	Runs      int           // campaigns in the soak window
	Every     time.Duration // cadence: run n starts no earlier than start + (n-1)*Every
	StatePath string
	OutDir    string // campaigns are written to OutDir/<Prefix>-r<n>
	Prefix    string
	// Command starts one campaign; the soak appends --campaign-id and --out.
	// Normally the ship-gate executable itself with "run" and RunArgs.
	Command []string
	RunArgs []string // recorded in the state; part of Command
	Log     io.Writer
}

// Run executes the soak until Runs campaigns are recorded (resuming from
// the state file), then writes soak-summary.json, the soak page and the
// dashboard into OutDir.
func Run(ctx context.Context, o Options) (*Summary, error) {
	if o.Runs < 1 || o.Every < 0 || o.StatePath == "" || o.OutDir == "" || len(o.Command) == 0 {
		return nil, memory.Errorf(memory.CodeInvalid, "soak needs --runs >= 1, --every >= 0, --state, --out and a campaign command")
	}
	if o.Prefix == "" {
		o.Prefix = "soak"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, err
	}
	st, err := loadState(o.StatePath)
	if err != nil {
		return nil, err
	}
	if st == nil {
		st = &State{StartedAt: time.Now().UTC(), Prefix: o.Prefix, OutDir: o.OutDir, RunArgs: o.RunArgs}
	} else if err := st.compatible(o); err != nil {
		return nil, err
	}
	st.Runs, st.Every = o.Runs, o.Every.String()
	if st.Current != nil {
		// Killed mid-run: count it, red, and move on to a fresh id.
		rec := *st.Current
		rec.Outcome, rec.Infra = OutcomeInterrupted, true
		rec.Reasons = append(rec.Reasons, "the soak was stopped while this campaign ran")
		st.Records, st.Current = append(st.Records, rec), nil
		fmt.Fprintf(o.Log, "soak: run %d (%s) was interrupted; recorded as an infrastructure failure\n", rec.N, rec.CampaignID)
	}
	if err := st.save(o.StatePath); err != nil {
		return nil, err
	}
	for len(st.Records) < o.Runs {
		n := len(st.Records) + 1
		if last := lastStart(st); !last.IsZero() && o.Every > 0 {
			if err := sleepUntil(ctx, last.Add(o.Every)); err != nil {
				return nil, err
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		id := fmt.Sprintf("%s-r%d", o.Prefix, n)
		rec := Record{N: n, CampaignID: id, Dir: filepath.Join(o.OutDir, id), StartedAt: time.Now().UTC()}
		st.Current = &rec
		if err := st.save(o.StatePath); err != nil {
			return nil, err
		}
		fmt.Fprintf(o.Log, "soak: run %d/%d: %s\n", n, o.Runs, id)
		code, runErr := runCampaign(ctx, o, id)
		if ctx.Err() != nil {
			// Leave Current set: the resumed soak records it as interrupted.
			return nil, ctx.Err()
		}
		rec.EndedAt = time.Now().UTC()
		rec.WallSeconds = rec.EndedAt.Sub(rec.StartedAt).Seconds()
		rec.ExitCode = code
		judge(&rec, runErr)
		if err := render.RunPage(rec.Dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(o.Log, "soak: render %s: %v\n", rec.Dir, err)
		}
		st.Records, st.Current = append(st.Records, rec), nil
		if err := st.save(o.StatePath); err != nil {
			return nil, err
		}
		fmt.Fprintf(o.Log, "soak: run %d: %s in %.1f s (exit %d)\n", n, rec.Outcome, rec.WallSeconds, code)
	}
	sum := Summarize(st)
	return sum, writeOutputs(o.OutDir, sum)
}

func lastStart(st *State) time.Time {
	if len(st.Records) == 0 {
		return time.Time{}
	}
	return st.Records[len(st.Records)-1].StartedAt
}

func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// runCampaign execs one campaign and returns its exit code. Cancellation
// sends SIGTERM so the campaign tears its cluster down, then SIGKILL after
// a grace period.
func runCampaign(ctx context.Context, o Options, id string) (int, error) {
	args := append(append([]string{}, o.Command[1:]...), "--campaign-id", id, "--out", o.OutDir)
	cmd := exec.CommandContext(ctx, o.Command[0], args...)
	cmd.Stdout, cmd.Stderr = o.Log, o.Log
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 2 * time.Minute
	err := cmd.Run()
	if cmd.ProcessState == nil {
		return -1, err // never started
	}
	return cmd.ProcessState.ExitCode(), err
}

// judge classifies a finished campaign from its evidence, strictly: the
// exit code is a witness, never the verdict.
func judge(rec *Record, runErr error) {
	if _, err := os.Stat(rec.Dir); err != nil {
		rec.Outcome, rec.Infra = render.OutcomeNoEvidence, true
		rec.Reasons = []string{fmt.Sprintf("no run directory (exit %d: %v)", rec.ExitCode, runErr)}
		return
	}
	run, err := gate.LoadRun(rec.Dir)
	if err != nil {
		rec.Outcome, rec.Infra, rec.Reasons = render.OutcomeNoEvidence, true, []string{err.Error()}
		return
	}
	rec.Outcome = render.Outcome(run)
	rec.Infra = rec.Outcome == render.OutcomeNoEvidence
	rec.Reasons = run.Failures()
	if rec.Outcome == render.OutcomePass && rec.ExitCode != 0 {
		rec.Outcome = render.OutcomeFail
		rec.Reasons = append(rec.Reasons, fmt.Sprintf("evidence passes but the campaign exited %d", rec.ExitCode))
	}
	if rec.Outcome != render.OutcomePass && rec.ExitCode == 0 {
		rec.Reasons = append(rec.Reasons, "the campaign exited 0 although its evidence does not pass")
	}
	if len(rec.Reasons) > 8 {
		rec.Reasons = append(rec.Reasons[:8], fmt.Sprintf("... and %d more", len(rec.Reasons)-8))
	}
	rec.PhaseWall = phaseWalls(run)
	rec.LostWrites = lostWrites(run)
}
