package gate

import (
	"fmt"
	"sort"
	"strconv"
)

// Check is one assertion of a phase: what was measured against what.
type Check struct {
	Name      string `json:"name"`
	Pass      bool   `json:"pass"`
	Measured  string `json:"measured"`
	Threshold string `json:"threshold"`
}

// Checks lists a phase artifact's assertions. A `checks` array in the
// artifact (written by the campaign from its config) wins; otherwise they
// are re-derived from the upstream-compatible fields, so old runs render too.
// A non-passing artifact always carries at least one failing check.
func (a Artifact) Checks() []Check {
	var out []Check
	if a.Fields != nil {
		if cs, ok := a.Fields["checks"].([]any); ok {
			out = explicitChecks(cs)
		} else {
			out = derivedChecks(a.Phase, a.Fields)
		}
	}
	if a.Status != StatusPass {
		failing := false
		for _, c := range out {
			failing = failing || !c.Pass
		}
		if !failing {
			for _, why := range a.Reasons {
				out = append(out, Check{Name: "verdict", Measured: why, Threshold: "pass"})
			}
		}
	}
	return out
}

func explicitChecks(cs []any) []Check {
	var out []Check
	for _, x := range cs {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		pass, _ := m["pass"].(bool)
		out = append(out, Check{
			Name:      str(m["name"]),
			Pass:      pass,
			Measured:  str(first(m, "measured", "value")),
			Threshold: str(first(m, "threshold", "want")),
		})
	}
	return out
}

func derivedChecks(phase int, f map[string]any) []Check {
	var out []Check
	add := func(c Check, present bool) {
		if present {
			out = append(out, c)
		}
	}
	switch phase {
	case 1:
		n, ok := num(f["recall_count"])
		add(atLeast("recall returns the stored memory", n, 1), ok)
		stats, _ := f["stats"].(map[string]any)
		n, ok = num(stats["total"])
		add(atLeast("stats.total", n, 1), ok)
		n, ok = num(f["snapshot_count"])
		add(equal("backup snapshots", n, 1), ok)
		n, ok = num(f["manifest_count"])
		add(equal("backup manifests", n, 1), ok)
		if cur, ok := f["curator"].(map[string]any); ok {
			errs, _ := cur["errors"].([]any)
			out = append(out, Check{Name: "curator dry-run errors", Pass: len(errs) == 0, Measured: strconv.Itoa(len(errs)), Threshold: "= 0"})
		}
		n, ok = num(f["mcp_tool_count"])
		add(atLeast("MCP tools listed", n, 36), ok)
	case 2:
		ok, hasOK := num(f["ok"])
		counts, _ := f["counts"].(map[string]any)
		for _, node := range sortedKeys(counts) {
			n, present := num(counts[node])
			add(atLeast("node-"+node+" holds every acknowledged write", n, ok), present && hasOK)
		}
		if missing, isMap := f["missing_ids"].(map[string]any); isMap {
			for _, node := range sortedKeys(missing) {
				ids, _ := missing[node].([]any)
				out = append(out, Check{Name: "node-" + node + " missing ids", Pass: len(ids) == 0, Measured: strconv.Itoa(len(ids)), Threshold: "= 0"})
			}
		}
		if p, present := f["probe1_single_peer_down"]; present {
			out = append(out, Check{Name: "one peer down: write accepted", Pass: str(p) == "201", Measured: str(p), Threshold: "201"})
		}
		if p, present := f["probe2_both_peers_down"]; present {
			out = append(out, Check{Name: "both peers down: quorum_not_met", Pass: str(p) == "503", Measured: str(p), Threshold: "503"})
		}
	case 3:
		for _, k := range []string{"report_forward", "report_idempotent", "report_reverse"} {
			rep, present := f[k].(map[string]any)
			if !present {
				continue
			}
			errs, _ := rep["errors"].([]any)
			out = append(out, Check{Name: k + " errors", Pass: len(errs) == 0, Measured: strconv.Itoa(len(errs)), Threshold: "= 0"})
		}
		src, ok1 := num(f["src_count"])
		dst, ok2 := num(f["dst_count"])
		add(Check{Name: "round trip count", Pass: src == dst && src > 0, Measured: fmtNum(dst), Threshold: "= " + fmtNum(src)}, ok1 && ok2)
	case 4:
		conv, _ := f["convergence_by_fault"].(map[string]any)
		for _, class := range sortedKeys(conv) {
			n, present := num(conv[class])
			add(atLeast(class+" convergence_bound", n, 0.995), present)
		}
	}
	return out
}

func atLeast(name string, got, min float64) Check {
	return Check{Name: name, Pass: got >= min, Measured: fmtNum(got), Threshold: "≥ " + fmtNum(min)}
}

func equal(name string, got, want float64) Check {
	return Check{Name: name, Pass: got == want, Measured: fmtNum(got), Threshold: "= " + fmtNum(want)}
}

// num accepts numbers and numeric strings (upstream wrote counts as strings).
func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return fmtNum(x)
	default:
		return fmt.Sprint(x)
	}
}

func first(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestNames splits every check of the run into passed and failed names, as
// "phaseN[/node-x]/check". An artifact that is not PASS and has no failing
// check contributes its own name to failed, so a broken run can never list
// zero failures.
func (r *Run) TestNames() (passed, failed []string) {
	all := append(append([]Artifact{}, r.Phase1...), r.Phases...)
	for _, a := range all {
		prefix := fmt.Sprintf("phase%d", a.Phase)
		if a.Node != "" {
			prefix += "/node-" + a.Node
		}
		failedHere := false
		for _, c := range a.Checks() {
			if c.Pass {
				passed = append(passed, prefix+"/"+c.Name)
			} else {
				failed = append(failed, prefix+"/"+c.Name)
				failedHere = true
			}
		}
		if a.Status != StatusPass && !failedHere {
			failed = append(failed, prefix+" "+string(a.Status))
		}
	}
	if r.Summary == nil {
		failed = append(failed, "campaign-summary missing")
	} else if pass, _ := r.Summary["overall_pass"].(bool); !pass {
		failed = append(failed, "campaign-summary overall_pass")
	}
	return passed, failed
}
