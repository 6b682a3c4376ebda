package mcpserver

import (
	"fmt"
	"reflect"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	memory "github.com/aimemory/ai-memory"
)

// typeSchemas describe the argument types whose JSON form differs from
// their Go kind (times are RFC 3339 strings) and give the closed
// vocabularies their enums.
var typeSchemas = map[reflect.Type]*jsonschema.Schema{
	reflect.TypeFor[time.Time]():       {Type: "string", Format: "date-time"},
	reflect.TypeFor[memory.Tier]():     {Type: "string", Enum: []any{"short", "mid", "long"}},
	reflect.TypeFor[memory.Relation](): {Type: "string", Enum: []any{"related_to", "supersedes", "contradicts", "derived_from"}},
	// A memory's metadata is an arbitrary JSON object.
	reflect.TypeFor[map[string]any](): {Types: []string{"null", "object"}},
}

// prop adjusts the schema of one property (bounds, formats, defaults).
type prop func(*jsonschema.Schema)

func intRange(lo, hi float64) prop {
	return func(s *jsonschema.Schema) { s.Minimum, s.Maximum = &lo, &hi }
}

func numRange(lo, hi float64) prop { return intRange(lo, hi) }

func strLen(lo, hi int) prop {
	return func(s *jsonschema.Schema) { s.MinLength, s.MaxLength = &lo, &hi }
}

func maxItems(n int) prop {
	return func(s *jsonschema.Schema) {
		s.MaxItems = &n
		if s.Items != nil {
			l := memory.MaxTagLen
			s.Items.MaxLength = &l
		}
	}
}

func uriFormat(s *jsonschema.Schema) { s.Format = "uri" }

// undescribed drops a description that the tool's own says better, for
// fields of types shared with other faces.
func undescribed(s *jsonschema.Schema) { s.Description = "" }

// tierEnum closes a tier filter given as a plain string.
func tierEnum(s *jsonschema.Schema) { s.Enum = []any{"short", "mid", "long"} }

// schemaFor derives the JSON Schema of T and applies the property
// adjustments; a name that is not a property of T panics, so a typo is
// caught when the server is built (every test builds one).
func schemaFor[T any](props map[string][]prop) *jsonschema.Schema {
	s, err := jsonschema.For[T](&jsonschema.ForOptions{TypeSchemas: typeSchemas})
	if err != nil {
		panic(err)
	}
	for name, ps := range props {
		p, ok := s.Properties[name]
		if !ok {
			panic(fmt.Sprintf("schema of %T has no property %q", *new(T), name))
		}
		for _, f := range ps {
			f(p)
		}
	}
	return s
}

// Shared property bounds.
var (
	titleBounds     = []prop{strLen(1, memory.MaxTitleLen)}
	contentBounds   = []prop{strLen(0, memory.MaxContentBytes)}
	namespaceBounds = []prop{strLen(1, memory.MaxNamespaceLen)}
	tagsBounds      = []prop{maxItems(memory.MaxTags)}
	priorityBounds  = []prop{intRange(memory.MinPriority, memory.MaxPriority)}
	confBounds      = []prop{numRange(0, 1)}
	agentBounds     = []prop{strLen(1, memory.MaxAgentIDLen)}
	sourceBounds    = []prop{strLen(1, memory.MaxSourceLen)}
	idBounds        = []prop{strLen(memory.ULIDLen, memory.UUIDLen)}
	ttlBounds       = []prop{intRange(1, 100*365*24*3600)}
)

// published is the input schema that tools/list shows: each argument's
// type, enum, format, numeric range and description, and which are
// required. Lengths, item counts, the refusal of unknown arguments and the
// unlisted arguments stay in the full schema that checks every call: every
// session pays for what the list repeats, an agent rarely nears those
// bounds, and a refused call names the bound it broke.
func published(full *jsonschema.Schema) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "object", Required: full.Required}
	for _, name := range full.PropertyOrder {
		if p := full.Properties[name]; p == nil || !isUnlisted(p) {
			s.PropertyOrder = append(s.PropertyOrder, name)
		}
	}
	for name, p := range full.Properties {
		if isUnlisted(p) {
			continue
		}
		if s.Properties == nil {
			s.Properties = map[string]*jsonschema.Schema{}
		}
		s.Properties[name] = publishedValue(p)
	}
	return s
}

func publishedValue(p *jsonschema.Schema) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: p.Type, Enum: p.Enum, Format: p.Format, Description: p.Description,
		Minimum: p.Minimum, Maximum: p.Maximum}
	// A nil slice or map decodes from null too, but a client should send
	// the value itself.
	for _, t := range p.Types {
		if t != "null" {
			s.Type = t
		}
	}
	if p.Items != nil {
		s.Items = publishedValue(p.Items)
	}
	return s
}
