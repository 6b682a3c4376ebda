package phases

import (
	"context"
	"fmt"
	"time"

	"github.com/aimemory/ai-memory/shipgate/report"
)

// stopGrace is how long a phase gets after its timeout to notice and
// return its partial artifact before the runner gives up on it.
const stopGrace = 15 * time.Second

// Run executes the selected phases in order and writes their artifacts to
// e.RunDir. Each phase gets its own timeout within ctx (the run deadline).
// With failFast, phases after a red one are not run. It returns the
// runner's record of every phase it started.
func Run(ctx context.Context, e *Env, failFast bool) []report.PhaseRun {
	var runs []report.PhaseRun
	e.StartPostgres(ctx)
	defer e.StopPostgres()
	for _, ph := range Registry {
		if ctx.Err() != nil {
			break
		}
		if !e.Cfg.Runs(ph.N) {
			continue
		}
		p, timeout := ph.N, ph.Timeout(e.Cfg).D()
		pr := report.PhaseRun{Phase: p}
		pr.Timing.Start()
		e.Progress.Set("phase", fmt.Sprintf("%d %s", p, ph.Name))
		e.Progress.Logf("phase %d (%s) starting", p, ph.Name)
		pctx, cancel := context.WithTimeout(ctx, timeout)
		type result struct {
			pass bool
			err  error
		}
		done := make(chan result, 1)
		go func() {
			pass, err := ph.Run(pctx, e)
			done <- result{pass, err}
		}()
		var res result
		select {
		case res = <-done:
		case <-pctx.Done():
			select {
			case res = <-done:
			case <-time.After(stopGrace):
				res.err = fmt.Errorf("did not stop within %s of its timeout (%s); no artifact", stopGrace, timeout)
			}
		}
		if pctx.Err() != nil {
			pr.TimedOut = true
			if res.err == nil {
				res.err = fmt.Errorf("cut at %s: %v", timeout, pctx.Err())
			}
		}
		cancel()
		pr.Timing.Finish()
		if res.err != nil {
			pr.Error = res.err.Error()
		}
		runs = append(runs, pr)
		verdict := "PASS"
		if !res.pass {
			verdict = "FAIL"
		}
		e.Progress.Logf("phase %d (%s) %s in %.1f s", p, ph.Name, verdict, pr.WallSeconds)
		if failFast && !res.pass {
			break
		}
	}
	return runs
}
