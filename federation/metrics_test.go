package federation

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestMetricsCountOutcomes(t *testing.T) {
	reg := prometheus.NewRegistry()
	nodes := startCluster(t, 3, 2, func(n *testNode, c *Config) {
		if n.name == "a" {
			c.Registerer = reg
		}
	})
	for i := range 3 {
		if _, err := nodes[0].store(t, title("metric", i)); err != nil {
			t.Fatal(err)
		}
	}
	nodes[1].stop()
	nodes[2].stop()
	if _, err := nodes[0].store(t, "refused"); err == nil {
		t.Fatal("write with both peers down succeeded")
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]float64{}
	seen := map[string]bool{}
	for _, f := range families {
		seen[f.GetName()] = true
		if f.GetName() != "ai_memory_quorum_writes_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			outcomes[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	if outcomes["met"] != 3 || outcomes[reasonUnreachable] != 1 {
		t.Errorf("quorum outcomes %v, want met 3 and unreachable 1", outcomes)
	}
	for _, name := range []string{"ai_memory_fanout_push_seconds", "ai_memory_quorum_wait_seconds", "ai_memory_fanout_pending"} {
		if !seen[name] {
			t.Errorf("metric %s not exported", name)
		}
	}
}
