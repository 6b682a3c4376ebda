package memory

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits enforced at every entry point (HTTP, MCP, CLI) through Validate.
// None is stricter than the original ai-memory's, so whatever it stored
// can be imported.
const (
	MaxTitleLen     = 512     // characters
	MaxContentBytes = 65536   // bytes of UTF-8
	MaxTags         = 50      // tags per memory
	MaxTagLen       = 128     // characters per tag
	MaxNamespaceLen = 512     // characters
	MaxSourceLen    = 64      // characters
	MaxAgentIDLen   = 128     // characters
	MaxMetadataSize = 65536   // bytes of JSON
	MaxBatchItems   = 1000    // memories per bulk/import/sync request
	MaxBodyBytes    = 2 << 20 // HTTP request body
	MinPriority     = 1
	MaxPriority     = 10
	DefaultPriority = 5
)

func invalid(format string, args ...any) *Error { return Errorf(CodeInvalid, format, args...) }

// ValidateNamespace accepts 1..512 printable characters without
// whitespace or backslashes, not starting or ending with "/" and without
// empty segments: every namespace the original ai-memory accepts.
func ValidateNamespace(ns string) error {
	if ns == "" {
		return invalid("namespace must not be empty")
	}
	if utf8.RuneCountInString(ns) > MaxNamespaceLen {
		return invalid("namespace longer than %d characters", MaxNamespaceLen)
	}
	if strings.HasPrefix(ns, "/") || strings.HasSuffix(ns, "/") || strings.Contains(ns, "//") {
		return invalid("namespace %q has an empty path segment", ns)
	}
	if !utf8.ValidString(ns) {
		return invalid("namespace is not valid UTF-8")
	}
	for _, r := range ns {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) || r == '\\' {
			return invalid("namespace %q: character %q not allowed (no whitespace, control characters or backslashes)", ns, r)
		}
	}
	return nil
}

// ValidateToken checks a short free-form token such as source or agent id:
// printable, no whitespace, at most max characters. Unfamiliar values are
// fine; only shape is checked.
func ValidateToken(field, v string, max int) error {
	if utf8.RuneCountInString(v) > max {
		return invalid("%s longer than %d characters", field, max)
	}
	if !utf8.ValidString(v) {
		return invalid("%s is not valid UTF-8", field)
	}
	for _, r := range v {
		if r <= ' ' || r == 0x7f {
			return invalid("%s %q contains whitespace or control characters", field, v)
		}
	}
	return nil
}

// Validate checks every user-controlled field of m against the limits.
// It does not fill defaults; the engine does that first.
func Validate(m *Memory) error {
	if !m.Tier.Valid() {
		return invalid("tier %q: want short, mid or long", m.Tier)
	}
	if err := ValidateNamespace(m.Namespace); err != nil {
		return err
	}
	if strings.TrimSpace(m.Title) == "" {
		return invalid("title must not be empty")
	}
	if !utf8.ValidString(m.Title) || !utf8.ValidString(m.Content) {
		return invalid("title and content must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(m.Title); n > MaxTitleLen {
		return invalid("title is %d characters; the limit is %d", n, MaxTitleLen)
	}
	if len(m.Content) > MaxContentBytes {
		return &Error{Code: CodeTooLarge, Message: "content exceeds 65536 bytes"}
	}
	if len(m.Tags) > MaxTags {
		return invalid("%d tags; the limit is %d", len(m.Tags), MaxTags)
	}
	for _, t := range m.Tags {
		if strings.TrimSpace(t) == "" || utf8.RuneCountInString(t) > MaxTagLen || strings.IndexFunc(t, unicode.IsControl) >= 0 {
			return invalid("tag %q: 1..%d characters, not blank, no line breaks or control characters", t, MaxTagLen)
		}
	}
	if m.Priority < MinPriority || m.Priority > MaxPriority {
		return invalid("priority %d: want %d..%d", m.Priority, MinPriority, MaxPriority)
	}
	if !(m.Confidence >= 0 && m.Confidence <= 1) {
		return invalid("confidence %v: want 0..1", m.Confidence)
	}
	if m.Source == "" {
		return invalid("source must not be empty")
	}
	if err := ValidateToken("source", m.Source, MaxSourceLen); err != nil {
		return err
	}
	if err := ValidateToken("agent_id", m.AgentID, MaxAgentIDLen); err != nil {
		return err
	}
	if m.Metadata != nil {
		b, err := json.Marshal(m.Metadata)
		if err != nil {
			return invalid("metadata: %v", err)
		}
		if len(b) > MaxMetadataSize {
			return invalid("metadata is %d bytes of JSON; the limit is %d", len(b), MaxMetadataSize)
		}
	}
	if m.ExpiresAt != nil && !m.ExpiresAt.After(m.CreatedAt) {
		return invalid("expires_at %s is not after created_at", m.ExpiresAt.Format("2006-01-02T15:04:05Z07:00"))
	}
	return nil
}

// NormalizeTags trims, drops empties and duplicates, keeping first order.
func NormalizeTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}
