// Package pgtest runs a private, throwaway PostgreSQL server for tests and
// for the release gate: a fresh data directory, a free loopback port, trust
// authentication on 127.0.0.1 only, and a teardown that kills exactly the
// process it started and removes the directory.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable that points tests at an existing server instead
// of starting one. Its role must be allowed to create databases.
const EnvURL = "AI_MEMORY_TEST_PG_URL"

// Options configure Start. Zero values give a server on a free port with
// superuser "postgres".
type Options struct {
	// BinDir holds initdb and postgres; empty means `pg_config --bindir`,
	// then the newest /usr/lib/postgresql/*/bin.
	BinDir string
	// Port on 127.0.0.1; 0 picks a free one.
	Port int
	// User is the database superuser created by initdb.
	User string
	// Dir is where the temporary directory is created; empty means os.TempDir().
	Dir string
	// OSUser is the unprivileged account the server runs as when the caller
	// is root (PostgreSQL refuses to run as root). Default "nobody".
	OSUser string
	// NoFsync trades crash safety for speed (fsync, synchronous_commit and
	// full_page_writes off). Fine for tests whose data dies with the server;
	// leave it off when measuring.
	NoFsync bool
	// SyncCommit keeps synchronous_commit on under NoFsync: a commit is
	// then in the kernel before it is acknowledged, so it survives a crash
	// of the server (StopImmediate), though not of the machine.
	SyncCommit bool
	// StartTimeout bounds initdb plus startup; default 60 s.
	StartTimeout time.Duration
}

// Server is a running PostgreSQL, either started here or external (EnvURL).
type Server struct {
	base *url.URL // database path is replaced by URL(name)

	root     string // temp dir holding data/ and postgres.log; "" when external
	bin      string
	cred     *syscall.Credential
	port     int
	opts     Options
	cmd      *exec.Cmd
	exited   chan struct{}
	stopOnce sync.Once
	stopErr  error
}

// Start initialises a new cluster and starts it, waiting until it accepts
// connections.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.User == "" {
		opts.User = "postgres"
	}
	if opts.OSUser == "" {
		opts.OSUser = "nobody"
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()

	bin, err := findBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	cred, err := credentialFor(opts.OSUser)
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp(opts.Dir, "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: temp dir: %w", err)
	}
	s := &Server{root: root, bin: bin, cred: cred, opts: opts}
	if err := s.initAndStart(ctx, bin, cred, opts); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) initAndStart(ctx context.Context, bin string, cred *syscall.Credential, opts Options) error {
	if cred != nil {
		if err := os.Chown(s.root, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("pgtest: chown %s: %w", s.root, err)
		}
	}
	data := filepath.Join(s.root, "data")
	// Byte-order collation, but a UTF-8 character type so full-text search
	// lower-cases non-ASCII letters as SQLite does; plain C where the host
	// lacks C.UTF-8.
	var initErr error
	for _, ctype := range []string{"C.UTF-8", "C"} {
		initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
			"-D", data, "-U", opts.User, "--auth=trust", "--encoding=UTF8",
			"--locale=C", "--lc-ctype="+ctype, "--no-sync", "--no-instructions")
		initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
		out, err := initdb.CombinedOutput()
		if err == nil {
			initErr = nil
			break
		}
		initErr = fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
		os.RemoveAll(data)
	}
	if initErr != nil {
		return initErr
	}

	// A port picked free may be taken before postgres binds it; retry a few
	// times with a new one rather than fail the whole test run.
	for attempt := 0; ; attempt++ {
		port := opts.Port
		if port == 0 {
			p, err := freePort()
			if err != nil {
				return err
			}
			port = p
		}
		s.base = &url.URL{Scheme: "postgres", User: url.User(opts.User),
			Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Path: "/postgres",
			RawQuery: "sslmode=disable"}
		err := s.launch(ctx, bin, data, port, cred, opts)
		if err == nil {
			s.port = port
			return nil
		}
		if opts.Port != 0 || attempt == 2 || !bytes.Contains(s.logTail(), []byte("could not bind")) {
			return err
		}
	}
}

