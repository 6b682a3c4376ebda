package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Export is the lossless JSON form of a store: active and archived memories
// with their versions, live links and records. Import of an export into an
// empty store reproduces it exactly.
type Export struct {
	Memories   []memory.Memory `json:"memories"`
	Links      []memory.Link   `json:"links"`
	Records    []memory.Record `json:"records,omitempty"`
	Count      int             `json:"count"`
	ExportedAt time.Time       `json:"exported_at"`
}

// ImportOrigin is the origin of rows that come from outside this program's
// stores: the original ai-memory's database and its JSON export. Their
// versions are derived from their own timestamps, so importing the same
// row again, by either path, is the same write.
const ImportOrigin = "import"

// exportPage is the change-feed page size used to walk the store.
const exportPage = 1000

// Export walks the whole change feed; deleted rows are left out. Memory
// use grows with the store: it is meant for stores that fit in memory
// (migrate streams instead).
func (e *Engine) Export(ctx context.Context, namespace string) (*Export, error) {
	out := &Export{Memories: []memory.Memory{}, Links: []memory.Link{}, ExportedAt: e.Now()}
	mems := map[string]memory.Memory{}
	links := map[string]memory.Link{}
	recs := map[string]memory.Record{}
	for seq := int64(0); ; {
		cs, err := e.store.Changes(ctx, seq, exportPage)
		if err != nil {
			return nil, err
		}
		// A row changed during the walk appears again at a later sequence;
		// the later copy replaces the earlier one.
		for _, m := range cs.Memories {
			mems[m.ID] = m
		}
		for _, l := range cs.Links {
			links[linkKey(l)] = l
		}
		for _, r := range cs.Records {
			recs[r.Kind+"\x00"+r.Key] = r
		}
		if !cs.More {
			break
		}
		seq = cs.NextSeq
	}
	keep := map[string]bool{}
	for _, m := range mems {
		if m.State != memory.StateDeleted && (namespace == "" || m.Namespace == namespace) {
			out.Memories = append(out.Memories, m)
			keep[m.ID] = true
		}
	}
	for _, l := range links {
		if !l.Deleted && (keep[l.SourceID] || keep[l.TargetID]) {
			out.Links = append(out.Links, l)
		}
	}
	if namespace == "" {
		for _, r := range recs {
			if !r.Deleted {
				out.Records = append(out.Records, r)
			}
		}
	}
	sortExport(out)
	out.Count = len(out.Memories)
	return out, nil
}

func linkKey(l memory.Link) string {
	return l.SourceID + "\x00" + l.TargetID + "\x00" + string(l.Relation)
}

// sortExport orders rows by key so the same data exports byte-identically.
func sortExport(x *Export) {
	sort.Slice(x.Memories, func(i, j int) bool { return x.Memories[i].ID < x.Memories[j].ID })
	sort.Slice(x.Links, func(i, j int) bool { return linkKey(x.Links[i]) < linkKey(x.Links[j]) })
	sort.Slice(x.Records, func(i, j int) bool {
		a, b := x.Records[i], x.Records[j]
		return a.Kind < b.Kind || a.Kind == b.Kind && a.Key < b.Key
	})
}

// ImportResult reports an import.
type ImportResult struct {
	Imported int      `json:"imported"`
	Links    int      `json:"links"`
	Records  int      `json:"records"`
	Errors   []string `json:"errors"`
	// Acks counts the nodes holding the import, this one included; 0
	// without federation.
	Acks int `json:"-"`
}

// Import applies an export: this program's, or the original ai-memory's
// (see NormalizeImport). Rows keep their ids and versions, so importing the
// same file twice changes nothing and an older export never overwrites
// newer data. Invalid rows are reported in Errors and skipped, the rest
// applied.
func (e *Engine) Import(ctx context.Context, x *Export) (ImportResult, error) {
	res := ImportResult{Errors: []string{}}
	if len(x.Memories)+len(x.Links)+len(x.Records) > memory.MaxBatchItems*10 {
		return res, memory.Errorf(memory.CodeTooLarge, "import holds more than %d rows; split it", memory.MaxBatchItems*10)
	}
	errs, err := e.NormalizeImport(ctx, x)
	if err != nil {
		return res, err
	}
	res.Errors = append(res.Errors, errs...)
	b := &memory.Batch{Memories: x.Memories, Links: x.Links, Records: x.Records}
	r, err := e.commit(ctx, opImport, b) // imported rows keep their versions
	res.Imported, res.Links, res.Records, res.Acks = r.applied.Memories, r.applied.Links, r.applied.Records, r.acks
	return res, err
}

