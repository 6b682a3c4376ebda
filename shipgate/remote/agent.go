package remote

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aimemory/ai-memory/shipgate/proxy"
)

// AgentConfig is what `ship-gate agent` is told on its command line.
type AgentConfig struct {
	// Root is the campaign's directory on this host: binaries, node data,
	// logs. The agent removes it when it ends, however it ends.
	Root string
	// RemoveParent also removes Root's parent if it is empty then (the
	// harness created it).
	RemoveParent bool
	// DeadMan: with no line from the harness for this long, or at EOF,
	// the agent undoes everything and exits.
	DeadMan time.Duration
}

// agent is the host-side state: what it started and loaded, to undo.
type agent struct {
	cfg AgentConfig

	outMu sync.Mutex
	out   *json.Encoder

	// ops is held shared by every request that adds something to undo
	// (a process, a table, a directory) and exclusively by cleanup, which
	// sets closing: nothing can be added after cleanup took its list, so
	// a request still in flight when the harness vanishes cannot leave a
	// node running or a table loaded behind it.
	ops     sync.RWMutex
	closing bool

	mu      sync.Mutex
	procs   map[int]*exec.Cmd
	tables  map[string]bool
	proxies map[string]*proxy.Proxy // by listen address
	disks   map[string]*agentDisk   // by mount point
}

// errClosing answers a request that arrived while the agent tears down.
var errClosing = errors.New("the agent is tearing the host down")

// adding runs f unless cleanup has begun; cleanup waits for it to end.
func (a *agent) adding(f func() error) error {
	a.ops.RLock()
	defer a.ops.RUnlock()
	if a.closing {
		return errClosing
	}
	return f()
}

// ServeAgent answers requests from in on out until teardown, EOF or the
// dead-man timer, then kills every process it started (SIGKILL to each
// group), deletes every nftables table it loaded and removes cfg.Root. It
// never touches anything else on the host: no other process, rule or
// file, and it has no power or reboot operation.
func ServeAgent(cfg AgentConfig, in io.Reader, out io.Writer) error {
	// The harness's end vanishing must reach the cleanup below, not kill
	// the agent: a write to a closed pipe becomes an error, a hangup is
	// ignored.
	signal.Ignore(syscall.SIGPIPE, syscall.SIGHUP)
	a := &agent{cfg: cfg, out: json.NewEncoder(out), procs: map[int]*exec.Cmd{}, tables: map[string]bool{},
		proxies: map[string]*proxy.Proxy{}, disks: map[string]*agentDisk{}}
	lines := make(chan []byte)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			lines <- append([]byte(nil), sc.Bytes()...)
		}
	}()
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, syscall.SIGINT)
	a.send(Response{Event: "ready", PID: os.Getpid()})
	timer := time.NewTimer(cfg.DeadMan)
	defer timer.Stop()
	why := ""
	for why == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				why = "harness connection closed"
				break
			}
			timer.Reset(cfg.DeadMan)
			var r Request
			if err := json.Unmarshal(line, &r); err != nil {
				a.send(Response{Error: "bad request: " + err.Error()})
				continue
			}
			if r.Op == OpTeardown {
				err := a.cleanup(false)
				resp := Response{ID: r.ID}
				if err != nil {
					resp.Error = err.Error()
				}
				a.send(resp)
				return err
			}
			// Slow requests (sha256 of a binary) must not hold up pings.
			go a.handle(r)
		case <-timer.C:
			why = fmt.Sprintf("no word from the harness for %s", cfg.DeadMan)
		case s := <-term:
			why = "signal " + s.String()
		}
	}
	fmt.Fprintf(os.Stderr, "ship-gate agent: %s: cleaning up\n", why)
	return a.cleanup(true)
}

func (a *agent) send(r Response) {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	a.out.Encode(r) // a dead harness is handled by the reader side
}

func (a *agent) handle(r Request) {
	resp := Response{ID: r.ID}
	var err error
	switch r.Op {
	case OpPing:
	case OpStart:
		err = a.adding(func() (err error) { resp.PID, err = a.start(r); return err })
	case OpSignal:
		err = a.signal(r.PID, syscall.Signal(r.Sig))
	case OpNft:
		err = a.adding(func() error { return a.nft(r.Table, r.Rules) })
	case OpNftDelete:
		err = a.nftDelete(r.Table)
	case OpSHA256:
		resp.Text, err = fileSHA256(r.Path)
	case OpTail:
		resp.Text, err = tailFile(r.Path, r.Max)
	case OpMkdir:
		err = a.adding(func() error { return a.mkdir(r.Dir) })
	case OpProbe:
		err = a.adding(func() error {
			b, _ := json.Marshal(a.probe())
			resp.Text = string(b)
			return nil
		})
	case OpProxy:
		err = a.adding(func() (err error) { resp.Text, err = a.proxyStart(r.Target); return err })
	case OpProxySet:
		err = a.proxySet(r)
	case OpProxyDropped:
		var p *proxy.Proxy
		if p, err = a.proxy(r.Addr); err == nil {
			resp.N = p.Dropped()
		}
	case OpProxyClose:
		err = a.proxyClose(r.Addr)
	case OpDiskStart:
		err = a.adding(func() error { return a.diskStart(r.Path, r.Dir, r.Log) })
	case OpDisk:
		resp.Text, err = a.diskCommand(r.Dir, r.Command)
	case OpDiskStop:
		err = a.diskStop(r.Dir)
	default:
		err = fmt.Errorf("unknown op %q", r.Op)
	}
	if err != nil {
		resp.Error = err.Error()
	}
	a.send(resp)
}

