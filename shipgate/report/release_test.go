package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
)

// schemaPath finds the upstream release-summary schema in the shared
// reference beside the checkout (CI lays shared/ next to the clone).
func schemaPath(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	for _, p := range []string{
		filepath.Join(root, "..", "shared", "reference", "upstream-artifacts", "release-summary.schema.json"),
		"/work/shared/reference/upstream-artifacts/release-summary.schema.json",
	} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("release-summary.schema.json not found beside the checkout (shared/reference is not laid out here)")
	return ""
}

// checkSchema checks v against the JSON Schema subset the release schema
// uses: type, required, properties, items, pattern, enum, minimum,
// minLength, minItems.
func checkSchema(schema map[string]any, v any, at string) []string {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, at+": "+fmt.Sprintf(f, a...)) }
	if ty, ok := schema["type"].(string); ok {
		okType := map[string]bool{
			"object":  isType[map[string]any](v),
			"array":   isType[[]any](v),
			"string":  isType[string](v),
			"boolean": isType[bool](v),
			"null":    v == nil,
			"integer": isInt(v),
		}[ty]
		if !okType {
			bad("want %s, got %T (%v)", ty, v, v)
			return errs
		}
	}
	if req, ok := schema["required"].([]any); ok {
		m, _ := v.(map[string]any)
		for _, r := range req {
			if _, ok := m[r.(string)]; !ok {
				bad("missing required %q", r)
			}
		}
	}
	if props, ok := schema["properties"].(map[string]any); ok {
		m, _ := v.(map[string]any)
		for k, sub := range props {
			if x, ok := m[k]; ok {
				errs = append(errs, checkSchema(sub.(map[string]any), x, at+"."+k)...)
			}
		}
	}
	if items, ok := schema["items"].(map[string]any); ok {
		for i, x := range v.([]any) {
			errs = append(errs, checkSchema(items, x, fmt.Sprintf("%s[%d]", at, i))...)
		}
	}
	if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(v.(string)) {
		bad("%q does not match %s", v, p)
	}
	if en, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range en {
			found = found || e == v
		}
		if !found {
			bad("%v not in %v", v, en)
		}
	}
	if m, ok := schema["minimum"].(float64); ok && v.(float64) < m {
		bad("%v < minimum %v", v, m)
	}
	if m, ok := schema["minLength"].(float64); ok && len(v.(string)) < int(m) {
		bad("shorter than %v", m)
	}
	if m, ok := schema["minItems"].(float64); ok && len(v.([]any)) < int(m) {
		bad("fewer than %v items", m)
	}
	return errs
}

func isType[T any](v any) bool { _, ok := v.(T); return ok }

func isInt(v any) bool {
	f, ok := v.(float64)
	return ok && f == float64(int64(f))
}

func releaseJSON(t *testing.T, rs *ReleaseSummary) any {
	b, err := json.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	json.Unmarshal(b, &v)
	return v
}

func TestReleaseSummaryValidatesAgainstUpstreamSchema(t *testing.T) {
	var schema map[string]any
	b, err := os.ReadFile(schemaPath(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	dir, _ := goodRun(t)
	s := aggregate(t, dir)
	rs, err := Release("v0.7.0-rc1", "runs/good", s)
	if err != nil {
		t.Fatal(err)
	}
	if errs := checkSchema(schema, releaseJSON(t, rs), "$"); len(errs) > 0 {
		t.Fatalf("schema violations: %v", errs)
	}
	if rs.Verdict != "pass" || rs.PassCount != 4 || rs.WallSeconds != 4 {
		t.Fatalf("verdict %s pass %d wall %d", rs.Verdict, rs.PassCount, rs.WallSeconds)
	}
	// The validator itself must catch a violation.
	bad := releaseJSON(t, rs).(map[string]any)
	bad["verdict"], bad["date"] = "green", "27/04/2026"
	if errs := checkSchema(schema, bad, "$"); len(errs) != 2 {
		t.Fatalf("validator missed violations: %v", errs)
	}
	// A failing run gives verdict fail and still validates.
	os.Remove(filepath.Join(dir, "phase3.json"))
	rs, err = Release("v0.7.0", "runs/good", aggregate(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	if rs.Verdict != "fail" || rs.FailCount != 1 {
		t.Fatalf("verdict %s fail %d", rs.Verdict, rs.FailCount)
	}
	if errs := checkSchema(schema, releaseJSON(t, rs), "$"); len(errs) > 0 {
		t.Fatalf("schema violations: %v", errs)
	}
	if _, err := Release("0.7.0", "runs/good", s); err == nil {
		t.Fatal("version without v accepted")
	}
}

func TestHuman(t *testing.T) {
	for s, want := range map[float64]string{3: "3s", 116: "1m56s", 840: "14m", 0.4: "0s"} {
		if got := human(s); got != want {
			t.Errorf("human(%v) = %s, want %s", s, got, want)
		}
	}
}
