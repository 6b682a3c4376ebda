package engine

import (
	"context"
	"encoding/json"
	"maps"
	"strings"

	memory "github.com/aimemory/ai-memory"
)

// GlobalStandardNamespace is the key of the standard that applies to every
// namespace; resolution starts there.
const GlobalStandardNamespace = "*"

// StandardValue is the stored value of a namespace_standard record, keyed
// by namespace.
type StandardValue struct {
	// MemoryID is the standard's memory; empty when the record only names
	// a parent.
	MemoryID string `json:"memory_id"`
	// RequireApproval queues writes into the namespace as pending actions
	// instead of applying them (see StoreGoverned).
	RequireApproval bool   `json:"require_approval,omitempty"`
	SetBy           string `json:"set_by,omitempty"`
	// Parent is a namespace whose standards apply before this one's, in
	// place of the namespace's own path ancestors (the original's
	// parent_namespace).
	Parent string `json:"parent,omitempty"`
}

// Standard is a namespace's policy memory, as resolved for a namespace.
type Standard struct {
	Namespace       string        `json:"namespace"`
	MemoryID        string        `json:"memory_id"`
	RequireApproval bool          `json:"require_approval"`
	SetBy           string        `json:"set_by,omitempty"`
	Parent          string        `json:"parent,omitempty"`
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
	// A parent the namespace already names stays.
	var old StandardValue
	if _, err := e.getRecord(ctx, memory.KindNamespaceStandard, namespace, &old); err != nil {
		return nil, err
	}
	v := StandardValue{MemoryID: memoryID, RequireApproval: requireApproval, SetBy: setBy, Parent: old.Parent}
	if _, err := e.putRecord(ctx, "set_standard", memory.KindNamespaceStandard, namespace, v); err != nil {
		return nil, err
	}
	return &Standard{Namespace: namespace, MemoryID: memoryID, RequireApproval: requireApproval, SetBy: setBy,
		Parent: v.Parent, Memory: *m}, nil
}

// SetGovernedStandard is SetStandard with the original ai-memory's
// governance object ({write, promote, delete, approver}): the object is
// kept in the memory's metadata.governance, and write "approve" requires
// approval of writes as requireApproval does.
func (e *Engine) SetGovernedStandard(ctx context.Context, namespace, memoryID string, governance map[string]any,
	requireApproval bool, setBy string) (*Standard, error) {
	if err := validateStandardNamespace(namespace); err != nil {
		return nil, err
	}
	m, err := e.active(ctx, memoryID)
	if err != nil {
		return nil, err
	}
	md := maps.Clone(m.Metadata)
	if md == nil {
		md = map[string]any{}
	}
	md["governance"] = governance
	if _, _, err := e.Update(ctx, memoryID, Patch{Metadata: &md}); err != nil {
		return nil, err
	}
	return e.SetStandard(ctx, namespace, memoryID, requireApproval || governance["write"] == "approve", setBy)
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
// general first: "*", then each ancestor, then the namespace itself. A
// namespace's ancestor is the parent its record names, else its path
// parent ("a/b" for "a/b/c"). Standards whose memory is gone are skipped.
func (e *Engine) ResolveStandards(ctx context.Context, namespace string) ([]Standard, error) {
	recs := map[string]StandardValue{}
	chain, err := standardChain(namespace, func(ns string) (string, error) {
		var v StandardValue
		ok, err := e.getRecord(ctx, memory.KindNamespaceStandard, ns, &v)
		if ok {
			recs[ns] = v
		}
		return v.Parent, err
	})
	if err != nil {
		return nil, err
	}
	out := []Standard{}
	if _, ok := recs[GlobalStandardNamespace]; !ok {
		var v StandardValue
		if ok, err := e.getRecord(ctx, memory.KindNamespaceStandard, GlobalStandardNamespace, &v); err != nil {
			return nil, err
		} else if ok {
			recs[GlobalStandardNamespace] = v
		}
	}
	for _, ns := range chain {
		v, ok := recs[ns]
		if !ok {
			continue
		}
		st, ok, err := e.standardFrom(ctx, ns, v)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, *st)
		}
	}
	return out, nil
}

// maxStandardDepth bounds a chain, so parents naming each other in a
// cycle end it instead of looping.
const maxStandardDepth = 32

// standardChain lists "*", the ancestors of ns from the most general, and
// ns. parent returns the parent a namespace's record names, or "".
func standardChain(ns string, parent func(string) (string, error)) ([]string, error) {
	var rev []string
	seen := map[string]bool{}
	for cur := ns; cur != "" && cur != GlobalStandardNamespace && !seen[cur] && len(rev) < maxStandardDepth; {
		seen[cur] = true
		rev = append(rev, cur)
		p, err := parent(cur)
		if err != nil {
			return nil, err
		}
		if p == "" {
			if i := strings.LastIndexByte(cur, '/'); i > 0 {
				p = cur[:i]
			}
		}
		cur = p
	}
	chain := []string{GlobalStandardNamespace}
	for i := len(rev) - 1; i >= 0; i-- {
		chain = append(chain, rev[i])
	}
	return chain, nil
}

// standardOf loads the standard record of one namespace with its memory.
func (e *Engine) standardOf(ctx context.Context, ns string) (*Standard, bool, error) {
	var v StandardValue
	ok, err := e.getRecord(ctx, memory.KindNamespaceStandard, ns, &v)
	if err != nil || !ok {
		return nil, false, err
	}
	return e.standardFrom(ctx, ns, v)
}

// standardFrom loads the memory of a standard record; ok is false when the
// record names none or its memory is no longer active.
func (e *Engine) standardFrom(ctx context.Context, ns string, v StandardValue) (*Standard, bool, error) {
	if v.MemoryID == "" {
		return nil, false, nil
	}
	m, err := e.store.GetMemory(ctx, v.MemoryID)
	if memory.IsNotFound(err) || err == nil && m.State != memory.StateActive {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return &Standard{Namespace: ns, MemoryID: v.MemoryID, RequireApproval: v.RequireApproval, SetBy: v.SetBy,
		Parent: v.Parent, Memory: *m}, true, nil
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
