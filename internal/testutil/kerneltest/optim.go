package kerneltest

import (
	"fmt"
	"math"

	"github.com/simdrnn/simdrnn/internal/testutil/ref"
	"github.com/simdrnn/simdrnn/kernels"
)

// AdamCase is one call of kernels.AdamStep: its options and operands.
type AdamCase struct {
	Opts              kernels.AdamOptions
	Param, Grad, M, V []float32
}

// Execute runs kernels.AdamStep on the case's slices in place and checks
// that grad did not change and that param, m and v are within the bounds
// of AdamStep's doc comment of the float64 reference.
func (c AdamCase) Execute() error {
	p0, g0 := clone1(c.Param), clone1(c.Grad)
	m0, v0 := clone1(c.M), clone1(c.V)
	kernels.AdamStep(c.Param, c.Grad, c.M, c.V, c.Opts)
	for i := range c.Grad {
		if math.Float32bits(c.Grad[i]) != math.Float32bits(g0[i]) {
			return fmt.Errorf("AdamStep n%d: grad changed at %d", len(c.Grad), i)
		}
	}
	o := c.Opts
	co := ref.AdamCoefficients(o.LR, o.Beta1, o.Beta2, o.Eps, o.WeightDecay, o.Step)
	for i := range c.Param {
		a := ref.AdamStep(p0[i], g0[i], m0[i], v0[i], co)
		em, ev, ep := AdamBounds(a, co, p0[i])
		overflow := adamOverflows(a, co, p0[i], m0[i])
		for _, out := range []struct {
			name        string
			got         float32
			want, bound float64
		}{{"m", c.M[i], a.M, em}, {"v", c.V[i], a.V, ev}, {"param", c.Param[i], a.Param, ep}} {
			if overflow {
				continue // unbounded: see the doc comment
			}
			special := math.IsNaN(out.want) || math.IsInf(out.want, 0)
			if !special && (math.IsNaN(out.bound) || math.IsInf(out.bound, 0)) {
				continue // unbounded: the computed denominator may be 0
			}
			if out.got == 0 && out.want == 0 {
				// The sign of a zero may follow a rounded intermediate (with
				// LR 0, p − 0·r is −0 or +0 as r̃ is +0 or −0).
				continue
			}
			if !Close(out.got, out.want, out.bound) {
				return fmt.Errorf("AdamStep n%d step %d: %s[%d] = %v, want %v ± %g (param %v, grad %v, m %v, v %v)",
					len(c.Param), o.Step, out.name, i, out.got, out.want, out.bound, p0[i], g0[i], m0[i], v0[i])
			}
		}
	}
	return nil
}

// AdamBounds returns the bounds of kernels.AdamStep's doc comment on the new
// m, v and param of one element whose old parameter was p0.
func AdamBounds(a ref.Adam, c ref.AdamCoeffs, p0 float32) (em, ev, ep float64) {
	c2, step := float64(c.Correction2), float64(c.StepSize)
	em = Gamma(5)*a.MMag + 2*Underflow
	ev = Gamma(7)*a.VMag + 2*Underflow
	ed := (1+Gamma(3))*math.Min(ev/a.S, math.Sqrt(ev))/c2 + Gamma(3)*a.D + 2*Underflow
	er := math.Inf(1)
	if ed < a.D {
		er = (1+U)*(em+math.Abs(a.R)*ed)/(a.D-ed) + U*math.Abs(a.R) + Underflow
	}
	ep = (1+Gamma(2))*step*er + Gamma(2)*(math.Abs(float64(p0))+step*math.Abs(a.R)) + Underflow
	return em, ev, ep
}

// adamOverflows reports whether an intermediate value of the step is finite
// but near or beyond the float32 range, so that float32 arithmetic may
// overflow where the float64 reference does not.
func adamOverflows(a ref.Adam, c ref.AdamCoeffs, p0, m0 float32) bool {
	const limit = math.MaxFloat32 / 2
	step := float64(c.StepSize)
	for _, v := range []float64{
		a.G + math.Abs(float64(m0)), a.MMag, a.VMag, a.D, math.Abs(a.R), step * math.Abs(a.R),
		math.Abs(float64(p0)) + step*math.Abs(a.R),
	} {
		if !math.IsInf(v, 0) && v > limit {
			return true
		}
	}
	return false
}

func clone1(s []float32) []float32 { return append([]float32(nil), s...) }
