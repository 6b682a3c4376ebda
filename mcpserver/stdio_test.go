package mcpserver

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

// runLines serves input through LineTransport until end of input and
// returns every line written, decoded.
func runLines(t *testing.T, input string) []map[string]any {
	t.Helper()
	ms := New(openEngine(t), Options{})
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- ms.Run(context.Background(), &LineTransport{In: strings.NewReader(input), Out: outW})
		outW.Close()
	}()
	var got []map[string]any
	sc := bufio.NewScanner(outR)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("non-JSON output %q", sc.Text())
		}
		got = append(got, m)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop at end of input")
	}
	return got
}

func TestLineTransportSurvivesBadInputAndAnswersBeforeClosing(t *testing.T) {
	initLine := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	lines := []string{
		initLine,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		``, // blank lines are ignored
		`not json at all`,
		`[{"jsonrpc":"2.0","id":2,"method":"ping"}]`,
		`{"jsonrpc":"2.0","id":"x","method":["bad"]}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"memory_store","arguments":{"title":"a","content":"b"}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"ping"}`,
	}
	// The final request has no trailing newline and input ends right after
	// it: its answer must still be written.
	got := runLines(t, strings.Join(lines, "\n"))
	byID := map[string]map[string]any{}
	var codes []int
	for _, m := range got {
		if m["error"] != nil {
			codes = append(codes, num(m, "error", "code"))
		}
		if id, ok := m["id"]; ok && id != nil {
			b, _ := json.Marshal(id)
			byID[string(b)] = m
		}
	}
	if len(codes) != 3 || codes[0] != -32700 || codes[1] != -32600 || codes[2] != -32600 {
		t.Fatalf("error codes %v; want -32700, -32600 (batch), -32600 (bad method)", codes)
	}
	if byID[`"x"`] == nil {
		t.Fatalf("invalid request with id \"x\" not answered with its id: %v", got)
	}
	if byID["1"] == nil || byID["3"] == nil || byID["4"] == nil {
		t.Fatalf("answers %v; want ids 1, 3 and 4", got)
	}
	if path(byID["3"], "result", "isError") == true {
		t.Fatalf("store failed: %v", byID["3"])
	}
}

func TestLineTransportRejectsOverlongLines(t *testing.T) {
	long := `{"jsonrpc":"2.0","id":9,"method":"ping","params":{"pad":"` + strings.Repeat("a", MaxLineBytes) + `"}}`
	initLine := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	got := runLines(t, initLine+"\n"+long+"\n"+`{"jsonrpc":"2.0","id":2,"method":"ping"}`+"\n")
	if len(got) != 3 || num(got[1], "error", "code") != -32600 || num(got[2], "id") != 2 {
		t.Fatalf("got %v; want the initialize answer, -32600 for the long line, then the ping answer", got)
	}
}
