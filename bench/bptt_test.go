package bench

import (
	"fmt"
	"testing"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// trainNet returns a one-layer bptt.Net with I = H holding benchModel's
// parameters (values in [-1/√H, 1/√H)).
func trainNet(b *testing.B, mode cells.Mode, h int) *bptt.Net {
	net, err := bptt.FromModel(benchModel(b, mode, h))
	if err != nil {
		b.Fatal(err)
	}
	return net
}

// BenchmarkTrainStep times one training pass over a sequence of T = 100
// steps, time-major, at batch 1 and 16: ZeroGrad, Forward (recording the
// tape) and Backward with a fixed random ∂L/∂Y for every step, no
// gradient on the final states and none for the input (SetInputGrad(false);
// from 2026-11-26 on, earlier results include dX). It reports ns/step = ns/op / 100, the
// figure issue 7 compares with PyTorch (impl=pytorch lines from
// bench/peers/pytorch_bench.py --only train: nn.LSTM/nn.GRU on one thread,
// forward, backward, zero_grad). A warm-up pass before the timed loop
// sizes the tape, so the loop should allocate nothing.
func BenchmarkTrainStep(b *testing.B) {
	const steps = 100
	for _, cell := range benchCells {
		for _, l := range kerneltest.Levels() {
			for _, batch := range []int{1, 16} {
				for _, h := range cellSizes[:4] {
					b.Run(fmt.Sprintf("cell=%s/impl=simdrnn-%v/T=100/B=%d/H=%d", cell.name, l, batch, h), func(b *testing.B) {
						kerneltest.WithLevel(l, func() {
							net := trainNet(b, cell.mode, h)
							tape := net.NewTape()
							// The input is data: no dX, as pytorch_bench.py's x
							// (requires_grad False).
							tape.SetInputGrad(false)
							pass := trainPass(b, net, tape, steps, batch, h)
							pass() // warm-up: grows the tape's buffers
							b.ReportAllocs()
							for b.Loop() {
								pass()
							}
							b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/steps, "ns/step")
						})
					})
				}
			}
		}
	}
}

// BenchmarkTrainWorkers times one training pass (ZeroGrad, Forward,
// Backward; no dX) over T = 32 steps of a one-layer LSTM or GRU (I = H) at
// batches 4 and 16 with each step split across 1 or 2 goroutines
// (Tape.SetWorkers; see workerCase: the forward steps of a batch of 4 split
// by units, the backward steps by samples): benchstat -col /workers gives
// the ratios in one run. The input projection splits by rows; the weight
// gradients' products stay on one goroutine.
func BenchmarkTrainWorkers(b *testing.B) {
	const steps = 32
	for _, cell := range benchCells {
		for _, h := range []int{256, 512} {
			for _, batch := range []int{4, 16} {
				for _, wc := range workerCases(batch) {
					b.Run(fmt.Sprintf("cell=%s/H=%d/B=%d/workers=%s", cell.name, h, batch, wc.name), func(b *testing.B) {
						net := trainNet(b, cell.mode, h)
						tape := net.NewTape()
						defer tape.Close()
						if err := tape.SetWorkers(wc.n); err != nil {
							b.Fatal(err)
						}
						tape.SetInputGrad(false)
						pass := trainPass(b, net, tape, steps, batch, h)
						wc.withSplit(func() {
							pass()
							b.ReportAllocs()
							for b.Loop() {
								pass()
							}
						})
					})
				}
			}
		}
	}
}

// trainPass returns one training pass of net on tape (ZeroGrad, Forward,
// Backward with no state gradients) over filled x and dy of steps × batch ×
// h, I = H.
func trainPass(b *testing.B, net *bptt.Net, tape *bptt.Tape, steps, batch, h int) func() {
	x := make([]float32, steps*batch*h)
	dy := make([]float32, steps*batch*h)
	kerneltest.Fill(kerneltest.Rand(5), x)
	kerneltest.Fill(kerneltest.Rand(6), dy)
	return func() {
		net.ZeroGrad()
		if err := net.Forward(tape, x, steps, batch, nil); err != nil {
			b.Fatal(err)
		}
		if err := net.Backward(tape, dy, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
