package gate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aimemory/ai-memory/shipgate/config"
)

// Profile is the least campaign that may certify a release: a campaign
// configuration read as a floor. Each rule says in which direction a
// campaign may differ from it: more cycles, a tighter bound, a shorter
// settle limit are fine; fewer, looser or longer are not.
type Profile struct {
	Floor  config.Campaign
	Source string // "release default", or the file and its sha256
}

// ReleaseProfile is the default: the campaign's own defaults, every fault
// class, and no extra serve arguments (no fault switch) on any node.
func ReleaseProfile() Profile { return Profile{Floor: config.Default(), Source: "release default"} }

// LoadProfile reads a profile file: a campaign JSON over the defaults.
func LoadProfile(path string) (Profile, error) {
	c, err := config.Load(path)
	if err != nil {
		return Profile{}, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, err
	}
	sum := sha256.Sum256(b)
	return Profile{Floor: c, Source: fmt.Sprintf("%s (sha256 %s)", path, hex.EncodeToString(sum[:]))}, nil
}

// Below lists every field of c below the profile, as "field got, want".
func (p Profile) Below(c config.Campaign) []string {
	var out []string
	for _, r := range rules {
		if got, want, ok := r.check(c, p.Floor); !ok {
			out = append(out, fmt.Sprintf("%s %s, profile requires %s", r.field, got, want))
		}
	}
	return out
}

// Lowered lists every field in which p is below the release profile: what
// an explicit --profile gave up, recorded with the decision.
func (p Profile) Lowered() []string { return ReleaseProfile().Below(p.Floor) }

type rule struct {
	field string
	check func(c, floor config.Campaign) (got, want string, ok bool)
}

func atLeast[T int | float64 | time.Duration](field string, of func(config.Campaign) T) rule {
	return rule{field, func(c, f config.Campaign) (string, string, bool) {
		return fmt.Sprint(of(c)), fmt.Sprintf("≥ %v", of(f)), of(c) >= of(f)
	}}
}

func atMost[T int | float64 | time.Duration](field string, of func(config.Campaign) T) rule {
	return rule{field, func(c, f config.Campaign) (string, string, bool) {
		return fmt.Sprint(of(c)), fmt.Sprintf("≤ %v", of(f)), of(c) <= of(f)
	}}
}

func same[T comparable](field string, of func(config.Campaign) T) rule {
	return rule{field, func(c, f config.Campaign) (string, string, bool) {
		return fmt.Sprint(of(c)), fmt.Sprintf("= %v", of(f)), of(c) == of(f)
	}}
}

// covers: the campaign includes everything the profile lists.
func covers[T comparable](field string, of func(config.Campaign) []T) rule {
	return rule{field, func(c, f config.Campaign) (string, string, bool) {
		var missing []string
		for _, x := range of(f) {
			if !slices.Contains(of(c), x) {
				missing = append(missing, fmt.Sprint(x))
			}
		}
		return fmt.Sprintf("lacks %s", strings.Join(missing, ", ")), fmt.Sprint(of(f)), len(missing) == 0
	}}
}

// within: the campaign adds nothing the profile does not allow (serve
// arguments, which can switch faults on).
func within(field string, of func(config.Campaign) map[string][]string) rule {
	return rule{field, func(c, f config.Campaign) (string, string, bool) {
		allowed := flatten(of(f))
		var extra []string
		for _, a := range flatten(of(c)) {
			if !slices.Contains(allowed, a) {
				extra = append(extra, a)
			}
		}
		want := "none"
		if len(allowed) > 0 {
			want = fmt.Sprintf("only %q", allowed)
		}
		return fmt.Sprintf("%q", extra), want, len(extra) == 0
	}}
}

// flatten lists serve arguments as "arg", or "N:arg" for phase N's own.
func flatten(m map[string][]string) []string {
	var out []string
	for k, args := range m {
		for _, a := range args {
			out = append(out, strings.TrimPrefix(k+":", ":")+a)
		}
	}
	slices.Sort(out)
	return out
}

