package mcpserver

import (
	"context"
	"maps"
	"strconv"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

type storeIn struct {
	Title      string         `json:"title"`
	Content    string         `json:"content"`
	Tier       memory.Tier    `json:"tier,omitempty"`
	Namespace  string         `json:"namespace,omitempty"`
	Tags       []string       `json:"tags,omitempty"`
	Priority   *int           `json:"priority,omitempty"`
	Confidence *float64       `json:"confidence,omitempty"`
	Source     string         `json:"source,omitempty"`
	AgentID    string         `json:"agent_id,omitempty"`
	Metadata   map[string]any `json:"metadata,omitempty"`
	ExpiresAt  *time.Time     `json:"expires_at,omitempty"`
	TTLSecs    *int64         `json:"ttl_secs,omitempty"`
	// Scope is the original's visibility class, kept as metadata.scope
	// (unlisted).
	Scope string `json:"scope,omitempty"`
}

type storeOut struct {
	// Status is stored, or pending when a namespace standard requires
	// approval.
	Status string `json:"status"`
	ID     string `json:"id,omitempty"`
	// Created is false when an existing memory with this title was updated.
	Created   bool           `json:"created"`
	PendingID string         `json:"pending_id,omitempty"`
	Memory    *memory.Memory `json:"memory,omitempty"`
}

type recallIn struct {
	Context      string     `json:"context" jsonschema:"what you are working on"`
	Namespace    string     `json:"namespace,omitempty"`
	Tags         []string   `json:"tags,omitempty"`
	Since        *time.Time `json:"since,omitempty"`
	Until        *time.Time `json:"until,omitempty"`
	Limit        int        `json:"limit,omitempty"`
	BudgetTokens int        `json:"budget_tokens,omitempty" jsonschema:"cap on returned text"`
	AgentID      string     `json:"agent_id,omitempty"`
	Format       string     `json:"format,omitempty"`
	// AsAgent is the original's per-agent visibility (unlisted); every
	// memory is visible to every agent here, so it changes nothing.
	AsAgent string `json:"as_agent,omitempty"`
}

type recallOut struct {
	// Standards are the namespace standards that apply, most general first.
	Standards []engine.Standard `json:"standards"`
	engine.RecallResult
	format string
}

func (o recallOut) formattedText() string {
	rows := make([]toonRow, len(o.Memories))
	for i := range o.Memories {
		rows[i] = toonRow{&o.Memories[i].Memory, &o.Memories[i].Score}
	}
	meta := []string{"count:" + strconv.Itoa(o.Count), "mode:" + o.Mode, "tokens_used:" + strconv.Itoa(o.TokensUsed)}
	return toon(o.format, meta, o.Standards, rows)
}

// filterIn is the filter shared by memory_search and memory_list; the
// memory_list description explains it once.
type filterIn struct {
	Namespace   string     `json:"namespace,omitempty"`
	Tier        string     `json:"tier,omitempty"`
	Tags        []string   `json:"tags,omitempty"`
	AgentID     string     `json:"agent_id,omitempty"`
	MinPriority int        `json:"min_priority,omitempty"`
	Since       *time.Time `json:"since,omitempty"`
	Until       *time.Time `json:"until,omitempty"`
}

func (f filterIn) query() memory.ListQuery {
	return memory.ListQuery{Namespace: f.Namespace, Tier: memory.Tier(f.Tier), Tags: f.Tags, AgentID: f.AgentID,
		MinPriority: f.MinPriority, Since: f.Since, Until: f.Until}
}

var filterProps = map[string][]prop{"namespace": namespaceBounds, "tags": tagsBounds, "min_priority": {intRange(0, 10)},
	"tier": {tierEnum}, "format": {formatEnum}}

type searchIn struct {
	Query string `json:"query"`
	filterIn
	Limit  int    `json:"limit,omitempty"`
	Format string `json:"format,omitempty"`
	// AsAgent: see recallIn (unlisted).
	AsAgent string `json:"as_agent,omitempty"`
}

type searchOut struct {
	engine.SearchResult
	format string
}

func (o searchOut) formattedText() string {
	rows := make([]toonRow, len(o.Results))
	for i := range o.Results {
		rows[i] = toonRow{&o.Results[i].Memory, &o.Results[i].Relevance}
	}
	return toon(o.format, []string{"count:" + strconv.Itoa(o.Count), "query:" + o.Query}, nil, rows)
}

type listIn struct {
	filterIn
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
	Format string `json:"format,omitempty"`
}

type listOut struct {
	engine.ListResult
	format string
}

func (o listOut) formattedText() string {
	rows := make([]toonRow, len(o.Memories))
	for i := range o.Memories {
		rows[i] = toonRow{m: &o.Memories[i]}
	}
	meta := []string{"count:" + strconv.Itoa(o.Count), "has_more:" + strconv.FormatBool(o.HasMore)}
	if o.NextCursor != "" {
		meta = append(meta, "next_cursor:"+o.NextCursor)
	}
	return toon(o.format, meta, nil, rows)
}

type idIn struct {
	ID string `json:"id"`
}

// actorIDIn is an id and the caller's agent id, which the original reads
// on these tools (unlisted; nothing here records who deleted or promoted).
type actorIDIn struct {
	ID      string `json:"id"`
	AgentID string `json:"agent_id,omitempty"`
}

type getOut struct {
	Memory memory.Memory `json:"memory"`
	Links  []memory.Link `json:"links"`
}

type updateIn struct {
	ID         string          `json:"id"`
	Title      *string         `json:"title,omitempty"`
	Content    *string         `json:"content,omitempty"`
	Tier       *memory.Tier    `json:"tier,omitempty"`
	Namespace  *string         `json:"namespace,omitempty"`
	Tags       *[]string       `json:"tags,omitempty"`
	Priority   *int            `json:"priority,omitempty"`
	Confidence *float64        `json:"confidence,omitempty"`
	Source     *string         `json:"source,omitempty"`
	Metadata   *map[string]any `json:"metadata,omitempty"`
	ExpiresAt  *time.Time      `json:"expires_at,omitempty"`
	TTLSecs    *int64          `json:"ttl_secs,omitempty"`
}

type memoryOut struct {
	Memory memory.Memory `json:"memory"`
}

type deleteOut struct {
	Deleted bool   `json:"deleted"`
	ID      string `json:"id"`
}

type promoteIn struct {
	ID          string `json:"id"`
	ToNamespace string `json:"to_namespace,omitempty"`
	// AgentID: see actorIDIn (unlisted).
	AgentID string `json:"agent_id,omitempty"`
}

type linkIn struct {
	SourceID string          `json:"source_id"`
	TargetID string          `json:"target_id"`
	Relation memory.Relation `json:"relation,omitempty"`
}

type linkOut struct {
	Link memory.Link `json:"link"`
}

type linksOut struct {
	ID    string        `json:"id"`
	Links []memory.Link `json:"links"`
	Count int           `json:"count"`
}

type forgetIn struct {
	Namespace string   `json:"namespace,omitempty"`
	Tier      string   `json:"tier,omitempty"`
	Pattern   string   `json:"pattern,omitempty" jsonschema:"keywords, all must match"`
	Tags      []string `json:"tags,omitempty"`
	DryRun    bool     `json:"dry_run,omitempty"`
}

type consolidateIn struct {
	IDs       []string `json:"ids"`
	Title     string   `json:"title"`
	Namespace string   `json:"namespace,omitempty"`
	Summary   string   `json:"summary,omitempty" jsonschema:"content of the merged memory"`
	Source    string   `json:"source,omitempty"`
	AgentID   string   `json:"agent_id,omitempty"`
}

type dryRunIn struct {
	DryRun bool `json:"dry_run,omitempty"`
}

type emptyIn struct{}

func (s *server) addMemoryTools(tb *toolbox) {
	tool(tb, "memory_store",
		"Save a durable fact, decision or preference; storing a title again in its namespace updates that memory. Tiers: short lasts 6 h, mid 7 days (default), long never expires. Status pending means queued for approval.",
		false, map[string][]prop{"title": titleBounds, "content": contentBounds, "namespace": namespaceBounds, "tags": tagsBounds,
			"priority": priorityBounds, "confidence": confBounds, "source": sourceBounds, "agent_id": agentBounds, "ttl_secs": ttlBounds,
			"scope": {unlisted, func(sc *jsonschema.Schema) { sc.Enum = []any{"private", "team", "unit", "org", "collective"} }}},
		func(ctx context.Context, req *mcp.CallToolRequest, in storeIn) (storeOut, error) {
			if in.Source == "" {
				in.Source = "mcp"
			}
			if in.Scope != "" {
				md := map[string]any{}
				maps.Copy(md, in.Metadata)
				md["scope"] = in.Scope
				in.Metadata = md
			}
			res, err := s.e.StoreGoverned(ctx, engine.NewMemory{Title: in.Title, Content: in.Content, Tier: in.Tier,
				Namespace: in.Namespace, Tags: in.Tags, Priority: in.Priority, Confidence: in.Confidence, Source: in.Source,
				AgentID: s.agentID(req, in.AgentID), Metadata: in.Metadata, ExpiresAt: in.ExpiresAt, TTLSecs: in.TTLSecs})
			if res.Pending != nil {
				return storeOut{Status: "pending", PendingID: res.Pending.ID}, err
			}
			if res.Stored == nil {
				return storeOut{}, err
			}
			m := res.Stored.Memory
			return storeOut{Status: "stored", ID: m.ID, Created: res.Stored.Created, Memory: &m}, err
		})

	tool(tb, "memory_recall",
		"Fetch the memories most relevant to what you are working on (any word matches, best first) and the namespace standards that apply; filters as in memory_list. Use it before answering; use memory_search for exact keywords.",
		false, map[string][]prop{"context": {strLen(1, 1000)}, "namespace": namespaceBounds, "tags": tagsBounds,
			"limit": {intRange(1, engine.MaxRecallLimit)}, "budget_tokens": {intRange(0, 1_000_000)}, "agent_id": agentBounds,
			"format": {formatEnum}, "as_agent": {unlisted}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in recallIn) (recallOut, error) {
			res, err := s.e.Recall(ctx, engine.RecallQuery{Context: in.Context, Namespace: in.Namespace, Tags: in.Tags,
				Since: in.Since, Until: in.Until, Limit: in.Limit, BudgetTokens: in.BudgetTokens, AgentID: in.AgentID})
			if err != nil {
				return recallOut{}, err
			}
			stds, err := s.e.ResolveStandards(ctx, in.Namespace)
			return recallOut{Standards: stds, RecallResult: res, format: in.Format}, err
		})

	tool(tb, "memory_search",
		"Find memories containing every keyword, best match first; takes memory_list's filters. Use memory_recall to fetch context for a task.",
		true, merge(filterProps, map[string][]prop{"query": {strLen(1, 1000)}, "limit": {intRange(1, engine.MaxSearchLimit)},
			"as_agent": {unlisted}}),
		func(ctx context.Context, _ *mcp.CallToolRequest, in searchIn) (searchOut, error) {
			q := in.query()
			q.Limit = in.Limit
			res, err := s.e.Search(ctx, in.Query, q)
			return searchOut{SearchResult: res, format: in.Format}, err
		})

	tool(tb, "memory_list",
		"Browse memories oldest first, without keywords. Optional filters: namespace, tier, tags (all must match), agent_id (author), min_priority, since/until (creation time). While has_more, pass next_cursor as cursor.",
		true, merge(filterProps, map[string][]prop{"limit": {intRange(1, engine.MaxListLimit)}}),
		func(ctx context.Context, _ *mcp.CallToolRequest, in listIn) (listOut, error) {
			q := in.query()
			q.Limit, q.AfterID = in.Limit, in.Cursor
			res, err := s.e.List(ctx, q)
			return listOut{ListResult: res, format: in.Format}, err
		})

	tool(tb, "memory_get",
		"Read one memory and its links by id or a unique id prefix.",
		true, map[string][]prop{"id": {strLen(1, memory.UUIDLen)}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in idIn) (getOut, error) {
			id, err := s.e.ResolveID(ctx, in.ID)
			if err != nil {
				return getOut{}, err
			}
			m, links, err := s.e.Get(ctx, id)
			if err != nil {
				return getOut{}, err
			}
			return getOut{Memory: *m, Links: links}, nil
		})

	tool(tb, "memory_update",
		"Change the given fields of a memory; omitted fields keep their values, tags and metadata are replaced whole.",
		false, map[string][]prop{"id": idBounds, "title": titleBounds, "content": contentBounds, "namespace": namespaceBounds,
			"tags": tagsBounds, "priority": priorityBounds, "confidence": confBounds, "source": sourceBounds, "ttl_secs": ttlBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in updateIn) (memoryOut, error) {
			m, _, err := s.e.Update(ctx, in.ID, engine.Patch{Title: in.Title, Content: in.Content, Tier: in.Tier,
				Namespace: in.Namespace, Tags: in.Tags, Priority: in.Priority, Confidence: in.Confidence, Source: in.Source,
				Metadata: in.Metadata, ExpiresAt: in.ExpiresAt, TTLSecs: in.TTLSecs})
			if m == nil {
				return memoryOut{}, err
			}
			return memoryOut{Memory: *m}, err
		})

	tool(tb, "memory_delete",
		"Delete a memory and its links for good (not restorable; memory_forget archives instead).",
		false, map[string][]prop{"id": idBounds, "agent_id": {unlisted}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in actorIDIn) (deleteOut, error) {
			if _, err := s.e.Delete(ctx, in.ID); err != nil {
				return deleteOut{}, err
			}
			return deleteOut{Deleted: true, ID: in.ID}, nil
		})

	tool(tb, "memory_link",
		"Link two memories: source_id relation target_id (default related_to).",
		false, map[string][]prop{"source_id": idBounds, "target_id": idBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in linkIn) (linkOut, error) {
			l, _, err := s.e.Link(ctx, in.SourceID, in.TargetID, in.Relation)
			if l == nil {
				return linkOut{}, err
			}
			return linkOut{Link: *l}, err
		})

	tool(tb, "memory_get_links",
		"List a memory's links in both directions.",
		true, map[string][]prop{"id": idBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in idIn) (linksOut, error) {
			links, err := s.e.Links(ctx, in.ID)
			return linksOut{ID: in.ID, Links: links, Count: len(links)}, err
		})
}

func (s *server) addLifecycleTools(tb *toolbox) {
	tool(tb, "memory_promote",
		"Make a memory long-term (never expires), or with to_namespace copy it into an ancestor namespace.",
		false, map[string][]prop{"id": idBounds, "to_namespace": namespaceBounds, "agent_id": {unlisted}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in promoteIn) (memoryOut, error) {
			m, _, err := s.e.Promote(ctx, in.ID, in.ToNamespace)
			if m == nil {
				return memoryOut{}, err
			}
			return memoryOut{Memory: *m}, err
		})

	tool(tb, "memory_forget",
		"Archive every memory matching all the given criteria (at least one); restorable with memory_archive_restore.",
		false, map[string][]prop{"namespace": namespaceBounds, "tags": tagsBounds, "pattern": {strLen(0, 1000)},
			"tier": {tierEnum}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in forgetIn) (engine.BulkResult, error) {
			return s.e.Forget(ctx, engine.ForgetQuery{Namespace: in.Namespace, Tier: memory.Tier(in.Tier),
				Pattern: in.Pattern, Tags: in.Tags, DryRun: in.DryRun})
		})

	tool(tb, "memory_consolidate",
		"Merge 2 to 100 memories into one long-term memory and delete them; without summary the content is generated.",
		false, map[string][]prop{"ids": {maxItems(100)}, "title": titleBounds, "namespace": namespaceBounds,
			"summary": contentBounds, "source": sourceBounds, "agent_id": agentBounds},
		func(ctx context.Context, req *mcp.CallToolRequest, in consolidateIn) (engine.ConsolidateResult, error) {
			if in.Source == "" {
				in.Source = "mcp"
			}
			return s.assist.Consolidate(ctx, engine.ConsolidateInput{IDs: in.IDs, Title: in.Title, Namespace: in.Namespace,
				Summary: in.Summary, Source: in.Source, AgentID: s.agentID(req, in.AgentID)})
		})

	tool(tb, "memory_gc",
		"Archive the memories whose expiry has passed.",
		false, nil,
		func(ctx context.Context, _ *mcp.CallToolRequest, in dryRunIn) (engine.BulkResult, error) {
			return s.e.GC(ctx, in.DryRun)
		})

	tool(tb, "memory_stats",
		"Count memories by tier and namespace, links, archived and expiring ones, and the store size.",
		true, nil,
		func(ctx context.Context, _ *mcp.CallToolRequest, _ emptyIn) (memory.Stats, error) {
			return s.e.Stats(ctx)
		})
}

func merge(ms ...map[string][]prop) map[string][]prop {
	out := map[string][]prop{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = append(out[k], v...)
		}
	}
	return out
}
