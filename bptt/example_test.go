package bptt_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
)

// A GRU with a dense head learns to output the mean of a sequence, then is
// exported as a cells.Model for streaming inference.
func Example() {
	const steps, batch, hidden = 10, 8, 16
	cfg := cells.Config{Mode: cells.GRU, InputSize: 1, HiddenSize: hidden, NumLayers: 1}
	net, err := bptt.NewRandom(cfg, 1)
	if err != nil {
		panic(err)
	}
	head := bptt.NewDense("head", hidden, 1, 2)
	params := append(net.Params(), head.Params()...)
	opt := bptt.NewAdam(1e-2)
	tape := net.NewTape()
	tape.SetInputGrad(false) // x is data: no gradient needed for it

	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, steps*batch) // time-major: steps × batch × 1
	target := make([]float32, batch)
	pred, dpred := make([]float32, batch), make([]float32, batch)
	dh := make([]float32, batch*hidden)
	var first, last float64
	for step := 0; step < 300; step++ {
		clear(target)
		for i := range x {
			x[i] = float32(r.Float64())
			target[i%batch] += x[i] / steps
		}
		bptt.ZeroGrad(params)
		if err := net.Forward(tape, x, steps, batch, nil); err != nil {
			panic(err)
		}
		head.Forward(pred, tape.HN(), batch)
		loss := bptt.MSE(dpred, pred, target)
		head.Backward(dh, dpred, tape.HN(), batch)
		if err := net.Backward(tape, nil, dh, nil); err != nil {
			panic(err)
		}
		bptt.ClipGradNorm(params, 1)
		opt.Step(params)
		if step == 0 {
			first = loss
		}
		last = loss
	}
	fmt.Println("loss fell tenfold:", last < first/10)

	model, err := net.Model() // read-only, for cells.Model.Step
	if err != nil {
		panic(err)
	}
	fmt.Println(model.Config().Mode)
	// Output:
	// loss fell tenfold: true
	// GRU
}