func d(x config.Duration) time.Duration { return x.D() }

var rules = []rule{
	covers("phases", func(c config.Campaign) []int { return c.Phases }),
	within("node_args", func(c config.Campaign) map[string][]string { return map[string][]string{"": c.NodeArgs} }),
	within("phase_node_args", func(c config.Campaign) map[string][]string { return c.PhaseNodeArgs }),
	atLeast("phase1.recall_min", func(c config.Campaign) int { return c.Phase1.RecallMin }),
	atLeast("phase1.stats_total_min", func(c config.Campaign) int { return c.Phase1.StatsTotalMin }),
	same("phase1.snapshots", func(c config.Campaign) int { return c.Phase1.Snapshots }),
	atMost("phase1.curator_max_errors", func(c config.Campaign) int { return c.Phase1.CuratorMaxErrors }),
	atLeast("phase1.mcp_tools_min", func(c config.Campaign) int { return c.Phase1.MCPToolsMin }),
	atLeast("phase2.agents", func(c config.Campaign) int { return len(c.Phase2.Agents) }),
	atLeast("phase2.writes_per_agent", func(c config.Campaign) int { return c.Phase2.WritesPerAgent }),
	atLeast("phase2.in_flight_per_agent", func(c config.Campaign) int { return c.Phase2.InFlightPerAgent }),
	same("phase2.quorum_writes", func(c config.Campaign) int { return c.Phase2.QuorumWrites }),
	atLeast("phase2.burst_sync_interval", func(c config.Campaign) time.Duration { return d(c.Phase2.BurstSyncInterval) }),
	atMost("phase2.settle_max", func(c config.Campaign) time.Duration { return d(c.Phase2.SettleMax) }),
	atMost("phase2.rejoin_max", func(c config.Campaign) time.Duration { return d(c.Phase2.RejoinMax) }),
	atMost("phase2.probe_slack", func(c config.Campaign) time.Duration { return d(c.Phase2.ProbeSlack) }),
	atLeast("phase2.crash_writes", func(c config.Campaign) int { return c.Phase2.CrashWrites }),
	atLeast("phase2.min_present_fraction", func(c config.Campaign) float64 { return c.Phase2.MinPresentFraction }),
	atLeast("phase3.memories", func(c config.Campaign) int { return c.Phase3.Memories }),
	same("phase3.link_every", func(c config.Campaign) int { return c.Phase3.LinkEvery }),
	covers("phase4.faults", func(c config.Campaign) []string { return c.Phase4.Faults }),
	atLeast("phase4.cycles", func(c config.Campaign) int { return c.Phase4.Cycles }),
	atLeast("phase4.min_effective_cycles", func(c config.Campaign) int { return c.Phase4.MinEffectiveCycles }),
	atMost("phase4.max_lost", func(c config.Campaign) int { return c.Phase4.MaxLost }),
	atLeast("phase4.min_bound", func(c config.Campaign) float64 { return c.Phase4.MinBound }),
	same("phase4.quorum_writes", func(c config.Campaign) int { return c.Phase4.QuorumWrites }),
	atMost("phase4.fault_min", func(c config.Campaign) time.Duration { return d(c.Phase4.FaultMin) }),
	atLeast("phase4.fault_max", func(c config.Campaign) time.Duration { return d(c.Phase4.FaultMax) }),
	atMost("phase4.skew_min", func(c config.Campaign) time.Duration { return d(c.Phase4.SkewMin) }),
	atLeast("phase4.skew_max", func(c config.Campaign) time.Duration { return d(c.Phase4.SkewMax) }),
	atLeast("phase4.latency_max", func(c config.Campaign) time.Duration { return d(c.Phase4.LatencyMax) }),
	atLeast("phase4.drop_ack_probability", func(c config.Campaign) float64 { return c.Phase4.DropAckProbability }),
	atMost("phase4.settle_max", func(c config.Campaign) time.Duration { return d(c.Phase4.SettleMax) }),
}
