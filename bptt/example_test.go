package bptt_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
)

// A two-layer bidirectional GRU with a dense head on its final state learns
// to output the mean of a sequence, then is saved as a cells.Network, which
// the inference side loads and runs.
func Example() {
	const steps, batch, hidden = 10, 8, 16
	cfg := cells.Config{Mode: cells.GRU, InputSize: 1, HiddenSize: hidden, NumLayers: 2, Bidirectional: true}
	net, err := bptt.NewRandom(cfg, 1)
	if err != nil {
		panic(err)
	}
	// The head reads the last layer's final state, both directions side
	// by side: cfg.OutputSize() = 2·hidden wide.
	head := bptt.NewDense("fc", cfg.OutputSize(), 1, 2)
	params := append(net.Params(), head.Params()...)
	opt := bptt.NewAdam(1e-2)
	tape := net.NewTape()
	tape.SetInputGrad(false) // x is data: no gradient needed for it

	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, steps*batch) // time-major: steps × batch × 1
	target := make([]float32, batch)
	pred, dpred := make([]float32, batch), make([]float32, batch)
	dfinal := make([]float32, batch*cfg.OutputSize())
	var firstLoss, lastLoss float64
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
		final := tape.LastHN() // batch × 2·hidden, PyTorch's torch.cat((h_n[-2], h_n[-1]), 1)
		head.Forward(pred, final, batch)
		loss := bptt.MSE(dpred, pred, target)
		head.Backward(dfinal, dpred, final, batch)
		// LastHNGrad places ∂L/∂final in the dhN of every layer's states.
		if err := net.Backward(tape, nil, tape.LastHNGrad(dfinal), nil); err != nil {
			panic(err)
		}
		bptt.ClipGradNorm(params, 1)
		opt.Step(params)
		if step == 0 {
			firstLoss = loss
		}
		lastLoss = loss
	}
	fmt.Println("loss fell tenfold:", lastLoss < firstLoss/10)

	// The net and its head as one inference network (the head on the
	// final state), written as safetensors (SaveSafetensors for a path)
	// and read back as cells.LoadNetwork (a path) would.
	network, err := net.Network(head, cells.NoActivation, cells.FinalState)
	if err != nil {
		panic(err)
	}
	var file bytes.Buffer
	if err := network.WriteSafetensors(&file); err != nil {
		panic(err)
	}
	loaded, err := cells.ReadNetwork(&file, nil)
	if err != nil {
		panic(err)
	}
	out, err := loaded.Forward(cells.Input{X: x}, steps, batch, nil)
	if err != nil {
		panic(err)
	}
	if err := net.Forward(tape, x, steps, batch, nil); err != nil {
		panic(err)
	}
	head.Forward(pred, tape.LastHN(), batch)
	var diff float64
	for i := range pred {
		diff = math.Max(diff, math.Abs(float64(out.Y[i]-pred[i])))
	}
	fmt.Println(loaded.Parts().RNN.Config().Mode, "network, same predictions:", diff < 1e-6)
	// Output:
	// loss fell tenfold: true
	// GRU network, same predictions: true
}
