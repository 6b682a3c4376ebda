package main

import (
	"github.com/spf13/pflag"

	memory "github.com/aimemory/ai-memory"
)

// filterFlags are the list/search filters.
type filterFlags struct {
	namespace, tier, agent, since, until string
	tags                                 []string
	minPriority, limit                   int
}

func (f *filterFlags) register(fs *pflag.FlagSet, defLimit int) {
	fs.StringVarP(&f.namespace, "namespace", "n", "", "only this namespace")
	fs.StringVarP(&f.tier, "tier", "t", "", "only this tier")
	fs.StringSliceVar(&f.tags, "tags", nil, "only memories with every one of these tags")
	fs.StringVar(&f.agent, "agent", "", "only memories written by this agent id")
	fs.IntVar(&f.minPriority, "min-priority", 0, "only memories with at least this priority")
	fs.StringVar(&f.since, "since", "", "created at or after (RFC 3339)")
	fs.StringVar(&f.until, "until", "", "created before (RFC 3339)")
	fs.IntVar(&f.limit, "limit", defLimit, "at most this many")
}

func (f *filterFlags) query() (memory.ListQuery, error) {
	q := memory.ListQuery{Namespace: f.namespace, Tier: memory.Tier(f.tier), Tags: f.tags, AgentID: f.agent,
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
