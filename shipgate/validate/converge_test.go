package validate

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/api"
	"github.com/aimemory/ai-memory/shipgate/cluster"
)

var aiMemory string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "validate-test-")
	if err != nil {
		panic(err)
	}
	_, file, _, _ := runtime.Caller(0)
	aiMemory = filepath.Join(dir, "ai-memory")
	b := exec.Command("go", "build", "-o", aiMemory, "./cmd/ai-memory")
	b.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := b.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("build ai-memory: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// node starts one real ai-memory serve with extra args and writes n
// memories to namespace ns, returning their ids.
func node(t *testing.T, n int, extra ...string) (*cluster.Node, []string) {
	t.Helper()
	sup, err := cluster.NewSupervisor(filepath.Join(t.TempDir(), "state.json"), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sup.Close() })
	ctx := context.Background()
	cl, err := cluster.New(ctx, sup, cluster.Local{}, cluster.Spec{Names: []string{"a"}, Dir: t.TempDir(),
		Node:        cluster.NodeOptions{Binary: aiMemory, Extra: extra, StartTimeout: 15 * time.Second, HealthPoll: 10 * time.Millisecond, StopGrace: time.Second},
		HTTPTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Kill() })
	if err := cl.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range n {
		w := cl.Nodes[0].Client.Create(ctx, "ai:test", api.Memory{Title: fmt.Sprintf("m%d", i), Content: "x", Tier: "mid",
			Namespace: "ns", Priority: 5, Confidence: 1, Source: "api"})
		if w.Outcome != api.OK {
			t.Fatalf("write %d: %+v", i, w)
		}
		ids = append(ids, w.ID)
	}
	return cl.Nodes[0], ids
}

func TestSettleFindsEveryIDAndNamesTheMissing(t *testing.T) {
	n, ids := node(t, 30)
	ghost := "01ZZZZZZZZZZZZZZZZZZZZZZZZ" // acknowledged by nobody, held by nobody
	c := Settle(context.Background(), []Node{{Name: "a", Client: n.Client}}, "ns", append(ids, ghost), 20*time.Millisecond, 300*time.Millisecond)
	if c.Converged || c.Present["a"] != 30 || len(c.Missing["a"]) != 1 || c.Missing["a"][0] != ghost {
		t.Fatalf("want 30 present and the ghost missing, got %+v", c)
	}
	if c.ConvergeMS < 300 || len(c.Series) < 2 {
		t.Fatalf("should poll until the limit: %.0f ms, %d samples", c.ConvergeMS, len(c.Series))
	}
	if b := c.Bound(); b != 0.967 {
		t.Fatalf("bound 30/31 floors to 0.967, got %v", b)
	}
	c = Settle(context.Background(), []Node{{Name: "a", Client: n.Client}}, "ns", ids, 20*time.Millisecond, 5*time.Second)
	if !c.Converged || c.ConvergeMS > 2000 || len(c.Lost()) != 0 {
		t.Fatalf("all present: %+v", c)
	}
}

func TestSettleSeesThroughACappedListing(t *testing.T) {
	out, _ := exec.Command(aiMemory, "serve", "--help").CombinedOutput()
	if !strings.Contains(string(out), "list-cap-20") {
		t.Skip("this checkout's serve has no list-cap-20 fault switch yet")
	}
	n, ids := node(t, 30, "--unsafe-fault-injection", "--fault", "list-cap-20")
	c := Settle(context.Background(), []Node{{Name: "a", Client: n.Client}}, "ns", ids, 20*time.Millisecond, 5*time.Second)
	if !c.Converged || c.Present["a"] != 30 || c.Bound() != 1 {
		t.Fatalf("the node holds all 30; got %+v", c)
	}
	if c.Listed["a"] != 20 || len(c.Unlisted["a"]) != 10 {
		t.Fatalf("the capped listing must be reported: listed %d, unlisted %d", c.Listed["a"], len(c.Unlisted["a"]))
	}
}
