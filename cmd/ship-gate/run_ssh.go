package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/provenance"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// sshHostsFile records, per host, where the campaign lived and the digests
// the host computed of the binaries it was given.
const sshHostsFile = "ssh-hosts.json"

// deploySSH puts the binary under test and this ship-gate on every host
// and requires each host's digest of the binary to be the one tested.
func deploySSH(ctx context.Context, s *cluster.SSH, binary, runDir string) error {
	if err := s.Deploy(ctx, binary); err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	want, err := provenance.SHA256(binary)
	if err != nil {
		return err
	}
	hosts := s.Hosts()
	for _, h := range hosts {
		if h.SHA256["ai-memory"] != want {
			return fmt.Errorf("host %s holds ai-memory sha256 %s, not the tested %s", h.Name, h.SHA256["ai-memory"], want)
		}
	}
	return report.WriteJSON(filepath.Join(runDir, sshHostsFile), hosts)
}
