package ref

import "math"

// AdamCoeffs are the float32 coefficients of one Adam step, formed from the
// float64 hyper-parameters as kernels.AdamStep's doc comment says.
type AdamCoeffs struct {
	Beta2, W1, W2, Eps, WeightDecay, StepSize, Correction2 float32
}

// AdamCoefficients returns the coefficients of step (from 1) of Adam with
// the given hyper-parameters.
func AdamCoefficients(lr, beta1, beta2, eps, weightDecay float64, step int) AdamCoeffs {
	t := float64(step)
	return AdamCoeffs{
		Beta2:       float32(beta2),
		W1:          float32(1 - beta1),
		W2:          float32(1 - beta2),
		Eps:         float32(eps),
		WeightDecay: float32(weightDecay),
		StepSize:    float32(lr / (1 - math.Pow(beta1, t))),
		Correction2: float32(math.Sqrt(1 - math.Pow(beta2, t))),
	}
}

// Adam is the exact Adam step of one element: the new parameter and
// moments, the intermediate values the error bound of kernels.AdamStep is
// built from (S = √V, D = S/Correction2 + Eps, R = M/D), and the magnitudes
// G = |grad| + |weightDecay·param|, MMag = |m₀| + W1·(G + |m₀|) and
// VMag = Beta2·|v₀| + W2·G².
type Adam struct {
	Param, M, V, S, D, R float64
	G, MMag, VMag        float64
}

// AdamStep returns the exact step of kernels.AdamStep's reference loop for
// one element with the old values param, m and v.
func AdamStep(param, grad, m, v float32, c AdamCoeffs) Adam {
	p0, m0, v0 := float64(param), float64(m), float64(v)
	wd, w1, w2, beta2 := float64(c.WeightDecay), float64(c.W1), float64(c.W2), float64(c.Beta2)
	g := float64(grad) + wd*p0
	var a Adam
	a.M = m0 + w1*(g-m0)
	a.V = beta2*v0 + w2*g*g
	a.S = math.Sqrt(a.V)
	a.D = a.S/float64(c.Correction2) + float64(c.Eps)
	a.R = a.M / a.D
	a.Param = p0 - float64(c.StepSize)*a.R
	a.G = math.Abs(float64(grad)) + math.Abs(wd*p0)
	a.MMag = math.Abs(m0) + w1*(a.G+math.Abs(m0))
	a.VMag = beta2*math.Abs(v0) + w2*a.G*a.G
	return a
}
