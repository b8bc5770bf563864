package bench

import (
	"fmt"
	"testing"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// BenchmarkPrecisionStep times one streaming step (Model.Step) of a
// one-layer LSTM or GRU (I = H, PyTorch's ±1/√H initialisation) with its
// weights at each precision, at batch 1 and 8: benchstat -col /prec lines
// the precisions up against f32 in one run, and
// bench/peers/pytorch_bench.py --only quant adds PyTorch's
// quantize_dynamic qint8 nn.LSTM / nn.GRU per step as prec=pytorch-qint8.
// SetBytes is the weight bytes a step streams, so MB/s is the bandwidth
// the step reaches.
func BenchmarkPrecisionStep(b *testing.B) {
	precisions := []cells.Precision{cells.F32, cells.F16, cells.BF16, cells.Int8}
	for _, cell := range benchCells {
		for _, l := range kerneltest.Levels() {
			for _, batch := range []int{1, 8} {
				for _, h := range cellSizes {
					f32Model := benchModel(b, cell.mode, h)
					for _, p := range precisions {
						model, err := f32Model.WithPrecision(p)
						if err != nil {
							b.Fatal(err)
						}
						b.Run(fmt.Sprintf("cell=%s/impl=simdrnn-%v/B=%d/H=%d/prec=%v", cell.name, l, batch, h, p), func(b *testing.B) {
							kerneltest.WithLevel(l, func() {
								state, err := model.NewState(batch)
								if err != nil {
									b.Fatal(err)
								}
								streamSteps(b, model, state, batch, h)
							})
						})
					}
				}
			}
		}
	}
}

// BenchmarkPrecisionSequence times Model.Forward over T = 100 steps (I = H)
// with the weights at each precision and reports ns per step: the workload
// of PyTorch's nn.LSTM / nn.GRU over a sequence, whose input projection
// covers all steps at once (bench/peers/pytorch_bench.py --only quant
// prints the same names with impl=pytorch).
func BenchmarkPrecisionSequence(b *testing.B) {
	const steps = 100
	precisions := []cells.Precision{cells.F32, cells.F16, cells.BF16, cells.Int8}
	for _, cell := range benchCells {
		for _, l := range kerneltest.Levels() {
			for _, batch := range []int{1, 8} {
				for _, h := range cellSizes {
					f32Model := benchModel(b, cell.mode, h)
					x := make([]float32, steps*batch*h)
					kerneltest.Fill(kerneltest.Rand(4), x)
					for _, p := range precisions {
						model, err := f32Model.WithPrecision(p)
						if err != nil {
							b.Fatal(err)
						}
						b.Run(fmt.Sprintf("cell=%s/impl=simdrnn-%v/B=%d/H=%d/prec=%v", cell.name, l, batch, h, p), func(b *testing.B) {
							kerneltest.WithLevel(l, func() {
								for b.Loop() {
									if _, err := model.Forward(x, steps, batch, nil); err != nil {
										b.Fatal(err)
									}
								}
								b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/steps, "ns/step")
							})
						})
					}
				}
			}
		}
	}
}
