package main

import (
	"github.com/spf13/pflag"

	memory "github.com/aimemory/ai-memory"
)

// filterFlags are the filters list, search and recall share, under the
// same names on each.
type filterFlags struct {
	namespace, tier, agent, agentID, since, until string
	tags                                          []string
	minPriority, limit                            int
}

// register adds the filter flags. --agent-id is the original's name for
// the author filter: on these read commands it filters (it never sets the
// identity that writes are stamped with), and it must agree with --agent.
func (f *filterFlags) register(fs *pflag.FlagSet, defLimit int, limitHelp string) {
	fs.StringVarP(&f.namespace, "namespace", "n", "", "only this namespace")
	fs.StringVarP(&f.tier, "tier", "t", "", "only this tier")
	fs.StringSliceVar(&f.tags, "tags", nil, "only memories with every one of these tags")
	fs.StringVar(&f.agent, "agent", "", "only memories written by this agent id")
	fs.StringVar(&f.agentID, "agent-id", "", "same as --agent here (a filter, not the identity of writes)")
	fs.IntVar(&f.minPriority, "min-priority", 0, "only memories with at least this priority")
	fs.StringVar(&f.since, "since", "", "created at or after (RFC 3339)")
	fs.StringVar(&f.until, "until", "", "created before (RFC 3339)")
	fs.IntVarP(&f.limit, "limit", "l", defLimit, limitHelp)
}

func (f *filterFlags) query() (memory.ListQuery, error) {
	agent := f.agent
	switch {
	case f.agentID != "" && agent != "" && f.agentID != agent:
		return memory.ListQuery{}, invalidf("--agent %q and --agent-id %q disagree; on this command both filter by author", agent, f.agentID)
	case f.agentID != "":
		agent = f.agentID
	}
	q := memory.ListQuery{Namespace: f.namespace, Tier: memory.Tier(f.tier), Tags: f.tags, AgentID: agent,
		MinPriority: f.minPriority, Limit: f.limit}
	var err error
	if f.since != "" {
		if q.Since, err = parseTime("since", f.since); err != nil {
			return q, err
		}
	}
	if f.until != "" {
		if q.Until, err = parseTime("until", f.until); err != nil {
			return q, err
		}
	}
	return q, nil
}
