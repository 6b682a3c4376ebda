package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// TestSSHProviderCampaign runs a campaign through --provider ssh against
// three sshd namespaces: reduced (every phase and class, 2 cycles, 2
// lanes), or the default campaign with SHIPGATE_SSH_CAMPAIGN=default. It
// must be green: every phase passes, every fault class is applied through
// the agents and passes (the disk classes may be skipped, with the
// hosts' reason, only where this machine has no FUSE layer, and then the
// run is red for it); nothing may be left on any host.
// SHIPGATE_SSH_KEEP=DIR copies the run's evidence there.
func TestSSHProviderCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a reduced campaign over ssh (minutes)")
	}
	h := newSSHHosts(t)
	shipGate, aiMemory := buildBinaries(t)
	out := filepath.Join(h.dir, "runs")
	args := []string{"run", "--provider", "ssh", "--inventory", h.inv, "--accept-new-host-keys",
		"--binary", aiMemory, "--out", out, "--campaign-id", "ssh", "--state-dir", filepath.Join(h.dir, "state")}
	if os.Getenv("SHIPGATE_SSH_CAMPAIGN") != "default" {
		args = append(args, "--cycles", "2", "--lanes", "2")
	}
	cmd := h.harness(append([]string{shipGate}, args...)...)
	b, runErr := cmd.CombinedOutput()
	t.Logf("ship-gate %s:\n%s", strings.Join(args, " "), b)
	run := filepath.Join(out, "ssh")
	if keep := os.Getenv("SHIPGATE_SSH_KEEP"); keep != "" {
		if b, err := exec.Command("cp", "-a", run, keep).CombinedOutput(); err != nil {
			t.Errorf("keeping the evidence: %v: %s", err, b)
		}
	}
	var sum report.Summary
	readJSON(t, filepath.Join(run, report.SummaryFile), &sum)
	for _, pt := range sum.Timings {
		t.Logf("phase %d %-10s %7.1f s", pt.Phase, pt.Name, pt.WallSeconds)
	}
	if runErr != nil || !sum.OverallPass {
		t.Errorf("campaign over ssh: %v; overall_pass %v; reasons %v", runErr, sum.OverallPass, sum.Reasons)
	}
	for _, n := range []string{"a", "b", "c"} {
		var p1 report.Phase1
		readJSON(t, filepath.Join(run, "phase1-node-"+n+".json"), &p1)
		if !p1.Pass {
			t.Errorf("phase 1 node %s: %v", n, p1.Reasons)
		}
	}
	var p2 report.Phase2
	readJSON(t, filepath.Join(run, "phase2.json"), &p2)
	if !p2.Pass {
		t.Errorf("phase 2: %v", p2.Reasons)
	}
	var p3 report.Phase3
	readJSON(t, filepath.Join(run, "phase3.json"), &p3)
	if !p3.Pass || !strings.Contains(p3.Placement, "host a (198.18.0.201)") || !strings.Contains(p3.Placement, "control host") {
		t.Errorf("phase 3: pass %v, reasons %v, placement %q", p3.Pass, p3.Reasons, p3.Placement)
	}
	var hosts []cluster.HostRecord
	readJSON(t, filepath.Join(run, sshHostsFile), &hosts)
	if len(hosts) != 3 || hosts[0].SHA256["ai-memory"] == "" {
		t.Errorf("ssh-hosts.json: %+v", hosts)
	}
	// The hosts are namespaces of this machine: they allow nftables, and
	// the disk layer exactly when this machine does.
	noDisk := cluster.DiskUnavailable()
	for _, h := range hosts {
		if h.Allows.Nft != "" || (h.Allows.Disk == "") != (noDisk == "") {
			t.Errorf("host %s allows %+v; this machine's disk layer: %q", h.Name, h.Allows, noDisk)
		}
	}
	var p4 report.Phase4
	readJSON(t, filepath.Join(run, "phase4.json"), &p4)
	if len(p4.Class) != len(config.FaultClasses) {
		t.Errorf("phase 4 judged %d classes, want all %d", len(p4.Class), len(config.FaultClasses))
	}
	for _, k := range p4.Class {
		fc, _ := config.Class(k.Fault)
		switch {
		case fc.NeedsDisk && noDisk != "":
			if !strings.Contains(k.Skipped, "FUSE disk layer") {
				t.Errorf("%s: skipped %q, want the hosts' reason", k.Fault, k.Skipped)
			}
		case k.Skipped != "" || !k.Pass:
			t.Errorf("%s applied through the agents: skipped %q, reasons %v", k.Fault, k.Skipped, k.Reasons)
		}
	}
	if left := h.leftovers(); len(left) > 0 {
		t.Errorf("left on the hosts after teardown: %v", left)
	}
	t.Logf("the host namespaces after teardown:\n%s", h.namespaceCheck())
	// The same through ssh, as on real hosts (the run recorded the keys).
	if out, err := h.harness(shipGate, "check-hosts", "--inventory", h.inv).CombinedOutput(); err != nil {
		t.Errorf("check-hosts after teardown: %v:\n%s", err, out)
	} else {
		t.Logf("check-hosts after teardown:\n%s", out)
	}
}

