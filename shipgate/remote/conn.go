package remote

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	sshagent "golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Dial opens an SSH connection to h. The host key must be in knownHosts;
// an unknown key is refused unless acceptNew, which records it there. A
// key that differs from the recorded one is always refused.
func Dial(ctx context.Context, h Host, knownHosts string, acceptNew bool) (*ssh.Client, error) {
	auth, err := authFor(h)
	if err != nil {
		return nil, err
	}
	if acceptNew {
		f, err := os.OpenFile(knownHosts, os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, fmt.Errorf("known hosts: %w", err)
		}
		f.Close()
	}
	check, err := knownhosts.New(knownHosts)
	if err != nil {
		return nil, fmt.Errorf("known hosts %s: %w (use --accept-new-host-keys to create it)", knownHosts, err)
	}
	cb := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := check(hostname, remote, key)
		var ke *knownhosts.KeyError
		if errors.As(err, &ke) && len(ke.Want) == 0 {
			if !acceptNew {
				return fmt.Errorf("host %s: unknown host key %s %s; not in %s (use --accept-new-host-keys to record it)",
					hostname, key.Type(), ssh.FingerprintSHA256(key), knownHosts)
			}
			f, ferr := os.OpenFile(knownHosts, os.O_APPEND|os.O_WRONLY, 0o600)
			if ferr != nil {
				return ferr
			}
			defer f.Close()
			_, ferr = fmt.Fprintln(f, knownhosts.Line([]string{knownhosts.Normalize(hostname)}, key))
			return ferr
		}
		return err
	}
	addr := net.JoinHostPort(h.Address, strconv.Itoa(h.Port))
	cfg := &ssh.ClientConfig{User: h.User, Auth: auth, HostKeyCallback: cb, Timeout: 15 * time.Second}
	d := net.Dialer{Timeout: 15 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ssh %s: %w", addr, err)
	}
	c, chans, reqs, err := ssh.NewClientConn(nc, addr, cfg)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("ssh %s: %w", addr, err)
	}
	return ssh.NewClient(c, chans, reqs), nil
}

func authFor(h Host) ([]ssh.AuthMethod, error) {
	if h.KeyFile != "" {
		b, err := os.ReadFile(h.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("host %s: key: %w", h.Name, err)
		}
		s, err := ssh.ParsePrivateKey(b)
		if err != nil {
			return nil, fmt.Errorf("host %s: key %s: %w", h.Name, h.KeyFile, err)
		}
		return []ssh.AuthMethod{ssh.PublicKeys(s)}, nil
	}
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return nil, fmt.Errorf("host %s: agent: SSH_AUTH_SOCK is not set", h.Name)
	}
	ac, err := net.Dial("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("host %s: agent: %w", h.Name, err)
	}
	return []ssh.AuthMethod{ssh.PublicKeysCallback(sshagent.NewClient(ac).Signers)}, nil
}

// Conn is one host with the campaign deployed and its agent running.
type Conn struct {
	Host Host
	Root string // DataDir/<campaign>
	// Binaries maps each deployed binary's name to its remote path, and
	// SHA256 to its digest as the host computed it.
	Binaries map[string]string
	SHA256   map[string]string

	client *ssh.Client
	sess   *ssh.Session
	stdin  io.WriteCloser
	stderr strings.Builder

	mu      sync.Mutex
	next    int64
	pending map[int64]chan Response
	procs   map[int]*Process
	exited  map[int]string // exits seen before their start was answered
	ready   chan struct{}  // closed when the agent said it serves
	closed  chan struct{}
	err     error
}

