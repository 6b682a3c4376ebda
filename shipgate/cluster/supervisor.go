// Package cluster starts and supervises ai-memory nodes for ship-gate. Every
// child runs in its own process group with a parent-death signal, so a
// SIGKILLed harness leaves no node; every pid is recorded in a state file
// so `ship-gate cleanup` (or the reaper) can undo a run that died anyway.
// Only processes started here are ever signalled, by pid.
package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Cost is what the supervised processes consumed.
type Cost struct {
	CPUSeconds   float64 `json:"cpu_seconds"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	Processes    int     `json:"processes"`
}

// Supervisor owns every process, directory and network object of a run.
type Supervisor struct {
	path string

	mu    sync.Mutex
	state State
	procs map[int]*Proc
	cost  Cost
}

// NewSupervisor records a new run in the state file at path.
func NewSupervisor(path, campaign string) (*Supervisor, error) {
	s := &Supervisor{path: path, procs: map[int]*Proc{}}
	s.state = State{Campaign: campaign, OwnerPID: os.Getpid(), OwnerStart: procStart(os.Getpid())}
	if err := writeState(path, &s.state); err != nil {
		return nil, err
	}
	return s, nil
}

// StatePath is the state file of this run.
func (s *Supervisor) StatePath() string { return s.path }

func (s *Supervisor) update(f func(st *State)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.state)
	writeState(s.path, &s.state) // best effort: the in-memory state still drives Close
}

// TrackDir records a directory to remove at teardown.
func (s *Supervisor) TrackDir(dir string) {
	s.update(func(st *State) { st.Dirs = append(st.Dirs, dir) })
}

// TrackNetns and TrackLink record network objects to delete at teardown.
func (s *Supervisor) TrackNetns(name string) {
	s.update(func(st *State) { st.Netns = append(st.Netns, name) })
}

func (s *Supervisor) TrackLink(name string) {
	s.update(func(st *State) { st.Links = append(st.Links, name) })
}

// UntrackNetns and UntrackLink forget objects already deleted.
func (s *Supervisor) UntrackNetns(name string) {
	s.update(func(st *State) { st.Netns = slices.DeleteFunc(st.Netns, func(n string) bool { return n == name }) })
}

func (s *Supervisor) UntrackLink(name string) {
	s.update(func(st *State) { st.Links = slices.DeleteFunc(st.Links, func(n string) bool { return n == name }) })
}

// TrackMount records (or updates) a FUSE mount to force off at teardown;
// UntrackMount forgets one that is unmounted.
func (s *Supervisor) TrackMount(path string, conn int) {
	s.update(func(st *State) {
		st.Mounts = slices.DeleteFunc(st.Mounts, func(m MountRecord) bool { return m.Path == path })
		st.Mounts = append(st.Mounts, MountRecord{Path: path, Conn: conn})
	})
}

func (s *Supervisor) UntrackMount(path string) {
	s.update(func(st *State) {
		st.Mounts = slices.DeleteFunc(st.Mounts, func(m MountRecord) bool { return m.Path == path })
	})
}

// TrackExternal records a process started by someone else on our behalf
// (the Postgres server) so the reaper can kill it if we die.
func (s *Supervisor) TrackExternal(name string, pid int) {
	if pid <= 0 {
		return
	}
	rec := ProcRecord{Name: name, PID: pid, Start: procStart(pid), Group: true}
	s.update(func(st *State) { st.Procs = append(st.Procs, rec) })
}

// UntrackExternal forgets an external process after its owner stopped it.
func (s *Supervisor) UntrackExternal(pid int) { s.forget(pid) }

func (s *Supervisor) forget(pid int) {
	s.update(func(st *State) {
		st.Procs = slices.DeleteFunc(st.Procs, func(p ProcRecord) bool { return p.PID == pid })
	})
}

// ProcSpec describes a process to start.
type ProcSpec struct {
	Name string
	Path string
	Args []string
	Env  []string // added to the harness environment
	Dir  string
	// Wrap is a command prefix (e.g. ip netns exec NS); it must exec the
	// target in place so the pid stays the target's.
	Wrap   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Proc is a supervised child process.
type Proc struct {
	Name string
	cmd  *exec.Cmd
	sup  *Supervisor
	done chan struct{}
}

// Start launches spec in its own process group with SIGKILL as its
// parent-death signal, and records it.
func (s *Supervisor) Start(spec ProcSpec) (*Proc, error) {
	argv := append(slices.Clone(spec.Wrap), spec.Path)
	argv = append(argv, spec.Args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), spec.Env...)
	cmd.Dir = spec.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = spec.Stdin, spec.Stdout, spec.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	p := &Proc{Name: spec.Name, cmd: cmd, sup: s, done: make(chan struct{})}
	pid := cmd.Process.Pid
	rec := ProcRecord{Name: spec.Name, PID: pid, Start: procStart(pid), Group: true}
	s.mu.Lock()
	s.procs[pid] = p
	s.mu.Unlock()
	s.update(func(st *State) { st.Procs = append(st.Procs, rec) })
	go p.reap()
	return p, nil
}

func (p *Proc) reap() {
	p.cmd.Wait()
	s := p.sup
	pid := p.cmd.Process.Pid
	// The group may still hold children of the child; they die with it.
	syscall.Kill(-pid, syscall.SIGKILL)
	s.mu.Lock()
	delete(s.procs, pid)
	if ps := p.cmd.ProcessState; ps != nil {
		s.cost.CPUSeconds += (ps.UserTime() + ps.SystemTime()).Seconds()
		s.cost.Processes++
	}
	s.mu.Unlock()
	s.forget(pid)
	close(p.done)
}

// PID is the child's process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Done is closed once the process has exited and been reaped.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has been reaped.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitState describes how the process ended ("" while it runs).
func (p *Proc) ExitState() string {
	if !p.Exited() {
		return ""
	}
	return p.cmd.ProcessState.String()
}

// Signal sends sig to the process itself (not its group), if still running.
func (p *Proc) Signal(sig syscall.Signal) error {
	if p.Exited() {
		return fmt.Errorf("%s (pid %d) has exited", p.Name, p.PID())
	}
	return syscall.Kill(p.PID(), sig)
}

// sampleRSS records the process's peak resident set (VmHWM) while it is
// still alive. rusage cannot be used: a child's ru_maxrss counts the
// harness's memory it shared before exec.
func (p *Proc) sampleRSS() {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID()))
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			s := p.sup
			s.mu.Lock()
			s.cost.PeakRSSBytes = max(s.cost.PeakRSSBytes, kb*1024)
			s.mu.Unlock()
		}
	}
}

// Kill sends SIGKILL to the process group and waits until it is reaped.
func (p *Proc) Kill() {
	if !p.Exited() {
		p.sampleRSS()
		syscall.Kill(-p.PID(), syscall.SIGKILL)
		syscall.Kill(p.PID(), syscall.SIGKILL)
	}
	<-p.done
}

// Stop asks for a graceful exit with SIGTERM (continuing it first, in case
// it was stopped), then kills it after grace.
func (p *Proc) Stop(grace time.Duration) {
	if p.Exited() {
		return
	}
	p.sampleRSS()
	syscall.Kill(p.PID(), syscall.SIGCONT)
	syscall.Kill(p.PID(), syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.Kill()
	}
}

// Run starts spec, waits for it (killing it when ctx ends) and returns its
// stdout and stderr. A non-zero exit is an error that quotes stderr.
func (s *Supervisor) Run(ctx context.Context, spec ProcSpec) (stdout, stderr []byte, err error) {
	var out, errb bytes.Buffer
	spec.Stdout, spec.Stderr = &out, &errb
	p, err := s.Start(spec)
	if err != nil {
		return nil, nil, err
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		p.Kill()
		return out.Bytes(), errb.Bytes(), fmt.Errorf("%s: %w", spec.Name, ctx.Err())
	}
	if ps := p.cmd.ProcessState; !ps.Success() {
		return out.Bytes(), errb.Bytes(), fmt.Errorf("%s: %s: %s", spec.Name, ps, tail(errb.Bytes(), 800))
	}
	return out.Bytes(), errb.Bytes(), nil
}

// Cost returns what reaped processes consumed so far.
func (s *Supervisor) Cost() Cost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cost
}

// Live returns the processes still running.
func (s *Supervisor) Live() []*Proc {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Proc
	for _, p := range s.procs {
		out = append(out, p)
	}
	return out
}

// Close kills every live process, undoes everything recorded and removes
// the state file. Safe to call more than once.
func (s *Supervisor) Close() error {
	for _, p := range s.Live() {
		p.Kill()
	}
	s.mu.Lock()
	st := s.state
	s.mu.Unlock()
	err := st.Undo()
	if rerr := os.Remove(s.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}

func tail(b []byte, n int) []byte {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