// NormalizeImport prepares x for Import, in place, and returns one line per
// row it removes, naming the row and saying why. It fills what the
// original's export and older exports lack: the state (active), the origin
// (ImportOrigin), the version (the row's last change, so a second import
// of the same row is the same write), the agent (from metadata.agent_id).
// A memory without an id gets the id of the active memory with the same
// title in its namespace, else a new one: a second import of the same file
// updates instead of adding. Rows still invalid after that are removed.
// Calling it again on its result removes nothing.
func (e *Engine) NormalizeImport(ctx context.Context, x *Export) ([]string, error) {
	errs := []string{}
	newIDs := map[string]string{} // namespace\x00title → id given to an id-less memory of this file
	mems := make([]memory.Memory, 0, len(x.Memories))
	for i := range x.Memories {
		m := x.Memories[i]
		if m.ID == "" {
			id, err := e.importID(ctx, &m, newIDs)
			if err != nil {
				return nil, err
			}
			m.ID = id
		}
		if err := importable(&m); err != nil {
			errs = append(errs, rowError(fmt.Sprintf("memories[%d]", i), &x.Memories[i], err))
			continue
		}
		mems = append(mems, m)
	}
	x.Memories = mems
	links := make([]memory.Link, 0, len(x.Links))
	for i, l := range x.Links {
		if err := importableLink(&l); err != nil {
			errs = append(errs, fmt.Sprintf("links[%d] (%s -%s-> %s): %s", i, l.SourceID, l.Relation, l.TargetID, message(err)))
			continue
		}
		links = append(links, l)
	}
	x.Links = links
	recs := make([]memory.Record, 0, len(x.Records))
	for i, r := range x.Records {
		if r.Kind == "" || r.Key == "" || len(r.Value) > 0 && !json.Valid(r.Value) {
			errs = append(errs, fmt.Sprintf("records[%d] (%s %s): kind, key and a JSON value are required", i, r.Kind, r.Key))
			continue
		}
		recs = append(recs, r)
	}
	x.Records = recs
	return errs, nil
}

// importID picks the id of an imported memory that has none.
func (e *Engine) importID(ctx context.Context, m *memory.Memory, given map[string]string) (string, error) {
	ns := m.Namespace
	if ns == "" {
		ns = memory.DefaultNamespace
	}
	key := ns + "\x00" + strings.TrimSpace(m.Title)
	if id, ok := given[key]; ok {
		return id, nil
	}
	id := memory.NewID(m.CreatedAt)
	if old, err := e.store.FindByTitle(ctx, ns, strings.TrimSpace(m.Title)); err == nil {
		id = old.ID
	} else if !memory.IsNotFound(err) {
		return "", err
	}
	given[key] = id
	return id, nil
}

// importable checks an imported memory, filling what the original's
// export and old exports lack.
func importable(m *memory.Memory) error {
	if !memory.ValidID(m.ID) {
		return memory.Errorf(memory.CodeInvalid, "id %q is neither a ULID nor a UUID", m.ID)
	}
	if m.CreatedAt.IsZero() || m.UpdatedAt.IsZero() {
		return memory.Errorf(memory.CodeInvalid, "created_at and updated_at are required")
	}
	if m.State == "" {
		m.State = memory.StateActive
	}
	if m.Metadata == nil {
		m.Metadata = map[string]any{}
	}
	if m.AgentID == "" {
		if a, ok := m.Metadata["agent_id"].(string); ok && memory.ValidateToken("agent_id", a, memory.MaxAgentIDLen) == nil {
			m.AgentID = a
		}
	}
	if m.Origin == "" {
		m.Origin = ImportOrigin
	}
	if m.Version == 0 {
		changed := m.UpdatedAt
		if m.ArchivedAt != nil && m.ArchivedAt.After(changed) {
			changed = *m.ArchivedAt
		}
		m.Version = memory.MakeHLC(changed.UnixMilli(), 0)
	}
	if m.State == memory.StateDeleted {
		return nil
	}
	return memory.Validate(m)
}

// importableLink checks an imported link, filling what the original's
// export lacks.
func importableLink(l *memory.Link) error {
	if !l.Relation.Valid() {
		return memory.Errorf(memory.CodeInvalid, "relation %q: want related_to, supersedes, contradicts or derived_from", l.Relation)
	}
	if !memory.ValidID(l.SourceID) || !memory.ValidID(l.TargetID) {
		return memory.Errorf(memory.CodeInvalid, "source_id and target_id must be ULIDs or UUIDs")
	}
	if l.CreatedAt.IsZero() {
		return memory.Errorf(memory.CodeInvalid, "created_at is required")
	}
	if l.Origin == "" {
		l.Origin = ImportOrigin
	}
	if l.Version == 0 {
		l.Version = memory.MakeHLC(l.CreatedAt.UnixMilli(), 0)
	}
	return nil
}

// rowError names a rejected memory by its position, id and title.
func rowError(pos string, m *memory.Memory, err error) string {
	name := pos
	if m.ID != "" {
		name += " id " + m.ID
	}
	if t := []rune(m.Title); len(t) > 40 {
		name += fmt.Sprintf(" %q", string(t[:40])+"…")
	} else if len(t) > 0 {
		name += fmt.Sprintf(" %q", m.Title)
	}
	return name + ": " + message(err)
}

// message is an error's text without its code.
func message(err error) string {
	var me *memory.Error
	if errors.As(err, &me) {
		return me.Message
	}
	return err.Error()
}
