package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/fulldisk"
	"github.com/aimemory/ai-memory/httperror"
	"github.com/aimemory/ai-memory/sqlite"
)

// On a really full disk a write answers 507 insufficient_storage, never
// 201, the node stays up, and once space is freed the next write is 201
// again without a restart.
func TestFullDiskAnswers507ThenRecovers(t *testing.T) {
	dir := fulldisk.Mount(t, "2m")
	a := newTestAPIAt(t, filepath.Join(dir, "api.db"), Options{}, sqlite.Options{})
	a.create(t, map[string]any{"title": "before", "content": "fits"})
	free := fulldisk.Fill(t, dir)

	big := strings.Repeat("x", 60000) // needs WAL space the disk no longer has
	r := a.call(t, "POST", "/api/v1/memories", map[string]any{"title": "refused", "content": big})
	if r.status != http.StatusInsufficientStorage || r.errCode() != "insufficient_storage" {
		t.Fatalf("write on a full disk: %d %s, want 507 insufficient_storage", r.status, r.raw)
	}
	a.must(t, http.StatusOK, "GET", "/api/v1/health", nil)
	if got := a.must(t, http.StatusOK, "GET", "/api/v1/memories", nil); got.body["count"] != 1.0 {
		t.Fatalf("the refused write is listed: %s", got.raw)
	}

	free()
	a.create(t, map[string]any{"title": "refused", "content": big})
	a.create(t, map[string]any{"title": "after", "content": "fits again"})
}

// Storage failures keep their code on the wire: a full disk is 507 (the
// write was not applied, retrying now is pointless), an I/O error is 503
// with Retry-After (the outcome may be unknown).
func TestStorageErrorStatuses(t *testing.T) {
	for _, c := range []struct {
		code       string
		status     int
		retryAfter string
	}{
		{memory.CodeInsufficientStorage, http.StatusInsufficientStorage, ""},
		{memory.CodeUnavailable, http.StatusServiceUnavailable, "2"},
	} {
		rec := httptest.NewRecorder()
		httperror.Write(rec, &memory.Error{Code: c.code, Message: "m", Cause: errors.New("hidden cause")})
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != c.status || body.Error.Code != c.code || body.Error.Message != "m" || rec.Header().Get("Retry-After") != c.retryAfter {
			t.Errorf("%s: %d %s Retry-After %q; want %d, Retry-After %q", c.code, rec.Code, rec.Body, rec.Header().Get("Retry-After"), c.status, c.retryAfter)
		}
	}
}
