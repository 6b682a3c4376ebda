package httpapi

import (
	"net/http"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// searchRequest is the POST form of search; GET takes the same names as
// query parameters (q or query, tags comma-separated).
type searchRequest struct {
	Query       string      `json:"query"`
	Namespace   string      `json:"namespace"`
	Tier        memory.Tier `json:"tier"`
	Tags        []string    `json:"tags"`
	AgentID     string      `json:"agent_id"`
	MinPriority int         `json:"min_priority"`
	Since       *time.Time  `json:"since"`
	Until       *time.Time  `json:"until"`
	Limit       int         `json:"limit"`
}

func (s *Server) searchGet(w http.ResponseWriter, r *http.Request) {
	p := queryParams(r)
	q := p.listQuery()
	text := firstNonEmpty(p.str("q"), p.str("query"))
	if p.err != nil {
		s.fail(w, r, p.err)
		return
	}
	s.search(w, r, text, q)
}

func (s *Server) searchPost(w http.ResponseWriter, r *http.Request) {
	var in searchRequest
	if err := decodeJSON(r, &in, false); err != nil {
		s.fail(w, r, err)
		return
	}
	s.search(w, r, in.Query, memory.ListQuery{Namespace: in.Namespace, Tier: in.Tier, Tags: in.Tags,
		AgentID: in.AgentID, MinPriority: in.MinPriority, Since: in.Since, Until: in.Until, Limit: in.Limit})
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, text string, q memory.ListQuery) {
	res, err := s.eng.Search(r.Context(), text, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// recallRequest is the POST form of recall; "query" is accepted as an
// alias of "context".
type recallRequest struct {
	Context      string      `json:"context"`
	Query        string      `json:"query"`
	Namespace    string      `json:"namespace"`
	Tier         memory.Tier `json:"tier"`
	Tags         []string    `json:"tags"`
	Since        *time.Time  `json:"since"`
	Until        *time.Time  `json:"until"`
	Limit        int         `json:"limit"`
	BudgetTokens int         `json:"budget_tokens"`
	AgentID      string      `json:"agent_id"`
}

func (s *Server) recallGet(w http.ResponseWriter, r *http.Request) {
	p := queryParams(r)
	in := recallRequest{Context: p.str("context"), Query: firstNonEmpty(p.str("q"), p.str("query")), Namespace: p.str("namespace"),
		Tier: memory.Tier(p.str("tier")), Tags: p.list("tags"), Since: p.time("since"), Until: p.time("until"),
		Limit: p.int("limit"), BudgetTokens: p.int("budget_tokens"), AgentID: p.str("agent_id")}
	if p.err != nil {
		s.fail(w, r, p.err)
		return
	}
	s.recall(w, r, in)
}

func (s *Server) recallPost(w http.ResponseWriter, r *http.Request) {
	var in recallRequest
	if err := decodeJSON(r, &in, false); err != nil {
		s.fail(w, r, err)
		return
	}
	s.recall(w, r, in)
}

func (s *Server) recall(w http.ResponseWriter, r *http.Request, in recallRequest) {
	if in.Context == "" {
		in.Context = in.Query
	}
	res, err := s.eng.Recall(r.Context(), engine.RecallQuery{Context: in.Context, Namespace: in.Namespace, Tags: in.Tags,
		Tier: in.Tier, Since: in.Since, Until: in.Until, Limit: in.Limit, BudgetTokens: in.BudgetTokens, AgentID: in.AgentID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