func (s *Server) launch(ctx context.Context, bin, data string, port int, cred *syscall.Credential, opts Options) error {
	logf, err := os.OpenFile(filepath.Join(s.root, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: log: %w", err)
	}
	defer logf.Close() // the child holds its own descriptor
	args := []string{"-D", data, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=", // TCP on loopback only
		"-c", "max_connections=60",
		"-c", "shared_buffers=64MB",
	}
	if opts.NoFsync {
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off")
		if !opts.SyncCommit {
			args = append(args, "-c", "synchronous_commit=off")
		}
	}
	// Not CommandContext: the server must outlive the start context.
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group so Stop can reach the backends; SIGQUIT on parent
	// death is PostgreSQL's immediate shutdown, so a killed test binary does
	// not leave a server behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGQUIT}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() { cmd.Wait(); close(s.exited) }()

	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(cctx, s.URL("postgres"))
		cancel()
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-s.exited:
			s.cmd = nil
			return fmt.Errorf("pgtest: postgres exited during startup: %s\n%s", cmd.ProcessState, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("pgtest: postgres not ready: %w (last: %v)\n%s", ctx.Err(), err, s.logTail())
		case <-tick.C:
		}
	}
}

// External wraps a server someone else runs, after checking it answers.
// Stop on it does nothing.
func External(ctx context.Context, rawURL string) (*Server, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("pgtest: %s is not a postgres:// URL", EnvURL)
	}
	s := &Server{base: u}
	conn, err := pgx.Connect(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("pgtest: external server: %w", err)
	}
	conn.Close(ctx)
	return s, nil
}

// FromEnv uses the server named by EnvURL when set, otherwise starts one.
func FromEnv(ctx context.Context, opts Options) (*Server, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return External(ctx, u)
	}
	return Start(ctx, opts)
}

// URL returns a connection URL for database dbname on this server.
func (s *Server) URL(dbname string) string {
	u := *s.base
	u.Path = "/" + dbname
	return u.String()
}

// PID is the postmaster's process id, or 0 for an external server.
func (s *Server) PID() int {
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Dir is the temporary directory holding the cluster, "" when external.
func (s *Server) Dir() string { return s.root }

// CreateDatabase creates an empty database owned by the connecting role.
func (s *Server) CreateDatabase(ctx context.Context, name string) error {
	return s.admin(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
}

// DropDatabase drops a database, disconnecting its sessions first.
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	return s.admin(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

func (s *Server) admin(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.URL(maintenanceDB(s.base)))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("pgtest: %s: %w", sql, err)
	}
	return nil
}

// maintenanceDB is the database admin statements connect to: "postgres"
// for our servers, the URL's own database for external ones (it may be the
// only one the role can reach).
func maintenanceDB(u *url.URL) string {
	if db := u.Path; len(db) > 1 {
		return db[1:]
	}
	return "postgres"
}

// Stop shuts the server down (fast shutdown, then SIGKILL to its process
// group after 10 s) and removes its directory. It signals only the process
// it started. Safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.cmd != nil && s.running() {
			pid := s.cmd.Process.Pid
			syscall.Kill(pid, syscall.SIGINT)
			select {
			case <-s.exited:
			case <-time.After(10 * time.Second):
				syscall.Kill(-pid, syscall.SIGKILL)
				<-s.exited
			}
		}
		if s.root != "" {
			s.stopErr = os.RemoveAll(s.root)
		}
	})
	return s.stopErr
}

// running reports whether the postmaster we started has not exited (a
// crashed one's pid may belong to someone else by now).
func (s *Server) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

func (s *Server) logTail() []byte {
	b, _ := os.ReadFile(filepath.Join(s.root, "postgres.log"))
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return b
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func findBinDir(dir string) (string, error) {
	if dir == "" {
		if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
			dir = string(bytes.TrimSpace(out))
		}
	}
	if dir == "" || !isFile(filepath.Join(dir, "postgres")) {
		matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		sortVersions(matches)
		dir = ""
		for i := len(matches) - 1; i >= 0; i-- {
			if isFile(filepath.Join(matches[i], "postgres")) {
				dir = matches[i]
				break
			}
		}
	}
	if dir == "" {
		return "", errors.New("pgtest: no PostgreSQL binaries (pg_config --bindir, /usr/lib/postgresql/*/bin)")
	}
	return dir, nil
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
