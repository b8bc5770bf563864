package bptt

import (
	"fmt"
	"math/rand/v2"
)

// InitUniform fills the Data of every parameter, in order, with values drawn
// from U(−bound, bound), the distribution PyTorch's nn.LSTM, nn.GRU and
// nn.RNN initialise every weight and bias with for bound = 1/√hidden_size
// (and nn.Linear's for bound = 1/√in_features). The values come from a
// math/rand/v2 PCG stream seeded with (seed, 0): the same seed gives the
// same values on every platform, but not PyTorch's random stream.
//
// Each value is bound·(2u − 1) for u uniform in [0, 1) in float32 steps of
// 2⁻²⁴, so it lies in [−bound, bound). Grad is not touched. A negative or
// NaN bound panics.
func InitUniform(params []*Param, bound float32, seed uint64) {
	if !(bound >= 0) {
		panic(fmt.Sprintf("bptt.InitUniform: bound = %v; want bound ≥ 0", bound))
	}
	r := rand.New(rand.NewPCG(seed, 0))
	for _, p := range params {
		for i := range p.Data {
			p.Data[i] = bound * (2*r.Float32() - 1)
		}
	}
}
