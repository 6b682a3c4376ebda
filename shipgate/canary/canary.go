// Package canary proves the gate can fail: it runs the campaign once per
// planted bug (an ai-memory fault-injection switch on every node) and
// passes only when each bug turns the campaign red in the phase that is
// meant to catch it, with a reason naming the symptom. A bug the campaign
// lets through is a failure of the gate, never of the canary.
package canary

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/faults"
	"github.com/aimemory/ai-memory/shipgate/gate"
	"github.com/aimemory/ai-memory/shipgate/render"
)

// Canary is one planted bug and what must catch it.
type Canary struct {
	Name   string         // the serve --fault switch
	Expect []int          // phases allowed to catch it
	Reason *regexp.Regexp // a failure reason of such a phase must match
	Why    string         // what the bug does, for the page
}

// All lists the planted bugs, in the order they run.
var All = []Canary{
	{faults.CancelFanoutAfterQuorum, []int{2, 4}, regexp.MustCompile(`(?i)lost ids|acknowledged writes lost`),
		"pushes still owed to peers are cancelled once W acks arrive: acknowledged writes never reach some nodes"},
	{faults.DoubleCountAck, []int{2}, regexp.MustCompile(`(?i)probe2 .*want 503|counted twice|acknowledged writes lost|lost ids`),
		"every ack counts twice, so W=2 is reported with one real copy: a write with both peers down succeeds"},
	{faults.SkipReplicateConsolidate, []int{2, 4}, regexp.MustCompile(`(?i)consolidat`),
		"a pushed consolidation is answered 2xx but not applied: silent divergence between nodes"},
	{faults.AckBeforeDurable, []int{2, 4}, regexp.MustCompile(`(?i)crash after ack|acknowledged writes lost|lost ids`),
		"a peer acknowledges a copy before it is durable: a crash right after the ack loses an acknowledged write"},
	{faults.ListCap20, []int{2}, regexp.MustCompile(`(?i)list endpoint omit`),
		"the list endpoint silently stops at 20 rows: the gate must see the cap, not report a bogus 0.2"},
}

// Find returns the canary named name.
func Find(name string) (Canary, bool) {
	i := slices.IndexFunc(All, func(c Canary) bool { return c.Name == name })
	if i < 0 {
		return Canary{}, false
	}
	return All[i], true
}

// Options configure a canary run.
type Options struct {
	Only   []string // canary names; empty means all
	Cycles int      // phase-4 cycles per class (0: the campaign default)
	OutDir string   // campaigns and canary-summary.json go here
	// Command starts one campaign: normally the ship-gate executable with
	// "run" and any extra run flags. The canary appends --node-args (the
	// fault switches), --fail-fast, --campaign-id, --out and --cycles.
	Command []string
	Log     io.Writer
}

// Result is one canary's outcome.
type Result struct {
	Name        string  `json:"name"`
	Why         string  `json:"why"`
	CampaignID  string  `json:"campaign_id"`
	CampaignDir string  `json:"campaign_dir"`
	Expected    []int   `json:"expected_phases"`
	RedPhases   []int   `json:"red_phases"`
	Outcome     string  `json:"outcome"`
	ExitCode    int     `json:"exit_code"`
	Caught      bool    `json:"caught"`
	Reason      string  `json:"reason"` // the matching reason, or why it was not caught
	WallSeconds float64 `json:"wall_seconds"`
}

// Summary is canary-summary.json.
type Summary struct {
	Pass        bool      `json:"pass"`
	Caught      int       `json:"caught"`
	Total       int       `json:"total"`
	Cycles      int       `json:"cycles"`
	StartedAt   time.Time `json:"started_at"`
	CompletedAt time.Time `json:"completed_at"`
	WallSeconds float64   `json:"wall_seconds"`
	Canaries    []Result  `json:"canaries"`
}

// SummaryFile is written into OutDir.
const SummaryFile = render.CanarySummaryFile

