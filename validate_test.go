package memory

import (
	"strings"
	"testing"
	"time"
)

func validMemory() Memory {
	now := time.Now().UTC()
	return Memory{ID: NewID(now), Tier: TierMid, Namespace: "team/alpha", Title: "t", Content: "c",
		Priority: 5, Confidence: 1, Source: "chaos", CreatedAt: now, UpdatedAt: now, State: StateActive}
}

func TestValidateRejectsEachBadField(t *testing.T) {
	cases := map[string]func(m *Memory){
		"tier":           func(m *Memory) { m.Tier = "forever" },
		"namespace char": func(m *Memory) { m.Namespace = "a b" },
		"namespace /":    func(m *Memory) { m.Namespace = "/a" },
		"empty title":    func(m *Memory) { m.Title = "  " },
		"long title":     func(m *Memory) { m.Title = strings.Repeat("x", MaxTitleLen+1) },
		"content":        func(m *Memory) { m.Content = strings.Repeat("x", MaxContentBytes+1) },
		"tag count":      func(m *Memory) { m.Tags = make([]string, MaxTags+1) },
		"tag line break": func(m *Memory) { m.Tags = []string{"a\nb"} },
		"namespace \\":   func(m *Memory) { m.Namespace = `a\b` },
		"priority 0":     func(m *Memory) { m.Priority = 0 },
		"priority 11":    func(m *Memory) { m.Priority = 11 },
		"confidence":     func(m *Memory) { m.Confidence = 1.5 },
		"source space":   func(m *Memory) { m.Source = "a b" },
		"metadata size":  func(m *Memory) { m.Metadata = map[string]any{"k": strings.Repeat("x", MaxMetadataSize)} },
		"past expiry":    func(m *Memory) { e := m.CreatedAt.Add(-time.Second); m.ExpiresAt = &e },
	}
	for name, spoil := range cases {
		m := validMemory()
		spoil(&m)
		err := Validate(&m)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if c := ErrorCode(err); c != CodeInvalid && c != CodeTooLarge {
			t.Errorf("%s: code %s", name, c)
		}
	}
	m := validMemory()
	if err := Validate(&m); err != nil {
		t.Fatalf("valid memory rejected: %v", err)
	}
}

func TestUnfamiliarSourceIsAccepted(t *testing.T) {
	m := validMemory()
	m.Source = "some-new-tool:v2"
	if err := Validate(&m); err != nil {
		t.Fatal(err)
	}
}

// Whatever the original ai-memory accepts is accepted here too, so its
// memories import and re-import from an export.
func TestValidateAcceptsTheOriginalsShapes(t *testing.T) {
	for name, shape := range map[string]func(m *Memory){
		"unicode namespace": func(m *Memory) { m.Namespace = "notes/日本" },
		"punctuation":       func(m *Memory) { m.Namespace = "proj#1/a+b@c" },
		"tag with commas":   func(m *Memory) { m.Tags = []string{"a,b"} },
		"50 tags": func(m *Memory) {
			m.Tags = make([]string, 50)
			for i := range m.Tags {
				m.Tags[i] = string(rune('a'+i%26)) + strings.Repeat("x", i)
			}
		},
		"128-char tag":       func(m *Memory) { m.Tags = []string{strings.Repeat("t", 128)} },
		"512-char namespace": func(m *Memory) { m.Namespace = strings.Repeat("n", 512) },
		"64 KiB metadata":    func(m *Memory) { m.Metadata = map[string]any{"k": strings.Repeat("x", 65000)} },
	} {
		m := validMemory()
		shape(&m)
		if err := Validate(&m); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
