package bptt_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// TestWorkersMatchOneWorker runs Forward and Backward with each step's
// samples (or units) split across 2 and 3 workers (Tape.SetWorkers) for every mode,
// stacks, both directions, lengths and batches under and over eight, and
// checks outputs and every gradient against one worker's, and that a warm
// pass allocates nothing.
func TestWorkersMatchOneWorker(t *testing.T) {
	defer bptt.SetSplitMinBytes(1)()
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		cases := propertyCases()
		// H = 41: the LSTM's and the GRU's forward steps of up to eight
		// samples split by units (shares of 16 and 25, or 16, 16 and 9).
		for i, mode := range []cells.Mode{cells.LSTM, cells.GRU} {
			cases = append(cases,
				netCase{cells.Config{Mode: mode, InputSize: 5, HiddenSize: 41, NumLayers: 2, Bidirectional: true, NoBias: i == 1}, 3, 5, []int{5, 2, 4}},
				netCase{cells.Config{Mode: mode, InputSize: 6, HiddenSize: 41, NumLayers: 1}, 10, 4, []int{4, 1, 4, 0, 3, 4, 2, 4, 4, 1}})
		}
		for _, nc := range cases {
			if nc.batch < 2 {
				continue
			}
			r := rand.New(rand.NewPCG(21, 22))
			net, err := bptt.New(nc.cfg, randomParams(nc.cfg, r))
			require.NoError(t, err)
			x := randomSlice(r, nc.steps*nc.batch*nc.cfg.InputSize)
			dy := randomSlice(r, nc.steps*nc.batch*nc.cfg.OutputSize())
			states := nc.cfg.NumLayers * nc.cfg.OutputSize() / nc.cfg.HiddenSize * nc.batch * nc.cfg.HiddenSize
			dhN := randomSlice(r, states)
			var dcN []float32
			if nc.cfg.Mode == cells.LSTM {
				dcN = randomSlice(r, states)
			}
			opts := &cells.SequenceOptions{Lengths: nc.lengths}
			want := run(t, net, net.NewTape(), x, nc.steps, nc.batch, opts, dy, dhN, dcN)
			for _, workers := range []int{2, 3} {
				tape := net.NewTape()
				require.NoError(t, tape.SetWorkers(workers))
				require.Equal(t, workers, tape.Workers())
				got := run(t, net, tape, x, nc.steps, nc.batch, opts, dy, dhN, dcN)
				for name, g := range want {
					requireSplitNear(t, fmt.Sprintf("%v %d workers %s", nc, workers, name), got[name], g)
				}
				if allocs := testing.AllocsPerRun(3, func() {
					net.ZeroGrad()
					if err := net.Forward(tape, x, nc.steps, nc.batch, opts); err != nil {
						panic(err)
					}
					if err := net.Backward(tape, dy, dhN, dcN); err != nil {
						panic(err)
					}
				}); allocs != 0 {
					t.Fatalf("%v %d workers: %v allocations", nc, workers, allocs)
				}
				tape.Close()
				tape.Close()
				require.Equal(t, 1, tape.Workers())
			}
		}
	})
}

// requireSplitNear checks got against want within 1e-4 relative plus 1e-6
// (the bound the gradients keep against PyTorch's): the split runs the same
// kernels on fewer rows (the packed product of a large batch may become
// MatVecBatch or MatTVec on a share), so the forward pass may round
// differently, and the gradients sum those differences over every step.
func requireSplitNear(t *testing.T, what string, got, want []float32) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > 1e-4*math.Abs(float64(want[i]))+1e-6 || math.IsNaN(float64(got[i])) != math.IsNaN(float64(want[i])) {
			require.Failf(t, "mismatch", "%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}
