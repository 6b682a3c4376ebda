package cluster

import (
	"strings"
	"testing"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/remote"
)

// A class is skipped over ssh exactly when a host's probe found it cannot
// run there, naming the host and its reason; an undeployed provider
// applies nothing.
func TestSSHUnsupportedFollowsTheHostsProbes(t *testing.T) {
	host := func(name string) *remote.Conn { return &remote.Conn{Host: remote.Host{Name: name}} }
	s := &SSH{conns: []*remote.Conn{host("a"), host("b"), host("c")}, caps: make([]remote.Capabilities, 3)}
	for _, fc := range config.FaultClasses {
		if why := s.Unsupported(fc.Name); why != "" {
			t.Errorf("%s skipped on hosts that allow everything: %s", fc.Name, why)
		}
	}
	s.caps[1].Nft = "nft is not installed on the host"
	s.caps[2].Disk = "the FUSE disk layer needs root on the host"
	for _, fc := range config.FaultClasses {
		why := s.Unsupported(fc.Name)
		switch {
		case fc.Name == config.PartitionMinority || fc.Name == config.PartitionAsymmetric:
			if !strings.Contains(why, "host b: nft is not installed") {
				t.Errorf("%s: %q, want host b's reason", fc.Name, why)
			}
		case fc.NeedsDisk:
			if !strings.Contains(why, "host c: the FUSE disk layer needs root") {
				t.Errorf("%s: %q, want host c's reason", fc.Name, why)
			}
		case why != "":
			t.Errorf("%s skipped for another class's reason: %s", fc.Name, why)
		}
	}
	if why := (&SSH{}).Unsupported(config.KillNode); why == "" {
		t.Error("an undeployed provider claims it can apply kill_node")
	}
}
