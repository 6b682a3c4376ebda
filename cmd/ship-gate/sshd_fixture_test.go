package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/aimemory/ai-memory/shipgate/remote"
)

// sshHosts is three "hosts" for --provider ssh on this machine: network
// namespaces on a bridge with no uplink (198.18.0.0/24, the benchmarking
// range), each with its own sshd, and a control namespace holding the
// bridge from which the harness runs. The bridge lives inside the control
// namespace, so nothing is added to this machine's own routing.
type sshHosts struct {
	ctl   string   // control namespace
	hosts []string // host namespaces
	addrs []string
	dir   string // keys, configs, inventory, data dirs
	inv   string
	sshd  []*exec.Cmd
	// hostKeys are the sshds' public keys; known_hosts starts empty.
	hostKeys []ssh.PublicKey
}

// trustHostKeys writes the hosts' keys to the inventory's known_hosts,
// for commands that never accept a new key.
func (s *sshHosts) trustHostKeys(t *testing.T) {
	t.Helper()
	var b strings.Builder
	for i, k := range s.hostKeys {
		b.WriteString(knownhosts.Line([]string{knownhosts.Normalize(s.addrs[i] + ":22")}, k) + "\n")
	}
	if err := os.WriteFile(filepath.Join(s.dir, "known_hosts"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// newSSHHosts builds the namespaces and starts the sshds; cleanup undoes
// everything, also on failure.
func newSSHHosts(t *testing.T) *sshHosts {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces and runs sshd in them")
	}
	if _, err := os.Stat("/usr/sbin/sshd"); err != nil {
		t.Skip("needs /usr/sbin/sshd (apt-get install openssh-server)")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s", tool)
		}
	}
	dir, err := os.MkdirTemp("", "sg-sshd-")
	if err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("%d", os.Getpid()%100000)
	s := &sshHosts{ctl: "sgsc" + tag, dir: dir}
	t.Cleanup(s.close)
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	run("ip", "netns", "add", s.ctl)
	run("ip", "-n", s.ctl, "link", "set", "lo", "up")
	run("ip", "-n", s.ctl, "link", "add", "br0", "type", "bridge")
	run("ip", "-n", s.ctl, "addr", "add", "198.18.0.254/24", "dev", "br0")
	run("ip", "-n", s.ctl, "link", "set", "br0", "up")

	userKey := writeKey(t, filepath.Join(dir, "id_ed25519"))
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(userKey), 0o600); err != nil {
		t.Fatal(err)
	}
	inv := remote.Inventory{Client: remote.Client{Name: "control", Address: "198.18.0.254"}, KnownHosts: filepath.Join(dir, "known_hosts")}
	for i := range 3 {
		ns := fmt.Sprintf("sgsh%s%d", tag, i)
		addr := fmt.Sprintf("198.18.0.%d", 201+i)
		run("ip", "netns", "add", ns)
		s.hosts, s.addrs = append(s.hosts, ns), append(s.addrs, addr)
		run("ip", "-n", s.ctl, "link", "add", fmt.Sprintf("v%d", i), "type", "veth", "peer", "name", "eth0", "netns", ns)
		run("ip", "-n", s.ctl, "link", "set", fmt.Sprintf("v%d", i), "master", "br0", "up")
		run("ip", "-n", ns, "addr", "add", addr+"/24", "dev", "eth0")
		run("ip", "-n", ns, "link", "set", "eth0", "up")
		run("ip", "-n", ns, "link", "set", "lo", "up")
		hostKey := filepath.Join(dir, fmt.Sprintf("host%d_ed25519", i))
		s.hostKeys = append(s.hostKeys, writeKey(t, hostKey))
		cfg := filepath.Join(dir, fmt.Sprintf("sshd%d.conf", i))
		conf := fmt.Sprintf("ListenAddress %s\nPort 22\nHostKey %s\nAuthorizedKeysFile %s\nPidFile %s\n"+
			"PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"+
			"UsePAM no\nStrictModes no\nLogLevel ERROR\nSubsystem sftp internal-sftp\n",
			addr, hostKey, filepath.Join(dir, "authorized_keys"), filepath.Join(dir, fmt.Sprintf("sshd%d.pid", i)))
		if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		// sshd's privilege separation needs this directory; the
		// openssh-server package's service would create it.
		os.MkdirAll("/run/sshd", 0o755)
		cmd := exec.Command("ip", "netns", "exec", ns, "/usr/sbin/sshd", "-D", "-e", "-f", cfg)
		cmd.Stderr = os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		s.sshd = append(s.sshd, cmd)
		inv.Hosts = append(inv.Hosts, remote.Host{Name: string(rune('a' + i)), Address: addr, User: "root",
			KeyFile: filepath.Join(dir, "id_ed25519"), DataDir: filepath.Join(dir, fmt.Sprintf("data-%c", 'a'+i))})
	}
	b, _ := json.MarshalIndent(inv, "", "  ")
	s.inv = filepath.Join(dir, "hosts.json")
	if err := os.WriteFile(s.inv, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// sshd is ready once its port answers from the control namespace.
	for _, addr := range s.addrs {
		deadline := time.Now().Add(15 * time.Second)
		for exec.Command("ip", "netns", "exec", s.ctl, "bash", "-c", "exec 3<>/dev/tcp/"+addr+"/22").Run() != nil {
			if time.Now().After(deadline) {
				t.Fatalf("sshd on %s not listening", addr)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return s
}

// writeKey writes a new ed25519 private key in OpenSSH format and returns
// its public half.
func writeKey(t *testing.T, path string) ssh.PublicKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// leftovers lists what ship-gate left in the host namespaces: processes
// other than sshd, nftables tables, and the hosts' data dirs.
func (s *sshHosts) leftovers() []string {
	var out []string
	sshd := map[string]bool{}
	for _, c := range s.sshd {
		sshd[fmt.Sprint(c.Process.Pid)] = true
	}
	for i, ns := range s.hosts {
		pids, _ := exec.Command("ip", "netns", "pids", ns).Output()
		for _, pid := range strings.Fields(string(pids)) {
			comm, _ := os.ReadFile("/proc/" + pid + "/comm")
			if c := strings.TrimSpace(string(comm)); c != "sshd" && c != "" && !sshd[pid] {
				out = append(out, fmt.Sprintf("%s: process %s (%s)", ns, pid, c))
			}
		}
		tables, _ := exec.Command("ip", "netns", "exec", ns, "nft", "list", "tables").Output()
		if strings.TrimSpace(string(tables)) != "" {
			out = append(out, fmt.Sprintf("%s: nft tables: %s", ns, strings.TrimSpace(string(tables))))
		}
		data := filepath.Join(s.dir, fmt.Sprintf("data-%c", 'a'+i))
		if _, err := os.Stat(data); err == nil {
			out = append(out, fmt.Sprintf("%s: data dir %s still exists", ns, data))
		}
	}
	// `ip netns exec` gave each sshd a mount namespace of its own, which
	// its sessions, and so the agents' mounts, share.
	for i, c := range s.sshd {
		mi, _ := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", c.Process.Pid))
		for _, line := range strings.Split(string(mi), "\n") {
			if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], s.dir+"/") {
				out = append(out, fmt.Sprintf("%s: mount %s", s.hosts[i], f[4]))
			}
		}
	}
	return out
}

// diskMounted reports whether a lazyfs is mounted on any host.
func (s *sshHosts) diskMounted() bool {
	for _, c := range s.sshd {
		mi, _ := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", c.Process.Pid))
		if strings.Contains(string(mi), "fuse.lazyfs") {
			return true
		}
	}
	return false
}

// namespaceCheck runs the README's check of the host namespaces from
// outside (processes, nftables tables, lazyfs mounts) and returns what
// it printed: only sshd processes when clean.
func (s *sshHosts) namespaceCheck() string {
	script := `for ns in "$@"; do
  echo "== $ns"; ip netns pids $ns | xargs -r ps -o pid=,comm= -p; ip netns exec $ns nft list tables
  for p in $(ip netns pids $ns); do grep -h lazyfs /proc/$p/mountinfo; done | sort -u
done`
	out, err := exec.Command("bash", append([]string{"-c", script, "check"}, s.hosts...)...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%s\n(%v)", out, err)
	}
	return string(out)
}

// inHostMounts runs a command in host i's mount namespace (its sshd's).
func (s *sshHosts) inHostMounts(i int, args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{"-t", fmt.Sprint(s.sshd[i].Process.Pid), "-m", "--"}, args...)...)
}

