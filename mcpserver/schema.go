package mcpserver

import (
	"fmt"
	"reflect"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	memory "github.com/aimemory/ai-memory"
)

// typeSchemas describe the domain types whose JSON form differs from their
// Go kind (version stamps are decimal strings, times RFC 3339) and give the
// closed vocabularies their enums.
var typeSchemas = map[reflect.Type]*jsonschema.Schema{
	reflect.TypeFor[memory.HLC](): {Type: "string", Description: "version stamp (hybrid logical clock), decimal"},
	reflect.TypeFor[time.Time]():  {Type: "string", Format: "date-time"},
	reflect.TypeFor[memory.Tier](): {Type: "string", Enum: []any{"short", "mid", "long"},
		Description: "retention tier: short (6 h), mid (7 days), long (no expiry)"},
	reflect.TypeFor[memory.Relation](): {Type: "string", Enum: []any{"related_to", "supersedes", "contradicts", "derived_from"}},
	reflect.TypeFor[memory.State]():    {Type: "string", Enum: []any{"active", "archived", "deleted"}},
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
	idBounds        = []prop{strLen(26, 26)}
	ttlBounds       = []prop{intRange(1, 100*365*24*3600)}
)
