package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// One server per test binary when the package's TestMain calls Main;
// every New gets its own database on it.
var (
	mainActive bool
	sharedOnce sync.Once
	shared     *Server
	sharedErr  error
	dbCounter  atomic.Int64
)

// Main runs the tests of a package with one shared server, stopped (and its
// directory removed) after the last test:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	mainActive = true
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	os.Exit(code)
}

// New returns the URL of a fresh, empty database for this test, dropped at
// cleanup. It uses EnvURL's server when set; otherwise the shared server
// (with Main) or a server of its own stopped at cleanup.
func New(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := sharedServer(t, ctx)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbCounter.Add(1))
	if err := srv.CreateDatabase(ctx, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.DropDatabase(ctx, name); err != nil {
			t.Error(err)
		}
	})
	return srv.URL(name)
}

func sharedServer(t testing.TB, ctx context.Context) *Server {
	t.Helper()
	opts := Options{NoFsync: true}
	if !mainActive {
		srv, err := FromEnv(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := srv.Stop(); err != nil {
				t.Error(err)
			}
		})
		return srv
	}
	sharedOnce.Do(func() { shared, sharedErr = FromEnv(ctx, opts) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}
