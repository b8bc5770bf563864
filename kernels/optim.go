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

// AdamStep applies one step of Adam (torch.optim.Adam; amsgrad, maximize
// and decoupled weight decay off) to param, updating the moments m and v in
// place. It is pure Go, the same code at every level.
//
// Reference loop (PyTorch's lerp, addcmul and addcdiv), the coefficients
// formed from o in float64 and rounded to float32 as PyTorch does:
// beta2, eps, weightDecay = float32(o.Beta2), float32(o.Eps),
// float32(o.WeightDecay); w1, w2 = float32(1 − o.Beta1), float32(1 − o.Beta2);
// stepSize = float32(o.LR/(1 − o.Beta1^o.Step));
// correction2 = float32(√(1 − o.Beta2^o.Step)).
//
//	for i := range param {
//		g := grad[i] + weightDecay*param[i]
//		m[i] += w1 * (g - m[i])
//		v[i] = beta2*v[i] + w2*g*g
//		d := √v[i]/correction2 + eps
//		param[i] -= stepSize * (m[i] / d)
//	}
//
// Shapes and bad input: len(grad), len(m), len(v) = len(param), the options
// in AdamOptions' ranges and Step ≥ 1, else a panic naming the sizes or
// values before memory is touched. No overlap; v ≥ 0 (√ of a negative v is
// NaN).
//
// Error bound, for m, v, s = √v, d and r = m/d exact from the float32 inputs
// (m₀, v₀, p₀ the old values, G = |grad[i]| + |weightDecay·p₀|):
//
//	|m̃ − m| ≤ Em = γ(5)·(|m₀| + w1·(G + |m₀|)) + 2·2⁻¹⁴⁹
//	|ṽ − v| ≤ Ev = γ(7)·(beta2·|v₀| + w2·G²) + 2·2⁻¹⁴⁹
//	|p̃ − p| ≤ (1 + γ(2))·stepSize·Er + γ(2)·(|p₀| + stepSize·|r|) + 2⁻¹⁴⁹
//	Ed = (1 + γ(3))·min(Ev/s, √Ev)/correction2 + γ(3)·d + 2·2⁻¹⁴⁹
//	Er = (1 + u)·(Em + |r|·Ed)/(d − Ed) + u·|r| + 2⁻¹⁴⁹   (none if Ed ≥ d)
//
// while no intermediate exceeds the float32 range (past it: ±Inf, NaN or an
// unchanged p, as in PyTorch). NaN and ±Inf propagate as the loop says; an
// exact zero may come out with either sign.
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
