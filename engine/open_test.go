package engine

import (
	"path/filepath"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/sqlite"
)

// A node that wrote with its clock an hour ahead and restarts with the
// right time (or an hour behind) still issues greater versions: Open seeds
// the clock from the store. New alone would go back in time, which is what
// makes the check meaningful.
func TestOpenSeedsClockFromStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.db")
	store := func(skew time.Duration, open bool, title string) memory.HLC {
		t.Helper()
		st, err := sqlite.Open(path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		clock := memory.NewClock()
		clock.SetSkew(skew)
		opts := Options{NodeID: "n1", Clock: clock}
		e := New(st, opts)
		if open {
			if e, err = Open(ctx, st, opts); err != nil {
				t.Fatal(err)
			}
		}
		return mustStore(t, e, NewMemory{Title: title}).Version
	}
	ahead := store(time.Hour, true, "written an hour ahead")
	if v := store(0, false, "unseeded"); v >= ahead {
		t.Fatalf("setup: an unseeded clock issued %v, not below %v; the test proves nothing", v, ahead)
	}
	for _, skew := range []time.Duration{0, -time.Hour} {
		if v := store(skew, true, "after restart "+skew.String()); v <= ahead {
			t.Errorf("restart with skew %v issued %v, not above %v written before", skew, v, ahead)
		}
	}
}
