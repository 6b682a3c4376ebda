package migrate

import (
	"bytes"
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

func (d *digest) add(row []byte) {
	h := sha256.Sum256(row)
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

// canonical encodes fields as a JSON array: unambiguous, since every string
// is quoted and escaped.
func canonical(fields ...any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fields); err != nil {
		return nil, err // a NaN confidence, say
	}
	return b.Bytes(), nil
}

func (d *digest) addRow(what string, fields ...any) error {
	row, err := canonical(fields...)
	if err != nil {
		return memory.Errorf(memory.CodeInvalid, "%s: %v", what, err)
	}
	d.add(row)
	return nil
}

// millis renders a time at the millisecond precision every store keeps.
func millis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// canonicalJSON re-encodes a JSON value with sorted keys and no spacing, so
// a jsonb store (which reorders keys) and a text store agree. Empty and
// null both mean "no value".
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

// addMemory covers every replicated field; access_count and
// last_accessed_at are node-local and left out.
func (d *digest) addMemory(m *memory.Memory) error {
	tags := m.Tags
	if tags == nil {
		tags = []string{}
	}
	meta := m.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	return d.addRow("memory "+m.ID, "memory", m.ID, m.Tier, m.Namespace, m.Title, m.Content, tags,
		m.Priority, m.Confidence, m.Source, m.AgentID, meta,
		millis(&m.CreatedAt), millis(&m.UpdatedAt), millis(m.ExpiresAt),
		m.State, millis(m.ArchivedAt), strconv.FormatInt(int64(m.Version), 10), m.Origin)
}

func (d *digest) addLink(l *memory.Link) error {
	return d.addRow("link "+l.SourceID+"->"+l.TargetID, "link", l.SourceID, l.TargetID, l.Relation, millis(&l.CreatedAt),
		l.Deleted, strconv.FormatInt(int64(l.Version), 10), l.Origin)
}

func (d *digest) addRecord(r *memory.Record) error {
	v, err := canonicalJSON(r.Value)
	if err != nil {
		return memory.Errorf(memory.CodeInvalid, "record %s/%s: value: %v", r.Kind, r.Key, err)
	}
	return d.addRow("record "+r.Kind+"/"+r.Key, "record", r.Kind, r.Key, v, r.Deleted,
		millis(&r.UpdatedAt), strconv.FormatInt(int64(r.Version), 10), r.Origin)
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

// addBatch adds each row to the whole digest and to its kind's.
func (d *digestSet) addBatch(b *memory.Batch) error {
	for i := range b.Memories {
		m := &b.Memories[i]
		for _, x := range []*digest{&d.all, d.kind(KindOf(m))} {
			if err := x.addMemory(m); err != nil {
				return err
			}
		}
	}
	for i := range b.Links {
		for _, x := range []*digest{&d.all, d.kind(KindLinks)} {
			if err := x.addLink(&b.Links[i]); err != nil {
				return err
			}
		}
	}
	for i := range b.Records {
		for _, x := range []*digest{&d.all, d.kind(b.Records[i].Kind)} {
			if err := x.addRecord(&b.Records[i]); err != nil {
				return err
			}
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
