package kernels

import (
	"fmt"
	"math"
)

// AdamOptions are the hyper-parameters of one AdamStep. They are float64,
// as PyTorch's are (Python floats): 1 − float32(0.999) differs from
// 1 − 0.999 by 1.3·10⁻⁵ relative, which would show in every update.
type AdamOptions struct {
	LR           float64 // learning rate, ≥ 0
	Beta1, Beta2 float64 // decay rates of the first and second moments, in [0, 1)
	Eps          float64 // added to the bias-corrected √v, ≥ 0
	WeightDecay  float64 // L2 penalty added to the gradient, ≥ 0 (0 for none)
	Step         int     // the number of this step for these moments, from 1
}

// AdamStep applies one step of Adam (torch.optim.Adam with amsgrad, maximize
// and decoupled weight decay off) to param, updating the first and second
// moment estimates m and v in place.
//
// The coefficients are formed from the options in float64, as PyTorch forms
// them in Python, and rounded to float32 as PyTorch's CPU kernels take them:
//
//	beta2, eps, weightDecay := float32(o.Beta2), float32(o.Eps), float32(o.WeightDecay)
//	w1, w2 := float32(1 - o.Beta1), float32(1 - o.Beta2)
//	stepSize := float32(o.LR / (1 - o.Beta1^o.Step))
//	correction2 := float32(√(1 - o.Beta2^o.Step))
//
// Reference loop (PyTorch's operations: lerp for m, in the form PyTorch
// evaluates for Beta1 > 0.5; addcmul for v; addcdiv for param):
//
//	for i := range param {
//		g := grad[i] + weightDecay*param[i]
//		m[i] += w1 * (g - m[i])
//		v[i] = beta2*v[i] + w2*g*g
//		d := √v[i]/correction2 + eps
//		param[i] -= stepSize * (m[i] / d)
//	}
//
// Shapes: len(grad), len(m) and len(v) equal len(param); the options in the
// ranges above and Step ≥ 1. Anything else panics, before memory is
// touched, with a message naming the kernel and the sizes or values. The
// four slices must not overlap. v holds second moments, so it must not be
// negative (a negative v can give √ of a negative number: NaN).
//
// AdamStep is pure Go, the same code at every level (it runs once per
// parameter per step, far from the cost of the products that made the
// gradient); SIMD versions may follow under the same contract.
//
// Error bound. Write m, v, s = √v, d = s/correction2 + eps and r = m/d for the
// exact values of the reference loop on the float32 inputs and coefficients
// (m and v the new moments; m₀, v₀, p₀ the old values), and G = |grad[i]| +
// |weightDecay·p₀| for the magnitude of g. The float32 results m̃, ṽ and p̃
// satisfy
//
//	|m̃ − m| ≤ Em = γ(5)·(|m₀| + w1·(G + |m₀|)) + 2·2⁻¹⁴⁹
//	|ṽ − v| ≤ Ev = γ(7)·(beta2·|v₀| + w2·G²) + 2·2⁻¹⁴⁹
//	|p̃ − p| ≤ (1 + γ(2))·stepSize·Er + γ(2)·(|p₀| + stepSize·|r|) + 2⁻¹⁴⁹
//
// where the computed denominator is within Ed of d and the quotient within
// Er of r:
//
//	Ed = (1 + γ(3))·min(Ev/s, √Ev)/correction2 + γ(3)·d + 2·2⁻¹⁴⁹
//	Er = (1 + u)·(Em + |r|·Ed)/(d − Ed) + u·|r| + 2⁻¹⁴⁹   (unbounded if Ed ≥ d)
//
// These hold wherever no intermediate value (g², m/d, stepSize·r, …)
// exceeds the float32 range; where one does, the results may be ±Inf or
// NaN, or p may stay unchanged (an infinite v makes the update 0), as in
// PyTorch. NaN and ±Inf inputs propagate as the reference loop says: a NaN
// gradient makes m, v and param NaN. A zero result may have the other sign
// than the reference loop's where a rounded intermediate is zero (with LR 0,
// p − 0·r is −0 or +0 as the computed r is +0 or −0).
func AdamStep(param, grad, m, v []float32, o AdamOptions) {
	if len(grad) != len(param) || len(m) != len(param) || len(v) != len(param) {
		panic(fmt.Sprintf("kernels.AdamStep: len(param) = %d, len(grad) = %d, len(m) = %d, len(v) = %d; want equal lengths", len(param), len(grad), len(m), len(v)))
	}
	c := adamCoefficients("AdamStep", o)
	if len(param) == 0 {
		return
	}
	adamStepGeneric(param, grad, m, v, c)
}

// adamCoeffs are the float32 coefficients of one step.
type adamCoeffs struct {
	beta2, w1, w2, eps, weightDecay, stepSize, correction2 float32
}

func adamCoefficients(kernel string, o AdamOptions) adamCoeffs {
	switch {
	case o.Step < 1:
		panic(fmt.Sprintf("kernels.%s: Step = %d; want Step ≥ 1", kernel, o.Step))
	case !(o.Beta1 >= 0 && o.Beta1 < 1) || !(o.Beta2 >= 0 && o.Beta2 < 1):
		panic(fmt.Sprintf("kernels.%s: Beta1 = %v, Beta2 = %v; want betas in [0, 1)", kernel, o.Beta1, o.Beta2))
	case !(o.LR >= 0) || !(o.Eps >= 0) || !(o.WeightDecay >= 0):
		panic(fmt.Sprintf("kernels.%s: LR = %v, Eps = %v, WeightDecay = %v; want values ≥ 0", kernel, o.LR, o.Eps, o.WeightDecay))
	}
	step := float64(o.Step)
	return adamCoeffs{
		beta2:       float32(o.Beta2),
		w1:          float32(1 - o.Beta1),
		w2:          float32(1 - o.Beta2),
		eps:         float32(o.Eps),
		weightDecay: float32(o.WeightDecay),
		stepSize:    float32(o.LR / (1 - math.Pow(o.Beta1, step))),
		correction2: float32(math.Sqrt(1 - math.Pow(o.Beta2, step))),
	}
}

func adamStepGeneric(param, grad, m, v []float32, c adamCoeffs) {
	n := len(param)
	grad, m, v = grad[:n], m[:n], v[:n]
	for i, p := range param {
		g := grad[i] + c.weightDecay*p
		mi := m[i] + c.w1*(g-m[i])
		vi := c.beta2*v[i] + c.w2*g*g
		// The square root of a float32 rounded once from float64 is the
		// correctly rounded float32 square root.
		d := float32(math.Sqrt(float64(vi)))/c.correction2 + c.eps
		param[i] = p - c.stepSize*(mi/d)
		m[i], v[i] = mi, vi
	}
}
