package mcpserver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/webhook"
)

func TestGovernanceTools(t *testing.T) {
	cs := connect(t, openEngine(t), Options{AgentID: "lead"})
	pol := ok(t, cs, "memory_store", map[string]any{"title": "Ops policy", "content": "changes need review", "namespace": "ops"})
	glob := ok(t, cs, "memory_store", map[string]any{"title": "House rules", "content": "be precise"})
	ok(t, cs, "memory_namespace_set_standard", map[string]any{"namespace": "*", "id": str(glob, "id")})
	st := ok(t, cs, "memory_namespace_set_standard", map[string]any{"namespace": "ops", "id": str(pol, "id"), "require_approval": true})
	if str(st, "set_by") != "lead" || path(st, "require_approval") != true {
		t.Fatalf("set_standard = %v", st)
	}
	got := ok(t, cs, "memory_namespace_get_standard", map[string]any{"namespace": "ops/db", "inherit": true})
	if path(got, "found") != false || len(list(got, "chain")) != 2 || str(got, "chain", 1, "memory", "title") != "Ops policy" {
		t.Fatalf("get_standard inherit = %v", got)
	}

	// A store under the governed namespace is queued; approval applies it.
	q := ok(t, cs, "memory_store", map[string]any{"title": "Rotate keys", "content": "monthly", "namespace": "ops/db"})
	if str(q, "status") != "pending" || str(q, "pending_id") == "" {
		t.Fatalf("governed store = %v", q)
	}
	q2 := ok(t, cs, "memory_store", map[string]any{"title": "Drop tables", "content": "never", "namespace": "ops"})
	pl := ok(t, cs, "memory_pending_list", map[string]any{"status": "pending"})
	if num(pl, "count") != 2 || str(pl, "pending", 0, "requested_by") != "lead" {
		t.Fatalf("pending_list = %v", pl)
	}
	ap := ok(t, cs, "memory_pending_approve", map[string]any{"id": str(q, "pending_id"), "decided_by": "alice"})
	if str(ap, "status") != "approved" || str(ap, "decided_by") != "alice" {
		t.Fatalf("approve = %v", ap)
	}
	if g := ok(t, cs, "memory_get", map[string]any{"id": str(ap, "memory_id")}); str(g, "memory", "title") != "Rotate keys" {
		t.Fatalf("approved memory = %v", g)
	}
	rj := ok(t, cs, "memory_pending_reject", map[string]any{"id": str(q2, "pending_id")})
	if str(rj, "status") != "rejected" || str(rj, "decided_by") != "lead" {
		t.Fatalf("reject = %v", rj)
	}
	fails(t, cs, "memory_pending_approve", map[string]any{"id": str(q2, "pending_id")}, "already rejected")

	// Standards lead recall.
	rec := ok(t, cs, "memory_recall", map[string]any{"context": "rotate keys", "namespace": "ops/db"})
	if len(list(rec, "standards")) != 2 || str(rec, "standards", 0, "namespace") != "*" || num(rec, "count") != 1 {
		t.Fatalf("recall with standards = %v", rec)
	}
	if c := ok(t, cs, "memory_namespace_clear_standard", map[string]any{"namespace": "ops"}); path(c, "cleared") != true {
		t.Fatalf("clear = %v", c)
	}
	fails(t, cs, "memory_namespace_clear_standard", map[string]any{"namespace": "ops"}, "not_found")
	if got := ok(t, cs, "memory_namespace_get_standard", map[string]any{"namespace": "*"}); path(got, "found") != true {
		t.Fatalf("get * = %v", got)
	}
	if s := ok(t, cs, "memory_store", map[string]any{"title": "Now free", "content": "x", "namespace": "ops"}); str(s, "status") != "stored" {
		t.Fatalf("store after clear = %v", s)
	}
}

