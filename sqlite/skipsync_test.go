package sqlite

import (
	"context"
	"testing"
	"time"
)

// SkipSync turns syncing off for durable and lazy groups alike; without it
// the writer stays on FULL.
func TestSkipSyncTurnsSynchronousOff(t *testing.T) {
	for _, skip := range []bool{false, true} {
		s := openTemp(t, Options{})
		if skip {
			if err := s.SkipSync(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		m := testMem(1)
		mustApply(t, s, m)
		want := map[bool]string{false: "2", true: "0"}[skip]
		if got := pragma(t, s.w.conn, "synchronous"); got != want {
			t.Errorf("skip=%v: synchronous %s after a write, want %s", skip, got, want)
		}
		if err := s.Touch(context.Background(), []string{m.ID}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if got := pragma(t, s.w.conn, "synchronous"); skip && got != "0" || !skip && got != "1" {
			t.Errorf("skip=%v: synchronous %s after a touch", skip, got)
		}
	}
}