// Deploy copies the binaries (name → local path) to h under
// DataDir/campaign/bin over SFTP and starts `ship-gate agent` there (the
// binary named "ship-gate") on the session's stdio. deadMan is the
// agent's bound on silence from the harness.
//
// Nothing is put on the host before something there will remove it if
// the harness dies: the session that becomes the agent is opened first,
// running a shell that waits for one line. If its stdin ends before that
// line (the harness died during the copies, sshd closed the session) the
// shell removes the campaign directory; on "start" it execs the agent in
// its place on the same stdin, and the agent owns the directory from then
// on.
func Deploy(ctx context.Context, client *ssh.Client, h Host, campaign string, bins map[string]string, deadMan time.Duration) (*Conn, error) {
	c := &Conn{Host: h, Root: h.DataDir + "/" + campaign, client: client, Binaries: map[string]string{}, SHA256: map[string]string{},
		pending: map[int64]chan Response{}, procs: map[int]*Process{}, exited: map[int]string{}, closed: make(chan struct{})}
	fs, err := sftp.NewClient(client)
	if err != nil {
		return nil, fmt.Errorf("host %s: sftp: %w", h.Name, err)
	}
	defer fs.Close()
	_, statErr := fs.Stat(h.DataDir)
	ownParent := errors.Is(statErr, os.ErrNotExist)
	if err := c.openAgentSession(ownParent, deadMan); err != nil {
		return nil, err
	}
	fail := func(err error) (*Conn, error) {
		c.sess.Close() // stdin ends: the shell (or the agent) removes what was copied
		return nil, fmt.Errorf("host %s: %w", h.Name, err)
	}
	if err := fs.MkdirAll(c.Root + "/bin"); err != nil {
		return fail(fmt.Errorf("mkdir %s: %w", c.Root, err))
	}
	for name, local := range bins {
		remote := c.Root + "/bin/" + name
		if err := upload(fs, local, remote, 0o755); err != nil {
			return fail(err)
		}
		c.Binaries[name] = remote
	}
	if _, err := io.WriteString(c.stdin, "start\n"); err != nil {
		return fail(fmt.Errorf("start agent: %w", err))
	}
	select {
	case <-c.ready:
	case <-c.closed:
		return fail(fmt.Errorf("agent ended before it was ready: %v %s", c.err, c.Stderr()))
	case <-time.After(30 * time.Second):
		return fail(fmt.Errorf("agent not ready within 30 s: %s", c.Stderr()))
	}
	go c.heartbeat(deadMan / 4)
	for name, remote := range c.Binaries {
		sum, err := c.Do(ctx, Request{Op: OpSHA256, Path: remote})
		if err != nil {
			c.Close()
			return nil, err
		}
		c.SHA256[name] = sum.Text
	}
	return c, nil
}

// deployShell is the first program of the agent's session: $1 is the
// campaign directory, $2 its parent if the harness created it (else
// empty), the rest the agent's arguments. `read` takes the line byte by
// byte, so the agent finds the session's stdin just past it. A second
// removal a moment later catches an SFTP request that was still queued
// when the harness died.
const deployShell = `root=$1 parent=$2; shift 2
if read -r go && [ "$go" = start ]; then exec "$root/bin/ship-gate" agent "$@"; fi
rm -rf -- "$root"; sleep 1; rm -rf -- "$root"
if [ -n "$parent" ]; then rmdir -- "$parent" 2>/dev/null; fi
exit 0`

// openAgentSession opens the session that becomes the agent, running
// deployShell until the binaries are in place.
func (c *Conn) openAgentSession(ownParent bool, deadMan time.Duration) error {
	sess, err := c.client.NewSession()
	if err != nil {
		return fmt.Errorf("host %s: session: %w", c.Host.Name, err)
	}
	c.sess = sess
	if c.stdin, err = sess.StdinPipe(); err == nil {
		var out io.Reader
		if out, err = sess.StdoutPipe(); err == nil {
			c.ready = make(chan struct{})
			sess.Stderr = &lockedWriter{w: &c.stderr, mu: &c.mu}
			parent := ""
			args := []string{"--root", c.Root, "--dead-man", deadMan.String()}
			if ownParent {
				parent = c.Host.DataDir
				args = append(args, "--remove-parent")
			}
			cmd := append([]string{"sh", "-c", deployShell, "ship-gate-deploy", c.Root, parent}, args...)
			if err = sess.Start(shellJoin(cmd)); err == nil {
				go c.read(out)
				return nil
			}
		}
	}
	sess.Close()
	return fmt.Errorf("host %s: start agent session: %w", c.Host.Name, err)
}

// Stderr is what the agent wrote to its stderr.
func (c *Conn) Stderr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (c *Conn) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	readyOnce := sync.OnceFunc(func() { close(c.ready) })
	for sc.Scan() {
		var r Response
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		switch r.Event {
		case "ready":
			readyOnce()
		case "exit":
			c.mu.Lock()
			p := c.procs[r.PID]
			if p == nil {
				c.exited[r.PID] = r.State
			}
			delete(c.procs, r.PID)
			c.mu.Unlock()
			if p != nil {
				p.exit(r.State)
			}
		case "":
			c.mu.Lock()
			ch := c.pending[r.ID]
			delete(c.pending, r.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- r
			}
		}
	}
	c.mu.Lock()
	c.err = errors.Join(sc.Err(), errors.New("agent connection closed"))
	procs := c.procs
	c.procs = map[int]*Process{}
	c.mu.Unlock()
	// The agent kills its nodes when it ends; they are gone for us too.
	for _, p := range procs {
		p.exit("agent gone")
	}
	close(c.closed)
}

func (c *Conn) heartbeat(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.closed:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			c.Do(ctx, Request{Op: OpPing})
			cancel()
		}
	}
}

