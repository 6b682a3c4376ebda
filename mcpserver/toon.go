package mcpserver

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// Text formats of the tools that list memories. JSON is the default here;
// the original answered in TOON, a line-per-row form that costs a model
// fewer tokens: a meta line ("count:3|mode:keyword"), the standards that
// apply ("standards[id|title|content]:" and a row each), then
// "memories[<columns>]:" and a row per memory, cells separated by "|".
// toon_compact has the columns id, title, tier, namespace, priority, score,
// tags and agent_id; toon adds confidence, access_count, source,
// created_at, updated_at and metadata. In a cell, "\" is written "\\",
// "|" "\|" and a line break "\n"; tags are joined with ",".
const (
	formatJSON        = "json"
	formatTOON        = "toon"
	formatTOONCompact = "toon_compact"
)

// formatEnum closes the format argument.
func formatEnum(s *jsonschema.Schema) { s.Enum = []any{formatJSON, formatTOON, formatTOONCompact} }

// toonRow is one memory and its score (nil when the tool has none).
type toonRow struct {
	m     *memory.Memory
	score *float64
}

// toon renders a result in format f; "" for JSON.
func toon(f string, meta []string, standards []engine.Standard, rows []toonRow) string {
	if f != formatTOON && f != formatTOONCompact {
		return ""
	}
	var b strings.Builder
	b.WriteString(strings.Join(meta, "|"))
	b.WriteByte('\n')
	if len(standards) > 0 {
		b.WriteString("standards[id|title|content]:\n")
		for _, st := range standards {
			writeRow(&b, st.MemoryID, st.Memory.Title, st.Memory.Content)
		}
	}
	cols := []string{"id", "title", "tier", "namespace", "priority", "score", "tags", "agent_id"}
	if f == formatTOON {
		cols = append(cols, "confidence", "access_count", "source", "created_at", "updated_at", "metadata")
	}
	b.WriteString("memories[" + strings.Join(cols, "|") + "]:\n")
	for _, r := range rows {
		m := r.m
		score := ""
		if r.score != nil {
			score = strconv.FormatFloat(*r.score, 'f', 3, 64)
		}
		cells := []string{m.ID, m.Title, string(m.Tier), m.Namespace, strconv.Itoa(m.Priority), score,
			strings.Join(m.Tags, ","), m.AgentID}
		if f == formatTOON {
			meta, _ := json.Marshal(m.Metadata)
			cells = append(cells, strconv.FormatFloat(m.Confidence, 'f', -1, 64), strconv.FormatInt(m.AccessCount, 10),
				m.Source, m.CreatedAt.Format(time.RFC3339Nano), m.UpdatedAt.Format(time.RFC3339Nano), string(meta))
		}
		writeRow(&b, cells...)
	}
	return b.String()
}

var toonEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

func writeRow(b *strings.Builder, cells ...string) {
	for i, c := range cells {
		if i > 0 {
			b.WriteByte('|')
		}
		toonEscaper.WriteString(b, c)
	}
	b.WriteByte('\n')
}
