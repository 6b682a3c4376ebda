package migrate

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// canonEncoder appends a row's canonical form: exactly the bytes
// encoding/json's Encoder (HTML escaping off) writes for the row's fields
// as a JSON array, newline included, so digests stay what they were. It
// writes the common values itself, with no reflection and no allocation
// per value: encoding/json was the larger part of digesting a row, and a
// migration digests every row on both sides. Anything else (a string that
// needs escaping, a number JSON cannot hold, a type JSON decoding does not
// produce) goes through encoding/json, so the bytes never differ.
type canonEncoder struct {
	b       []byte
	n       int // fields in the current array
	err     error
	scratch bytes.Buffer
	std     *json.Encoder // on scratch
}

func (e *canonEncoder) begin() {
	e.b, e.n, e.err = append(e.b[:0], '['), 0, nil
}

// end closes the array and returns its bytes, valid until the next begin.
func (e *canonEncoder) end() ([]byte, error) {
	e.b = append(e.b, ']', '\n')
	return e.b, e.err
}

func (e *canonEncoder) next() {
	if e.n > 0 {
		e.b = append(e.b, ',')
	}
	e.n++
}

func (e *canonEncoder) str(s string) { e.next(); e.appendString(s) }
func (e *canonEncoder) int(i int64)  { e.next(); e.b = strconv.AppendInt(e.b, i, 10) }
func (e *canonEncoder) bool(v bool)  { e.next(); e.b = strconv.AppendBool(e.b, v) }
func (e *canonEncoder) float(f float64) {
	e.next()
	e.appendFloat(f)
}

// strOrNull is a string field that may be absent (millis of a nil time).
func (e *canonEncoder) strOrNull(s string, ok bool) {
	if !ok {
		e.next()
		e.b = append(e.b, "null"...)
		return
	}
	e.str(s)
}

func (e *canonEncoder) strs(ss []string) {
	e.next()
	if ss == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, '[')
	for i, s := range ss {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.appendString(s)
	}
	e.b = append(e.b, ']')
}

// value is a field holding decoded JSON (metadata, a record's value).
func (e *canonEncoder) value(v any) {
	e.next()
	e.appendValue(v)
}

func (e *canonEncoder) appendValue(v any) {
	switch v := v.(type) {
	case nil:
		e.b = append(e.b, "null"...)
	case string:
		e.appendString(v)
	case float64:
		e.appendFloat(v)
	case bool:
		e.b = strconv.AppendBool(e.b, v)
	case map[string]any:
		if v == nil {
			e.b = append(e.b, "null"...)
			return
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys) // encoding/json's order: bytewise
		e.b = append(e.b, '{')
		for i, k := range keys {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.appendString(k)
			e.b = append(e.b, ':')
			e.appendValue(v[k])
		}
		e.b = append(e.b, '}')
	case []any:
		if v == nil {
			e.b = append(e.b, "null"...)
			return
		}
		e.b = append(e.b, '[')
		for i, x := range v {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.appendValue(x)
		}
		e.b = append(e.b, ']')
	default:
		e.appendStd(v)
	}
}

// appendString quotes s as is when encoding/json would copy it unchanged:
// no control character, quote or backslash, valid UTF-8 without U+2028
// and U+2029 (which it escapes for JavaScript).
func (e *canonEncoder) appendString(s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' {
				e.appendStd(s)
				return
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			e.appendStd(s)
			return
		}
		i += size
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, s...)
	e.b = append(e.b, '"')
}

// appendFloat is encoding/json's float64 encoding (ES6 number to string).
func (e *canonEncoder) appendFloat(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		e.appendStd(f) // records encoding/json's error
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	e.b = strconv.AppendFloat(e.b, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9
		if n := len(e.b); n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
			e.b[n-2] = e.b[n-1]
			e.b = e.b[:n-1]
		}
	}
}

// appendStd appends what encoding/json writes for v, or keeps its error.
func (e *canonEncoder) appendStd(v any) {
	if e.std == nil {
		e.std = json.NewEncoder(&e.scratch)
		e.std.SetEscapeHTML(false)
	}
	e.scratch.Reset()
	if err := e.std.Encode(v); err != nil {
		if e.err == nil {
			e.err = err
		}
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, bytes.TrimSuffix(e.scratch.Bytes(), []byte{'\n'})...)
}
