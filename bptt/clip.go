package bptt

import (
	"fmt"
	"math"

	"github.com/simdrnn/simdrnn/kernels"
)

// normBlock is the length of the pieces each gradient's squared norm is
// summed in: kernels.Dot sums a piece in float32 (relative error at most
// γ(1024) ≈ 6·10⁻⁵, typically far less), the pieces are added in float64.
const normBlock = 1024

// ClipGradNorm scales the gradients of params so that their global L2 norm
// is at most maxNorm, as torch.nn.utils.clip_grad_norm_ (norm_type 2), and
// returns the norm before clipping:
//
//	total = √(Σ_params Σ_i Grad[i]²)
//	coef  = maxNorm / (total + 1e-6)
//	if coef < 1 { every Grad[i] *= float32(coef) }   (kernels.Scale)
//
// So gradients whose norm is at most maxNorm − 1e-6 are left unchanged, bit
// for bit, and larger ones keep their direction: each element is scaled by
// the same factor, rounded once. (PyTorch multiplies by min(coef, 1)
// always, which is the same: a multiplication by 1 changes nothing.)
//
// The sums of squares are formed with kernels.Dot in blocks of 1024
// elements accumulated in float64. As in PyTorch, a NaN or ±Inf gradient
// (or a block whose sum of squares overflows float32) makes total NaN or
// +Inf and then every gradient NaN or 0; CheckFinite before clipping
// reports which parameter went bad. maxNorm must be ≥ 0 (panics otherwise).
func ClipGradNorm(params []*Param, maxNorm float64) (total float64) {
	if !(maxNorm >= 0) {
		panic(fmt.Sprintf("bptt.ClipGradNorm: maxNorm = %v; want maxNorm ≥ 0", maxNorm))
	}
	sum := 0.0
	for _, p := range params {
		for start := 0; start < len(p.Grad); start += normBlock {
			block := p.Grad[start:min(start+normBlock, len(p.Grad))]
			sum += float64(kernels.Dot(block, block))
		}
	}
	total = math.Sqrt(sum)
	coef := maxNorm / (total + 1e-6)
	if coef < 1 || math.IsNaN(coef) {
		for _, p := range params {
			kernels.Scale(float32(coef), p.Grad)
		}
	}
	return total
}

// ClipGradValue clamps every gradient element to [−limit, limit], as
// torch.nn.utils.clip_grad_value_. NaN stays NaN. limit must be ≥ 0
// (panics otherwise).
func ClipGradValue(params []*Param, limit float32) {
	if !(limit >= 0) {
		panic(fmt.Sprintf("bptt.ClipGradValue: limit = %v; want limit ≥ 0", limit))
	}
	// A plain loop: clamping is a compare and a select per element, memory
	// bound, and run once per step, so it has no kernel yet.
	for _, p := range params {
		for i, g := range p.Grad {
			if g > limit {
				p.Grad[i] = limit
			} else if g < -limit {
				p.Grad[i] = -limit
			}
		}
	}
}

// NonFiniteError reports a NaN or infinite gradient element.
type NonFiniteError struct {
	Param string  // the parameter's name
	Index int     // the element's index in Grad (row-major)
	Value float32 // NaN, +Inf or −Inf
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("bptt: gradient of %s[%d] is %v", e.Param, e.Index, e.Value)
}

// CheckFinite returns a *NonFiniteError naming the first parameter (in the
// order given) and element whose gradient is NaN or ±Inf, such as
// "bptt: gradient of weight_hh_l0[17] is NaN", or nil if every gradient is
// finite.
//
// Each gradient is first reduced with kernels.Dot (a NaN or ±Inf element
// makes its sum of squares non-finite); only a parameter whose sum is not
// finite is scanned element by element.
func CheckFinite(params []*Param) error {
	for _, p := range params {
		for start := 0; start < len(p.Grad); start += normBlock {
			block := p.Grad[start:min(start+normBlock, len(p.Grad))]
			s := kernels.Dot(block, block)
			if !math.IsNaN(float64(s)) && !math.IsInf(float64(s), 0) {
				continue
			}
			// Non-finite: a bad element, or finite ones whose squares
			// overflow float32.
			for i, g := range block {
				if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
					return &NonFiniteError{Param: p.Name, Index: start + i, Value: g}
				}
			}
		}
	}
	return nil
}
