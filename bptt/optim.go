package bptt

import (
	"fmt"

	"github.com/simdrnn/simdrnn/kernels"
)

// Optimizer updates parameters in place from their gradients.
//
// Step reads each parameter's Grad and writes its Data (and the
// optimizer's own per-parameter state); it does not clear the gradients
// (call ZeroGrad before the next backward pass, as with PyTorch). The
// state is keyed by *Param, so the same Params must be passed every step;
// a Param seen for the first time gets fresh state. Optimizers are not
// safe for concurrent use.
type Optimizer interface {
	Step(params []*Param)
}

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and L2 weight decay: torch.optim.SGD (maximize off).
// For each parameter p with gradient g, step t:
//
//	d = g + WeightDecay·p
//	if Momentum ≠ 0:
//		b = d                                (t = 1)
//		b = Momentum·b + (1 − Dampening)·d   (t > 1)
//		d = d + Momentum·b if Nesterov, else d = b
//	p = p − LR·d
//
// Each line is a kernel call (kernels.Axpy, kernels.Scale) in PyTorch's
// order, with the hyper-parameters rounded to float32 as PyTorch's CPU
// kernels take them. The hyper-parameters are float64 (Python floats in
// PyTorch); they may change between steps. The momentum buffer b and a
// scratch vector for d (needed only with weight decay or Nesterov, and
// shared by all parameters) are allocated on first use; later steps
// allocate nothing.
//
// Step panics, before updating anything, if LR, Momentum or WeightDecay
// is negative or NaN, or Nesterov is set without Momentum > 0 and
// Dampening = 0 (the conditions torch.optim.SGD raises on).
type SGD struct {
	LR          float64
	Momentum    float64
	Dampening   float64
	Nesterov    bool
	WeightDecay float64

	momentum map[*Param][]float32
	scratch  []float32
}

// Step applies one SGD update to every parameter.
func (o *SGD) Step(params []*Param) {
	switch {
	case !(o.LR >= 0) || !(o.Momentum >= 0) || !(o.WeightDecay >= 0):
		panic(fmt.Sprintf("bptt.SGD: LR = %v, Momentum = %v, WeightDecay = %v; want values ≥ 0", o.LR, o.Momentum, o.WeightDecay))
	case o.Nesterov && (o.Momentum <= 0 || o.Dampening != 0):
		panic(fmt.Sprintf("bptt.SGD: Nesterov with Momentum = %v, Dampening = %v; want Momentum > 0 and Dampening = 0", o.Momentum, o.Dampening))
	}
	checkGradLengths("SGD", params)
	for _, p := range params {
		d := p.Grad
		if o.WeightDecay != 0 || o.Nesterov {
			if cap(o.scratch) < len(p.Grad) {
				o.scratch = make([]float32, len(p.Grad))
			}
			d = o.scratch[:len(p.Grad)]
			copy(d, p.Grad)
			if o.WeightDecay != 0 {
				kernels.Axpy(float32(o.WeightDecay), p.Data, d)
			}
		}
		if o.Momentum != 0 {
			if o.momentum == nil {
				o.momentum = map[*Param][]float32{}
			}
			b, ok := o.momentum[p]
			if !ok {
				b = make([]float32, len(d))
				copy(b, d)
				o.momentum[p] = b
			} else {
				kernels.Scale(float32(o.Momentum), b)
				kernels.Axpy(float32(1-o.Dampening), d, b)
			}
			if o.Nesterov {
				kernels.Axpy(float32(o.Momentum), b, d)
			} else {
				d = b
			}
		}
		kernels.Axpy(float32(-o.LR), d, p.Data)
	}
}

// Adam is the Adam optimizer, torch.optim.Adam (amsgrad and maximize off,
// L2 weight decay added to the gradient as PyTorch's Adam does, not
// decoupled as AdamW). For each parameter p with gradient g, step t (from
// 1, counted per parameter):
//
//	g = g + WeightDecay·p
//	m = m + (1 − Beta1)·(g − m)
//	v = Beta2·v + (1 − Beta2)·g²
//	p = p − LR/(1 − Beta1ᵗ) · m / (√v/√(1 − Beta2ᵗ) + Eps)
//
// with m and v starting at zero: the bias-corrected moments m/(1 − Beta1ᵗ)
// and v/(1 − Beta2ᵗ). The update is one kernels.AdamStep per parameter,
// whose doc comment gives the float32 rounding and the error bound.
//
// Use NewAdam for PyTorch's defaults; a zero Beta1 or Beta2 means 0, not
// the default. The hyper-parameters are float64 (Python floats in
// PyTorch) and may change between steps. The moments are allocated on a
// parameter's first step; later steps allocate nothing. Step panics,
// before updating anything, on hyper-parameters outside PyTorch's ranges
// (LR, Eps, WeightDecay ≥ 0; betas in [0, 1)).
type Adam struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64

	state map[*Param]*adamState
}

// adamState is the per-parameter state of Adam, as PyTorch's
// state[p] = {step, exp_avg, exp_avg_sq}.
type adamState struct {
	step int
	m, v []float32
}

// NewAdam returns Adam with learning rate lr and PyTorch's defaults:
// Beta1 0.9, Beta2 0.999, Eps 1e-8, no weight decay.
func NewAdam(lr float64) *Adam {
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Step applies one Adam update to every parameter.
func (o *Adam) Step(params []*Param) {
	// The ranges torch.optim.Adam accepts, checked before any parameter
	// is updated (kernels.AdamStep would panic only at the first one).
	switch {
	case !(o.Beta1 >= 0 && o.Beta1 < 1) || !(o.Beta2 >= 0 && o.Beta2 < 1):
		panic(fmt.Sprintf("bptt.Adam: Beta1 = %v, Beta2 = %v; want betas in [0, 1)", o.Beta1, o.Beta2))
	case !(o.LR >= 0) || !(o.Eps >= 0) || !(o.WeightDecay >= 0):
		panic(fmt.Sprintf("bptt.Adam: LR = %v, Eps = %v, WeightDecay = %v; want values ≥ 0", o.LR, o.Eps, o.WeightDecay))
	}
	checkGradLengths("Adam", params)
	opts := kernels.AdamOptions{LR: o.LR, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay}
	if o.state == nil {
		o.state = map[*Param]*adamState{}
	}
	for _, p := range params {
		s := o.state[p]
		if s == nil {
			s = &adamState{m: make([]float32, len(p.Data)), v: make([]float32, len(p.Data))}
			o.state[p] = s
		}
		s.step++
		opts.Step = s.step
		kernels.AdamStep(p.Data, p.Grad, s.m, s.v, opts)
	}
}

// checkGradLengths panics unless every parameter's Grad has the length of
// its Data.
func checkGradLengths(optimizer string, params []*Param) {
	for _, p := range params {
		if len(p.Grad) != len(p.Data) {
			panic(fmt.Sprintf("bptt.%s: parameter %s has len(Data) = %d, len(Grad) = %d; want equal lengths", optimizer, p.Name, len(p.Data), len(p.Grad)))
		}
	}
}
