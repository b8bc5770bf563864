package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// adamOptions are the hyper-parameter sets the AdamStep tests sweep:
// PyTorch's defaults early and late in training, weight decay, the ends of
// the beta ranges and eps 0.
var adamOptions = []kernels.AdamOptions{
	{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1},
	{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 2},
	{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 10000},
	{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Step: 7},
	{LR: 0.5, Beta1: 0, Beta2: 0, Eps: 1e-3, WeightDecay: 2, Step: 1},
	{LR: 3e-4, Beta1: 0.99, Beta2: 0.9999, Eps: 0, Step: 3},
	{LR: 0, Beta1: 0.5, Beta2: 0.5, Eps: 1e-6, Step: 1},
}

// adamCase returns padded operands of length n at the given start offsets,
// filled with random data (v non-negative, as second moments are), and the
// padding checks.
func adamCase(r *rand.Rand, o kernels.AdamOptions, n int, offsets [4]int) (kerneltest.AdamCase, []func() error) {
	ops := make([][]float32, 4)
	checks := make([]func() error, 4)
	for i := range ops {
		ops[i], checks[i] = kerneltest.Padded(n, offsets[i])
		kerneltest.Fill(r, ops[i])
	}
	for k := range ops[3] {
		ops[3][k] = float32(math.Abs(float64(ops[3][k]))) * 1e-2
	}
	return kerneltest.AdamCase{Opts: o, Param: ops[0], Grad: ops[1], M: ops[2], V: ops[3]}, checks
}

// TestAdamStep checks AdamStep at every level against the float64
// reference over lengths, start offsets and hyper-parameters, and that it
// writes nothing outside param, m and v.
func TestAdamStep(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		r := kerneltest.Rand(21)
		for _, o := range adamOptions {
			for k, n := range vectorLengths {
				offsets := [4]int{k % 16, (k * 5) % 16, (k * 7) % 16, (k * 11) % 16}
				c, checks := adamCase(r, o, n, offsets)
				require.NoError(t, c.Execute(), "options %+v", o)
				for i, check := range checks {
					require.NoError(t, check(), "operand %d", i)
				}
			}
		}
	})
}

// TestAdamStepTrajectory runs many steps on the same moments, as training
// does, checking each against the reference.
func TestAdamStepTrajectory(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		r := kerneltest.Rand(22)
		o := kernels.AdamOptions{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-4}
		c, _ := adamCase(r, o, 37, [4]int{})
		clear(c.M)
		clear(c.V)
		for step := 1; step <= 200; step++ {
			kerneltest.Fill(r, c.Grad)
			c.Opts.Step = step
			require.NoError(t, c.Execute(), "step %d", step)
		}
	})
}

// TestAdamStepSpecialValues injects NaN, ±Inf, −0, subnormals and large
// magnitudes (non-negative ones into v) and checks IEEE propagation and the
// bound.
func TestAdamStepSpecialValues(t *testing.T) {
	nonNegative := []float32{float32(math.NaN()), float32(math.Inf(1)), 0, 1e-40, math.SmallestNonzeroFloat32, 1e18, math.MaxFloat32}
	values := append(append([]float32(nil), specials...), huge...)
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		r := kerneltest.Rand(23)
		for _, o := range adamOptions {
			for trial := 0; trial < 300; trial++ {
				n := 1 + trial%40
				c, _ := adamCase(r, o, n, [4]int{trial % 16, (trial * 3) % 16, (trial * 5) % 16, (trial * 7) % 16})
				ops := [][]float32{c.Param, c.Grad, c.M, c.V}
				for k := 0; k < 1+trial%4; k++ {
					op := r.IntN(4)
					if op == 3 {
						c.V[r.IntN(n)] = nonNegative[r.IntN(len(nonNegative))]
						continue
					}
					ops[op][r.IntN(n)] = values[r.IntN(len(values))]
				}
				require.NoError(t, c.Execute(), "options %+v trial %d", o, trial)
			}
		}
		// All zeros, −0 parameters: the update is +0 and −0 stays −0 (the
		// reference check accepts either sign of a zero, so the bits are
		// checked here).
		for _, o := range adamOptions {
			if o.Eps == 0 {
				continue // 0/0 is NaN
			}
			c, _ := adamCase(r, o, 9, [4]int{})
			for i := range c.Param {
				c.Param[i], c.Grad[i], c.M[i], c.V[i] = float32(math.Copysign(0, -1)), 0, 0, 0
			}
			require.NoError(t, c.Execute())
			for i := range c.Param {
				require.Equal(t, math.Float32bits(float32(math.Copysign(0, -1))), math.Float32bits(c.Param[i]))
				require.Zero(t, math.Float32bits(c.M[i]))
				require.Zero(t, math.Float32bits(c.V[i]))
			}
		}
	})
}

