package mcpserver

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

type agentRegisterIn struct {
	AgentID      string   `json:"agent_id,omitempty" jsonschema:"agent id (default: the calling agent)"`
	AgentType    string   `json:"agent_type,omitempty" jsonschema:"kind of agent, e.g. claude-code, codex, human (default generic)"`
	Capabilities []string `json:"capabilities,omitempty" jsonschema:"what the agent can do"`
	Description  string   `json:"description,omitempty" jsonschema:"free text about the agent"`
}

type agentListOut struct {
	Agents []engine.Agent `json:"agents"`
	Count  int            `json:"count"`
}

type subscribeIn struct {
	URL       string `json:"url" jsonschema:"http(s) URL that receives a POST per stored memory"`
	Namespace string `json:"namespace,omitempty" jsonschema:"only stores into this namespace (default: all)"`
	Secret    string `json:"secret,omitempty" jsonschema:"sign deliveries: X-Ai-Memory-Signature = sha256=HMAC-SHA256(key = hex SHA-256 of the secret, body); only the hash is kept"`
	AgentID   string `json:"agent_id,omitempty" jsonschema:"owner of the subscription (default: the calling agent)"`
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
	ID string `json:"id" jsonschema:"subscription id"`
}

type notifyIn struct {
	To       string `json:"to" jsonschema:"recipient agent id"`
	Title    string `json:"title" jsonschema:"subject"`
	Content  string `json:"content" jsonschema:"message body"`
	Priority *int   `json:"priority,omitempty" jsonschema:"1..10 (default 5)"`
	From     string `json:"from,omitempty" jsonschema:"sender (default: the calling agent)"`
}

type inboxIn struct {
	AgentID    string `json:"agent_id,omitempty" jsonschema:"whose inbox (default: the calling agent)"`
	UnreadOnly bool   `json:"unread_only,omitempty" jsonschema:"only messages not read yet"`
	Limit      int    `json:"limit,omitempty" jsonschema:"at most 1..1000 (default 100)"`
}

type inboxOut struct {
	AgentID  string           `json:"agent_id"`
	Messages []engine.Message `json:"messages"`
	Count    int              `json:"count"`
}

type sessionIn struct {
	Namespace string `json:"namespace,omitempty" jsonschema:"namespace of the session (default: all)"`
	AgentID   string `json:"agent_id,omitempty" jsonschema:"agent starting the session (default: the calling agent)"`
	Limit     int    `json:"limit,omitempty" jsonschema:"recent memories 1..50 (default 10)"`
}

