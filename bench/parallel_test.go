package bench

import (
	"fmt"
	"testing"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// BenchmarkParallelStep times a streaming step (Model.Step) of a one-layer
// LSTM or GRU (I = H) for a batch of 1 or 4 streams with its units split
// across 1 or 2 goroutines (State.SetWorkers), at f32 and int8: benchstat
// -col /workers gives the ratio of two workers to one in one run. Layers
// under cells.ParallelMinBytes stay on one goroutine whatever the setting
// (the automatic threshold), so there the two columns time the same code.
func BenchmarkParallelStep(b *testing.B) {
	for _, cell := range benchCells {
		for _, h := range cellSizes {
			f32Model := benchModel(b, cell.mode, h)
			for _, p := range []cells.Precision{cells.F32, cells.Int8} {
				model, err := f32Model.WithPrecision(p)
				if err != nil {
					b.Fatal(err)
				}
				for _, batch := range []int{1, 4} {
					for _, workers := range []int{1, 2} {
						b.Run(fmt.Sprintf("cell=%s/H=%d/prec=%v/B=%d/workers=%d", cell.name, h, p, batch, workers), func(b *testing.B) {
							state, err := model.NewState(batch)
							if err != nil {
								b.Fatal(err)
							}
							defer state.Close()
							if err := state.SetWorkers(workers); err != nil {
								b.Fatal(err)
							}
							streamSteps(b, model, state, batch, h)
						})
					}
				}
			}
		}
	}
}

// workerCase is a column of the workers benchmarks: 1 goroutine, 2 with
// the engine's choice (steps of up to eight samples of a large LSTM or GRU
// split by units), or 2 with every step split by samples (the choice before
// the unit split, for comparison in the same run).
type workerCase struct {
	name    string
	n       int
	samples bool
}

func workerCases(batch int) []workerCase {
	out := []workerCase{{"1", 1, false}, {"2", 2, false}}
	if batch <= engine.PackedRows {
		out = append(out, workerCase{"2-samples", 2, true})
	}
	return out
}

// withSplit runs f with the engine's unit split switched off for a
// "2-samples" column.
func (wc workerCase) withSplit(f func()) {
	old := engine.UnitSplitOff
	engine.UnitSplitOff = wc.samples
	defer func() { engine.UnitSplitOff = old }()
	f()
}

// BenchmarkForwardWorkers times Model.ForwardInto over T = 32 steps of a
// one-layer LSTM or GRU (I = H, f32) for batches of 4, 8 and 16 with the
// steps split across 1 or 2 goroutines (Workspace.SetWorkers; see
// workerCase; the input projection splits by rows in both 2-worker
// columns): benchstat -col /workers gives the ratios in one run. Layers
// whose W_hh is under 512 KiB are not split.
func BenchmarkForwardWorkers(b *testing.B) {
	const steps = 32
	for _, cell := range benchCells {
		for _, h := range []int{128, 256, 512, 1024} {
			model := benchModel(b, cell.mode, h)
			for _, batch := range []int{4, 8, 16} {
				x := make([]float32, steps*batch*h)
				kerneltest.Fill(kerneltest.Rand(2), x)
				for _, wc := range workerCases(batch) {
					b.Run(fmt.Sprintf("cell=%s/H=%d/B=%d/workers=%s", cell.name, h, batch, wc.name), func(b *testing.B) {
						var ws cells.Workspace
						defer ws.Close()
						if err := ws.SetWorkers(wc.n); err != nil {
							b.Fatal(err)
						}
						var out cells.Output
						b.ReportAllocs()
						wc.withSplit(func() {
							for b.Loop() {
								if err := model.ForwardInto(&out, &ws, x, steps, batch, nil); err != nil {
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
