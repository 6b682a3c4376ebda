package engine

import (
	"context"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Message is an agent-to-agent message. Messages are memories in the
// namespace "_messages/<recipient>", so they replicate like any write; a
// message whose access_count is zero on this node is unread.
type Message struct {
	ID       string    `json:"id"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Title    string    `json:"title"`
	Content  string    `json:"content"`
	Priority int       `json:"priority"`
	Read     bool      `json:"read"`
	SentAt   time.Time `json:"sent_at"`
}

// Notify sends a message from one agent to another, a mid memory unless
// tier says otherwise.
func (e *Engine) Notify(ctx context.Context, from, to, title, content string, priority *int, tier memory.Tier) (*Message, error) {
	ns, err := inboxNamespace(to)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(title) == "" {
		return nil, memory.Errorf(memory.CodeInvalid, "title (the subject) must not be empty")
	}
	if from == "" {
		from = "anonymous"
	}
	if err := memory.ValidateToken("from", from, memory.MaxAgentIDLen); err != nil {
		return nil, err
	}
	// The sender's id plus a fresh id in the title keeps two messages with
	// one subject from de-duplicating into each other.
	res, err := e.store1(ctx, "notify", NewMemory{
		Title: title + " [" + memory.NewID(e.Now()) + "]", Content: content, Tier: tier, Namespace: ns,
		Tags: []string{"message"}, Priority: priority, Source: "notify", AgentID: from,
		Metadata: map[string]any{"from": from, "to": to, "subject": title},
	})
	if res.Memory.ID == "" {
		return nil, err
	}
	msg := messageFrom(&res.Memory)
	return &msg, err
}

// Inbox returns an agent's messages, oldest first, and marks the returned
// ones read. unreadOnly leaves out messages already read on this node.
func (e *Engine) Inbox(ctx context.Context, agent string, unreadOnly bool, limit int) ([]Message, error) {
	ns, err := inboxNamespace(agent)
	if err != nil {
		return nil, err
	}
	limit = clampLimit(limit, DefaultListLimit, MaxListLimit)
	all, err := e.scan(ctx, memory.ListQuery{Namespace: ns, Now: e.Now()}, func(m *memory.Memory) bool {
		return !unreadOnly || m.AccessCount == 0
	})
	if err != nil {
		return nil, err
	}
	out := []Message{}
	var ids []string
	for i := range all {
		if len(out) == limit {
			break
		}
		out = append(out, messageFrom(&all[i]))
		ids = append(ids, all[i].ID)
	}
	if len(ids) > 0 {
		if err := e.store.Touch(ctx, ids, e.Now()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UnreadCount counts an agent's unread messages on this node.
func (e *Engine) UnreadCount(ctx context.Context, agent string) (int, error) {
	ns, err := inboxNamespace(agent)
	if err != nil {
		return 0, err
	}
	unread, err := e.scan(ctx, memory.ListQuery{Namespace: ns, Now: e.Now()}, func(m *memory.Memory) bool { return m.AccessCount == 0 })
	return len(unread), err
}

func inboxNamespace(agent string) (string, error) {
	if agent == "" {
		return "", memory.Errorf(memory.CodeInvalid, "recipient agent id is required")
	}
	if err := memory.ValidateToken("agent id", agent, memory.MaxAgentIDLen); err != nil {
		return "", err
	}
	ns := memory.NamespaceMessagesPrefix + agent
	if err := memory.ValidateNamespace(ns); err != nil {
		return "", memory.Errorf(memory.CodeInvalid, "agent id %q cannot name an inbox: %s", agent, message(err))
	}
	return ns, nil
}

func messageFrom(m *memory.Memory) Message {
	msg := Message{ID: m.ID, Title: m.Title, Content: m.Content, Priority: m.Priority, Read: m.AccessCount > 0,
		SentAt: m.CreatedAt}
	msg.From, _ = m.Metadata["from"].(string)
	msg.To, _ = m.Metadata["to"].(string)
	// Imported messages name neither: the inbox is the recipient and the
	// writer the sender.
	if msg.To == "" {
		msg.To = strings.TrimPrefix(m.Namespace, memory.NamespaceMessagesPrefix)
	}
	if msg.From == "" {
		msg.From = m.AgentID
	}
	if s, ok := m.Metadata["subject"].(string); ok {
		msg.Title = s
	}
	return msg
}
