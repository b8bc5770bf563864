package cells_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// TestParallelStepMatchesOneWorker streams LSTMs and GRUs at every
// precision and level with 2 and 3 workers (shares of uneven size, hidden
// sizes that are not multiples of the share alignment, stacks with layers
// of different widths) and checks each step agrees with the same model
// stepped on one goroutine, also after pauses long enough for the workers
// to park.
func TestParallelStepMatchesOneWorker(t *testing.T) {
	defer cells.SetParallelMinBytes(1)()
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, mode := range []cells.Mode{cells.LSTM, cells.GRU} {
			for _, p := range []cells.Precision{cells.F32, cells.F16, cells.BF16, cells.Int8} {
				for _, wb := range []struct{ workers, batch int }{{2, 1}, {3, 1}, {2, 3}, {3, 8}} {
					workers, batch := wb.workers, wb.batch
					cfg := cells.Config{Mode: mode, InputSize: 13, HiddenSize: 41, NumLayers: 2}
					model, _ := reducedModel(t, cfg, p, 140)
					one, err := model.NewState(batch)
					require.NoError(t, err)
					par, err := model.NewState(batch)
					require.NoError(t, err)
					require.NoError(t, par.SetWorkers(workers))
					require.Equal(t, workers, par.Workers())
					y1, y2 := make([]float32, batch*cfg.HiddenSize), make([]float32, batch*cfg.HiddenSize)
					for step := 0; step < 6; step++ {
						x := randomSlice(uint64(150+step), batch*cfg.InputSize)
						require.NoError(t, model.Step(one, x, y1))
						require.NoError(t, model.Step(par, x, y2))
						what := fmt.Sprintf("%v %v %d workers batch %d step %d", mode, p, workers, batch, step)
						tol := parallelTolerance
						requireNear(t, what, y2, f64(y1), tol, tol)
						for layer := 0; layer < cfg.NumLayers; layer++ {
							requireNear(t, what, par.Hidden(layer), f64(one.Hidden(layer)), tol, tol)
							requireNear(t, what, par.Cell(layer), f64(one.Cell(layer)), tol, tol)
						}
						if step == 3 {
							time.Sleep(200 * time.Microsecond) // the workers park
						}
					}
					par.Close()
				}
			}
		}
	})
}

// TestParallelStepAllocatesNothing checks a parallel step allocates nothing.
func TestParallelStepAllocatesNothing(t *testing.T) {
	defer cells.SetParallelMinBytes(1)()
	for _, p := range []cells.Precision{cells.F32, cells.Int8} {
		for _, mode := range []cells.Mode{cells.LSTM, cells.GRU} {
			for _, batch := range []int{1, 4} {
				model, _ := reducedModel(t, cells.Config{Mode: mode, InputSize: 32, HiddenSize: 64, NumLayers: 2}, p, 160)
				state, err := model.NewState(batch)
				require.NoError(t, err)
				require.NoError(t, state.SetWorkers(2))
				require.Equal(t, 2, state.Workers())
				x, y := randomSlice(161, batch*32), make([]float32, batch*64)
				allocs := testing.AllocsPerRun(50, func() {
					if err := model.Step(state, x, y); err != nil {
						panic(err)
					}
				})
				require.Zero(t, allocs, "%v %v batch %d", mode, p, batch)
				state.Close()
			}
		}
	}
}

// workersSettle waits up to a second for the live workers of every State
// to fall to n and returns the last count seen.
func workersSettle(n int64) int64 {
	deadline := time.Now().Add(time.Second)
	for cells.LiveWorkers() > n && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	return cells.LiveWorkers()
}

// TestParallelStepWorkersStop checks Close, SetWorkers(1) and dropping a
// State stop its workers; that small layers, batches over one, other
// modes and bad counts keep (or reject) them; and that a closed state
// still steps.
func TestParallelStepWorkersStop(t *testing.T) {
	base := workersSettle(0)
	require.Zero(t, base, "the workers of earlier tests")
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 8, HiddenSize: 64, NumLayers: 1}
	model, _ := randomModel(t, cfg, 170)
	// Below ParallelMinBytes: no workers.
	state, err := model.NewState(1)
	require.NoError(t, err)
	require.NoError(t, state.SetWorkers(2))
	require.Equal(t, 1, state.Workers())
	require.Error(t, state.SetWorkers(0))
	require.Error(t, state.SetWorkers(65))

	defer cells.SetParallelMinBytes(1)()
	require.NoError(t, state.SetWorkers(4))
	require.Equal(t, 4, state.Workers())
	require.Equal(t, base+3, cells.LiveWorkers())
	state.Close()
	state.Close()
	require.Equal(t, base, workersSettle(base))
	x, y := randomSlice(171, 8), make([]float32, 64)
	require.NoError(t, model.Step(state, x, y))
	require.NoError(t, state.SetWorkers(3))
	require.NoError(t, state.SetWorkers(1))
	require.Equal(t, base, workersSettle(base))

	batch, err := model.NewState(2)
	require.NoError(t, err)
	require.NoError(t, batch.SetWorkers(2))
	require.Equal(t, 2, batch.Workers(), "a batch of two splits by units")
	batch.Close()
	wide, err := model.NewState(9)
	require.NoError(t, err)
	require.NoError(t, wide.SetWorkers(2))
	require.Equal(t, 1, wide.Workers(), "a batch over eight")
	narrow, _ := randomModel(t, cells.Config{Mode: cells.LSTM, InputSize: 8, HiddenSize: 31, NumLayers: 1}, 173)
	ns, err := narrow.NewState(2)
	require.NoError(t, err)
	require.NoError(t, ns.SetWorkers(2))
	require.Equal(t, 1, ns.Workers(), "31 units are too few to split")
	rnn, _ := randomModel(t, cells.Config{Mode: cells.RNNTanh, InputSize: 8, HiddenSize: 64, NumLayers: 1}, 172)
	rs, err := rnn.NewState(1)
	require.NoError(t, err)
	require.NoError(t, rs.SetWorkers(2))
	require.Equal(t, 1, rs.Workers())

	func() {
		dropped, err := model.NewState(1)
		require.NoError(t, err)
		require.NoError(t, dropped.SetWorkers(2))
		require.NoError(t, model.Step(dropped, x, y))
	}()
	require.Equal(t, base, workersSettle(base), "a dropped State's workers must stop")
}

