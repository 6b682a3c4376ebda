package mcpserver

import (
	"context"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

type storeIn struct {
	Title      string         `json:"title" jsonschema:"short unique title; storing the same title in the same namespace updates that memory"`
	Content    string         `json:"content" jsonschema:"the memory text (at most 65536 bytes)"`
	Tier       memory.Tier    `json:"tier,omitempty" jsonschema:"retention: short (6 h), mid (7 days, default), long (no expiry)"`
	Namespace  string         `json:"namespace,omitempty" jsonschema:"namespace such as project/sub (default global)"`
	Tags       []string       `json:"tags,omitempty" jsonschema:"labels for filtering"`
	Priority   *int           `json:"priority,omitempty" jsonschema:"importance 1..10 (default 5)"`
	Confidence *float64       `json:"confidence,omitempty" jsonschema:"certainty 0..1 (default 1)"`
	Source     string         `json:"source,omitempty" jsonschema:"origin token (default mcp)"`
	AgentID    string         `json:"agent_id,omitempty" jsonschema:"agent recorded as author (default: the server's --agent-id)"`
	Metadata   map[string]any `json:"metadata,omitempty" jsonschema:"free JSON object (at most 16 KiB)"`
	ExpiresAt  *time.Time     `json:"expires_at,omitempty" jsonschema:"RFC 3339 expiry; overrides the tier default"`
	TTLSecs    *int64         `json:"ttl_secs,omitempty" jsonschema:"lifetime in seconds; overrides the tier default"`
}

type storeOut struct {
	Status    string         `json:"status" jsonschema:"stored, or pending when a namespace standard requires approval"`
	ID        string         `json:"id,omitempty"`
	Created   bool           `json:"created" jsonschema:"false when an existing memory with this title was updated"`
	PendingID string         `json:"pending_id,omitempty"`
	Memory    *memory.Memory `json:"memory,omitempty"`
}

type recallIn struct {
	Context      string   `json:"context" jsonschema:"what you are working on; any word may match"`
	Namespace    string   `json:"namespace,omitempty" jsonschema:"only this namespace"`
	Tags         []string `json:"tags,omitempty" jsonschema:"only memories carrying every tag"`
	Limit        int      `json:"limit,omitempty" jsonschema:"results 1..50 (default 10)"`
	BudgetTokens int      `json:"budget_tokens,omitempty" jsonschema:"cap on returned text in tokens (about 4 characters each); 0 = none"`
	AgentID      string   `json:"agent_id,omitempty" jsonschema:"only memories written by this agent"`
}

type recallOut struct {
	Standards []engine.Standard `json:"standards" jsonschema:"namespace standards that apply, most general first"`
	engine.RecallResult
}

type filterIn struct {
	Namespace   string     `json:"namespace,omitempty" jsonschema:"only this namespace"`
	Tier        string     `json:"tier,omitempty" jsonschema:"only this tier: short, mid or long"`
	Tags        []string   `json:"tags,omitempty" jsonschema:"only memories carrying every tag"`
	AgentID     string     `json:"agent_id,omitempty" jsonschema:"only memories written by this agent"`
	MinPriority int        `json:"min_priority,omitempty" jsonschema:"only priority >= this"`
	Since       *time.Time `json:"since,omitempty" jsonschema:"created at or after (RFC 3339)"`
	Until       *time.Time `json:"until,omitempty" jsonschema:"created before (RFC 3339)"`
}

func (f filterIn) query() memory.ListQuery {
	return memory.ListQuery{Namespace: f.Namespace, Tier: memory.Tier(f.Tier), Tags: f.Tags, AgentID: f.AgentID,
		MinPriority: f.MinPriority, Since: f.Since, Until: f.Until}
}

var filterProps = map[string][]prop{"namespace": namespaceBounds, "tags": tagsBounds, "min_priority": {intRange(0, 10)},
	"tier": {func(s *jsonschema.Schema) { s.Enum = []any{"short", "mid", "long"} }}}

type searchIn struct {
	Query string `json:"query" jsonschema:"keywords; every word must match"`
	filterIn
	Limit int `json:"limit,omitempty" jsonschema:"results 1..200 (default 20)"`
}

type listIn struct {
	filterIn
	Limit  int    `json:"limit,omitempty" jsonschema:"page size 1..1000 (default 100)"`
	Cursor string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

type idIn struct {
	ID string `json:"id" jsonschema:"memory id (26-character ULID)"`
}

type getOut struct {
	Memory memory.Memory `json:"memory"`
	Links  []memory.Link `json:"links"`
}

type updateIn struct {
	ID         string          `json:"id" jsonschema:"memory id"`
	Title      *string         `json:"title,omitempty" jsonschema:"new title"`
	Content    *string         `json:"content,omitempty" jsonschema:"new content"`
	Tier       *memory.Tier    `json:"tier,omitempty" jsonschema:"new tier; long clears the expiry"`
	Namespace  *string         `json:"namespace,omitempty" jsonschema:"move to this namespace"`
	Tags       *[]string       `json:"tags,omitempty" jsonschema:"replace the tags"`
	Priority   *int            `json:"priority,omitempty" jsonschema:"new priority 1..10"`
	Confidence *float64        `json:"confidence,omitempty" jsonschema:"new confidence 0..1"`
	Source     *string         `json:"source,omitempty" jsonschema:"new source token"`
	Metadata   *map[string]any `json:"metadata,omitempty" jsonschema:"replace the metadata object"`
	ExpiresAt  *time.Time      `json:"expires_at,omitempty" jsonschema:"new expiry (RFC 3339)"`
	TTLSecs    *int64          `json:"ttl_secs,omitempty" jsonschema:"new lifetime from now in seconds"`
}

type memoryOut struct {
	Memory memory.Memory `json:"memory"`
}

type deleteOut struct {
	Deleted bool   `json:"deleted"`
	ID      string `json:"id"`
}

type promoteIn struct {
	ID          string `json:"id" jsonschema:"memory id"`
	ToNamespace string `json:"to_namespace,omitempty" jsonschema:"clone into this ancestor namespace (linked derived_from) instead of promoting in place"`
}

type linkIn struct {
	SourceID string          `json:"source_id" jsonschema:"memory the link starts from"`
	TargetID string          `json:"target_id" jsonschema:"memory the link points to"`
	Relation memory.Relation `json:"relation,omitempty" jsonschema:"related_to (default), supersedes, contradicts or derived_from"`
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
	Namespace string   `json:"namespace,omitempty" jsonschema:"archive memories of this namespace"`
	Tier      string   `json:"tier,omitempty" jsonschema:"archive memories of this tier"`
	Pattern   string   `json:"pattern,omitempty" jsonschema:"archive memories matching all these keywords"`
	Tags      []string `json:"tags,omitempty" jsonschema:"archive memories carrying every tag"`
	DryRun    bool     `json:"dry_run,omitempty" jsonschema:"only report what would be archived"`
}

type consolidateIn struct {
	IDs       []string `json:"ids" jsonschema:"2..100 memory ids to merge; they are deleted"`
	Title     string   `json:"title" jsonschema:"title of the merged long-term memory"`
	Namespace string   `json:"namespace,omitempty" jsonschema:"namespace of the merged memory (default: the first source's)"`
	Summary   string   `json:"summary,omitempty" jsonschema:"content of the merged memory; omitted = generated summary"`
	Source    string   `json:"source,omitempty" jsonschema:"source token (default mcp)"`
	AgentID   string   `json:"agent_id,omitempty" jsonschema:"author of the merged memory"`
}

type dryRunIn struct {
	DryRun bool `json:"dry_run,omitempty" jsonschema:"only report what would be archived"`
}

type emptyIn struct{}

func (s *server) addMemoryTools(ms *mcp.Server) {
	tool(ms, "memory_store", "Store a memory",
		"Store a memory. A second store with the same title in the same namespace updates it. If a namespace standard requires approval, the write is queued (status pending) for memory_pending_approve.",
		false, map[string][]prop{"title": titleBounds, "content": contentBounds, "namespace": namespaceBounds, "tags": tagsBounds,
			"priority": priorityBounds, "confidence": confBounds, "source": sourceBounds, "agent_id": agentBounds, "ttl_secs": ttlBounds},
		func(ctx context.Context, req *mcp.CallToolRequest, in storeIn) (storeOut, error) {
			if in.Source == "" {
				in.Source = "mcp"
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
			s.notifyAsync(res.Stored.Memory)
			m := res.Stored.Memory
			return storeOut{Status: "stored", ID: m.ID, Created: res.Stored.Created, Memory: &m}, err
		})

	tool(ms, "memory_recall", "Recall relevant memories",
		"Recall the memories most useful for a context: any word matches, ranked by relevance, priority, use, confidence, tier and recency. Namespace standards come first. Recalled memories count as used.",
		false, map[string][]prop{"context": {strLen(1, 1000)}, "namespace": namespaceBounds, "tags": tagsBounds,
			"limit": {intRange(1, engine.MaxRecallLimit)}, "budget_tokens": {intRange(0, 1_000_000)}, "agent_id": agentBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in recallIn) (recallOut, error) {
			res, err := s.e.Recall(ctx, engine.RecallQuery{Context: in.Context, Namespace: in.Namespace, Tags: in.Tags,
				Limit: in.Limit, BudgetTokens: in.BudgetTokens, AgentID: in.AgentID})
			if err != nil {
				return recallOut{}, err
			}
			stds, err := s.e.ResolveStandards(ctx, in.Namespace)
			return recallOut{Standards: stds, RecallResult: res}, err
		})

	tool(ms, "memory_search", "Search memories by keywords",
		"Keyword search: every word must match title or content. Best match first.",
		true, merge(filterProps, map[string][]prop{"query": {strLen(1, 1000)}, "limit": {intRange(1, engine.MaxSearchLimit)}}),
		func(ctx context.Context, _ *mcp.CallToolRequest, in searchIn) (engine.SearchResult, error) {
			q := in.query()
			q.Limit = in.Limit
			return s.e.Search(ctx, in.Query, q)
		})

	tool(ms, "memory_list", "List memories",
		"List active memories in creation order, one page at a time; pass next_cursor back as cursor until has_more is false.",
		true, merge(filterProps, map[string][]prop{"limit": {intRange(1, engine.MaxListLimit)}}),
		func(ctx context.Context, _ *mcp.CallToolRequest, in listIn) (engine.ListResult, error) {
			q := in.query()
			q.Limit, q.AfterID = in.Limit, in.Cursor
			return s.e.List(ctx, q)
		})

	tool(ms, "memory_get", "Get a memory",
		"Get one active memory by id, with its links in both directions.",
		true, map[string][]prop{"id": idBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in idIn) (getOut, error) {
			m, links, err := s.e.Get(ctx, in.ID)
			if err != nil {
				return getOut{}, err
			}
			return getOut{Memory: *m, Links: links}, nil
		})

	tool(ms, "memory_update", "Update a memory",
		"Change only the given fields of a memory; the others keep their values.",
		false, map[string][]prop{"id": idBounds, "title": titleBounds, "content": contentBounds, "namespace": namespaceBounds,
			"tags": tagsBounds, "priority": priorityBounds, "confidence": confBounds, "source": sourceBounds, "ttl_secs": ttlBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in updateIn) (memoryOut, error) {
			m, err := s.e.Update(ctx, in.ID, engine.Patch{Title: in.Title, Content: in.Content, Tier: in.Tier,
				Namespace: in.Namespace, Tags: in.Tags, Priority: in.Priority, Confidence: in.Confidence, Source: in.Source,
				Metadata: in.Metadata, ExpiresAt: in.ExpiresAt, TTLSecs: in.TTLSecs})
			if m == nil {
				return memoryOut{}, err
			}
			return memoryOut{Memory: *m}, err
		})

	tool(ms, "memory_delete", "Delete a memory",
		"Delete a memory and its links (replicated as a tombstone; not restorable — use memory_forget to archive instead).",
		false, map[string][]prop{"id": idBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in idIn) (deleteOut, error) {
			if err := s.e.Delete(ctx, in.ID); err != nil {
				return deleteOut{}, err
			}
			return deleteOut{Deleted: true, ID: in.ID}, nil
		})

	tool(ms, "memory_link", "Link two memories",
		"Create a typed link from source_id to target_id.",
		false, map[string][]prop{"source_id": idBounds, "target_id": idBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in linkIn) (linkOut, error) {
			l, err := s.e.Link(ctx, in.SourceID, in.TargetID, in.Relation)
			if l == nil {
				return linkOut{}, err
			}
			return linkOut{Link: *l}, err
		})

	tool(ms, "memory_get_links", "Get a memory's links",
		"List the links of a memory in both directions.",
		true, map[string][]prop{"id": idBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in idIn) (linksOut, error) {
			links, err := s.e.Links(ctx, in.ID)
			return linksOut{ID: in.ID, Links: links, Count: len(links)}, err
		})
}

func (s *server) addLifecycleTools(ms *mcp.Server) {
	tool(ms, "memory_promote", "Promote a memory to long-term",
		"Make a memory long-term (no expiry), or with to_namespace clone it into an ancestor namespace as a long memory linked derived_from the original.",
		false, map[string][]prop{"id": idBounds, "to_namespace": namespaceBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in promoteIn) (memoryOut, error) {
			m, err := s.e.Promote(ctx, in.ID, in.ToNamespace)
			if m == nil {
				return memoryOut{}, err
			}
			return memoryOut{Memory: *m}, err
		})

	tool(ms, "memory_forget", "Archive memories in bulk",
		"Archive every memory matching a namespace, tier, keyword pattern and/or tags (at least one is required). Archived memories can be restored with memory_archive_restore.",
		false, map[string][]prop{"namespace": namespaceBounds, "tags": tagsBounds, "pattern": {strLen(0, 1000)},
			"tier": {func(s *jsonschema.Schema) { s.Enum = []any{"short", "mid", "long"} }}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in forgetIn) (engine.BulkResult, error) {
			return s.e.Forget(ctx, engine.ForgetQuery{Namespace: in.Namespace, Tier: memory.Tier(in.Tier),
				Pattern: in.Pattern, Tags: in.Tags, DryRun: in.DryRun})
		})

	tool(ms, "memory_consolidate", "Merge memories into one",
		"Merge 2..100 memories into one long-term memory linked derived_from each source; the sources are deleted. Without a summary the content is generated (LLM when configured, else concatenation); method says which.",
		false, map[string][]prop{"ids": {maxItems(100)}, "title": titleBounds, "namespace": namespaceBounds,
			"summary": contentBounds, "source": sourceBounds, "agent_id": agentBounds},
		func(ctx context.Context, req *mcp.CallToolRequest, in consolidateIn) (engine.ConsolidateResult, error) {
			if in.Source == "" {
				in.Source = "mcp"
			}
			summary, method := in.Summary, ""
			if summary == "" && s.assist.LLMName() != "" && len(in.IDs) >= 2 && len(in.IDs) <= 100 {
				var srcs []memory.Memory
				for _, id := range in.IDs {
					m, _, err := s.e.Get(ctx, id)
					if err != nil {
						return engine.ConsolidateResult{}, err
					}
					srcs = append(srcs, *m)
				}
				summary, method = s.assist.Summarize(ctx, srcs)
			}
			res, err := s.e.Consolidate(ctx, engine.ConsolidateInput{IDs: in.IDs, Title: in.Title, Namespace: in.Namespace,
				Summary: summary, Source: in.Source, AgentID: s.agentID(req, in.AgentID)})
			if method != "" && res.Method == "provided" {
				res.Method = method
			}
			return res, err
		})

	tool(ms, "memory_gc", "Archive expired memories",
		"Archive every memory whose expiry has passed (restorable until purged).",
		false, nil,
		func(ctx context.Context, _ *mcp.CallToolRequest, in dryRunIn) (engine.BulkResult, error) {
			return s.e.GC(ctx, in.DryRun)
		})

	tool(ms, "memory_stats", "Memory statistics",
		"Counts of active memories by tier and namespace, links, archived memories, expiring within the hour, store size.",
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
