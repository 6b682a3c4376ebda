package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// check-hosts reports each kind of leftover on the host where it is (a
// file in the data dir, a process running from it, a mount under it, a
// shipgate_ nftables table) and exits 1; once they are gone it reports
// every host clean and exits 0.
func TestCheckHostsFindsEveryKindOfLeftover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three sshd namespaces")
	}
	h := newSSHHosts(t)
	h.trustHostKeys(t)
	shipGate, _ := buildBinaries(t)
	check := func() (string, int) {
		out, err := h.harness(shipGate, "check-hosts", "--inventory", h.inv).CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	if out, code := check(); code != 0 || strings.Count(out, ": clean") != 3 {
		t.Fatalf("fresh hosts: exit %d:\n%s", code, out)
	}
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	dataA, dataB, dataC := filepath.Join(h.dir, "data-a"), filepath.Join(h.dir, "data-b"), filepath.Join(h.dir, "data-c")
	run("mkdir", "-p", dataA+"/camp", dataB+"/camp/bin", dataC+"/camp/m")
	run("cp", "/bin/sleep", dataB+"/camp/bin/sleep")
	sleeper := exec.Command("ip", "netns", "exec", h.hosts[1], dataB+"/camp/bin/sleep", "300")
	sleeper.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleeper.Process.Kill(); sleeper.Wait() }()
	mount := h.inHostMounts(2, "mount", "-t", "tmpfs", "ship-gate-check-test", dataC+"/camp/m")
	if out, err := mount.CombinedOutput(); err != nil {
		t.Fatalf("mount: %v: %s", err, out)
	}
	defer h.inHostMounts(2, "umount", dataC+"/camp/m").Run()
	run("ip", "netns", "exec", h.hosts[0], "nft", "add", "table", "inet", "shipgate_check_test")

	out, code := check()
	t.Logf("check-hosts with leftovers planted (exit %d):\n%s", code, out)
	for _, want := range []string{
		"host a (198.18.0.201): file " + dataA + "/camp",
		"host a (198.18.0.201): nft table inet shipgate_check_test",
		"host b (198.18.0.202): process ",
		dataB + "/camp/bin/sleep",
		"host c (198.18.0.203): mount " + dataC + "/camp/m",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check-hosts did not report %q", want)
		}
	}
	if code != 1 {
		t.Errorf("exit %d with leftovers, want 1", code)
	}

	sleeper.Process.Kill()
	sleeper.Wait()
	if out, err := h.inHostMounts(2, "umount", dataC+"/camp/m").CombinedOutput(); err != nil {
		t.Fatalf("umount: %v: %s", err, out)
	}
	run("ip", "netns", "exec", h.hosts[0], "nft", "delete", "table", "inet", "shipgate_check_test")
	for _, d := range []string{dataA, dataB, dataC} {
		os.RemoveAll(d)
	}
	if out, code := check(); code != 0 || strings.Count(out, ": clean") != 3 {
		t.Fatalf("after removing the leftovers: exit %d:\n%s", code, out)
	}
}
