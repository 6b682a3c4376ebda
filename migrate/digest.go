package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math/bits"
	"strconv"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// digest is an order-independent fingerprint of a set of rows: the sum,
// modulo 2^256, of the SHA-256 of each row's canonical form. Addition
// commutes, so two stores holding the same rows agree whatever order their
// change feeds list them in, and the sum streams in constant memory (a
// sorted list of row hashes would not). A row present twice counts twice.
// It detects accidental divergence; it is not meant to resist someone
// crafting rows to collide.
type digest struct {
	sum  [4]uint64 // little-endian limbs
	rows uint64
}

// add counts a row by the SHA-256 of its canonical form.
func (d *digest) add(h *[sha256.Size]byte) {
	var carry uint64
	for i := range 4 {
		limb := binary.BigEndian.Uint64(h[24-8*i:])
		d.sum[i], carry = bits.Add64(d.sum[i], limb, carry)
	}
	d.rows++
}

// String is the hex SHA-256 of the sum and the row count.
func (d *digest) String() string {
	var buf [40]byte
	for i := range 4 {
		binary.BigEndian.PutUint64(buf[24-8*i:], d.sum[i])
	}
	binary.BigEndian.PutUint64(buf[32:], d.rows)
	h := sha256.Sum256(buf[:])
	return hex.EncodeToString(h[:])
}

// millis renders a time at the millisecond precision every store keeps;
// false for no time.
func millis(t *time.Time) (string, bool) {
	if t == nil {
		return "", false
	}
	return strconv.FormatInt(t.UnixMilli(), 10), true
}

// canonicalJSON decodes a JSON value, to be encoded again with sorted keys
// and no spacing, so a jsonb store (which reorders keys) and a text store
// agree. Empty and null both mean "no value".
func canonicalJSON(raw []byte) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// memoryRow is the canonical form of a memory: every replicated field;
// access_count and last_accessed_at are node-local and left out.
func (e *canonEncoder) memoryRow(m *memory.Memory) ([]byte, error) {
	tags := m.Tags
	if tags == nil {
		tags = []string{}
	}
	var meta any = m.Metadata
	if m.Metadata == nil {
		meta = map[string]any{}
	}
	e.begin()
	for _, s := range []string{"memory", m.ID, string(m.Tier), m.Namespace, m.Title, m.Content} {
		e.str(s)
	}
	e.strs(tags)
	e.int(int64(m.Priority))
	e.float(m.Confidence)
	e.str(m.Source)
	e.str(m.AgentID)
	e.value(meta)
	e.strOrNull(millis(&m.CreatedAt))
	e.strOrNull(millis(&m.UpdatedAt))
	e.strOrNull(millis(m.ExpiresAt))
	e.str(string(m.State))
	e.strOrNull(millis(m.ArchivedAt))
	e.str(strconv.FormatInt(int64(m.Version), 10))
	e.str(m.Origin)
	b, err := e.end()
	if err != nil {
		return nil, memory.Errorf(memory.CodeInvalid, "memory %s: %v", m.ID, err)
	}
	return b, nil
}

func (e *canonEncoder) linkRow(l *memory.Link) ([]byte, error) {
	e.begin()
	for _, s := range []string{"link", l.SourceID, l.TargetID, string(l.Relation)} {
		e.str(s)
	}
	e.strOrNull(millis(&l.CreatedAt))
	e.bool(l.Deleted)
	e.str(strconv.FormatInt(int64(l.Version), 10))
	e.str(l.Origin)
	b, err := e.end()
	if err != nil {
		return nil, memory.Errorf(memory.CodeInvalid, "link %s->%s: %v", l.SourceID, l.TargetID, err)
	}
	return b, nil
}

func (e *canonEncoder) recordRow(r *memory.Record) ([]byte, error) {
	v, err := canonicalJSON(r.Value)
	if err != nil {
		return nil, memory.Errorf(memory.CodeInvalid, "record %s/%s: value: %v", r.Kind, r.Key, err)
	}
	e.begin()
	for _, s := range []string{"record", r.Kind, r.Key} {
		e.str(s)
	}
	e.value(v)
	e.bool(r.Deleted)
	e.strOrNull(millis(&r.UpdatedAt))
	e.str(strconv.FormatInt(int64(r.Version), 10))
	e.str(r.Origin)
	b, err := e.end()
	if err != nil {
		return nil, memory.Errorf(memory.CodeInvalid, "record %s/%s: %v", r.Kind, r.Key, err)
	}
	return b, nil
}