// mkdir creates dir, which must lie under Root: everything the agent
// makes is removed with Root.
func (a *agent) mkdir(dir string) error {
	if !a.under(dir) {
		return fmt.Errorf("%s is outside %s", dir, a.cfg.Root)
	}
	return os.MkdirAll(dir, 0o755)
}

func (a *agent) under(path string) bool {
	return a.cfg.Root != "" && strings.HasPrefix(filepath.Clean(path)+"/", filepath.Clean(a.cfg.Root)+"/")
}

// start runs a node in its own process group, killed with the agent
// (parent-death signal), its output appended to r.Log.
func (a *agent) start(r Request) (int, error) {
	if !a.under(r.Dir) || !a.under(r.Log) {
		return 0, fmt.Errorf("node directory %s or log %s is outside %s", r.Dir, r.Log, a.cfg.Root)
	}
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return 0, err
	}
	logf, err := os.OpenFile(r.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer logf.Close() // the child holds its own descriptor
	cmd := exec.Command(r.Path, r.Args...)
	cmd.Env = append(os.Environ(), r.Env...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = r.Dir, logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	fmt.Fprintf(logf, "=== ship-gate agent: start %s %s\n", r.Path, strings.Join(r.Args, " "))
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pid := cmd.Process.Pid
	a.mu.Lock()
	a.procs[pid] = cmd
	a.mu.Unlock()
	go func() {
		cmd.Wait()
		syscall.Kill(-pid, syscall.SIGKILL) // its children die with it
		a.mu.Lock()
		delete(a.procs, pid)
		a.mu.Unlock()
		a.send(Response{Event: "exit", PID: pid, State: cmd.ProcessState.String()})
	}()
	return pid, nil
}

// signal sends sig to a process this agent started, and only to one.
func (a *agent) signal(pid int, sig syscall.Signal) error {
	a.mu.Lock()
	_, ours := a.procs[pid]
	a.mu.Unlock()
	if !ours {
		return fmt.Errorf("pid %d is not a running process of this agent", pid)
	}
	if sig == syscall.SIGKILL {
		syscall.Kill(-pid, sig)
	}
	err := syscall.Kill(pid, sig)
	if sig == syscall.SIGKILL && errors.Is(err, syscall.ESRCH) {
		return nil // the group's kill ended it first
	}
	if err != nil || sig != syscall.SIGSTOP {
		return err
	}
	return waitStopped(pid)
}

func (a *agent) nft(table, rules string) error {
	if !validTable(table) {
		return fmt.Errorf("table name %q: want shipgate_ and letters, digits, _", table)
	}
	a.nftDelete(table)
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	a.mu.Lock()
	a.tables[table] = true // recorded before it exists, so cleanup cannot miss it
	a.mu.Unlock()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft: %v: %s", err, out)
	}
	return nil
}

func (a *agent) nftDelete(table string) error {
	if !validTable(table) {
		return fmt.Errorf("table name %q: want shipgate_ and letters, digits, _", table)
	}
	out, err := exec.Command("nft", "delete", "table", "inet", table).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "No such file") {
		return fmt.Errorf("nft delete %s: %v: %s", table, err, out)
	}
	return nil
}

// validTable keeps the agent to tables of its own name space.
func validTable(t string) bool {
	if !strings.HasPrefix(t, "shipgate_") || len(t) > 64 {
		return false
	}
	for _, c := range t {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// cleanup kills every process it started, unmounts every disk layer,
// closes every proxy, deletes every table it loaded and removes Root (and an empty parent it was told it owns). Requests
// still in flight finish first; later ones are refused.
//
// When the harness vanished (abandoned), Root is removed a second time a
// moment later: an SFTP request the harness sent just before it died (a
// database copy creating its directory) may still be carried out by the
// host's sftp server after the first removal.
func (a *agent) cleanup(abandoned bool) error {
	a.ops.Lock()
	a.closing = true
	a.ops.Unlock()
	a.mu.Lock()
	var pids []int
	for pid := range a.procs {
		pids = append(pids, pid)
	}
	tables, disks, proxies := a.tables, a.disks, a.proxies
	a.mu.Unlock()
	for _, pid := range pids {
		syscall.Kill(-pid, syscall.SIGCONT) // a stopped group dies just as well, but let it be reaped
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	var errs []error
	deadline := time.Now().Add(10 * time.Second)
	for {
		a.mu.Lock()
		n := len(a.procs)
		a.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			errs = append(errs, fmt.Errorf("%d processes not reaped 10 s after SIGKILL", n))
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The nodes are dead: nothing holds a file of a mount open.
	for mount := range disks {
		errs = append(errs, a.diskStop(mount))
	}
	for _, p := range proxies {
		p.Close()
	}
	for t := range tables {
		errs = append(errs, a.nftDelete(t))
	}
	if a.cfg.Root == "" {
		return errors.Join(errs...)
	}
	errs = append(errs, a.removeRoot())
	if abandoned {
		time.Sleep(stragglerWait)
		errs = append(errs, a.removeRoot())
	}
	return errors.Join(errs...)
}

// stragglerWait is how long after the harness vanished a request it had
// already sent may still land on the host.
const stragglerWait = time.Second

func (a *agent) removeRoot() error {
	err := os.RemoveAll(a.cfg.Root)
	if a.cfg.RemoveParent {
		parent := filepath.Dir(a.cfg.Root)
		if perr := os.Remove(parent); perr != nil && !errors.Is(perr, os.ErrNotExist) && !errors.Is(perr, syscall.ENOTEMPTY) && !errors.Is(perr, syscall.EEXIST) {
			err = errors.Join(err, perr)
		}
	}
	return err
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func tailFile(path string, max int) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if max > 0 && len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b), nil
}
