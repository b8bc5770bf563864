package fuzz

import (
	"math"
	"testing"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// Hyper-parameter values FuzzAdamStep picks from: the ranges PyTorch
// accepts, with their ends.
var (
	adamLRs     = []float64{0, 1e-4, 1e-3, 1e-2, 0.1, 1}
	adamBetas   = []float64{0, 0.3, 0.5, 0.9, 0.95, 0.99, 0.999, 0.9999}
	adamEpsilon = []float64{0, 1e-12, 1e-8, 1e-6, 1e-3}
	adamDecays  = []float64{0, 1e-4, 1e-2, 1}
)

// FuzzAdamStep decodes hyper-parameters, a step number, a length, start
// offsets and the operands (v non-negative, as second moments are) and
// checks every level against the float64 reference.
func FuzzAdamStep(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{data: data}
		n := int(in.byte()) % 71
		pick := func(values []float64) float64 { return values[int(in.byte())%len(values)] }
		o := kernels.AdamOptions{
			LR: pick(adamLRs), Beta1: pick(adamBetas), Beta2: pick(adamBetas),
			Eps: pick(adamEpsilon), WeightDecay: pick(adamDecays),
			Step: 1 + int(in.uint32()%20000),
		}
		ops := make([][]float32, 4)
		for i := range ops {
			offset := int(in.byte()) % 16
			ops[i] = make([]float32, offset+n)[offset:]
			for k := range ops[i] {
				v := in.float()
				if i == 3 {
					v = float32(math.Abs(float64(v)))
				}
				ops[i][k] = v
			}
		}
		for _, l := range kerneltest.Levels() {
			c := kerneltest.AdamCase{Opts: o}
			c.Param, c.Grad = append([]float32(nil), ops[0]...), append([]float32(nil), ops[1]...)
			c.M, c.V = append([]float32(nil), ops[2]...), append([]float32(nil), ops[3]...)
			var err error
			kerneltest.WithLevel(l, func() { err = c.Execute() })
			if err != nil {
				t.Fatalf("level %v, options %+v: %v", l, o, err)
			}
		}
	})
}