// Digest fingerprints every memory (in every state), link and record of s,
// tombstones included. Two stores with equal digests hold the same
// replicated data.
func Digest(ctx context.Context, s Source) (string, error) {
	d, err := digestOf(ctx, s, selector{}, 1000)
	return d.all.String(), err
}

// DigestKinds is Digest per kind of row (see KindOf), with the row counts.
func DigestKinds(ctx context.Context, s Source) (map[string]KindCount, error) {
	d, err := digestOf(ctx, s, selector{}, 1000)
	if err != nil {
		return nil, err
	}
	out := map[string]KindCount{}
	for k, kd := range d.kinds {
		out[k] = KindCount{Rows: int(kd.rows), Digest: kd.String()}
	}
	return out, nil
}

// KindCount is the rows of one kind and their digest.
type KindCount struct {
	Rows   int    `json:"rows"`
	Digest string `json:"digest"`
}

// Kinds of rows, as reports and KindOf name them.
const (
	KindMemories = "memories"
	KindAgents   = "agents" // memories of the agent registry
	KindArchived = "archived"
	KindDeleted  = "deleted" // memory tombstones
	KindLinks    = "links"
)

// KindOf names the kind of a memory row: archived and deleted by state,
// agents by their reserved namespace, the rest memories.
func KindOf(m *memory.Memory) string {
	switch {
	case m.State == memory.StateArchived:
		return KindArchived
	case m.State == memory.StateDeleted:
		return KindDeleted
	case m.Namespace == memory.NamespaceAgents:
		return KindAgents
	}
	return KindMemories
}

// digestSet digests every row, and each kind of row apart. Records are
// their own kinds (namespace_standard, pending, subscription, …); link
// tombstones count with links.
type digestSet struct {
	all   digest
	kinds map[string]*digest
	enc   canonEncoder
}

func (d *digestSet) kind(k string) *digest {
	if d.kinds == nil {
		d.kinds = map[string]*digest{}
	}
	kd := d.kinds[k]
	if kd == nil {
		kd = &digest{}
		d.kinds[k] = kd
	}
	return kd
}

func digestOf(ctx context.Context, s Source, sel selector, page int) (*digestSet, error) {
	d := &digestSet{}
	err := eachPage(ctx, s, page, func(cs *memory.ChangeSet) error {
		b, err := sel.filter(ctx, s, &cs.Batch)
		if err != nil {
			return err
		}
		return d.addBatch(b)
	})
	return d, err
}

// addBatch adds each row to the whole digest and to its kind's: one
// canonical form and one hash per row for both.
func (d *digestSet) addBatch(b *memory.Batch) error {
	add := func(kind string, row []byte, err error) error {
		if err != nil {
			return err
		}
		h := sha256.Sum256(row)
		d.all.add(&h)
		d.kind(kind).add(&h)
		return nil
	}
	for i := range b.Memories {
		m := &b.Memories[i]
		row, err := d.enc.memoryRow(m)
		if err := add(KindOf(m), row, err); err != nil {
			return err
		}
	}
	for i := range b.Links {
		row, err := d.enc.linkRow(&b.Links[i])
		if err := add(KindLinks, row, err); err != nil {
			return err
		}
	}
	for i := range b.Records {
		row, err := d.enc.recordRow(&b.Records[i])
		if err := add(b.Records[i].Kind, row, err); err != nil {
			return err
		}
	}
	return nil
}

// eachPage calls fn for every page of s's change feed, in order.
func eachPage(ctx context.Context, s Source, page int, fn func(*memory.ChangeSet) error) error {
	var after int64
	for {
		cs, err := s.Changes(ctx, after, page)
		if err != nil {
			return err
		}
		if !cs.Empty() {
			if err := fn(&cs); err != nil {
				return err
			}
		}
		if !cs.More {
			return nil
		}
		if cs.NextSeq <= after {
			return memory.Errorf(memory.CodeInternal, "change feed did not advance past seq %d", after)
		}
		after = cs.NextSeq
	}
}