// TestAdamStepFirstStep checks the property that makes Adam's first step
// lr·sign(g) in size: with zero moments and eps 0, m̂/√v̂ = g/|g|.
func TestAdamStepFirstStep(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		param := []float32{1, 1, 1, 1}
		grad := []float32{3, -0.25, 1e-3, -70}
		m, v := make([]float32, 4), make([]float32, 4)
		kernels.AdamStep(param, grad, m, v, kernels.AdamOptions{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Step: 1})
		for i, g := range grad {
			want := 1 - 0.01*math.Copysign(1, float64(g))
			require.InEpsilon(t, want, float64(param[i]), 1e-6, "param[%d]", i)
		}
	})
}

// TestAdamStepBadArguments checks that mismatched lengths and options out of
// range panic with a message naming the kernel and the values, before any
// operand is written.
func TestAdamStepBadArguments(t *testing.T) {
	good := kernels.AdamOptions{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1}
	withOpts := func(f func(o *kernels.AdamOptions)) kernels.AdamOptions { o := good; f(&o); return o }
	cases := []struct {
		sizes [4]int
		opts  kernels.AdamOptions
		want  []string
	}{
		{[4]int{5, 4, 5, 5}, good, []string{"len(param) = 5", "len(grad) = 4"}},
		{[4]int{5, 5, 6, 5}, good, []string{"len(m) = 6"}},
		{[4]int{5, 5, 5, 3}, good, []string{"len(v) = 3"}},
		{[4]int{5, 5, 5, 5}, withOpts(func(o *kernels.AdamOptions) { o.Step = 0 }), []string{"Step = 0"}},
		{[4]int{5, 5, 5, 5}, withOpts(func(o *kernels.AdamOptions) { o.Beta1 = 1 }), []string{"Beta1 = 1"}},
		{[4]int{5, 5, 5, 5}, withOpts(func(o *kernels.AdamOptions) { o.Beta2 = -0.1 }), []string{"Beta2 = -0.1"}},
		{[4]int{5, 5, 5, 5}, withOpts(func(o *kernels.AdamOptions) { o.LR = math.NaN() }), []string{"LR = NaN"}},
		{[4]int{5, 5, 5, 5}, withOpts(func(o *kernels.AdamOptions) { o.Eps = -1 }), []string{"Eps = -1"}},
		{[4]int{5, 5, 5, 5}, withOpts(func(o *kernels.AdamOptions) { o.WeightDecay = -1 }), []string{"WeightDecay = -1"}},
	}
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, c := range cases {
			requireBadLengthPanic(t, 24, "AdamStep", c.sizes[:], c.want, func(o [][]float32) {
				kernels.AdamStep(o[0], o[1], o[2], o[3], c.opts)
			})
		}
	})
}

// TestAdamStepNoAllocations checks a call allocates nothing.
func TestAdamStepNoAllocations(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		p, g, m, v := make([]float32, 300), make([]float32, 300), make([]float32, 300), make([]float32, 300)
		o := kernels.AdamOptions{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1}
		allocs := testing.AllocsPerRun(20, func() { kernels.AdamStep(p, g, m, v, o); o.Step++ })
		require.Zero(t, allocs)
	})
}
