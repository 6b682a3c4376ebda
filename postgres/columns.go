package postgres

import (
	"encoding/json"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// A batch may carry several versions of one row. One INSERT cannot touch a
// row twice, so only the last-writer-wins winner of each key is sent. The
// stored state is what applying the versions one by one would leave; the
// applied count counts that row once.

func latestMemories(in []memory.Memory) []*memory.Memory {
	out := make([]*memory.Memory, 0, len(in))
	at := make(map[string]int, len(in))
	for i := range in {
		m := &in[i]
		if j, ok := at[m.ID]; ok {
			if memory.Newer(m.Version, m.Origin, out[j].Version, out[j].Origin) {
				out[j] = m
			}
			continue
		}
		at[m.ID] = len(out)
		out = append(out, m)
	}
	return out
}

type linkKey struct{ source, target, relation string }

func latestLinks(in []memory.Link) []*memory.Link {
	out := make([]*memory.Link, 0, len(in))
	at := make(map[linkKey]int, len(in))
	for i := range in {
		l := &in[i]
		k := linkKey{l.SourceID, l.TargetID, string(l.Relation)}
		if j, ok := at[k]; ok {
			if memory.Newer(l.Version, l.Origin, out[j].Version, out[j].Origin) {
				out[j] = l
			}
			continue
		}
		at[k] = len(out)
		out = append(out, l)
	}
	return out
}

type recordKey struct{ kind, key string }

func latestRecords(in []memory.Record) []*memory.Record {
	out := make([]*memory.Record, 0, len(in))
	at := make(map[recordKey]int, len(in))
	for i := range in {
		r := &in[i]
		k := recordKey{r.Kind, r.Key}
		if j, ok := at[k]; ok {
			if memory.Newer(r.Version, r.Origin, out[j].Version, out[j].Origin) {
				out[j] = r
			}
			continue
		}
		at[k] = len(out)
		out = append(out, r)
	}
	return out
}

// memoryColumnsOf turns rows into the 21 column arrays of upsertMemories;
// nil when there are none.
func memoryColumnsOf(ms []*memory.Memory) ([]any, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	n := len(ms)
	var (
		ids, tiers, namespaces, titles, contents = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		tags, sources, agents, metas, states     = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		origins, docs                            = make([]string, n), make([]string, n)
		priorities                               = make([]int32, n)
		confidences                              = make([]float64, n)
		accessCounts, versions                   = make([]int64, n), make([]int64, n)
		created, updated                         = make([]time.Time, n), make([]time.Time, n)
		accessed, expires, archived              = make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n)
	)
	for i, m := range ms {
		t := m.Tags
		if t == nil {
			t = []string{}
		}
		tj, err := json.Marshal(t)
		if err != nil {
			return nil, memory.Errorf(memory.CodeInvalid, "memory %s: tags: %v", m.ID, err)
		}
		meta := m.Metadata
		if meta == nil {
			meta = map[string]any{}
		}
		mj, err := json.Marshal(meta)
		if err != nil {
			return nil, memory.Errorf(memory.CodeInvalid, "memory %s: metadata: %v", m.ID, err)
		}
		ids[i], tiers[i], namespaces[i], titles[i], contents[i] = m.ID, string(m.Tier), m.Namespace, m.Title, m.Content
		tags[i], sources[i], agents[i], metas[i], states[i] = string(tj), m.Source, m.AgentID, string(mj), string(m.State)
		origins[i], priorities[i], confidences[i] = m.Origin, int32(m.Priority), m.Confidence
		accessCounts[i], versions[i] = m.AccessCount, int64(m.Version)
		created[i], updated[i] = m.CreatedAt, m.UpdatedAt
		accessed[i], expires[i], archived[i] = m.LastAccessedAt, m.ExpiresAt, m.ArchivedAt
		docs[i] = ftsDocument(m.Title, m.Content, m.Tags)
	}
	return []any{ids, tiers, namespaces, titles, contents, tags, priorities, confidences,
		sources, agents, metas, accessCounts, created, updated, accessed, expires, states,
		archived, origins, versions, docs}, nil
}

func linkColumnsOf(ls []*memory.Link) []any {
	if len(ls) == 0 {
		return nil
	}
	n := len(ls)
	sources, targets, relations, origins := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	created, deleted, versions := make([]time.Time, n), make([]bool, n), make([]int64, n)
	for i, l := range ls {
		sources[i], targets[i], relations[i], origins[i] = l.SourceID, l.TargetID, string(l.Relation), l.Origin
		created[i], deleted[i], versions[i] = l.CreatedAt, l.Deleted, int64(l.Version)
	}
	return []any{sources, targets, relations, created, deleted, origins, versions}
}

func recordColumnsOf(rs []*memory.Record) []any {
	if len(rs) == 0 {
		return nil
	}
	n := len(rs)
	kinds, keys, origins := make([]string, n), make([]string, n), make([]string, n)
	values := make([]*string, n) // NULL for an absent value
	deleted, updated, versions := make([]bool, n), make([]time.Time, n), make([]int64, n)
	for i, r := range rs {
		if len(r.Value) > 0 {
			v := string(r.Value)
			values[i] = &v
		}
		kinds[i], keys[i], origins[i] = r.Kind, r.Key, r.Origin
		deleted[i], updated[i], versions[i] = r.Deleted, r.UpdatedAt, int64(r.Version)
	}
	return []any{kinds, keys, values, deleted, updated, origins, versions}
}
