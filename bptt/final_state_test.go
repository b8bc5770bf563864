package bptt_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// randomForward runs a Net of nc's configuration, its parameters and input
// drawn from seed, and returns its tape.
func randomForward(t *testing.T, nc netCase, seed uint64) *bptt.Tape {
	r := kerneltest.Rand(seed)
	net, err := bptt.New(nc.cfg, randomParams(nc.cfg, r))
	require.NoError(t, err)
	tape := net.NewTape()
	require.Nil(t, tape.LastHN())
	x := randomSlice(r, nc.steps*nc.batch*nc.cfg.InputSize)
	require.NoError(t, net.Forward(tape, x, nc.steps, nc.batch, &cells.SequenceOptions{Lengths: nc.lengths}))
	return tape
}

// TestLastHN: LastHN is each sample's last output of the last layer, read
// from Y (independently of HN's layout): the forward direction's at the
// sample's last step, the reverse direction's at step 0, side by side; a
// sample of length 0 keeps its initial state (zeros).
func TestLastHN(t *testing.T) {
	for ci, nc := range propertyCases() {
		t.Run(nc.String(), func(t *testing.T) {
			tape := randomForward(t, nc, uint64(700+ci))
			hid, width := nc.cfg.HiddenSize, nc.cfg.OutputSize()
			y := tape.Y() // steps × batch × width
			want := make([]float32, nc.batch*width)
			for b := 0; b < nc.batch; b++ {
				length := nc.steps
				if nc.lengths != nil {
					length = nc.lengths[b]
				}
				if length == 0 {
					continue
				}
				at := ((length-1)*nc.batch + b) * width
				copy(want[b*width:b*width+hid], y[at:at+hid])
				if nc.cfg.Bidirectional {
					copy(want[b*width+hid:(b+1)*width], y[b*width+hid:(b+1)*width])
				}
			}
			require.Equal(t, want, tape.LastHN())
		})
	}
}

// TestLastHNGradIsTheAdjoint: LastHNGrad is the transpose of LastHN, so
// ⟨LastHNGrad(d), HN⟩ = ⟨d, LastHN()⟩ for every d, and it is zero at every
// state LastHN does not read (HN's other layers).
func TestLastHNGradIsTheAdjoint(t *testing.T) {
	for ci, nc := range propertyCases() {
		t.Run(nc.String(), func(t *testing.T) {
			tape := randomForward(t, nc, uint64(800+ci))
			// A probe of one 1 at a time makes the adjoint exact and shows
			// where each element lands.
			last := tape.LastHN()
			d := make([]float32, len(last))
			hit := make([]int, len(tape.HN()))
			for i := range d {
				clear(d)
				d[i] = 1
				g := tape.LastHNGrad(d)
				require.Len(t, g, len(tape.HN()))
				require.Equal(t, float64(last[i]), dot64(g, tape.HN()), "element %d", i)
				for j, v := range g {
					if v != 0 {
						require.Equal(t, float32(1), v)
						hit[j]++
					}
				}
			}
			// Every state of the last layer is hit once, the others never.
			lastLayer := len(hit) / nc.cfg.NumLayers * (nc.cfg.NumLayers - 1)
			for j, n := range hit {
				require.Equal(t, j >= lastLayer, n == 1, "HN[%d] hit %d times", j, n)
				require.LessOrEqual(t, n, 1)
			}
		})
	}
}

// TestLastHNGradients trains a two-layer bidirectional LSTM with a dense
// head on LastHN (cross-entropy, per-sample lengths) and checks every
// gradient, the stack's and the head's, against central differences: a
// state placed at the wrong layer, direction or sample fails.
func TestLastHNGradients(t *testing.T) {
	const steps, batch, classes = 4, 3, 3
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 2, HiddenSize: 3, NumLayers: 2, Bidirectional: true}
	r := kerneltest.Rand(900)
	net, err := bptt.New(cfg, randomParams(cfg, r))
	require.NoError(t, err)
	head := bptt.NewDense("fc", cfg.OutputSize(), classes, 901)
	params := append(append([]*bptt.Param(nil), net.Params()...), head.Params()...)
	tape := net.NewTape()
	x := randomSlice(r, steps*batch*cfg.InputSize)
	opts := &cells.SequenceOptions{Lengths: []int{4, 1, 3}}
	labels := []int{2, 0, 1}
	logits, dlogits := make([]float32, batch*classes), make([]float32, batch*classes)
	dfinal := make([]float32, batch*cfg.OutputSize())

	loss := func() float64 {
		require.NoError(t, net.Forward(tape, x, steps, batch, opts))
		head.Forward(logits, tape.LastHN(), batch)
		return bptt.SoftmaxCrossEntropy(nil, logits, labels, classes)
	}
	bptt.ZeroGrad(params)
	require.NoError(t, net.Forward(tape, x, steps, batch, opts))
	final := tape.LastHN()
	head.Forward(logits, final, batch)
	bptt.SoftmaxCrossEntropy(dlogits, logits, labels, classes)
	head.Backward(dfinal, dlogits, final, batch)
	require.NoError(t, net.Backward(tape, nil, tape.LastHNGrad(dfinal), nil))
	for _, p := range net.Params() {
		require.NotEqual(t, make([]float32, len(p.Grad)), p.Grad, "%s has no gradient", p.Name)
	}

	res, err := bptt.GradCheck(params, loss, bptt.GradCheckOptions{Eps: 3e-3, RTol: 1e-2, ATol: 2e-4})
	require.NoError(t, err, "worst: %+v", res.Worst)
	total := 0
	for _, p := range params {
		total += len(p.Data)
	}
	require.Equal(t, total, res.Checked)
}

// TestLastHNMisuse: LastHNGrad panics naming itself and the sizes; both
// allocate nothing once warm.
func TestLastHNMisuse(t *testing.T) {
	cfg := cells.Config{Mode: cells.GRU, InputSize: 2, HiddenSize: 3, NumLayers: 2, Bidirectional: true}
	net, err := bptt.NewRandom(cfg, 1)
	require.NoError(t, err)
	tape := net.NewTape()
	require.PanicsWithValue(t, "bptt.Tape.LastHNGrad: the tape holds no Forward", func() { tape.LastHNGrad(nil) })
	x := make([]float32, 5*4*2)
	require.NoError(t, net.Forward(tape, x, 5, 4, nil))
	require.PanicsWithValue(t, "bptt.Tape.LastHNGrad: len(dLast) = 23; want batch × directions·hidden = 4 × 2·3 = 24",
		func() { tape.LastHNGrad(make([]float32, 23)) })
	require.Len(t, tape.LastHN(), 24)
	d := make([]float32, 24)
	require.Len(t, tape.LastHNGrad(d), 2*2*4*3)
	require.Zero(t, testing.AllocsPerRun(10, func() {
		tape.LastHNGrad(tape.LastHN())
	}))
}
