package report

import (
	"fmt"
	"strings"

	"github.com/aimemory/ai-memory/shipgate/config"
)

// The verdict of each phase is a pure function of its measured values and
// the campaign's thresholds, returning typed checks; a phase passes when
// every check does. The runner and the aggregator call the same functions,
// and the gate and the pages show what they return, so a hand-edited
// pass:true cannot survive and no rule exists twice.

// stepsCheck holds when steps were recorded and every one succeeded; its
// detail names each failure.
func stepsCheck(id string, steps []Step) Check {
	var failed []string
	for _, s := range steps {
		if !s.OK {
			failed = append(failed, fmt.Sprintf("%s failed: %s", s.Name, s.Error))
		}
	}
	detail := strings.Join(failed, "; ")
	if len(steps) == 0 {
		detail = "no step recorded"
	}
	return holds(id, "every step succeeded", len(steps) > 0 && len(failed) == 0, detail)
}

// Functional judges one node's functional check.
func Functional(p *Phase1, c config.Phase1Config) []Check {
	return []Check{
		stepsCheck("functional.steps", p.Steps),
		atLeast("functional.stats_total", "stats.total", p.StatsTotal, c.StatsTotalMin),
		atLeast("functional.recall", "recall returns the stored memory", p.RecallCount, c.RecallMin),
		equal("functional.snapshots", "backup snapshots", p.SnapshotCount, c.Snapshots),
		equal("functional.manifests", "backup manifests", p.ManifestCount, c.Snapshots),
		holds("functional.restore", "the snapshot restores into a fresh database", p.RestoreOK, ""),
		atMost("functional.curator_errors", "curator dry-run errors", p.CuratorErrors, c.CuratorMaxErrors),
		atLeast("functional.mcp_tools", "MCP tools listed (all pages)", p.MCPToolCount, c.MCPToolsMin),
		holds("functional.restart_survival", "a stored memory survives kill -9 and restart", p.RestartSurvival, ""),
	}
}
