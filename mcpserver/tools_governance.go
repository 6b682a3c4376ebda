package mcpserver

import (
	"context"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

type nsIn struct {
	Namespace string `json:"namespace" jsonschema:"namespace, or * for the standard that applies everywhere"`
}

type getStandardIn struct {
	Namespace string `json:"namespace" jsonschema:"namespace, or * for the standard that applies everywhere"`
	Inherit   bool   `json:"inherit,omitempty" jsonschema:"also return the resolved chain: *, each ancestor, the namespace"`
}

type getStandardOut struct {
	Namespace string            `json:"namespace"`
	Found     bool              `json:"found" jsonschema:"whether the namespace itself has a standard"`
	Standard  *engine.Standard  `json:"standard,omitempty"`
	Chain     []engine.Standard `json:"chain,omitempty" jsonschema:"with inherit: every standard that applies, most general first"`
}

type setStandardIn struct {
	Namespace       string `json:"namespace" jsonschema:"namespace, or * for all namespaces"`
	ID              string `json:"id" jsonschema:"id of the memory holding the standard's text"`
	RequireApproval bool   `json:"require_approval,omitempty" jsonschema:"queue stores into this namespace (and below) for approval"`
	SetBy           string `json:"set_by,omitempty" jsonschema:"who set it (default: the calling agent)"`
}

type clearedOut struct {
	Cleared   bool   `json:"cleared"`
	Namespace string `json:"namespace"`
}

type pendingListIn struct {
	Status string `json:"status,omitempty" jsonschema:"pending, approved or rejected (default: all)"`
	Limit  int    `json:"limit,omitempty" jsonschema:"at most 1..1000 (default 100)"`
}

type pendingListOut struct {
	Pending []engine.Pending `json:"pending"`
	Count   int              `json:"count"`
}

type decideIn struct {
	ID        string `json:"id" jsonschema:"pending action id"`
	DecidedBy string `json:"decided_by,omitempty" jsonschema:"who decides (default: the calling agent)"`
}

type archiveListIn struct {
	Namespace string `json:"namespace,omitempty" jsonschema:"only this namespace"`
	Limit     int    `json:"limit,omitempty" jsonschema:"page size 1..1000 (default 100)"`
	Cursor    string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

type purgeIn struct {
	OlderThanDays int  `json:"older_than_days,omitempty" jsonschema:"only memories archived more than this many days ago (0 = all)"`
	DryRun        bool `json:"dry_run,omitempty" jsonschema:"only report what would be purged"`
}

var stdNamespace = []prop{strLen(1, memory.MaxNamespaceLen)}

func (s *server) addGovernanceTools(ms *mcp.Server) {
	tool(ms, "memory_namespace_get_standard", "Get a namespace standard",
		"Get the standard (policy memory) set on a namespace; inherit=true also returns every standard that applies to it: *, the ancestors, the namespace.",
		true, map[string][]prop{"namespace": stdNamespace},
		func(ctx context.Context, _ *mcp.CallToolRequest, in getStandardIn) (getStandardOut, error) {
			out := getStandardOut{Namespace: in.Namespace}
			st, err := s.e.GetStandard(ctx, in.Namespace)
			switch {
			case err == nil:
				out.Found, out.Standard = true, st
			case !memory.IsNotFound(err):
				return out, err
			}
			if in.Inherit {
				if out.Chain, err = s.e.ResolveStandards(ctx, in.Namespace); err != nil {
					return out, err
				}
			}
			return out, nil
		})

	tool(ms, "memory_namespace_set_standard", "Set a namespace standard",
		"Make a memory the standard of a namespace: it is prepended to recall and session_start there and below. require_approval queues writes for memory_pending_approve.",
		false, map[string][]prop{"namespace": stdNamespace, "id": idBounds, "set_by": agentBounds},
		func(ctx context.Context, req *mcp.CallToolRequest, in setStandardIn) (engine.Standard, error) {
			st, err := s.e.SetStandard(ctx, in.Namespace, in.ID, in.RequireApproval, s.agentID(req, in.SetBy))
			if st == nil {
				return engine.Standard{}, err
			}
			return *st, err
		})

	tool(ms, "memory_namespace_clear_standard", "Clear a namespace standard",
		"Remove the standard of a namespace (the memory itself stays).",
		false, map[string][]prop{"namespace": stdNamespace},
		func(ctx context.Context, _ *mcp.CallToolRequest, in nsIn) (clearedOut, error) {
			if err := s.e.ClearStandard(ctx, in.Namespace); err != nil {
				return clearedOut{}, err
			}
			return clearedOut{Cleared: true, Namespace: in.Namespace}, nil
		})

	tool(ms, "memory_pending_list", "List pending actions",
		"List writes queued for approval by a namespace standard, oldest first.",
		true, map[string][]prop{"limit": {intRange(1, engine.MaxListLimit)},
			"status": {func(sc *jsonschema.Schema) { sc.Enum = []any{"pending", "approved", "rejected"} }}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in pendingListIn) (pendingListOut, error) {
			ps, err := s.e.PendingList(ctx, in.Status, in.Limit)
			return pendingListOut{Pending: ps, Count: len(ps)}, err
		})

	tool(ms, "memory_pending_approve", "Approve a pending action",
		"Apply a queued write and record who approved it.",
		false, map[string][]prop{"id": idBounds, "decided_by": agentBounds},
		func(ctx context.Context, req *mcp.CallToolRequest, in decideIn) (engine.Pending, error) {
			p, err := s.e.PendingApprove(ctx, in.ID, s.agentID(req, in.DecidedBy))
			if p == nil {
				return engine.Pending{}, err
			}
			if err == nil && p.MemoryID != "" {
				if m, _, gerr := s.e.Get(ctx, p.MemoryID); gerr == nil {
					s.notifyAsync(*m)
				}
			}
			return *p, err
		})

	tool(ms, "memory_pending_reject", "Reject a pending action",
		"Discard a queued write, keeping the decision on record.",
		false, map[string][]prop{"id": idBounds, "decided_by": agentBounds},
		func(ctx context.Context, req *mcp.CallToolRequest, in decideIn) (engine.Pending, error) {
			p, err := s.e.PendingReject(ctx, in.ID, s.agentID(req, in.DecidedBy))
			if p == nil {
				return engine.Pending{}, err
			}
			return *p, err
		})

	tool(ms, "memory_archive_list", "List archived memories",
		"List archived (forgotten or expired) memories, one page at a time.",
		true, map[string][]prop{"namespace": namespaceBounds, "limit": {intRange(1, engine.MaxListLimit)}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in archiveListIn) (engine.ListResult, error) {
			return s.e.ArchiveList(ctx, memory.ListQuery{Namespace: in.Namespace, Limit: in.Limit, AfterID: in.Cursor})
		})

	tool(ms, "memory_archive_restore", "Restore an archived memory",
		"Bring an archived memory back; its expiry restarts from now (long memories never expire).",
		false, map[string][]prop{"id": idBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in idIn) (memoryOut, error) {
			m, err := s.e.ArchiveRestore(ctx, in.ID)
			if m == nil {
				return memoryOut{}, err
			}
			return memoryOut{Memory: *m}, err
		})

	tool(ms, "memory_archive_purge", "Purge the archive",
		"Delete archived memories for good, optionally only those archived more than older_than_days ago.",
		false, map[string][]prop{"older_than_days": {intRange(0, 36500)}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in purgeIn) (engine.BulkResult, error) {
			return s.e.ArchivePurge(ctx, in.OlderThanDays, in.DryRun)
		})

	tool(ms, "memory_archive_stats", "Archive statistics",
		"Count archived memories per namespace.",
		true, nil,
		func(ctx context.Context, _ *mcp.CallToolRequest, _ emptyIn) (engine.ArchiveStats, error) {
			return s.e.ArchiveStats(ctx)
		})
}
