package validate

import (
	"math"
	"testing"
)

func TestFloor3(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{
		{0.995, 0.995}, {149.0 / 150, 0.993}, {1, 1}, {0.2, 0.2}, {0.99999, 0.999}, {199.0 / 200, 0.995},
	} {
		if got := Floor3(c.in); got != c.want {
			t.Errorf("Floor3(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestBound(t *testing.T) {
	if got := Bound(0, map[string]int{"a": 0}); got != 1 {
		t.Fatalf("ok=0 must give 1, got %v", got)
	}
	if got := Bound(100, map[string]int{"a": 100, "b": 20, "c": 100}); got != 0.2 {
		t.Fatalf("min over nodes: got %v", got)
	}
	if got := Bound(150, map[string]int{"a": 150, "b": 149, "c": 150}); got != 0.993 {
		t.Fatalf("149/150 floors to 0.993, got %v", got)
	}
}

func TestUpperBound95(t *testing.T) {
	// Zero losses: exact closed form, close to the rule of three.
	for _, n := range []int{1, 10, 150, 20000} {
		got := UpperBound95(0, n)
		want := 1 - math.Pow(0.05, 1/float64(n))
		if math.Abs(got-want) > 1e-12 {
			t.Fatalf("n=%d: %v want %v", n, got, want)
		}
	}
	if r := UpperBound95(0, 20000) * 20000; r < 2.9 || r > 3.1 {
		t.Fatalf("rule of three: n*bound = %v", r)
	}
	// Known Clopper-Pearson values (one-sided 95%): k=1,n=10 -> 0.3942;
	// k=5,n=100 -> 0.1023.
	for _, c := range []struct {
		k, n int
		want float64
	}{{1, 10, 0.3942}, {5, 100, 0.1023}, {2, 50, 0.1206}} {
		if got := UpperBound95(c.k, c.n); math.Abs(got-c.want) > 5e-4 {
			t.Errorf("k=%d n=%d: %v want %v", c.k, c.n, got, c.want)
		}
	}
	// More losses, higher bound; the CDF at the bound is 0.05.
	if UpperBound95(3, 100) <= UpperBound95(2, 100) {
		t.Fatal("bound must grow with losses")
	}
	if p := UpperBound95(3, 100); math.Abs(binomCDF(3, 100, p)-0.05) > 1e-9 {
		t.Fatalf("CDF at bound = %v", binomCDF(3, 100, p))
	}
	if UpperBound95(5, 5) != 1 || UpperBound95(0, 0) != 1 {
		t.Fatal("degenerate cases must be 1")
	}
}
