package clustertest

import (
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// The fault-injection tests, whose outcome does not hang on timing, run in
// parallel with each other and with the other checks marked parallel; the
// scenarios that kill and pause nodes mid-burst run alone.
//
// converge is how long a healthy cluster may take to hold every
// acknowledged id everywhere; it returns as soon as it does. The
// fault-injection tests instead wait faultSettle (many sync intervals)
// and expect the loss to still be there.
const (
	converge    = 30 * time.Second
	faultSettle = 3 * time.Second
)

// burstScenario (a): 4 concurrent writers to node a, then every
// acknowledged id must be on every node.
func burstScenario(t *testing.T, o options, perWriter int, within time.Duration) ([]string, map[string][]string) {
	c := newCluster(t, o)
	ids, other := c.burst(c.nodes[0], 4, perWriter, 0, nil)
	if other != 0 || len(ids) != 4*perWriter {
		t.Fatalf("%d writes answered 201, %d otherwise; want all %d to succeed with every node up", len(ids), other, 4*perWriter)
	}
	return ids, c.settle(within, ids, c.nodes...)
}

func TestBurstReachesEveryNode(t *testing.T) {
	ids, miss := burstScenario(t, options{}, 50, converge)
	if len(miss) > 0 {
		t.Fatalf("%d acknowledged writes, lost: %s", len(ids), summary(miss))
	}
}

func TestFaultCancelFanoutFailsBurst(t *testing.T) {
	t.Parallel()
	f := []string{"cancel-fanout-after-quorum"}
	_, miss := burstScenario(t, options{faults: map[int][]string{0: f, 1: f, 2: f}}, 10, faultSettle)
	if len(miss) == 0 {
		t.Fatal("cancel-fanout-after-quorum: every acknowledged id reached every node; the check must report loss")
	}
	t.Logf("checker reports, as it must: %s", summary(miss))
}

func TestFaultListCapFailsBurst(t *testing.T) {
	t.Parallel()
	f := []string{"list-cap-20"}
	_, miss := burstScenario(t, options{faults: map[int][]string{0: f, 1: f, 2: f}}, 10, faultSettle)
	if len(miss) != 3 || len(miss["a"]) != 20 {
		t.Fatalf("list-cap-20: checker reports %s; want 20 of 40 ids missing on every node", summary(miss))
	}
}

// probeScenario (b): with b down a write to a still gets 201; with b and
// c down it gets 503 quorum_not_met within the timeout. It returns the
// cluster and the ids a acknowledged or kept, for (c).
func probeScenario(t *testing.T, o options) (c *cluster, okStatus, downStatus int, down writeAnswer, took time.Duration) {
	c = newCluster(t, o)
	a, b, cc := c.nodes[0], c.nodes[1], c.nodes[2]
	b.kill()
	okStatus, _, err := c.write(a, "probe one peer down")
	if err != nil {
		t.Fatal(err)
	}
	cc.kill()
	start := time.Now()
	downStatus, down, err = c.write(a, "probe both peers down")
	took = time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	return c, okStatus, downStatus, down, took
}

// TestQuorumProbesAndCatchUp covers (b) and (c): the probes, then b
// restarted with an empty fan-out queue pulls a's full set by itself,
// including the write a kept after answering 503.
func TestQuorumProbesAndCatchUp(t *testing.T) {
	c, okStatus, downStatus, down, took := probeScenario(t, options{})
	if okStatus != http.StatusCreated {
		t.Fatalf("one peer down: status %d, want 201", okStatus)
	}
	if downStatus != http.StatusServiceUnavailable || down.Error == nil || down.Error.Code != "quorum_not_met" ||
		down.Error.Got != 1 || down.Error.Needed != 2 || down.Error.ID == "" {
		t.Fatalf("both peers down: status %d, %+v; want 503 quorum_not_met got 1 needed 2 with the kept id", downStatus, down.Error)
	}
	if took > 2500*time.Millisecond {
		t.Errorf("503 after %s; want it within the 2 s quorum timeout", took)
	}
	a, b := c.nodes[0], c.nodes[1]
	// More writes with both peers down: each answers 503 and is kept on a.
	acked, kept := c.burst(a, 2, 10, 0, nil)
	all, err := c.memories(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(acked) != 0 || len(all) != 2+kept {
		t.Fatalf("a holds %d memories after %d acknowledged and %d refused writes, want %d", len(all), len(acked), kept, 2+kept)
	}
	c.start(b)
	var ids []string
	for id := range all {
		ids = append(ids, id)
	}
	if miss := c.settle(converge, ids, b); len(miss) > 0 {
		t.Fatalf("restarted b did not catch up with a: %s", summary(miss))
	}
}

func TestFaultDoubleCountAckFailsProbe(t *testing.T) {
	t.Parallel()
	_, _, downStatus, _, _ := probeScenario(t, options{faults: map[int][]string{0: {"double-count-ack"}}})
	if downStatus != http.StatusCreated {
		t.Fatalf("double-count-ack: both peers down answered %d; the fault must make the probe see 201 where 503 is due", downStatus)
	}
}

// (d) The coordinator is SIGKILLed in the middle of a concurrent burst:
// every id it acknowledged must reach both survivors.
func TestCoordinatorKilledMidBurst(t *testing.T) {
	c := newCluster(t, options{})
	a, b, cc := c.nodes[0], c.nodes[1], c.nodes[2]
	ids, failed := c.burst(a, 4, 50, 60, a.kill)
	if len(ids) < 60 || failed == 0 {
		t.Fatalf("%d acknowledged, %d failed: the kill did not land mid-burst", len(ids), failed)
	}
	if miss := c.settle(converge, ids, b, cc); len(miss) > 0 {
		t.Fatalf("%d acknowledged before the kill, lost on survivors: %s", len(ids), summary(miss))
	}
}

// (e) A node paused with SIGSTOP for 2 s during writes converges after SIGCONT.
func TestPausedNodeConverges(t *testing.T) {
	c := newCluster(t, options{})
	a, cc := c.nodes[0], c.nodes[2]
	cc.signal(t, syscall.SIGSTOP)
	resumed := make(chan struct{})
	go func() {
		time.Sleep(2 * time.Second)
		cc.signal(t, syscall.SIGCONT)
		close(resumed)
	}()
	ids, other := c.burst(a, 4, 25, 0, nil)
	<-resumed
	if other > 0 {
		t.Fatalf("%d writes failed with one node paused and W=2", other)
	}
	if miss := c.settle(converge, ids, c.nodes...); len(miss) > 0 {
		t.Fatalf("after SIGCONT: %s", summary(miss))
	}
}

// crashScenario (g): the coordinator dies for good and both peers are
// SIGKILLed right after the burst, then restarted. W=2 promised every
// acknowledged write was durable on a peer, so both restarted peers must
// hold all of them.
func crashScenario(t *testing.T, o options, within time.Duration) ([]string, map[string][]string) {
	c := newCluster(t, o)
	a, b, cc := c.nodes[0], c.nodes[1], c.nodes[2]
	ids, other := c.burst(a, 4, 15, 0, nil)
	a.kill()
	b.kill()
	cc.kill()
	if other > 0 || len(ids) != 60 {
		t.Fatalf("%d acknowledged, %d failed before the crash", len(ids), other)
	}
	c.start(b)
	c.start(cc)
	return ids, c.settle(within, ids, b, cc)
}

func TestAckedWritesSurvivePeerCrash(t *testing.T) {
	ids, miss := crashScenario(t, options{}, converge)
	if len(miss) > 0 {
		t.Fatalf("%d acknowledged, lost after the crash: %s", len(ids), summary(miss))
	}
}

// The peers' own sync would pull a's durable copy within one interval
// and shrink the loss window to it, so the fault test runs with sync
// effectively off (one pull at start): the window is then the fault's
// whole in-memory delay and the loss does not depend on timing.
func TestFaultAckBeforeDurableFailsCrash(t *testing.T) {
	t.Parallel()
	f := []string{"ack-before-durable"}
	_, miss := crashScenario(t, options{syncMs: 600_000, faults: map[int][]string{1: f, 2: f}}, faultSettle)
	if len(miss) == 0 {
		t.Fatal("ack-before-durable: nothing lost; the check must report acknowledged writes missing after the crash")
	}
	t.Logf("checker reports, as it must: %s", summary(miss))
}

// mutateScenario (f): deletes, updates and a consolidation issued on
// different nodes converge to the same rows everywhere. It returns the
// divergence found after within ("" when none).
func mutateScenario(t *testing.T, o options, within time.Duration) string {
	c := newCluster(t, o)
	var ids []string
	for i := range 12 {
		st, a, err := c.write(c.nodes[i%3], fmt.Sprintf("mutate-%d", i))
		if err != nil || st != http.StatusCreated {
			t.Fatalf("create: %d %v", st, err)
		}
		ids = append(ids, a.ID)
	}
	if miss := c.settle(converge, ids, c.nodes...); len(miss) > 0 {
		t.Fatalf("creates did not converge: %s", summary(miss))
	}
	for i, id := range ids[:4] {
		if st, _, err := c.call(c.nodes[(i+1)%3], http.MethodDelete, "/api/v1/memories/"+id, nil, nil); err != nil || st != http.StatusOK {
			t.Fatalf("delete: %d %v", st, err)
		}
	}
	for i, id := range ids[4:8] {
		body := map[string]any{"content": fmt.Sprintf("updated via %d", i)}
		if st, _, err := c.call(c.nodes[(i+2)%3], http.MethodPut, "/api/v1/memories/"+id, body, nil); err != nil || st != http.StatusOK {
			t.Fatalf("update: %d %v", st, err)
		}
	}
	var merged struct {
		Memory struct {
			ID string `json:"id"`
		} `json:"memory"`
	}
	st, _, err := c.call(c.nodes[0], http.MethodPost, "/api/v1/consolidate",
		map[string]any{"ids": ids[8:10], "title": "merged", "namespace": c.ns}, &merged)
	if err != nil || st != http.StatusOK && st != http.StatusCreated || merged.Memory.ID == "" {
		t.Fatalf("consolidate: %d %v %+v", st, err, merged)
	}
	want := append(append([]string{}, ids[4:8]...), ids[10:]...)
	want = append(want, merged.Memory.ID)
	deadline := time.Now().Add(within)
	for {
		msg := c.diverged(want)
		if msg == "" || time.Now().After(deadline) {
			return msg
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// diverged compares every node's rows with node a's and with want.
func (c *cluster) diverged(want []string) string {
	var ref map[string]listed
	for _, n := range c.nodes {
		got, err := c.memories(n)
		if err != nil {
			return err.Error()
		}
		if len(got) != len(want) {
			return fmt.Sprintf("node %s holds %d memories, want %d", n.name, len(got), len(want))
		}
		for _, id := range want {
			if _, ok := got[id]; !ok {
				return fmt.Sprintf("node %s lacks %s", n.name, id)
			}
		}
		if ref == nil {
			ref = got
			continue
		}
		for id, m := range got {
			if ref[id] != m {
				return fmt.Sprintf("node %s has %+v, node a %+v", n.name, m, ref[id])
			}
		}
	}
	return ""
}

func TestDeletesUpdatesConsolidationConverge(t *testing.T) {
	if msg := mutateScenario(t, options{}, converge); msg != "" {
		t.Fatal(msg)
	}
}

func TestFaultSkipConsolidateFailsMutations(t *testing.T) {
	t.Parallel()
	f := []string{"skip-replicate-consolidate"}
	msg := mutateScenario(t, options{faults: map[int][]string{1: f, 2: f}}, faultSettle)
	if msg == "" {
		t.Fatal("skip-replicate-consolidate: nodes converged; the check must report the divergence")
	}
	t.Logf("checker reports, as it must: %s", msg)
}
