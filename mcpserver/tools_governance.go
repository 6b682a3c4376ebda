package mcpserver

import (
	"context"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

type nsIn struct {
	Namespace string `json:"namespace"`
}

type getStandardIn struct {
	Namespace string `json:"namespace"`
	Inherit   bool   `json:"inherit,omitempty"`
}

type getStandardOut struct {
	Namespace string `json:"namespace"`
	// Found tells whether the namespace itself has a standard.
	Found    bool             `json:"found"`
	Standard *engine.Standard `json:"standard,omitempty"`
	// Chain, with inherit, is every standard that applies, most general
	// first.
	Chain []engine.Standard `json:"chain,omitempty"`
}

type setStandardIn struct {
	Namespace       string `json:"namespace"`
	ID              string `json:"id"`
	RequireApproval bool   `json:"require_approval,omitempty"`
	SetBy           string `json:"set_by,omitempty"`
	// Governance is the original's policy object (unlisted): write
	// "approve" requires approval, as require_approval does; the object is
	// kept in the standard memory's metadata.governance.
	Governance map[string]any `json:"governance,omitempty"`
}

type clearedOut struct {
	Cleared   bool   `json:"cleared"`
	Namespace string `json:"namespace"`
}

type pendingListIn struct {
	Status string `json:"status,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

type pendingListOut struct {
	Pending []engine.Pending `json:"pending"`
	Count   int              `json:"count"`
}

type decideIn struct {
	ID        string `json:"id"`
	DecidedBy string `json:"decided_by,omitempty"`
}

type archiveListIn struct {
	Namespace string `json:"namespace,omitempty"`
	Limit     int    `json:"limit,omitempty"`
	Offset    int    `json:"offset,omitempty"`
	Cursor    string `json:"cursor,omitempty"`
}

type purgeIn struct {
	OlderThanDays int  `json:"older_than_days,omitempty"`
	DryRun        bool `json:"dry_run,omitempty"`
}

var stdNamespace = []prop{strLen(1, memory.MaxNamespaceLen)}

func (s *server) addGovernanceTools(tb *toolbox) {
	tool(tb, "memory_namespace_get_standard",
		"Read a namespace's standard (its policy memory); inherit=true adds every standard that applies: *, ancestors, the namespace.",
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

	tool(tb, "memory_namespace_set_standard",
		"Make memory id the standard of a namespace (* for all), shown first by recall there and below; require_approval queues writes for review.",
		false, map[string][]prop{"namespace": stdNamespace, "id": idBounds, "set_by": agentBounds, "governance": {unlisted}},
		func(ctx context.Context, req *mcp.CallToolRequest, in setStandardIn) (engine.Standard, error) {
			var st *engine.Standard
			var err error
			if by := s.agentID(req, in.SetBy); in.Governance != nil {
				st, err = s.e.SetGovernedStandard(ctx, in.Namespace, in.ID, in.Governance, in.RequireApproval, by)
			} else {
				st, err = s.e.SetStandard(ctx, in.Namespace, in.ID, in.RequireApproval, by)
			}
			if st == nil {
				return engine.Standard{}, err
			}
			return *st, err
		})

	tool(tb, "memory_namespace_clear_standard",
		"Remove a namespace's standard; the memory stays.",
		false, map[string][]prop{"namespace": stdNamespace},
		func(ctx context.Context, _ *mcp.CallToolRequest, in nsIn) (clearedOut, error) {
			if err := s.e.ClearStandard(ctx, in.Namespace); err != nil {
				return clearedOut{}, err
			}
			return clearedOut{Cleared: true, Namespace: in.Namespace}, nil
		})

	tool(tb, "memory_pending_list",
		"List writes queued for approval, oldest first.",
		true, map[string][]prop{"limit": {intRange(1, engine.MaxListLimit)},
			"status": {func(sc *jsonschema.Schema) { sc.Enum = []any{"pending", "approved", "rejected"} }}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in pendingListIn) (pendingListOut, error) {
			ps, err := s.e.PendingList(ctx, in.Status, in.Limit)
			return pendingListOut{Pending: ps, Count: len(ps)}, err
		})

	tool(tb, "memory_pending_approve",
		"Apply a queued write.",
		false, map[string][]prop{"id": idBounds, "decided_by": agentBounds},
		func(ctx context.Context, req *mcp.CallToolRequest, in decideIn) (engine.Pending, error) {
			p, _, err := s.e.PendingApprove(ctx, in.ID, s.agentID(req, in.DecidedBy))
			if p == nil {
				return engine.Pending{}, err
			}
			return *p, err
		})

	tool(tb, "memory_pending_reject",
		"Discard a queued write.",
		false, map[string][]prop{"id": idBounds, "decided_by": agentBounds},
		func(ctx context.Context, req *mcp.CallToolRequest, in decideIn) (engine.Pending, error) {
			p, _, err := s.e.PendingReject(ctx, in.ID, s.agentID(req, in.DecidedBy))
			if p == nil {
				return engine.Pending{}, err
			}
			return *p, err
		})

	tool(tb, "memory_archive_list",
		"List archived (forgotten or expired) memories; pages like memory_list.",
		true, map[string][]prop{"namespace": namespaceBounds, "limit": {intRange(1, engine.MaxListLimit)}, "offset": {intRange(0, 1_000_000)}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in archiveListIn) (engine.ListResult, error) {
			return s.e.ArchiveList(ctx, memory.ListQuery{Namespace: in.Namespace, Limit: in.Limit, Offset: in.Offset, AfterID: in.Cursor})
		})

	tool(tb, "memory_archive_restore",
		"Bring an archived memory back.",
		false, map[string][]prop{"id": idBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in idIn) (memoryOut, error) {
			m, _, err := s.e.ArchiveRestore(ctx, in.ID)
			if m == nil {
				return memoryOut{}, err
			}
			return memoryOut{Memory: *m}, err
		})

	tool(tb, "memory_archive_purge",
		"Delete archived memories for good, optionally only those archived over older_than_days ago.",
		false, map[string][]prop{"older_than_days": {intRange(0, 36500)}},
		func(ctx context.Context, _ *mcp.CallToolRequest, in purgeIn) (engine.BulkResult, error) {
			return s.e.ArchivePurge(ctx, in.OlderThanDays, in.DryRun)
		})

	tool(tb, "memory_archive_stats",
		"Count archived memories per namespace.",
		true, nil,
		func(ctx context.Context, _ *mcp.CallToolRequest, _ emptyIn) (engine.ArchiveStats, error) {
			return s.e.ArchiveStats(ctx)
		})
}