// TestSSHDeadManCleansHostsWhenHarnessDies stops the harness without
// any teardown, at three moments, and requires every host clean (no
// process but sshd, no nftables table, no mount, no data dir) within the
// dead-man bound:
//   - SIGKILL while the binaries are being copied: the session's deploy
//     shell sees its stdin end and removes the campaign directory;
//   - SIGKILL mid-chaos: each agent sees its session end and tears down;
//   - SIGSTOP mid-chaos: the connections stay open but silent, so only
//     the agents' dead-man timers can notice.
func TestSSHDeadManCleansHostsWhenHarnessDies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs part of a campaign over ssh")
	}
	h := newSSHHosts(t)
	shipGate, aiMemory := buildBinaries(t)
	bound := cluster.SSHDeadMan + 10*time.Second
	// Mid-chaos is once nodes run on every host and, where this machine
	// has FUSE, a disk layer is mounted: the agents then have processes,
	// proxies and mounts to undo (partitions come and go).
	midChaos := func() bool { return h.nodesOnEveryHost() && (cluster.DiskUnavailable() != "" || h.diskMounted()) }
	for _, tc := range []struct {
		name  string
		sig   syscall.Signal
		ready func() bool // when to stop the harness
	}{
		{"sigkill-during-deploy", syscall.SIGKILL, h.dataDirExists},
		{"sigkill-mid-chaos", syscall.SIGKILL, midChaos},
		{"sigstop-mid-chaos", syscall.SIGSTOP, midChaos},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := h.harness(shipGate, "run", "--provider", "ssh", "--inventory", h.inv, "--accept-new-host-keys",
				"--phases", "4", "--faults", "power_loss,partition_minority,drop_acks,kill_node", "--cycles", "20", "--binary", aiMemory,
				"--out", filepath.Join(h.dir, "runs"), "--campaign-id", tc.name, "--state-dir", filepath.Join(h.dir, "state"))
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { cmd.Process.Kill(); cmd.Wait() }()
			deadline := time.Now().Add(3 * time.Minute)
			for !tc.ready() {
				if time.Now().After(deadline) {
					t.Fatal("the harness never reached the moment to stop it")
				}
				time.Sleep(5 * time.Millisecond)
			}
			stopped, sig := time.Now(), map[syscall.Signal]string{syscall.SIGKILL: "SIGKILL", syscall.SIGSTOP: "SIGSTOP"}[tc.sig]
			cmd.Process.Signal(tc.sig)
			for {
				left := h.leftovers()
				if len(left) == 0 {
					t.Logf("hosts clean %s after %s of the harness (bound %s)", time.Since(stopped).Round(time.Millisecond), sig, bound)
					return
				}
				if time.Since(stopped) > bound {
					t.Fatalf("%s after %s of the harness: %s", bound, sig, strings.Join(left, "; "))
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Errorf("%s: %v", path, err)
	}
}
