package cells_test

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// TestForwardIntoMatchesForward runs one Output and Workspace through calls
// of shrinking and growing sizes, ragged lengths and both layouts, with
// the output buffers pre-filled with NaN: each call must give Forward's
// bits, so nothing of an earlier call leaks into a later one.
func TestForwardIntoMatchesForward(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, mode := range []cells.Mode{cells.LSTM, cells.GRU, cells.GRUResetBefore, cells.RNNTanh} {
			for _, p := range []cells.Precision{cells.F32, cells.Int8} {
				cfg := cells.Config{Mode: mode, InputSize: 7, HiddenSize: 13, NumLayers: 2, Bidirectional: mode != cells.RNNTanh}
				model, _ := reducedModel(t, cfg, p, 31)
				var out cells.Output
				var ws cells.Workspace
				for k, call := range []struct {
					steps, batch int
					opts         cells.SequenceOptions
				}{
					{9, 11, cells.SequenceOptions{}},
					{3, 2, cells.SequenceOptions{Lengths: []int{3, 1}}},
					{9, 11, cells.SequenceOptions{Lengths: []int{9, 0, 4, 9, 2, 9, 1, 9, 9, 5, 3}}},
					{5, 4, cells.SequenceOptions{BatchFirst: true, Lengths: []int{2, 5, 0, 4}}},
					{1, 1, cells.SequenceOptions{}},
				} {
					x := randomSlice(uint64(40+k), call.steps*call.batch*cfg.InputSize)
					want, err := model.Forward(x, call.steps, call.batch, &call.opts)
					require.NoError(t, err)
					for _, s := range [][]float32{out.Y[:cap(out.Y)], out.HN[:cap(out.HN)], out.CN[:cap(out.CN)]} {
						for i := range s {
							s[i] = float32(math.NaN())
						}
					}
					require.NoError(t, model.ForwardInto(&out, &ws, x, call.steps, call.batch, &call.opts))
					what := fmt.Sprintf("%v %v call %d", mode, p, k)
					require.Equal(t, bits(want.Y), bits(out.Y), what)
					require.Equal(t, bits(want.HN), bits(out.HN), what)
					require.Equal(t, bits(want.CN), bits(out.CN), what)
				}
			}
		}
	})
}

func bits(s []float32) []uint32 {
	if s == nil {
		return nil
	}
	out := make([]uint32, len(s))
	for i, v := range s {
		out[i] = math.Float32bits(v)
	}
	return out
}

// TestForwardIntoAllocatesNothing checks that a warm Output and Workspace
// make ForwardInto allocation-free at every precision, for a smaller call
// after a larger one too, and after garbage collections.
func TestForwardIntoAllocatesNothing(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, p := range []cells.Precision{cells.F32, cells.F16, cells.BF16, cells.Int8} {
			for _, mode := range []cells.Mode{cells.LSTM, cells.GRU} {
				cfg := cells.Config{Mode: mode, InputSize: 16, HiddenSize: 32, NumLayers: 2, Bidirectional: true}
				model, _ := reducedModel(t, cfg, p, 33)
				var out cells.Output
				var ws cells.Workspace
				big := randomSlice(34, 12*10*cfg.InputSize)
				require.NoError(t, model.ForwardInto(&out, &ws, big, 12, 10, nil))
				small := big[:5*3*cfg.InputSize]
				opts := &cells.SequenceOptions{Lengths: []int{5, 2, 4}, BatchFirst: true}
				for _, call := range []func() error{
					func() error { return model.ForwardInto(&out, &ws, big, 12, 10, nil) },
					func() error { return model.ForwardInto(&out, &ws, small, 5, 3, opts) },
					func() error {
						// Collections empty sync.Pools: the matrix
						// product's buffers must outlive them.
						runtime.GC()
						runtime.GC()
						return model.ForwardInto(&out, &ws, big, 12, 10, nil)
					},
				} {
					allocs := testing.AllocsPerRun(5, func() {
						if err := call(); err != nil {
							panic(err)
						}
					})
					require.Zero(t, allocs, "%v %v", mode, p)
				}
			}
		}
	})
}

// TestForwardIntoErrors checks nil arguments and bad shapes are errors that
// leave the output alone.
func TestForwardIntoErrors(t *testing.T) {
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 3, HiddenSize: 4, NumLayers: 1}
	model, _ := randomModel(t, cfg, 35)
	var ws cells.Workspace
	require.Error(t, model.ForwardInto(nil, &ws, make([]float32, 3), 1, 1, nil))
	require.Error(t, model.ForwardInto(&cells.Output{}, nil, make([]float32, 3), 1, 1, nil))
	out := cells.Output{Y: []float32{1, 2}}
	err := model.ForwardInto(&out, &ws, make([]float32, 12), 3, 2, nil) // 12 = 2 steps × 2 × 3, not 3 × 2 × 3
	require.ErrorContains(t, err, "18")
	require.Equal(t, []float32{1, 2}, out.Y)
}
