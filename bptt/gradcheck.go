package bptt

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// GradCheckOptions control GradCheck. A zero field takes its default.
//
// The defaults suit float32 models whose loss is of order 1. The numeric
// derivative has two errors: the curvature of the loss, about
// Eps²·|L‴|/6, which wants a small Eps, and the float32 rounding inside
// the loss, about u·|L|/Eps (u = 2⁻²⁴ ≈ 6·10⁻⁸, times the depth of the
// computation), which wants a large one. For float32, Eps between 10⁻³
// and 10⁻² balances them (PyTorch's gradcheck uses 10⁻⁶ because it runs in
// float64); RTol of 10⁻² then catches any real mistake in a backward pass,
// which is off by far more. Scale ATol with the loss: it absorbs the
// rounding noise of elements whose gradient is near zero.
type GradCheckOptions struct {
	Eps         float64 // perturbation of each element; default 1e-2
	RTol        float64 // relative tolerance; default 1e-2
	ATol        float64 // absolute tolerance; default 1e-3
	MaxPerParam int     // check at most this many elements per parameter, chosen at random; default all
	Seed        uint64  // seeds the choice of elements when MaxPerParam applies
}

// GradCheckElement is one checked element: its parameter and index, the
// gradient found in Grad (Analytic) and by central differences (Numeric),
// Error = |Analytic − Numeric| and Allowed = ATol + RTol·max(|Analytic|,
// |Numeric|).
type GradCheckElement struct {
	Param             string
	Index             int
	Analytic, Numeric float64
	Error, Allowed    float64
}

// GradCheckResult summarises a GradCheck: the number of elements checked
// and failed, and the element with the largest Error/Allowed (a NaN
// derivative counts as the worst).
type GradCheckResult struct {
	Checked, Failed int
	Worst           GradCheckElement
}

// GradCheck compares the gradients in params' Grad with central
// differences of loss, so that users can check the backward pass of their
// own models (and layers built on this package's).
//
// The caller fills Grad first (ZeroGrad, forward, loss gradient,
// backward); loss must recompute the loss from the parameters' current
// Data, deterministically (no dropout, the same batch). GradCheck does not
// change Grad. For each element checked, with x = Data[i]:
//
//	x₊ = float32(x + Eps), x₋ = float32(x − Eps)
//	numeric = (loss(x₊) − loss(x₋)) / (x₊ − x₋)
//
// the central difference over the perturbation float32 can actually
// represent ((L(+) − L(−))/(2·eps_actual) when it is symmetric). Data[i]
// is restored to x, bit for bit, afterwards, also if loss panics. The
// element passes if |analytic − numeric| ≤ ATol + RTol·max(|analytic|,
// |numeric|).
//
// Every element is checked, or, with MaxPerParam > 0, a random sample of
// at most MaxPerParam elements of each parameter (seeded by Seed and the
// parameter's position), two loss evaluations each.
//
// The error is non-nil if an element fails, naming the worst one; if a
// perturbation is not representable (Eps below the float32 spacing at x,
// or x not finite); if an option is negative or NaN; or if loss or a
// parameter is nil. The result
// describes the elements checked until then.
func GradCheck(params []*Param, loss func() float64, opts GradCheckOptions) (GradCheckResult, error) {
	var res GradCheckResult
	if !(opts.Eps >= 0) || !(opts.RTol >= 0) || !(opts.ATol >= 0) || opts.MaxPerParam < 0 {
		return res, fmt.Errorf("bptt.GradCheck: Eps = %v, RTol = %v, ATol = %v, MaxPerParam = %d; want values ≥ 0", opts.Eps, opts.RTol, opts.ATol, opts.MaxPerParam)
	}
	if loss == nil {
		return res, errors.New("bptt.GradCheck: loss is nil")
	}
	for k, p := range params {
		if p == nil {
			return res, fmt.Errorf("bptt.GradCheck: params[%d] is nil", k)
		}
	}
	eps := cmp.Or(opts.Eps, 1e-2)
	rtol := cmp.Or(opts.RTol, 1e-2)
	atol := cmp.Or(opts.ATol, 1e-3)

	// Restores the element being perturbed if loss panics.
	var perturbed *float32
	var saved float32
	defer func() {
		if perturbed != nil {
			*perturbed = saved
		}
	}()

	worstRatio := -1.0
	for k, p := range params {
		if len(p.Grad) != len(p.Data) {
			return res, fmt.Errorf("bptt.GradCheck: parameter %s has len(Data) = %d, len(Grad) = %d; want equal lengths", p.Name, len(p.Data), len(p.Grad))
		}
		for _, i := range sampleIndices(len(p.Data), opts.MaxPerParam, opts.Seed, k) {
			x := p.Data[i]
			plus, minus := float32(float64(x)+eps), float32(float64(x)-eps)
			step := float64(plus) - float64(minus)
			if !(step > 0) || math.IsInf(step, 0) {
				return res, fmt.Errorf("bptt.GradCheck: cannot perturb %s[%d] = %v by Eps = %g in float32", p.Name, i, x, eps)
			}
			perturbed, saved = &p.Data[i], x
			p.Data[i] = plus
			lossPlus := loss()
			p.Data[i] = minus
			lossMinus := loss()
			p.Data[i] = x
			perturbed = nil

			e := GradCheckElement{Param: p.Name, Index: i, Analytic: float64(p.Grad[i]), Numeric: (lossPlus - lossMinus) / step}
			e.Error = math.Abs(e.Analytic - e.Numeric)
			e.Allowed = atol + rtol*math.Max(math.Abs(e.Analytic), math.Abs(e.Numeric))
			ratio := e.Error / e.Allowed
			switch {
			case math.IsNaN(ratio) && e.Error == 0:
				ratio = 0 // 0/0: both exactly zero with no tolerance
			case math.IsNaN(ratio):
				ratio = math.Inf(1)
			}
			res.Checked++
			if !(e.Error <= e.Allowed) {
				res.Failed++
			}
			if ratio > worstRatio {
				worstRatio, res.Worst = ratio, e
			}
		}
	}
	if res.Failed > 0 {
		w := res.Worst
		return res, fmt.Errorf("bptt.GradCheck: %d of %d elements differ; worst %s[%d]: analytic %.6g, numeric %.6g, |difference| %.3g > allowed %.3g",
			res.Failed, res.Checked, w.Param, w.Index, w.Analytic, w.Numeric, w.Error, w.Allowed)
	}
	return res, nil
}

// sampleIndices returns every index below n, or, when 0 < limit < n, limit
// distinct ones chosen at random (Floyd's algorithm), in increasing order.
func sampleIndices(n, limit int, seed uint64, stream int) []int {
	if limit == 0 || limit >= n {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all
	}
	r := rand.New(rand.NewPCG(seed, uint64(stream)))
	chosen := make(map[int]bool, limit)
	for j := n - limit; j < n; j++ {
		t := r.IntN(j + 1)
		if chosen[t] {
			t = j
		}
		chosen[t] = true
	}
	out := make([]int, 0, limit)
	for i := range chosen {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}