// dataDirExists reports whether a host's data dir exists yet: the
// harness is copying the binaries.
func (s *sshHosts) dataDirExists() bool {
	for i := range s.hosts {
		if _, err := os.Stat(filepath.Join(s.dir, fmt.Sprintf("data-%c", 'a'+i))); err == nil {
			return true
		}
	}
	return false
}

// nodesOnEveryHost reports whether an ai-memory process runs in every
// host namespace.
func (s *sshHosts) nodesOnEveryHost() bool {
	for _, ns := range s.hosts {
		pids, _ := exec.Command("ip", "netns", "pids", ns).Output()
		found := false
		for _, pid := range strings.Fields(string(pids)) {
			comm, _ := os.ReadFile("/proc/" + pid + "/comm")
			found = found || strings.TrimSpace(string(comm)) == "ai-memory"
		}
		if !found {
			return false
		}
	}
	return true
}

// harness runs ship-gate in the control namespace.
func (s *sshHosts) harness(args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", s.ctl}, args...)...)
}

func (s *sshHosts) close() {
	for _, c := range s.sshd {
		syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		c.Wait()
	}
	for _, ns := range append(s.hosts, s.ctl) {
		exec.Command("ip", "netns", "del", ns).Run()
	}
	os.RemoveAll(s.dir)
}
