package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// One server per test binary when the package's TestMain calls Main;
// every New gets its own database on it.
var (
	mainActive    bool
	sharedOnce    sync.Once
	shared        *Server
	sharedErr     error
	schemaCounter atomic.Int64
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

// New returns the URL of a fresh, empty schema for this test, dropped at
// cleanup. The URL sets search_path to it, so everything a test creates
// lands there and sees nothing of other tests. A schema rather than a
// database per test: CREATE DATABASE writes the whole template to WAL and
// costs seconds on a loaded machine, CREATE SCHEMA milliseconds.
//
// It uses EnvURL's server when set (the schemas go into that URL's
// database); otherwise the shared server (with Main) or a server of its own
// stopped at cleanup.
func New(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := sharedServer(t, ctx)
	schema := fmt.Sprintf("t%d_%d", os.Getpid(), schemaCounter.Add(1))
	if err := srv.admin(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.admin(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	u := *srv.base
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
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
