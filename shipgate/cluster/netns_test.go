package cluster

import (
	"context"
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

// canConnect tries a TCP connect from inside namespace ns.
func canConnect(ns, addr string) bool {
	host, port, _ := strings.Cut(addr, ":")
	err := exec.Command("ip", "netns", "exec", ns, "timeout", "0.5", "bash", "-c",
		"exec 3<>/dev/tcp/"+host+"/"+port).Run()
	return err == nil
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
	addr := func(i int) string { return v.l.addrs[i] + ":9077" }
	if !canConnect(v.l.ns[1], addr(0)) || !canConnect(v.l.ns[0], addr(2)) {
		t.Fatal("nodes cannot reach each other before the partition")
	}
	if err := cl.Partition(cl.Nodes[0]); err != nil {
		t.Fatal(err)
	}
	if canConnect(v.l.ns[1], addr(0)) || canConnect(v.l.ns[0], addr(2)) {
		t.Fatal("partitioned node still connected to a peer")
	}
	if !canConnect(v.l.ns[1], addr(2)) {
		t.Fatal("b and c lost each other though only a is cut")
	}
	if err := cl.Nodes[0].Client.Health(ctx); err != nil {
		t.Fatalf("harness lost the partitioned node: %v", err)
	}
	cl.Net.Heal()
	if !canConnect(v.l.ns[1], addr(0)) {
		t.Fatal("heal did not restore the link")
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
