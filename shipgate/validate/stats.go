// Package validate turns measurements into verdict inputs: id-by-id
// convergence across nodes, the upstream convergence_bound, and an honest
// upper bound on the loss rate.
package validate

import "math"

// Floor3 floors x to 3 decimals, as upstream's bound is. The epsilon keeps
// binary fractions like 0.995 from flooring to 0.994.
func Floor3(x float64) float64 { return math.Floor(x*1000+1e-9) / 1000 }

// Bound is upstream's convergence_bound: the minimum over nodes of
// present/ok, floored to 3 decimals; 1 when nothing was acknowledged.
func Bound(ok int, present map[string]int) float64 {
	if ok == 0 {
		return 1
	}
	b := 1.0
	for _, p := range present {
		b = math.Min(b, float64(p)/float64(ok))
	}
	return Floor3(b)
}

// UpperBound95 is the exact (Clopper-Pearson) one-sided 95% upper
// confidence bound on a loss rate after observing lost losses in n trials.
// With none lost it is 1-0.05^(1/n), about 3/n.
func UpperBound95(lost, n int) float64 {
	if n <= 0 || lost >= n {
		return 1
	}
	if lost <= 0 {
		return 1 - math.Pow(0.05, 1/float64(n))
	}
	// The bound is the p at which P(X <= lost | n, p) = 0.05; the CDF falls
	// as p grows, so bisect.
	lo, hi := float64(lost)/float64(n), 1.0
	for range 200 {
		mid := (lo + hi) / 2
		if binomCDF(lost, n, mid) > 0.05 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// binomCDF is P(X <= k) for X ~ Binomial(n, p), summed in log space.
func binomCDF(k, n int, p float64) float64 {
	lp, lq := math.Log(p), math.Log1p(-p)
	lnN, _ := math.Lgamma(float64(n + 1))
	s := 0.0
	for i := 0; i <= k; i++ {
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(n - i + 1))
		s += math.Exp(lnN - a - b + float64(i)*lp + float64(n-i)*lq)
	}
	return s
}
