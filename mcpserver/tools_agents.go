package mcpserver

import (
	"context"
	"strconv"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

type agentRegisterIn struct {
	AgentID      string   `json:"agent_id,omitempty"`
	AgentType    string   `json:"agent_type,omitempty"`
	Capabilities []string `json:"capabilities,omitempty"`
	Description  string   `json:"description,omitempty"`
}

type agentListOut struct {
	Agents []engine.Agent `json:"agents"`
	Count  int            `json:"count"`
}

type subscribeIn struct {
	URL         string   `json:"url"`
	Namespace   string   `json:"namespace,omitempty"`
	Events      []string `json:"events,omitempty"`
	AgentFilter string   `json:"agent_filter,omitempty"`
	Secret      string   `json:"secret,omitempty"`
	AgentID     string   `json:"agent_id,omitempty"`
}

type subscriptionsOut struct {
	Subscriptions []engine.PublicSubscription `json:"subscriptions"`
	Count         int                         `json:"count"`
}

type unsubscribedOut struct {
	Unsubscribed bool   `json:"unsubscribed"`
	ID           string `json:"id"`
}

type subIDIn struct {
	ID string `json:"id"`
}

type notifyIn struct {
	To       string `json:"to"`
	Title    string `json:"title"`
	Content  string `json:"content"`
	Priority *int   `json:"priority,omitempty"`
	From     string `json:"from,omitempty"`
	// Tier of the message memory, mid by default (unlisted: the
	// original's argument).
	Tier memory.Tier `json:"tier,omitempty"`
}

type inboxIn struct {
	AgentID    string `json:"agent_id,omitempty"`
	UnreadOnly bool   `json:"unread_only,omitempty"`
	Limit      int    `json:"limit,omitempty"`
}

type inboxOut struct {
	AgentID  string           `json:"agent_id"`
	Messages []engine.Message `json:"messages"`
	Count    int              `json:"count"`
}

type sessionIn struct {
	Namespace string `json:"namespace,omitempty"`
	AgentID   string `json:"agent_id,omitempty"`
	Limit     int    `json:"limit,omitempty"`
	Format    string `json:"format,omitempty"`
}

type sessionOut struct {
	engine.SessionContext
	format string
}

func (o sessionOut) formattedText() string {
	rows := make([]toonRow, len(o.Recent))
	for i := range o.Recent {
		rows[i] = toonRow{m: &o.Recent[i]}
	}
	meta := []string{"count:" + strconv.Itoa(len(o.Recent)), "mode:session_start", "total:" + strconv.Itoa(o.Total),
		"unread_messages:" + strconv.Itoa(o.UnreadCount)}
	if o.Summary != "" {
		meta = append(meta, "summary:"+toonEscaper.Replace(o.Summary))
	}
	return toon(o.format, meta, o.Standards, rows)
}

type capabilitiesOut struct {
	Server  string `json:"server"`
	Version string `json:"version"`
	NodeID  string `json:"node_id"`
	// FeatureTier is keyword: full-text recall without embeddings.
	FeatureTier string `json:"feature_tier"`
	RecallMode  string `json:"recall_mode"`
	// LLM is the configured model (kind:model), absent when none.
	LLM string `json:"llm,omitempty"`
	// AssistMethod says how auto_tag, detect_contradiction, expand_query
	// and summaries are computed.
	AssistMethod     string   `json:"assist_method"`
	Capabilities     []string `json:"capabilities"`
	ProtocolVersions []string `json:"protocol_versions"`
	Limits           limits   `json:"limits"`
}

type limits struct {
	MaxContentBytes int `json:"max_content_bytes"`
	MaxTitleChars   int `json:"max_title_chars"`
	MaxTags         int `json:"max_tags"`
	MaxRecall       int `json:"max_recall"`
	MaxSearch       int `json:"max_search"`
	MaxListPage     int `json:"max_list_page"`
}

func (s *server) addAgentTools(tb *toolbox) {
	tool(tb, "memory_agent_register",
		"Register or refresh an agent (default: you) with its type and capabilities.",
		false, map[string][]prop{"agent_id": agentBounds, "agent_type": sourceBounds, "capabilities": tagsBounds,
			"description": contentBounds},
		func(ctx context.Context, req *mcp.CallToolRequest, in agentRegisterIn) (engine.Agent, error) {
			a, _, err := s.e.RegisterAgent(ctx, engine.Agent{AgentID: s.agentID(req, in.AgentID), AgentType: in.AgentType,
				Capabilities: in.Capabilities, Description: in.Description})
			if a == nil {
				return engine.Agent{}, err
			}
			return *a, err
		})

	tool(tb, "memory_agent_list",
		"List registered agents.",
		true, nil,
		func(ctx context.Context, _ *mcp.CallToolRequest, _ emptyIn) (agentListOut, error) {
			as, err := s.e.ListAgents(ctx)
			return agentListOut{Agents: as, Count: len(as)}, err
		})

	tool(tb, "memory_subscribe",
		"POST every memory stored (optionally only in a namespace) to a webhook URL; a secret signs deliveries with HMAC-SHA256.",
		false, map[string][]prop{"url": {strLen(1, 2048), uriFormat}, "namespace": namespaceBounds, "secret": {strLen(0, 256)},
			"agent_id": agentBounds, "events": tagsBounds, "agent_filter": agentBounds},
		func(ctx context.Context, req *mcp.CallToolRequest, in subscribeIn) (engine.PublicSubscription, error) {
			return s.e.Subscribe(ctx, engine.SubscribeInput{URL: in.URL, Namespace: in.Namespace, Secret: in.Secret,
				AgentID: s.agentID(req, in.AgentID), Events: in.Events, AgentFilter: in.AgentFilter})
		})

	tool(tb, "memory_unsubscribe",
		"Remove a webhook subscription.",
		false, map[string][]prop{"id": idBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in subIDIn) (unsubscribedOut, error) {
			if err := s.e.Unsubscribe(ctx, in.ID); err != nil {
				return unsubscribedOut{}, err
			}
			return unsubscribedOut{Unsubscribed: true, ID: in.ID}, nil
		})

	tool(tb, "memory_list_subscriptions",
		"List webhook subscriptions.",
		true, nil,
		func(ctx context.Context, _ *mcp.CallToolRequest, _ emptyIn) (subscriptionsOut, error) {
			subs, err := s.e.Subscriptions(ctx)
			out := subscriptionsOut{Subscriptions: []engine.PublicSubscription{}}
			for _, sub := range subs {
				out.Subscriptions = append(out.Subscriptions, sub.Public())
			}
			out.Count = len(out.Subscriptions)
			return out, err
		})

	tool(tb, "memory_notify",
		"Send a message to another agent's inbox.",
		false, map[string][]prop{"to": agentBounds, "title": titleBounds, "content": contentBounds, "priority": priorityBounds,
			"from": agentBounds, "tier": {unlisted}},
		func(ctx context.Context, req *mcp.CallToolRequest, in notifyIn) (engine.Message, error) {
			m, err := s.e.Notify(ctx, s.agentID(req, in.From), in.To, in.Title, in.Content, in.Priority, in.Tier)
			if m == nil {
				return engine.Message{}, err
			}
			return *m, err
		})

	tool(tb, "memory_inbox",
		"Read your (or agent_id's) messages, oldest first, and mark them read.",
		false, map[string][]prop{"agent_id": agentBounds, "limit": {intRange(1, engine.MaxListLimit)}},
		func(ctx context.Context, req *mcp.CallToolRequest, in inboxIn) (inboxOut, error) {
			agent := s.agentID(req, in.AgentID)
			if agent == "" {
				return inboxOut{}, memory.Errorf(memory.CodeInvalid, "no agent id: pass agent_id or start the server with --agent-id")
			}
			msgs, err := s.e.Inbox(ctx, agent, in.UnreadOnly, in.Limit)
			return inboxOut{AgentID: agent, Messages: msgs, Count: len(msgs)}, err
		})

	tool(tb, "memory_session_start",
		"Load context at the start of a session: the standards that apply, the newest memories, unread messages and a summary.",
		true, map[string][]prop{"namespace": namespaceBounds, "agent_id": agentBounds, "limit": {intRange(1, engine.MaxRecallLimit)},
			"format": {formatEnum}},
		func(ctx context.Context, req *mcp.CallToolRequest, in sessionIn) (sessionOut, error) {
			sc, err := s.assist.SessionStart(ctx, in.Namespace, s.agentID(req, in.AgentID), in.Limit)
			if sc == nil {
				return sessionOut{}, err
			}
			return sessionOut{SessionContext: *sc, format: in.Format}, err
		})

	tool(tb, "memory_capabilities",
		"Report the server version, features, LLM, assist method and limits.",
		true, nil,
		func(ctx context.Context, _ *mcp.CallToolRequest, _ emptyIn) (capabilitiesOut, error) {
			out := capabilitiesOut{Server: "ai-memory", Version: s.opts.Version, NodeID: s.e.NodeID(),
				FeatureTier: "keyword", RecallMode: "keyword", LLM: s.assist.LLMName(), AssistMethod: engine.MethodDeterministic,
				Capabilities: []string{"store", "recall", "search", "links", "archive", "consolidate", "namespace_standards",
					"governance", "agents", "messages", "webhooks", "resources", "prompts", "federation"},
				ProtocolVersions: ProtocolVersions,
				Limits: limits{MaxContentBytes: memory.MaxContentBytes, MaxTitleChars: memory.MaxTitleLen, MaxTags: memory.MaxTags,
					MaxRecall: engine.MaxRecallLimit, MaxSearch: engine.MaxSearchLimit, MaxListPage: engine.MaxListLimit}}
			if out.LLM != "" {
				out.AssistMethod = "llm:" + out.LLM + " (deterministic fallback)"
			}
			return out, nil
		})
}