// Run executes the selected canaries one after another.
func Run(ctx context.Context, o Options) (*Summary, error) {
	var selected []Canary
	if len(o.Only) == 0 {
		selected = All
	}
	for _, n := range o.Only {
		c, ok := Find(n)
		if !ok {
			names := []string{}
			for _, c := range All {
				names = append(names, c.Name)
			}
			return nil, memory.Errorf(memory.CodeInvalid, "unknown canary %q (known: %s)", n, strings.Join(names, ", "))
		}
		selected = append(selected, c)
	}
	if len(o.Command) == 0 || o.OutDir == "" {
		return nil, memory.Errorf(memory.CodeInvalid, "canary needs a campaign command and an output directory")
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, err
	}
	s := &Summary{Total: len(selected), Cycles: o.Cycles, StartedAt: time.Now().UTC(), Canaries: []Result{}}
	stamp := s.StartedAt.Format("20060102T150405Z")
	for _, c := range selected {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		res, err := runOne(ctx, o, c, "canary-"+c.Name+"-"+stamp)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(o.Log, "canary %s: caught=%v red phases %v: %s\n", c.Name, res.Caught, res.RedPhases, res.Reason)
		s.Canaries = append(s.Canaries, res)
		if res.Caught {
			s.Caught++
		}
		// Write after each canary so a long matrix shows progress and a
		// crash keeps what was learned.
		if err := s.write(o.OutDir); err != nil {
			return nil, err
		}
	}
	s.CompletedAt = time.Now().UTC()
	s.WallSeconds = s.CompletedAt.Sub(s.StartedAt).Seconds()
	s.Pass = s.Total > 0 && s.Caught == s.Total
	if err := s.write(o.OutDir); err != nil {
		return nil, err
	}
	// The canary campaigns get their own dashboard; the parent dashboard
	// shows the canary table.
	if _, err := render.Index(o.OutDir); err != nil {
		return s, err
	}
	_, err := render.Index(filepath.Dir(filepath.Clean(o.OutDir)))
	return s, err
}

func runOne(ctx context.Context, o Options, c Canary, id string) (Result, error) {
	res := Result{Name: c.Name, Why: c.Why, CampaignID: id, CampaignDir: id, Expected: c.Expect, RedPhases: []int{}}
	// --fail-fast: once a phase is red the verdict is known, and the later
	// phases would only spend minutes of a shared machine.
	args := append(append([]string{}, o.Command[1:]...),
		"--node-args", "--unsafe-fault-injection --fault "+c.Name,
		"--fail-fast", "--campaign-id", id, "--out", o.OutDir)
	if o.Cycles > 0 {
		args = append(args, "--cycles", strconv.Itoa(o.Cycles))
	}
	cmd := exec.CommandContext(ctx, o.Command[0], args...)
	cmd.Stdout, cmd.Stderr = o.Log, o.Log
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 2 * time.Minute
	start := time.Now()
	runErr := cmd.Run()
	res.WallSeconds = time.Since(start).Seconds()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	res.ExitCode = -1
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	dir := filepath.Join(o.OutDir, id)
	run, err := gate.LoadRun(dir)
	if err != nil {
		res.Outcome = render.OutcomeNoEvidence
		res.Reason = fmt.Sprintf("the campaign left no evidence (exit %d: %v): a crash is not a catch", res.ExitCode, runErr)
		return res, nil
	}
	if err := render.RunPage(dir); err != nil {
		fmt.Fprintf(o.Log, "canary %s: render: %v\n", c.Name, err)
	}
	judge(&res, c, run)
	return res, nil
}

// judge decides whether the planted bug was caught: the campaign is red,
// one of the expected phases failed, and one of its reasons names the
// symptom. A campaign that is red only for other reasons (or crashed) did
// not catch the bug: it would have been red without it.
func judge(res *Result, c Canary, run *gate.Run) {
	res.Outcome = render.Outcome(run)
	for p := 1; p <= 4; p++ {
		if run.PhaseStatus(p) == gate.StatusFail {
			res.RedPhases = append(res.RedPhases, p)
		}
	}
	if res.Outcome == render.OutcomePass {
		res.Reason = "the campaign passed with the bug planted"
		return
	}
	if res.Outcome == render.OutcomeNoEvidence {
		res.Reason = "the campaign left no evidence: a crash is not a catch"
		return
	}
	for _, p := range c.Expect {
		for _, why := range phaseReasons(run, p) {
			if c.Reason.MatchString(why) {
				res.Caught, res.Reason = true, fmt.Sprintf("phase %d: %s", p, why)
				return
			}
		}
	}
	res.Reason = fmt.Sprintf("red in phases %v, but no reason in phases %v matches %q", res.RedPhases, c.Expect, c.Reason)
}

// phaseReasons gathers the failure reasons of phase p from its artifacts
// and from the summary's phase status.
func phaseReasons(run *gate.Run, p int) []string {
	var out []string
	arts := run.Phase1
	if p > 1 {
		arts = []gate.Artifact{run.Phases[p-2]}
	}
	for _, a := range arts {
		if a.Status == gate.StatusFail {
			out = append(out, a.Reasons...)
		}
	}
	if run.Summary != nil {
		sts, _ := run.Summary["phase_status"].([]any)
		for _, s := range sts {
			m, _ := s.(map[string]any)
			if n, _ := m["phase"].(float64); int(n) == p {
				rs, _ := m["reasons"].([]any)
				for _, r := range rs {
					if str, ok := r.(string); ok && str != "" {
						out = append(out, str)
					}
				}
			}
		}
	}
	return out
}

func (s *Summary) write(dir string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, SummaryFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, SummaryFile))
}
