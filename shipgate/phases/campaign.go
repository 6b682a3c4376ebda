package phases

import (
	"context"
	"fmt"
	"path/filepath"
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
	timeouts := map[int]time.Duration{1: e.Cfg.Phase1.Timeout.D(), 2: e.Cfg.Phase2.Timeout.D(),
		3: e.Cfg.Phase3.Timeout.D(), 4: e.Cfg.Phase4.Timeout.D()}
	for _, p := range e.Cfg.Phases {
		if ctx.Err() != nil {
			break
		}
		pr := report.PhaseRun{Phase: p}
		pr.Timing.Start()
		e.Progress.Set("phase", fmt.Sprintf("%d %s", p, report.PhaseNames[p]))
		e.Progress.Logf("phase %d (%s) starting", p, report.PhaseNames[p])
		pctx, cancel := context.WithTimeout(ctx, timeouts[p])
		type result struct {
			pass bool
			err  error
		}
		done := make(chan result, 1)
		go func() {
			pass, err := e.runPhase(pctx, p)
			done <- result{pass, err}
		}()
		var res result
		select {
		case res = <-done:
		case <-pctx.Done():
			select {
			case res = <-done:
			case <-time.After(stopGrace):
				res.err = fmt.Errorf("did not stop within %s of its timeout (%s); no artifact", stopGrace, timeouts[p])
			}
		}
		if pctx.Err() != nil {
			pr.TimedOut = true
			if res.err == nil {
				res.err = fmt.Errorf("cut at %s: %v", timeouts[p], pctx.Err())
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
		e.Progress.Logf("phase %d (%s) %s in %.1f s", p, report.PhaseNames[p], verdict, pr.WallSeconds)
		if failFast && !res.pass {
			break
		}
	}
	return runs
}

// runPhase runs phase p and writes its artifact(s).
func (e *Env) runPhase(ctx context.Context, p int) (bool, error) {
	path := func(name string) string { return filepath.Join(e.RunDir, name) }
	switch p {
	case 1:
		pass := true
		for _, a := range Phase1(ctx, e) {
			if err := report.WriteJSON(path(fmt.Sprintf("phase1-node-%s.json", a.Node)), a); err != nil {
				return false, err
			}
			pass = pass && a.Pass
			for _, r := range a.Reasons {
				e.Progress.Logf("phase 1 node %s: %s", a.Node, r)
			}
		}
		return pass, nil
	case 2:
		a := Phase2(ctx, e)
		e.logReasons(2, a.Reasons)
		return a.Pass, report.WriteJSON(path("phase2.json"), a)
	case 3:
		a := Phase3(ctx, e)
		e.logReasons(3, a.Reasons)
		return a.Pass, report.WriteJSON(path("phase3.json"), a)
	case 4:
		a := Phase4(ctx, e)
		e.logReasons(4, a.Reasons)
		return a.Pass, report.WriteJSON(path("phase4.json"), a)
	}
	return false, fmt.Errorf("no phase %d", p)
}

func (e *Env) logReasons(p int, rs []string) {
	for _, r := range rs {
		e.Progress.Logf("phase %d: %s", p, r)
	}
}
