package gate

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Check is one assertion of a phase: what was measured against what.
type Check struct {
	Name      string `json:"name"`
	Pass      bool   `json:"pass"`
	Measured  string `json:"measured"`
	Threshold string `json:"threshold"`
}

// Checks lists a phase artifact's assertions. A `checks` array in the
// artifact wins; otherwise they are re-derived from the artifact's fields
// (upstream names and ours) against the thresholds the campaign recorded in
// its summary (defaults when it recorded none), so old runs render too.
// A non-passing artifact always carries at least one failing check.
func (r *Run) Checks(a Artifact) []Check {
	var out []Check
	if a.Fields != nil {
		if cs, ok := a.Fields["checks"].([]any); ok {
			out = explicitChecks(cs)
		} else {
			out = derivedChecks(a.Phase, a.Fields, r.thresholds())
		}
	}
	if a.Status != StatusPass {
		failing := false
		for _, c := range out {
			failing = failing || !c.Pass
		}
		if !failing {
			for _, why := range a.Reasons {
				out = append(out, Check{Name: "phase verdict", Measured: why, Threshold: "pass"})
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

func derivedChecks(phase int, f map[string]any, th thresholds) []Check {
	var out []Check
	add := func(c Check, present bool) {
		if present {
			out = append(out, c)
		}
	}
	flag := func(name, key string) {
		if v, ok := f[key].(bool); ok {
			out = append(out, Check{Name: name, Pass: v, Measured: fmt.Sprint(v), Threshold: "true"})
		}
	}
	switch phase {
	case 1:
		n, ok := num(f["recall_count"])
		add(atLeast("recall returns the stored memory", n, th.RecallMin), ok)
		stats, _ := f["stats"].(map[string]any)
		n, ok = num(stats["total"])
		add(atLeast("stats.total", n, th.StatsTotalMin), ok)
		n, ok = num(f["snapshot_count"])
		add(equal("backup snapshots", n, th.Snapshots), ok)
		n, ok = num(f["manifest_count"])
		add(equal("backup manifests", n, th.Snapshots), ok)
		flag("snapshot restores", "restore_ok")
		if n, ok := num(f["curator_errors"]); ok {
			out = append(out, atMost("curator dry-run errors", n, th.CuratorMaxErrors))
		} else if cur, ok := f["curator"].(map[string]any); ok {
			errs, _ := cur["errors"].([]any)
			out = append(out, atMost("curator dry-run errors", float64(len(errs)), th.CuratorMaxErrors))
		}
		n, ok = num(f["mcp_tool_count"])
		add(atLeast("MCP tools listed (all pages)", n, th.MCPToolsMin), ok)
		flag("memory survives kill -9 and restart", "restart_survival")
	case 2:
		ok, hasOK := num(f["ok"])
		counts, _ := f["counts"].(map[string]any)
		for _, node := range sortedKeys(counts) {
			n, present := num(counts[node])
			add(atLeast("node-"+node+" holds every acknowledged write", n, math.Ceil(ok*th.MinPresentFraction)), present && hasOK)
		}
		if missing, isMap := f["missing_ids"].(map[string]any); isMap {
			for _, node := range sortedKeys(missing) {
				ids, _ := missing[node].([]any)
				out = append(out, atMost("node-"+node+" missing acknowledged ids", float64(len(ids)), 0))
			}
		}
		if unl, isMap := f["unlisted_ids"].(map[string]any); isMap {
			for _, node := range sortedKeys(unl) {
				ids, _ := unl[node].([]any)
				out = append(out, atMost("node-"+node+" list endpoint shows every id it holds (unlisted ids)", float64(len(ids)), 0))
			}
		}
		flag("converged within settle-max", "converged")
		if p, present := f["probe1_single_peer_down"]; present {
			out = append(out, Check{Name: "one peer down: write accepted", Pass: str(p) == "201", Measured: str(p), Threshold: "201"})
		}
		if p, present := f["probe2_both_peers_down"]; present {
			out = append(out, Check{Name: "both peers down: quorum_not_met", Pass: str(p) == "503", Measured: str(p), Threshold: "503"})
		}
		if p1, ok := f["probe1"].(map[string]any); ok {
			if acks, ok := num(p1["quorum_acks"]); ok && acks > 0 {
				out = append(out, atMost("one peer down: quorum acks counted (2 nodes alive)", acks, 2))
			}
		}
		if co, ok := f["consolidation"].(map[string]any); ok {
			c, _ := co["converged"].(bool)
			out = append(out, Check{Name: "consolidation replicates to every node", Pass: c, Measured: fmt.Sprint(c), Threshold: "true"})
		}
		if du, ok := f["durability"].(map[string]any); ok {
			sv, _ := du["survived"].(bool)
			out = append(out, Check{Name: "acknowledged write survives SIGKILL of both holders", Pass: sv, Measured: fmt.Sprint(sv), Threshold: "true"})
		}
		if rj, ok := f["rejoin"].(map[string]any); ok {
			c, _ := rj["complete"].(bool)
			out = append(out, Check{Name: "restarted nodes rejoin and catch up", Pass: c, Measured: fmt.Sprint(c), Threshold: "true"})
		}
	case 3:
		for _, k := range []string{"report_forward", "report_idempotent", "report_reverse"} {
			rep, present := f[k].(map[string]any)
			if !present {
				continue
			}
			errs, _ := rep["errors"].([]any)
			out = append(out, atMost(k+" errors", float64(len(errs)), 0))
		}
		src, ok1 := num(f["src_count"])
		dst, ok2 := num(f["dst_count"])
		add(Check{Name: "round trip count", Pass: src == dst && src > 0, Measured: fmtNum(dst), Threshold: "= " + fmtNum(src)}, ok1 && ok2)
		sl, ok1 := num(f["src_links"])
		dl, ok2 := num(f["dst_links"])
		add(equal("round trip links", dl, sl), ok1 && ok2)
		sd, _ := f["src_digest"].(string)
		dd, _ := f["dst_digest"].(string)
		add(Check{Name: "round trip content digest", Pass: sd != "" && sd == dd, Measured: abbrev(dd), Threshold: "= " + abbrev(sd)}, sd != "" || dd != "")
	case 4:
		if classes, ok := f["classes"].([]any); ok {
			for _, c := range classes {
				m, _ := c.(map[string]any)
				name := str(m["fault"])
				if inv, ok := m["invalid"].(bool); ok {
					ec, _ := num(m["effective_cycles"])
					me, _ := num(m["min_effective_cycles"])
					vc, _ := num(m["valid_cycles"])
					cr, _ := num(m["cycles_run"])
					measured := fmt.Sprintf("%s effective of %s valid, %s run; fault %s ms", fmtNum(ec), fmtNum(vc), fmtNum(cr), faultRange(m["fault_ms_min_median_max"]))
					if sk := str(m["skipped"]); sk != "" {
						measured = "skipped: " + sk
					}
					out = append(out, Check{Name: name + " fault had an effect", Pass: !inv, Measured: measured, Threshold: "≥ " + fmtNum(me) + " effective cycles"})
				}
				if v, ok := num(m["violations"]); ok {
					ck, _ := m["check"].(map[string]any)
					unk, _ := num(ck["unknown"])
					rec, _ := num(ck["unknown_recovered"])
					ev, _ := num(m["loss_per_event_upper_95"])
					c := atMost(name+" checker violations (lost, corrupt, duplicates, phantoms, resurrected, stale, causal)", v, 0)
					c.Measured = fmt.Sprintf("%s; unknown %s (%s recovered); loss per fault event ≤ %.4f at 95%%", fmtNum(v), fmtNum(unk), fmtNum(rec), ev)
					out = append(out, c)
				}
				if b, ok := num(m["convergence_bound"]); ok {
					out = append(out, atLeast(name+" convergence_bound", b, th.MinBound))
				}
				if u, ok := num(m["unlisted"]); ok && u > 0 {
					out = append(out, atMost(name+" ids the list endpoint omits", u, 0))
				}
				if l, ok := num(m["lost"]); ok {
					n, _ := num(m["n"])
					ub, _ := num(m["loss_rate_upper_95"])
					c := atMost(name+" lost acknowledged writes", l, th.MaxLost)
					c.Measured = fmt.Sprintf("%s of n=%s (95%% upper bound on loss rate %.4f)", fmtNum(l), fmtNum(n), ub)
					out = append(out, c)
				}
			}
			break
		}
		conv, _ := f["convergence_by_fault"].(map[string]any)
		for _, class := range sortedKeys(conv) {
			n, present := num(conv[class])
			add(atLeast(class+" convergence_bound", n, th.MinBound), present)
		}
	}
	return out
}

func atMost(name string, got, max float64) Check {
	return Check{Name: name, Pass: got <= max, Measured: fmtNum(got), Threshold: "≤ " + fmtNum(max)}
}

func abbrev(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
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
		for _, c := range r.Checks(a) {
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

// faultRange renders a class's [min, median, max] fault duration in ms.
func faultRange(v any) string {
	a, _ := v.([]any)
	if len(a) != 3 {
		return "?"
	}
	var parts []string
	for _, x := range a {
		n, _ := num(x)
		parts = append(parts, fmt.Sprintf("%.0f", n))
	}
	return strings.Join(parts, "/")
}
