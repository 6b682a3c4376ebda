package history

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestRecordLoadAndCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.jsonl")
	r, err := Create(path, NewClock())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for p := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				r.Add(Op{Op: Invoke, Proc: p})
				out := OK
				if i%10 == 0 {
					out = Unknown
				}
				r.Add(Op{Op: out, Proc: p, ID: "id", Status: map[string]int{OK: 201, Unknown: 503}[out]})
			}
		}()
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	ops, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(ops); err != nil {
		t.Fatal(err)
	}
	tl := Count(ops)
	if tl.Invoked != 400 || tl.OK != 360 || tl.Unknown != 40 || tl.QuorumNotMet != 40 {
		t.Fatalf("tally %+v", tl)
	}
	if len(AckedIDs(ops, -1)) != 360 || len(Latencies(ops)) != 360 {
		t.Fatal("acked ids or latencies miscounted")
	}
	for i := 1; i < len(ops); i++ {
		if ops[i].TMS < 0 {
			t.Fatal("negative time")
		}
	}
}

func TestCheckRejectsBrokenHistories(t *testing.T) {
	if err := Check([]Op{{Op: OK, Proc: 1}}); err == nil {
		t.Fatal("completion without invoke accepted")
	}
	if err := Check([]Op{{Op: Invoke, Proc: 1}, {Op: Invoke, Proc: 1}}); err == nil {
		t.Fatal("two requests in flight on one proc accepted")
	}
}

func TestLoadRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.jsonl")
	os.WriteFile(path, []byte(`{"op":"invoke","proc":1}`+"\nnot json\n"), 0o644)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Fatalf("want an error naming line 2, got %v", err)
	}
}
