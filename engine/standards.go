package engine

import (
	"context"
	"encoding/json"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// GlobalStandardNamespace is the key of the standard that applies to every
// namespace; resolution starts there.
const GlobalStandardNamespace = "*"

// standardValue is the stored value of a namespace_standard record.
type standardValue struct {
	MemoryID string `json:"memory_id"`
	// RequireApproval queues writes into the namespace as pending actions
	// instead of applying them (see StoreGoverned).
	RequireApproval bool   `json:"require_approval,omitempty"`
	SetBy           string `json:"set_by,omitempty"`
}

// Standard is a namespace's policy memory, as resolved for a namespace.
type Standard struct {
	Namespace       string        `json:"namespace"`
	MemoryID        string        `json:"memory_id"`
	RequireApproval bool          `json:"require_approval"`
	SetBy           string        `json:"set_by,omitempty"`
	Memory          memory.Memory `json:"memory"`
}

// SetStandard designates an active memory as the standard of namespace
// ("*" for all namespaces). requireApproval turns on write governance.
func (e *Engine) SetStandard(ctx context.Context, namespace, memoryID string, requireApproval bool, setBy string) (*Standard, error) {
	if err := validateStandardNamespace(namespace); err != nil {
		return nil, err
	}
	m, err := e.active(ctx, memoryID)
	if err != nil {
		return nil, err
	}
	v := standardValue{MemoryID: memoryID, RequireApproval: requireApproval, SetBy: setBy}
	if _, err := e.putRecord(ctx, "set_standard", memory.KindNamespaceStandard, namespace, v); err != nil {
		return nil, err
	}
	return &Standard{Namespace: namespace, MemoryID: memoryID, RequireApproval: requireApproval, SetBy: setBy, Memory: *m}, nil
}

// GetStandard returns the standard set on exactly namespace.
func (e *Engine) GetStandard(ctx context.Context, namespace string) (*Standard, error) {
	if err := validateStandardNamespace(namespace); err != nil {
		return nil, err
	}
	st, ok, err := e.standardOf(ctx, namespace)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, memory.Errorf(memory.CodeNotFound, "namespace %q has no standard; set one with namespace_set_standard", namespace)
	}
	return st, nil
}

// ClearStandard removes the standard of namespace (a replicated tombstone).
func (e *Engine) ClearStandard(ctx context.Context, namespace string) error {
	if err := validateStandardNamespace(namespace); err != nil {
		return err
	}
	return e.deleteRecord(ctx, "clear_standard", memory.KindNamespaceStandard, namespace,
		"namespace %q has no standard to clear", namespace)
}

// ResolveStandards returns the standards that apply to namespace, most
// general first: "*", then each ancestor ("a", "a/b"), then the namespace
// itself. Standards whose memory is gone are skipped.
func (e *Engine) ResolveStandards(ctx context.Context, namespace string) ([]Standard, error) {
	out := []Standard{}
	for _, ns := range standardChain(namespace) {
		st, ok, err := e.standardOf(ctx, ns)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, *st)
		}
	}
	return out, nil
}

// standardChain lists "*", the ancestors of ns from the root, and ns.
func standardChain(ns string) []string {
	chain := []string{GlobalStandardNamespace}
	if ns == "" || ns == GlobalStandardNamespace {
		return chain
	}
	parts := strings.Split(ns, "/")
	for i := range parts {
		chain = append(chain, strings.Join(parts[:i+1], "/"))
	}
	return chain
}

// standardOf loads the standard record of one namespace with its memory.
func (e *Engine) standardOf(ctx context.Context, ns string) (*Standard, bool, error) {
	var v standardValue
	ok, err := e.getRecord(ctx, memory.KindNamespaceStandard, ns, &v)
	if err != nil || !ok {
		return nil, false, err
	}
	m, err := e.store.GetMemory(ctx, v.MemoryID)
	if memory.IsNotFound(err) || err == nil && m.State != memory.StateActive {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return &Standard{Namespace: ns, MemoryID: v.MemoryID, RequireApproval: v.RequireApproval, SetBy: v.SetBy, Memory: *m}, true, nil
}

func validateStandardNamespace(ns string) error {
	if ns == GlobalStandardNamespace {
		return nil
	}
	return memory.ValidateNamespace(ns)
}

// putRecord writes a record of kind/key holding v as a new version, and
// says how many nodes hold it.
func (e *Engine) putRecord(ctx context.Context, op, kind, key string, v any) (acks int, err error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return 0, memory.Errorf(memory.CodeInternal, "encode %s record: %v", kind, err)
	}
	defer e.lock(recordKey(kind, key))()
	r := memory.Record{Kind: kind, Key: key, Value: raw, UpdatedAt: e.Now()}
	if old, err := e.store.GetRecord(ctx, kind, key); err == nil {
		r.Version = old.Version // commit stamps r above it
	} else if !memory.IsNotFound(err) {
		return 0, err
	}
	rc, err := e.commit(ctx, op, &memory.Batch{Records: []memory.Record{r}})
	return rc.acks, err
}

// deleteRecord tombstones a live record, or reports notFound.
func (e *Engine) deleteRecord(ctx context.Context, op, kind, key, notFound string, args ...any) error {
	defer e.lock(recordKey(kind, key))()
	old, err := e.store.GetRecord(ctx, kind, key)
	if memory.IsNotFound(err) {
		return memory.Errorf(memory.CodeNotFound, notFound, args...)
	}
	if err != nil {
		return err
	}
	r := memory.Record{Kind: kind, Key: key, Value: old.Value, Deleted: true, UpdatedAt: e.Now(), Version: old.Version}
	_, err = e.commit(ctx, op, &memory.Batch{Records: []memory.Record{r}})
	return err
}

// getRecord decodes a live record into v; ok is false when there is none.
func (e *Engine) getRecord(ctx context.Context, kind, key string, v any) (bool, error) {
	r, err := e.store.GetRecord(ctx, kind, key)
	if memory.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(r.Value, v); err != nil {
		return false, memory.Errorf(memory.CodeInternal, "decode %s record %q: %v", kind, key, err)
	}
	return true, nil
}

// decodeRecord unmarshals a record's value.
func decodeRecord(r memory.Record, v any) error {
	if err := json.Unmarshal(r.Value, v); err != nil {
		return memory.Errorf(memory.CodeInternal, "decode %s record %q: %v", r.Kind, r.Key, err)
	}
	return nil
}
