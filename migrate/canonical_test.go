package migrate

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// The digest's canonical rows were encoding/json's encoding of the fields
// as an array; canonEncoder must write the very same bytes, or digests
// taken by an older build (in evidence, in reports) would stop matching.
// These are the rows as the older build made them.

func stdCanonical(fields ...any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fields); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func stdMillis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func stdMemoryRow(m *memory.Memory) ([]byte, error) {
	tags := m.Tags
	if tags == nil {
		tags = []string{}
	}
	meta := m.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	return stdCanonical("memory", m.ID, m.Tier, m.Namespace, m.Title, m.Content, tags,
		m.Priority, m.Confidence, m.Source, m.AgentID, meta,
		stdMillis(&m.CreatedAt), stdMillis(&m.UpdatedAt), stdMillis(m.ExpiresAt),
		m.State, stdMillis(m.ArchivedAt), strconv.FormatInt(int64(m.Version), 10), m.Origin)
}

func stdLinkRow(l *memory.Link) ([]byte, error) {
	return stdCanonical("link", l.SourceID, l.TargetID, l.Relation, stdMillis(&l.CreatedAt),
		l.Deleted, strconv.FormatInt(int64(l.Version), 10), l.Origin)
}

func stdRecordRow(r *memory.Record) ([]byte, error) {
	v, err := canonicalJSON(r.Value)
	if err != nil {
		return nil, err
	}
	return stdCanonical("record", r.Kind, r.Key, v, r.Deleted,
		stdMillis(&r.UpdatedAt), strconv.FormatInt(int64(r.Version), 10), r.Origin)
}

// awkwardStrings need escaping, or look as if they might.
var awkwardStrings = []string{"", "plain", `quote " and \ backslash`, `back\slash`, "tab\tnew\nline\r", "\x00\x01\x1f", "\x7f del",
	"<html> & 'amp'", "line\u2028para\u2029", "bad \xff\xfe utf8", "cut \xc3", "naïve café 日本語 🎉",
	"e\u0301 combining", "\ufffd replacement", "\u00a0nbsp"}

// awkwardValues are decoded-JSON values and a few that JSON decoding does
// not produce (a Source built in Go may hold them).
var awkwardValues = []any{nil, true, false, 0.0, math.Copysign(0, -1), 1.0, -1.5, 0.1, 1e20, 1e21, 1e-6, 1e-7,
	123456789.123, 1.5e300, -2.5e-10, 9007199254740993.0, "s", []any{}, map[string]any{},
	[]any{1.0, "x", nil, []any{map[string]any{"k": "v"}}}, map[string]any{"b": 1.0, "a": "x", "A": nil, "é": true, "\n": "esc"},
	json.Number("12"), 5, int64(-7), []string{"a", "b"}, map[string]string{"x": "y"}, struct{ A int }{3},
	json.RawMessage(`{"z":1,"a":2}`), []any(nil), map[string]any(nil)}

func TestCanonicalRowsAreEncodingJSONs(t *testing.T) {
	var e canonEncoder
	check := func(what string, got []byte, gotErr error, want []byte, wantErr error) {
		t.Helper()
		if (gotErr != nil) != (wantErr != nil) || gotErr == nil && !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %q (%v)\nwant %q (%v)", what, got, gotErr, want, wantErr)
		}
	}
	var mems []memory.Memory
	for i := range 500 {
		mems = append(mems, seedMemory(i))
	}
	for i, s := range awkwardStrings {
		m := seedMemory(1000 + i)
		m.ID, m.Title, m.Content, m.Namespace, m.Source, m.AgentID, m.Origin = s, s, s, s, s, s, s
		m.Tags = []string{s, "x", s}
		m.Metadata = map[string]any{s: s, "v": awkwardValues[i%len(awkwardValues)]}
		mems = append(mems, m)
	}
	for i, v := range awkwardValues {
		m := seedMemory(2000 + i)
		m.Metadata = map[string]any{"v": v, "nested": map[string]any{"v": []any{v}}}
		m.Confidence = []float64{0, 1, 0.3, 1e-9, 1e22, math.Copysign(0, -1)}[i%6]
		mems = append(mems, m)
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		m := seedMemory(3000)
		m.Confidence = bad
		mems = append(mems, m)
	}
	for i := range mems {
		got, gotErr := e.memoryRow(&mems[i])
		want, wantErr := stdMemoryRow(&mems[i])
		check("memory "+strconv.Itoa(i), got, gotErr, want, wantErr)

		l := memory.Link{SourceID: mems[i].ID, TargetID: mems[i].Title, Relation: memory.Supersedes,
			CreatedAt: mems[i].CreatedAt, Deleted: i%2 == 0, Origin: mems[i].Origin, Version: mems[i].Version}
		got, gotErr = e.linkRow(&l)
		want, wantErr = stdLinkRow(&l)
		check("link "+strconv.Itoa(i), got, gotErr, want, wantErr)
	}
	for i, raw := range []string{"", "null", `{"b": 1, "a": [1, 2.5e-7, "x\u2028"]}`, `"str"`, `[{"z": {}}, []]`, `1e400`, `{"a":"\u0000"}`, `12345678901234567890`} {
		r := memory.Record{Kind: "k", Key: awkwardStrings[i%len(awkwardStrings)], Value: json.RawMessage(raw),
			Deleted: i%2 == 1, UpdatedAt: seedBase, Origin: "node-a", Version: memory.HLC(i)}
		got, gotErr := e.recordRow(&r)
		want, wantErr := stdRecordRow(&r)
		check("record "+raw, got, gotErr, want, wantErr)
	}
}

// FuzzCanonicalString compares the encoding of any string; `go test` runs
// the seeds, `go test -fuzz FuzzCanonicalString ./migrate` searches more.
func FuzzCanonicalString(f *testing.F) {
	for _, s := range awkwardStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var e canonEncoder
		e.begin()
		e.str(s)
		e.value(map[string]any{s: s})
		got, gotErr := e.end()
		want, wantErr := stdCanonical(s, map[string]any{s: s})
		if gotErr != nil || wantErr != nil || !bytes.Equal(got, want) {
			t.Fatalf("%q: got %q (%v), want %q (%v)", s, got, gotErr, want, wantErr)
		}
	})
}
