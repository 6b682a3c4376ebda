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
func Digest(ctx context.Context, s memory.Store) (string, error) {
	return digestOf(ctx, s, selector{}, 1000)
}

func digestOf(ctx context.Context, s memory.Store, sel selector, page int) (string, error) {
	var d digest
	err := eachPage(ctx, s, page, func(cs *memory.ChangeSet) error {
		b, err := sel.filter(ctx, s, &cs.Batch)
		if err != nil {
			return err
		}
		return d.addBatch(b)
	})
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

func (d *digest) addBatch(b *memory.Batch) error {
	for i := range b.Memories {
		if err := d.addMemory(&b.Memories[i]); err != nil {
			return err
		}
	}
	for i := range b.Links {
		if err := d.addLink(&b.Links[i]); err != nil {
			return err
		}
	}
	for i := range b.Records {
		if err := d.addRecord(&b.Records[i]); err != nil {
			return err
		}
	}
	return nil
}

// eachPage calls fn for every page of s's change feed, in order.
func eachPage(ctx context.Context, s memory.Store, page int, fn func(*memory.ChangeSet) error) error {
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