func TestAgentMessageAndWebhookTools(t *testing.T) {
	type delivery struct {
		sig  string
		body string
	}
	got := make(chan delivery, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{r.Header.Get(webhook.SignatureHeader), string(b)}
	}))
	t.Cleanup(hook.Close)
	e := openEngine(t)
	e.Observe(webhook.New(e, webhook.Options{}))
	cs := connect(t, e, Options{AgentID: "alice"})

	reg := ok(t, cs, "memory_agent_register", map[string]any{"agent_type": "claude-code", "capabilities": []string{"go"}})
	if str(reg, "agent_id") != "alice" || str(reg, "agent_type") != "claude-code" {
		t.Fatalf("agent_register = %v", reg)
	}
	ok(t, cs, "memory_agent_register", map[string]any{"agent_id": "bob"})
	if al := ok(t, cs, "memory_agent_list", nil); num(al, "count") != 2 || str(al, "agents", 1, "agent_id") != "bob" {
		t.Fatalf("agent_list = %v", al)
	}

	n := ok(t, cs, "memory_notify", map[string]any{"to": "bob", "title": "Review", "content": "please review PR 7"})
	if str(n, "from") != "alice" || str(n, "to") != "bob" {
		t.Fatalf("notify = %v", n)
	}
	in := ok(t, cs, "memory_inbox", map[string]any{"agent_id": "bob", "unread_only": true})
	if num(in, "count") != 1 || str(in, "messages", 0, "content") != "please review PR 7" || path(in, "messages", 0, "read") != false {
		t.Fatalf("inbox = %v", in)
	}
	if again := ok(t, cs, "memory_inbox", map[string]any{"agent_id": "bob", "unread_only": true}); num(again, "count") != 0 {
		t.Fatalf("message still unread after reading: %v", again)
	}
	if mine := ok(t, cs, "memory_inbox", nil); str(mine, "agent_id") != "alice" || num(mine, "count") != 0 {
		t.Fatalf("own inbox = %v", mine)
	}
	fails(t, cs, "memory_notify", map[string]any{"to": "bad id!", "title": "x", "content": "y"}, `agent id "bad id!"`)

	sub := ok(t, cs, "memory_subscribe", map[string]any{"url": hook.URL + "/hook", "namespace": "watched", "secret": "topsecret"})
	if path(sub, "signed") != true || path(sub, "secret_hash") != nil || path(sub, "secret") != nil {
		t.Fatalf("subscribe = %v", sub)
	}
	ls := ok(t, cs, "memory_list_subscriptions", nil)
	if num(ls, "count") != 1 || path(ls, "subscriptions", 0, "secret_hash") != nil {
		t.Fatalf("list_subscriptions leaks or misses: %v", ls)
	}
	ok(t, cs, "memory_store", map[string]any{"title": "Unwatched", "content": "x"})
	m := ok(t, cs, "memory_store", map[string]any{"title": "Watched", "content": "y", "namespace": "watched"})
	select {
	case d := <-got:
		if d.sig != webhook.Sign(engine.SecretKey("topsecret"), []byte(d.body)) || !strings.Contains(d.body, str(m, "id")) {
			t.Fatalf("delivery %+v; want the watched memory, signed", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook delivery within 10s")
	}
	select {
	case d := <-got:
		t.Fatalf("unexpected second delivery %+v", d)
	case <-time.After(200 * time.Millisecond):
	}
	ok(t, cs, "memory_unsubscribe", map[string]any{"id": str(sub, "id")})
	fails(t, cs, "memory_unsubscribe", map[string]any{"id": str(sub, "id")}, "not_found")
	fails(t, cs, "memory_subscribe", map[string]any{"url": "file:///etc/passwd"}, "http")
}

func TestAssistSessionAndCapabilityTools(t *testing.T) {
	cs := connect(t, openEngine(t), Options{AgentID: "bot", Version: "9.9"})
	for _, m := range []map[string]any{
		{"title": "Postgres backups", "content": "nightly pg_dump of the postgres cluster", "tags": []string{"database"}},
		{"title": "Postgres vacuum", "content": "autovacuum tuning for the postgres cluster", "tags": []string{"database"}},
		{"title": "Feature flag", "content": "the beta flag is enabled for staff"},
	} {
		ok(t, cs, "memory_store", m)
	}
	target := ok(t, cs, "memory_store", map[string]any{"title": "Postgres failover", "content": "patroni fails the postgres cluster over"})
	tags := ok(t, cs, "memory_auto_tag", map[string]any{"id": str(target, "id"), "max": 3, "apply": true})
	if str(tags, "method") != "deterministic" || str(tags, "tags", 0, "tag") != "database" || path(tags, "applied") != true {
		t.Fatalf("auto_tag = %v", tags)
	}
	con := ok(t, cs, "memory_detect_contradiction", map[string]any{"title": "Feature flag", "content": "the beta flag is not enabled for staff"})
	if str(con, "method") != "deterministic" || len(list(con, "contradictions")) != 1 {
		t.Fatalf("detect_contradiction = %v", con)
	}
	exp := ok(t, cs, "memory_expand_query", map[string]any{"query": "postgres", "max": 2})
	if str(exp, "method") != "deterministic" || len(list(exp, "added")) != 2 || !strings.Contains(str(exp, "expanded"), "cluster") {
		t.Fatalf("expand_query = %v", exp)
	}
	fails(t, cs, "memory_auto_tag", map[string]any{}, "give a memory id")

	ss := ok(t, cs, "memory_session_start", map[string]any{"limit": 2})
	if str(ss, "agent_id") != "bot" || num(ss, "total") != 4 || len(list(ss, "recent")) != 2 || str(ss, "summary_method") != "deterministic" {
		t.Fatalf("session_start = %v", ss)
	}
	caps := ok(t, cs, "memory_capabilities", nil)
	if str(caps, "version") != "9.9" || str(caps, "assist_method") != "deterministic" || len(list(caps, "protocol_versions")) != 4 {
		t.Fatalf("capabilities = %v", caps)
	}
}
