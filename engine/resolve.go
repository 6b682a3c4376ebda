package engine

import (
	"context"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// maxIDCandidates is how many matching ids an ambiguous prefix lists.
const maxIDCandidates = 10

var resolvableStates = []memory.State{memory.StateActive, memory.StateArchived}

// ResolveID returns the id of the active or archived memory that ref
// names: ref itself when it is one, else the only id that starts with it
// (as typed, else in upper or lower case, so a ULID or a UUID prefix can be
// typed in either). No match is not_found; more than one is
// invalid_argument listing them.
func (e *Engine) ResolveID(ctx context.Context, ref string) (string, error) {
	if ref == "" {
		return "", memory.Errorf(memory.CodeInvalid, "an id or id prefix is required")
	}
	if m, err := e.store.GetMemory(ctx, ref); err == nil && m.State != memory.StateDeleted {
		return ref, nil
	} else if err != nil && !memory.IsNotFound(err) {
		return "", err
	}
	var ids []string
	for _, p := range []string{ref, strings.ToUpper(ref), strings.ToLower(ref)} {
		if len(ids) > 0 {
			break
		}
		found, err := e.idsWithPrefix(ctx, p)
		if err != nil {
			return "", err
		}
		ids = found
	}
	switch len(ids) {
	case 0:
		return "", memory.Errorf(memory.CodeNotFound, "memory %q not found (no id is or starts with it)", ref)
	case 1:
		return ids[0], nil
	}
	list := strings.Join(ids[:min(len(ids), maxIDCandidates)], ", ")
	if len(ids) > maxIDCandidates {
		list += ", …"
	}
	return "", &memory.Error{Code: memory.CodeInvalid,
		Message: "id prefix " + quote(ref) + " matches more than one memory: " + list + "; give more characters",
		Details: map[string]any{"candidates": ids[:min(len(ids), maxIDCandidates)]}}
}

// idsWithPrefix lists up to maxIDCandidates+1 ids of active or archived
// memories starting with p. Ids sort byte-wise on every store, so those
// with the prefix directly follow p itself.
func (e *Engine) idsWithPrefix(ctx context.Context, p string) ([]string, error) {
	mems, _, err := e.store.ListMemories(ctx, memory.ListQuery{States: resolvableStates, AfterID: p, Limit: maxIDCandidates + 1})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, m := range mems {
		if !strings.HasPrefix(m.ID, p) {
			break
		}
		ids = append(ids, m.ID)
	}
	return ids, nil
}

func quote(s string) string { return `"` + s + `"` }
