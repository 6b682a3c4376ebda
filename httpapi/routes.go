package httpapi

import "net/http"

// routes mounts the built-in API. Paging, limits and error shapes are
// described in the README and in wire.md.
func (s *Server) routes() {
	s.HandleUnauthenticated("GET /api/v1/health", http.HandlerFunc(s.health))

	s.Handle("POST /api/v1/memories", http.HandlerFunc(s.createMemory))
	s.Handle("GET /api/v1/memories", http.HandlerFunc(s.listMemories))
	s.Handle("POST /api/v1/memories/bulk", http.HandlerFunc(s.bulkCreate))
	s.Handle("GET /api/v1/memories/{id}", http.HandlerFunc(s.getMemory))
	s.Handle("PUT /api/v1/memories/{id}", http.HandlerFunc(s.updateMemory))
	s.Handle("DELETE /api/v1/memories/{id}", http.HandlerFunc(s.deleteMemory))
	s.Handle("POST /api/v1/memories/{id}/promote", http.HandlerFunc(s.promoteMemory))

	s.Handle("GET /api/v1/search", http.HandlerFunc(s.searchGet))
	s.Handle("POST /api/v1/search", http.HandlerFunc(s.searchPost))
	s.Handle("GET /api/v1/recall", http.HandlerFunc(s.recallGet))
	s.Handle("POST /api/v1/recall", http.HandlerFunc(s.recallPost))

	s.Handle("POST /api/v1/links", http.HandlerFunc(s.createLink))
	s.Handle("DELETE /api/v1/links", http.HandlerFunc(s.deleteLink))
	s.Handle("GET /api/v1/links/{id}", http.HandlerFunc(s.getLinks))

	s.Handle("POST /api/v1/forget", http.HandlerFunc(s.forget))
	s.Handle("POST /api/v1/gc", http.HandlerFunc(s.gc))
	s.Handle("POST /api/v1/consolidate", http.HandlerFunc(s.consolidate))

	s.Handle("GET /api/v1/archive", http.HandlerFunc(s.archiveList))
	s.Handle("GET /api/v1/archive/stats", http.HandlerFunc(s.archiveStats))
	s.Handle("POST /api/v1/archive/{id}/restore", http.HandlerFunc(s.archiveRestore))
	s.Handle("POST /api/v1/archive/purge", http.HandlerFunc(s.archivePurge))

	s.Handle("GET /api/v1/agents", http.HandlerFunc(s.listAgents))
	s.Handle("POST /api/v1/agents", http.HandlerFunc(s.registerAgent))
	s.Handle("GET /api/v1/pending", http.HandlerFunc(s.listPending))
	s.Handle("POST /api/v1/pending/{id}/approve", s.decidePending(true))
	s.Handle("POST /api/v1/pending/{id}/reject", s.decidePending(false))

	s.Handle("GET /api/v1/stats", http.HandlerFunc(s.stats))
	s.Handle("GET /api/v1/namespaces", http.HandlerFunc(s.namespaces))
	s.Handle("GET /api/v1/export", http.HandlerFunc(s.export))
	s.Handle("POST /api/v1/import", http.HandlerFunc(s.importData))

	s.Handle("GET /metrics", s.metrics.handler)
	s.Handle("GET /api/v1/metrics", s.metrics.handler)
	s.Handle("/", http.HandlerFunc(s.notFound))
}
