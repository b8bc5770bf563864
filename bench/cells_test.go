package bench

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
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

// BenchmarkStepOverFloor measures, in one run, the fused batch-1 step
// kernel that Model.Step runs (kernels.LSTMStep, kernels.GRUStep) against
// its floor, the matrix·vector products over the very same weight arrays
// (LSTM: MatVec over [W_ih | W_hh]; GRU: MatVec over W_ih and over W_hh),
// alternating runs of eight of each so both see the same machine state and
// the same cache contents, and reports their ratio ("step/floor"; issue 6's
// bar is ≤ 1.15). Model.Step adds two copies of at most I + H floats
// (BenchmarkCellStep times it whole).
func BenchmarkStepOverFloor(b *testing.B) {
	const run = 8
	for _, cell := range benchCells {
		for _, l := range kerneltest.Levels() {
			for _, h := range cellSizes {
				b.Run(fmt.Sprintf("cell=%s/impl=simdrnn-%v/B=1/H=%d", cell.name, l, h), func(b *testing.B) {
					kerneltest.WithLevel(l, func() {
						r := kerneltest.Rand(uint64(h))
						fill := func(n int) []float32 {
							s := make([]float32, n)
							kerneltest.Fill(r, s)
							kernels.Scale(1/float32(math.Sqrt(float64(h))), s)
							return s
						}
						var step, floor func()
						switch cell.mode {
						case cells.LSTM:
							w, xh, bias, hh, c, y := fill(8*h*h), fill(2*h), fill(4*h), fill(h), fill(h), fill(4*h)
							step = func() { kernels.LSTMStep(hh, c, w, xh, bias) }
							floor = func() { kernels.MatVec(y, w, xh) }
						default:
							wIH, wHH, x, hPrev, bIH, bHH := fill(3*h*h), fill(3*h*h), fill(h), fill(h), fill(3*h), fill(3*h)
							hh, y1, y2 := fill(h), fill(3*h), fill(3*h)
							step = func() { kernels.GRUStep(hh, wIH, wHH, x, hPrev, bIH, bHH) }
							floor = func() { kernels.MatVec(y1, wIH, x); kernels.MatVec(y2, wHH, hPrev) }
						}
						var tStep, tFloor time.Duration
						for b.Loop() {
							t0 := time.Now()
							for range run {
								step()
							}
							t1 := time.Now()
							for range run {
								floor()
							}
							t2 := time.Now()
							tStep += t1.Sub(t0)
							tFloor += t2.Sub(t1)
						}
						b.ReportMetric(tStep.Seconds()/tFloor.Seconds(), "step/floor")
						b.ReportMetric(float64(tStep.Nanoseconds())/float64(run*b.N), "ns/step")
						b.ReportMetric(float64(tFloor.Nanoseconds())/float64(run*b.N), "ns/floor")
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
							if _, err := model.Forward(x, steps, 1, nil); err != nil {
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

// streamSteps times model.Step over state for a batch of batch vectors of
// h inputs, with the model's weight bytes as the bytes per step.
func streamSteps(b *testing.B, model *cells.Model, state *cells.State, batch, h int) {
	x := make([]float32, batch*h)
	kerneltest.Fill(kerneltest.Rand(1), x)
	y := make([]float32, batch*h)
	b.SetBytes(int64(model.WeightBytes()))
	b.ReportAllocs()
	for b.Loop() {
		if err := model.Step(state, x, y); err != nil {
			b.Fatal(err)
		}
	}
}
