package bench

import (
	"fmt"
	"math"
	"testing"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// Cell benchmarks are named cell=…/impl=simdrnn-<level>/B=…/H=… so that
// bench/peers/pytorch_bench.py's impl=pytorch lines sit beside them in one
// benchstat table (benchstat -col /impl). I = H throughout.

var cellSizes = []int{64, 128, 256, 512, 1024}

func benchModel(b *testing.B, mode cells.Mode, h int) *cells.Model {
	cfg := cells.Config{Mode: mode, InputSize: h, HiddenSize: h, NumLayers: 1}
	r := kerneltest.Rand(uint64(h))
	params := map[string][]float32{}
	scale := 1 / float32(math.Sqrt(float64(h)))
	for _, spec := range cfg.Params() {
		data := make([]float32, spec.Size())
		kerneltest.Fill(r, data)
		kernels.Scale(scale, data)
		params[spec.Name] = data
	}
	model, err := cells.New(cfg, params)
	if err != nil {
		b.Fatal(err)
	}
	return model
}

var benchCells = []struct {
	name string
	mode cells.Mode
}{{"lstm", cells.LSTM}, {"gru", cells.GRU}}

// BenchmarkCellStep times one streaming step (Model.Step) at batch 1 and 8.
// At batch 8 the time per sample is the reported time divided by 8.
func BenchmarkCellStep(b *testing.B) {
	for _, cell := range benchCells {
		for _, l := range kerneltest.Levels() {
			for _, batch := range []int{1, 8} {
				for _, h := range cellSizes {
					b.Run(fmt.Sprintf("cell=%s/impl=simdrnn-%v/B=%d/H=%d", cell.name, l, batch, h), func(b *testing.B) {
						kerneltest.WithLevel(l, func() {
							model := benchModel(b, cell.mode, h)
							state, err := model.NewState(batch)
							if err != nil {
								b.Fatal(err)
							}
							x := make([]float32, batch*h)
							kerneltest.Fill(kerneltest.Rand(1), x)
							y := make([]float32, batch*h)
							b.ReportAllocs()
							for b.Loop() {
								if err := model.Step(state, x, y); err != nil {
									b.Fatal(err)
								}
							}
						})
					})
				}
			}
		}
	}
}

// BenchmarkStepFloor is the memory-bound floor of a batch-1 step: one
// MatVec over as many weights as the cell has (G·H × 2H).
func BenchmarkStepFloor(b *testing.B) {
	for _, cell := range benchCells {
		gates := map[string]int{"lstm": 4, "gru": 3}[cell.name]
		for _, l := range kerneltest.Levels() {
			for _, h := range cellSizes {
				b.Run(fmt.Sprintf("cell=%s/impl=simdrnn-%v/B=1/H=%d", cell.name, l, h), func(b *testing.B) {
					kerneltest.WithLevel(l, func() {
						w := make([]float32, gates*h*2*h)
						x := make([]float32, 2*h)
						y := make([]float32, gates*h)
						kerneltest.Fill(kerneltest.Rand(2), w)
						kerneltest.Fill(kerneltest.Rand(3), x)
						for b.Loop() {
							kernels.MatVec(y, w, x)
						}
					})
				})
			}
		}
	}
}

// BenchmarkSequence times Model.Forward over T = 100 steps at batch 1 and
// reports ns per step.
func BenchmarkSequence(b *testing.B) {
	const steps = 100
	for _, cell := range benchCells {
		for _, l := range kerneltest.Levels() {
			for _, h := range cellSizes[:4] {
				b.Run(fmt.Sprintf("cell=%s/impl=simdrnn-%v/T=100/B=1/H=%d", cell.name, l, h), func(b *testing.B) {
					kerneltest.WithLevel(l, func() {
						model := benchModel(b, cell.mode, h)
						x := make([]float32, steps*h)
						kerneltest.Fill(kerneltest.Rand(4), x)
						for b.Loop() {
							if _, err := model.Forward(x, 1, nil); err != nil {
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
