package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/httperror"
)

// decodeJSON reads exactly one JSON value into v. Unknown fields are
// rejected (400) so a misspelt field never silently becomes a default;
// syntax errors are 400, wrong value types 422, oversize bodies 413.
// An empty body is allowed only when allowEmpty is set.
func decodeJSON(r *http.Request, v any, allowEmpty bool) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeBody(body, v, allowEmpty)
}

// readBody reads the (already size-limited) body.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge()
		}
		return nil, memory.Errorf(memory.CodeInvalid, "reading body: %v", err)
	}
	return body, nil
}

// decodeBody is the byte-level half of decodeJSON (fuzzed directly).
func decodeBody(body []byte, v any, allowEmpty bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if allowEmpty {
			return nil
		}
		return memory.Errorf(memory.CodeInvalid, "request body must be a JSON value")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return memory.Errorf(memory.CodeInvalid, "request body holds more than one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return memory.Errorf(httperror.CodeUnprocessable, "%s: expected %s, got JSON %s", field, typeErr.Type, typeErr.Value)
	case errors.As(err, &syntaxErr):
		return memory.Errorf(memory.CodeInvalid, "invalid JSON at byte %d: %v", syntaxErr.Offset, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return memory.Errorf(memory.CodeInvalid, "invalid JSON: unexpected end of body")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return memory.Errorf(memory.CodeInvalid, "%s (unknown fields are rejected)", strings.TrimPrefix(err.Error(), "json: "))
	}
	// HLC and time values report their own parse errors.
	return memory.Errorf(httperror.CodeUnprocessable, "invalid value: %v", err)
}

// params reads typed query parameters, remembering the first error.
type params struct {
	v   url.Values
	err error
}

func queryParams(r *http.Request) *params { return &params{v: r.URL.Query()} }

func (p *params) str(name string) string { return p.v.Get(name) }

func (p *params) int(name string) int {
	s := p.v.Get(name)
	if s == "" || p.err != nil {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		p.err = memory.Errorf(memory.CodeInvalid, "query parameter %s=%q is not an integer", name, s)
	}
	return n
}

func (p *params) bool(name string) bool {
	s := p.v.Get(name)
	if s == "" || p.err != nil {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		p.err = memory.Errorf(memory.CodeInvalid, "query parameter %s=%q is not a boolean", name, s)
	}
	return b
}

// list reads a comma-separated list (tags=a,b) and repeated parameters.
func (p *params) list(name string) []string {
	var out []string
	for _, s := range p.v[name] {
		for _, t := range strings.Split(s, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

func (p *params) time(name string) *time.Time {
	s := p.v.Get(name)
	if s == "" || p.err != nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.err = memory.Errorf(memory.CodeInvalid, "query parameter %s=%q is not an RFC 3339 time", name, s)
		return nil
	}
	return &t
}

// listQuery reads the filters and paging shared by list, search and archive.
func (p *params) listQuery() memory.ListQuery {
	return memory.ListQuery{
		Namespace:   p.str("namespace"),
		Tier:        memory.Tier(p.str("tier")),
		Tags:        p.list("tags"),
		AgentID:     p.str("agent_id"),
		MinPriority: p.int("min_priority"),
		Since:       p.time("since"),
		Until:       p.time("until"),
		AfterID:     p.str("cursor"),
		Offset:      p.int("offset"),
		Limit:       p.int("limit"),
	}
}