type capabilitiesOut struct {
	Server           string   `json:"server"`
	Version          string   `json:"version"`
	NodeID           string   `json:"node_id"`
	FeatureTier      string   `json:"feature_tier" jsonschema:"keyword: full-text recall without embeddings"`
	RecallMode       string   `json:"recall_mode"`
	LLM              string   `json:"llm,omitempty" jsonschema:"configured model (kind:model), absent when none"`
	AssistMethod     string   `json:"assist_method" jsonschema:"how auto_tag, detect_contradiction, expand_query and summaries are computed"`
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

func (s *server) addAgentTools(ms *mcp.Server) {
	tool(ms, "memory_agent_register", "Register an agent",
		"Register (or refresh) an agent in the _agents registry with its type and capabilities.",
		false, map[string][]prop{"agent_id": agentBounds, "agent_type": sourceBounds, "capabilities": tagsBounds,
			"description": contentBounds},
		func(ctx context.Context, req *mcp.CallToolRequest, in agentRegisterIn) (engine.Agent, error) {
			a, err := s.e.RegisterAgent(ctx, engine.Agent{AgentID: s.agentID(req, in.AgentID), AgentType: in.AgentType,
				Capabilities: in.Capabilities, Description: in.Description})
			if a == nil {
				return engine.Agent{}, err
			}
			return *a, err
		})

	tool(ms, "memory_agent_list", "List agents",
		"List registered agents in registration order.",
		true, nil,
		func(ctx context.Context, _ *mcp.CallToolRequest, _ emptyIn) (agentListOut, error) {
			as, err := s.e.ListAgents(ctx)
			return agentListOut{Agents: as, Count: len(as)}, err
		})

	tool(ms, "memory_subscribe", "Subscribe a webhook",
		"POST every memory stored (in a namespace, or anywhere) to a URL, optionally signed with HMAC-SHA256.",
		false, map[string][]prop{"url": {strLen(1, 2048), uriFormat}, "namespace": namespaceBounds, "secret": {strLen(0, 256)},
			"agent_id": agentBounds},
		func(ctx context.Context, req *mcp.CallToolRequest, in subscribeIn) (engine.PublicSubscription, error) {
			return s.e.Subscribe(ctx, engine.SubscribeInput{URL: in.URL, Namespace: in.Namespace, Secret: in.Secret,
				AgentID: s.agentID(req, in.AgentID)})
		})

	tool(ms, "memory_unsubscribe", "Remove a webhook",
		"Remove a subscription by id.",
		false, map[string][]prop{"id": idBounds},
		func(ctx context.Context, _ *mcp.CallToolRequest, in subIDIn) (unsubscribedOut, error) {
			if err := s.e.Unsubscribe(ctx, in.ID); err != nil {
				return unsubscribedOut{}, err
			}
			return unsubscribedOut{Unsubscribed: true, ID: in.ID}, nil
		})

	tool(ms, "memory_list_subscriptions", "List webhooks",
		"List subscriptions (secrets are never returned, only whether deliveries are signed).",
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

	tool(ms, "memory_notify", "Message another agent",
		"Send a message to another agent's inbox (namespace _messages/<to>).",
		false, map[string][]prop{"to": agentBounds, "title": titleBounds, "content": contentBounds, "priority": priorityBounds,
			"from": agentBounds},
		func(ctx context.Context, req *mcp.CallToolRequest, in notifyIn) (engine.Message, error) {
			m, err := s.e.Notify(ctx, s.agentID(req, in.From), in.To, in.Title, in.Content, in.Priority)
			if m == nil {
				return engine.Message{}, err
			}
			return *m, err
		})

	tool(ms, "memory_inbox", "Read the inbox",
		"Read an agent's messages, oldest first; read tells whether it was read before, and the returned messages are marked read.",
		false, map[string][]prop{"agent_id": agentBounds, "limit": {intRange(1, engine.MaxListLimit)}},
		func(ctx context.Context, req *mcp.CallToolRequest, in inboxIn) (inboxOut, error) {
			agent := s.agentID(req, in.AgentID)
			if agent == "" {
				return inboxOut{}, memory.Errorf(memory.CodeInvalid, "no agent id: pass agent_id or start the server with --agent-id")
			}
			msgs, err := s.e.Inbox(ctx, agent, in.UnreadOnly, in.Limit)
			return inboxOut{AgentID: agent, Messages: msgs, Count: len(msgs)}, err
		})

	tool(ms, "memory_session_start", "Start a session",
		"Load the context for a new session: the standards that apply, the newest memories, unread messages and a summary (LLM when configured, else a listing; summary_method says which).",
		true, map[string][]prop{"namespace": namespaceBounds, "agent_id": agentBounds, "limit": {intRange(1, engine.MaxRecallLimit)}},
		func(ctx context.Context, req *mcp.CallToolRequest, in sessionIn) (engine.SessionContext, error) {
			sc, err := s.assist.SessionStart(ctx, in.Namespace, s.agentID(req, in.AgentID), in.Limit)
			if sc == nil {
				return engine.SessionContext{}, err
			}
			return *sc, err
		})

	tool(ms, "memory_capabilities", "Server capabilities",
		"What this server supports: feature tier, configured LLM, assist method, protocol versions and limits.",
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
