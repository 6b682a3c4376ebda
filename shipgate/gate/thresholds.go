package gate

import "encoding/json"

// thresholds are the limits the derived checks compare against. The
// campaign records its config in the summary ("config", the campaign's own
// JSON form); a run without one is judged against the defaults of the
// method (which are stricter than upstream's where upstream was lax).
type thresholds struct {
	RecallMin          float64
	StatsTotalMin      float64
	Snapshots          float64
	CuratorMaxErrors   float64
	MCPToolsMin        float64
	MinPresentFraction float64
	MinBound           float64
	MaxLost            float64
}

var defaultThresholds = thresholds{
	RecallMin: 1, StatsTotalMin: 1, Snapshots: 1, CuratorMaxErrors: 0,
	MCPToolsMin: 36, MinPresentFraction: 1, MinBound: 0.995, MaxLost: 0,
}

func (r *Run) thresholds() thresholds {
	th := defaultThresholds
	if r.Summary == nil {
		return th
	}
	raw, ok := r.Summary["config"]
	if !ok {
		return th
	}
	b, _ := json.Marshal(raw)
	var c struct {
		Phase1 struct {
			RecallMin        *float64 `json:"recall_min"`
			StatsTotalMin    *float64 `json:"stats_total_min"`
			Snapshots        *float64 `json:"snapshots"`
			CuratorMaxErrors *float64 `json:"curator_max_errors"`
			MCPToolsMin      *float64 `json:"mcp_tools_min"`
		} `json:"phase1"`
		Phase2 struct {
			MinPresentFraction *float64 `json:"min_present_fraction"`
		} `json:"phase2"`
		Phase4 struct {
			MinBound *float64 `json:"min_bound"`
			MaxLost  *float64 `json:"max_lost"`
		} `json:"phase4"`
	}
	if json.Unmarshal(b, &c) != nil {
		return th
	}
	set := func(dst *float64, v *float64) {
		if v != nil {
			*dst = *v
		}
	}
	set(&th.RecallMin, c.Phase1.RecallMin)
	set(&th.StatsTotalMin, c.Phase1.StatsTotalMin)
	set(&th.Snapshots, c.Phase1.Snapshots)
	set(&th.CuratorMaxErrors, c.Phase1.CuratorMaxErrors)
	set(&th.MCPToolsMin, c.Phase1.MCPToolsMin)
	set(&th.MinPresentFraction, c.Phase2.MinPresentFraction)
	set(&th.MinBound, c.Phase4.MinBound)
	set(&th.MaxLost, c.Phase4.MaxLost)
	return th
}