// Do sends r and waits for its answer; an answer with Error is an error.
func (c *Conn) Do(ctx context.Context, r Request) (Response, error) {
	ch := make(chan Response, 1)
	c.mu.Lock()
	c.next++
	r.ID = c.next
	c.pending[r.ID] = ch
	b, _ := json.Marshal(r)
	_, err := c.stdin.Write(append(b, '\n'))
	c.mu.Unlock()
	if err != nil {
		return Response{}, fmt.Errorf("host %s: agent: %w", c.Host.Name, err)
	}
	select {
	case resp := <-ch:
		if resp.Error != "" {
			return resp, fmt.Errorf("host %s: %s: %s", c.Host.Name, r.Op, resp.Error)
		}
		return resp, nil
	case <-c.closed:
		return Response{}, fmt.Errorf("host %s: %s: agent gone: %v", c.Host.Name, r.Op, c.err)
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, r.ID)
		c.mu.Unlock()
		return Response{}, fmt.Errorf("host %s: %s: %w", c.Host.Name, r.Op, ctx.Err())
	}
}

// Close tears the host down through its agent (nodes, rules, the
// campaign directory), then checks over SFTP that the directory is gone,
// and closes the connection.
func (c *Conn) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.Do(ctx, Request{Op: OpTeardown})
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second):
	}
	if fs, ferr := sftp.NewClient(c.client); ferr == nil {
		if _, serr := fs.Stat(c.Root); serr == nil {
			err = errors.Join(err, fmt.Errorf("host %s: %s still exists after teardown", c.Host.Name, c.Root))
		}
		fs.Close()
	}
	c.sess.Close()
	return errors.Join(err, c.client.Close())
}

// Upload copies a local file to the host; Download copies one back.
func (c *Conn) Upload(local, remote string) error {
	fs, err := sftp.NewClient(c.client)
	if err != nil {
		return err
	}
	defer fs.Close()
	if err := fs.MkdirAll(filepath.Dir(remote)); err != nil {
		return err
	}
	return upload(fs, local, remote, 0o644)
}

func (c *Conn) Download(remote, local string) error {
	fs, err := sftp.NewClient(c.client)
	if err != nil {
		return err
	}
	defer fs.Close()
	src, err := fs.Open(remote)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(local)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// Exists reports whether the remote path exists.
func (c *Conn) Exists(remote string) bool {
	fs, err := sftp.NewClient(c.client)
	if err != nil {
		return false
	}
	defer fs.Close()
	_, err = fs.Stat(remote)
	return err == nil
}

func upload(fs *sftp.Client, local, remote string, mode os.FileMode) error {
	src, err := os.Open(local)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := fs.Create(remote)
	if err != nil {
		return fmt.Errorf("create %s: %w", remote, err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return fmt.Errorf("copy to %s: %w", remote, err)
	}
	if err := dst.Close(); err != nil {
		return err
	}
	return fs.Chmod(remote, mode)
}

// shellJoin quotes args for the remote user's shell, which runs an SSH
// exec request.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// Process is a node process an agent started.
type Process struct {
	c     *Conn
	pid   int
	done  chan struct{}
	once  sync.Once
	state string
}

// Start starts path args on the host through its agent.
func (c *Conn) Start(ctx context.Context, path string, args, env []string, dir, log string) (*Process, error) {
	r, err := c.Do(ctx, Request{Op: OpStart, Path: path, Args: args, Env: env, Dir: dir, Log: log})
	if err != nil {
		return nil, err
	}
	p := &Process{c: c, pid: r.PID, done: make(chan struct{})}
	c.mu.Lock()
	state, gone := c.exited[r.PID]
	delete(c.exited, r.PID)
	if !gone {
		c.procs[r.PID] = p
	}
	c.mu.Unlock()
	if gone {
		p.exit(state)
	}
	return p, nil
}

func (p *Process) exit(state string) {
	p.once.Do(func() { p.state = state; close(p.done) })
}

func (p *Process) PID() int              { return p.pid }
func (p *Process) Done() <-chan struct{} { return p.done }

func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitState is how it ended, "" while it runs.
func (p *Process) ExitState() string {
	if !p.Exited() {
		return ""
	}
	return p.state
}

// Signal sends sig through the agent.
func (p *Process) Signal(sig syscall.Signal) error {
	if p.Exited() {
		return fmt.Errorf("pid %d on %s has exited", p.pid, p.c.Host.Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err := p.c.Do(ctx, Request{Op: OpSignal, PID: p.pid, Sig: int(sig)})
	return err
}

// Kill SIGKILLs its group and waits until the agent saw it exit. A kill
// the agent refuses because the process has just ended waits all the same:
// the exit's event is on its way (a restart that did not wait for it found
// the node "already running").
func (p *Process) Kill() {
	p.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(killWait):
	}
}

// killWait bounds Kill's wait for the exit event (the connection's loss
// ends every process sooner).
const killWait = 15 * time.Second

// Stop asks it to exit (SIGCONT, SIGTERM), and kills it after grace.
func (p *Process) Stop(grace time.Duration) {
	p.Signal(syscall.SIGCONT)
	p.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.Kill()
	}
}

// Tail returns the last max bytes of a file on the host.
func (c *Conn) Tail(path string, max int) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := c.Do(ctx, Request{Op: OpTail, Path: path, Max: max})
	if err != nil {
		return err.Error()
	}
	return r.Text
}
