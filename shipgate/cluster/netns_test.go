package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func needNetns(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("netns provider needs root")
	}
	for _, tool := range []string{"ip", "nft", "bash", "timeout"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("netns provider test needs %s (install iproute2 and nftables)", tool)
		}
	}
}

func TestNetnsClusterPartitionAndCleanup(t *testing.T) {
	needNetns(t)
	s := newSup(t)
	ctx := context.Background()
	prov, err := NewNetns(ctx, s, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	cl, err := New(ctx, s, prov, Spec{Names: []string{"a", "b", "c"}, Dir: t.TempDir(), Node: nodeOpts(), HTTPTimeout: 5 * time.Second})
	if err != nil {
		prov.Close()
		t.Fatal(err)
	}
	if err := cl.Start(ctx); err != nil {
		cl.Kill()
		prov.Close()
		t.Fatal(err)
	}
	v := cl.Net.(*netnsView)
	// Node i reaches node j through the link proxy i->j, from its own
	// namespace, as its pushes and pulls do: an HTTP answer must come back
	// (the proxy accepts even when the far side is cut).
	link := func(i, j int) bool {
		return exec.Command("ip", "netns", "exec", v.l.ns[i], "curl", "-sf", "-m", "1", "http://"+v.links[i][j].Addr()+"/api/v1/health").Run() == nil
	}
	harness := func() error {
		for _, n := range cl.Nodes {
			if err := n.Client.Health(ctx); err != nil {
				return fmt.Errorf("node %s: %w", n.Name, err)
			}
		}
		return nil
	}
	if !link(1, 0) || !link(0, 2) {
		t.Fatal("nodes cannot reach each other before the partition")
	}
	if err := cl.Partition(cl.Nodes[0]); err != nil {
		t.Fatal(err)
	}
	if link(1, 0) || link(0, 2) {
		t.Fatal("partitioned node still connected to a peer")
	}
	if !link(1, 2) {
		t.Fatal("b and c lost each other though only a is cut")
	}
	if err := harness(); err != nil {
		t.Fatalf("harness lost a node during the partition: %v", err)
	}
	cl.Net.Heal()
	if !link(1, 0) || !link(0, 2) {
		t.Fatal("heal did not restore the links")
	}
	if err := cl.PartitionOutbound(cl.Nodes[0]); err != nil {
		t.Fatal(err)
	}
	if link(0, 1) || !link(1, 0) {
		t.Fatal("one-way partition: a must not reach b, b must still reach a")
	}
	cl.Net.Heal()
	if err := harness(); err != nil {
		t.Fatalf("harness lost a node after heal: %v", err)
	}
	cl.Kill()
	names := append([]string{}, v.l.ns...)
	if err := prov.Close(); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, ns := range names {
		if strings.Contains(string(out), ns) {
			t.Fatalf("namespace %s left behind", ns)
		}
	}
	if exec.Command("ip", "link", "show", prov.bridge).Run() == nil {
		t.Fatalf("bridge %s left behind", prov.bridge)
	}
}