// parallelTolerance bounds the difference between a split step and one
// worker's: the shares run the format's MatVecAdd and the pointwise kernel
// where one worker runs the fused step, which sums in another order (int8's
// integer sums are exact, so it differs not at all; seen at most 4.5e-8 in
// 50 steps at the other formats).
const parallelTolerance = 1e-5

// splitSamplesTolerance is parallelTolerance for ForwardInto's sample
// split, but at int8 with batches over eight: the whole batch's recurrent
// product runs on W_hh widened to float32 while a share of eight samples or
// fewer quantizes h per sample (as Forward does for small batches), which
// moves results by the quantization error.
func splitSamplesTolerance(p cells.Precision, batch int) float64 {
	if p == cells.Int8 && batch > 8 {
		return 1e-2
	}
	return parallelTolerance
}

// TestForwardIntoWorkersMatchesOneWorker runs ForwardInto with 2 and 3
// workers (every mode, f32 and int8, stacks, both directions, ragged
// lengths, batches under and over eight: MatVecBatchAdd and the packed
// product) against Forward on one goroutine, and checks a warm call
// allocates nothing.
func TestForwardIntoWorkersMatchesOneWorker(t *testing.T) {
	defer cells.SetParallelMinBytes(1)()
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, mode := range []cells.Mode{cells.LSTM, cells.GRU, cells.GRUResetBefore, cells.RNNTanh} {
			// H = 41 splits the LSTM's and the GRU's steps of up to eight
			// samples by units (shares of 16 and 25, or 16, 16 and 9, units);
			// H = 21 is too narrow for that and splits samples.
			for _, pc := range []struct {
				p      cells.Precision
				hidden int
			}{{cells.F32, 21}, {cells.Int8, 21}, {cells.F32, 41}, {cells.F16, 41}, {cells.BF16, 41}, {cells.Int8, 41}} {
				p := pc.p
				cfg := cells.Config{Mode: mode, InputSize: 9, HiddenSize: pc.hidden, NumLayers: 2, Bidirectional: true}
				model, _ := reducedModel(t, cfg, p, 180)
				for _, workers := range []int{2, 3} {
					var ws cells.Workspace
					require.NoError(t, ws.SetWorkers(workers))
					require.Equal(t, workers, ws.Workers())
					var out cells.Output
					for k, call := range []struct {
						steps, batch int
						lengths      []int
					}{{5, 3, []int{5, 2, 4}}, {4, 11, []int{4, 1, 4, 0, 3, 4, 2, 4, 4, 1, 4}}, {3, 1, nil}, {6, 8, nil}, {5, 2, []int{5, 4}}} {
						x := randomSlice(uint64(190+k), call.steps*call.batch*cfg.InputSize)
						opts := &cells.SequenceOptions{Lengths: call.lengths}
						want, err := model.Forward(x, call.steps, call.batch, opts)
						require.NoError(t, err)
						require.NoError(t, model.ForwardInto(&out, &ws, x, call.steps, call.batch, opts))
						what := fmt.Sprintf("%v %v H=%d %d workers call %d", mode, p, pc.hidden, workers, k)
						tol := splitSamplesTolerance(p, call.batch)
						requireNear(t, what, out.Y, f64(want.Y), tol, tol)
						requireNear(t, what, out.HN, f64(want.HN), tol, tol)
						if allocs := testing.AllocsPerRun(3, func() {
							if err := model.ForwardInto(&out, &ws, x, call.steps, call.batch, opts); err != nil {
								panic(err)
							}
						}); allocs != 0 {
							t.Fatalf("%s: %v allocations", what, allocs)
						}
					}
					ws.Close()
				}
			}
		}
	})
	require.Zero(t, workersSettle(0), "workers left running")
}

// TestParallelStepMemoryLimit checks SetWorkers refuses, with an error and
// without workers, copies of the split layers' weights beyond the memory
// limit, and that the state still steps on one goroutine.
func TestParallelStepMemoryLimit(t *testing.T) {
	defer cells.SetParallelMinBytes(1)()
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 16, HiddenSize: 64, NumLayers: 1}
	model, _ := randomModel(t, cfg, 175)
	state, err := model.NewState(1)
	require.NoError(t, err)
	restore := cells.SetMemoryLimit(64 << 10) // the copies take 4·64·80·4 = 80 KiB and more
	err = state.SetWorkers(2)
	restore()
	require.ErrorContains(t, err, "SetWorkers")
	require.Equal(t, 1, state.Workers())
	require.NoError(t, model.Step(state, randomSlice(176, 16), make([]float32, 64)))
	require.NoError(t, state.SetWorkers(2), "under the machine's own limit")
	require.Equal(t, 2, state.Workers())
	state.Close()
}
