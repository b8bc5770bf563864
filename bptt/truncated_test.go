package bptt_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// linearLoss is L = Σ y⊙w over the steps a chunk reports, w fixed per step:
// dy = w. It records which steps were reported.
type linearLoss struct {
	w       []float32 // steps × batch × H
	width   int       // batch × H
	counted []int
}

func (l *linearLoss) loss(start int, y, dy []float32) float64 {
	var sum float64
	w := l.w[start*l.width : start*l.width+len(y)]
	for i := range y {
		dy[i] = w[i]
		sum += float64(y[i]) * float64(w[i])
		l.counted[start+i/l.width]++
	}
	return sum
}

func truncatedCases() []netCase {
	var out []netCase
	for _, mode := range allModes {
		out = append(out, netCase{cells.Config{Mode: mode, InputSize: 3, HiddenSize: 5, NumLayers: 2}, 2, 13, nil})
	}
	return out
}

func gradsOf(net *bptt.Net) map[string][]float64 {
	out := map[string][]float64{}
	for _, p := range net.Params() {
		out[p.Name] = f64(p.Grad)
	}
	return out
}

// TestTruncatedEqualsFull: with a window as long as the sequence, or with
// K2 reaching back to step 0 (every window recomputed from the start), the
// summed chunk gradients are full BPTT's gradients of the summed loss;
// every step's loss is counted once.
func TestTruncatedEqualsFull(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for ci, nc := range truncatedCases() {
			t.Run(nc.String(), func(t *testing.T) {
				r := kerneltest.Rand(uint64(300 + ci))
				net, err := bptt.New(nc.cfg, randomParams(nc.cfg, r))
				require.NoError(t, err)
				tape := net.NewTape()
				width := nc.batch * nc.cfg.HiddenSize
				x := randomSlice(r, nc.steps*nc.batch*nc.cfg.InputSize)
				w := randomSlice(r, nc.steps*width)
				states := nc.cfg.NumLayers * width
				h0 := randomSlice(r, states)
				var c0 []float32
				if nc.cfg.Mode == cells.LSTM {
					c0 = randomSlice(r, states)
				}

				net.ZeroGrad()
				require.NoError(t, net.Forward(tape, x, nc.steps, nc.batch, &cells.SequenceOptions{H0: h0, C0: c0}))
				require.NoError(t, net.Backward(tape, w, nil, nil))
				want := gradsOf(net)
				wantHN := f64(tape.HN())

				for _, k := range [][2]int{{nc.steps, nc.steps}, {4, nc.steps}, {1, nc.steps}, {5, 40}} {
					net.ZeroGrad()
					l := &linearLoss{w: w, width: width, counted: make([]int, nc.steps)}
					_, err := net.TruncatedBPTT(tape, x, nc.steps, nc.batch, bptt.TruncatedOptions{K1: k[0], K2: k[1], H0: h0, C0: c0, Loss: l.loss})
					require.NoError(t, err)
					for step, n := range l.counted {
						require.Equal(t, width, n, "K1=%d K2=%d: step %d counted %d times", k[0], k[1], step, n/width)
					}
					for name, g := range gradsOf(net) {
						requireClose(t, name, f32(g), want[name], 1e-4, 1e-5)
					}
					requireClose(t, "final h", tape.HN(), wantHN, 1e-6, 1e-6)
				}
			})
		}
	})
}

// TestTruncatedChunks: K1 = K2 = k is chunked BPTT: each chunk starts from
// the state the previous one reached and its gradient stops at its start.
// The reference runs the chunks by hand; K2 > K1 is checked against windows
// run by hand from the recorded state at each window's start.
func TestTruncatedChunks(t *testing.T) {
	for ci, nc := range truncatedCases() {
		t.Run(nc.String(), func(t *testing.T) {
			r := kerneltest.Rand(uint64(400 + ci))
			net, err := bptt.New(nc.cfg, randomParams(nc.cfg, r))
			require.NoError(t, err)
			width := nc.batch * nc.cfg.HiddenSize
			in := nc.batch * nc.cfg.InputSize
			x := randomSlice(r, nc.steps*in)
			w := randomSlice(r, nc.steps*width)

			for _, k := range [][2]int{{4, 4}, {3, 7}, {2, 5}} {
				// By hand: the states along the whole sequence first.
				tape := net.NewTape()
				require.NoError(t, net.Forward(tape, x, nc.steps, nc.batch, nil))
				stateAt := func(step int) (h, c []float32) {
					if step == 0 {
						return nil, nil
					}
					require.NoError(t, net.Forward(tape, x[:step*in], step, nc.batch, nil))
					h = append([]float32(nil), tape.HN()...)
					if nc.cfg.Mode == cells.LSTM {
						c = append([]float32(nil), tape.CN()...)
					}
					return h, c
				}
				net.ZeroGrad()
				for prevEnd := 0; prevEnd < nc.steps; {
					end := min(prevEnd+k[0], nc.steps)
					start := max(0, end-k[1])
					h, c := stateAt(start)
					require.NoError(t, net.Forward(tape, x[start*in:end*in], end-start, nc.batch, &cells.SequenceOptions{H0: h, C0: c}))
					dy := make([]float32, (end-start)*width)
					copy(dy[(prevEnd-start)*width:], w[prevEnd*width:end*width])
					require.NoError(t, net.Backward(tape, dy, nil, nil))
					prevEnd = end
				}
				want := gradsOf(net)

				net.ZeroGrad()
				l := &linearLoss{w: w, width: width, counted: make([]int, nc.steps)}
				_, err := net.TruncatedBPTT(net.NewTape(), x, nc.steps, nc.batch, bptt.TruncatedOptions{K1: k[0], K2: k[1], Loss: l.loss})
				require.NoError(t, err)
				for name, g := range gradsOf(net) {
					requireClose(t, name, f32(g), want[name], 1e-5, 1e-6)
				}
			}
		})
	}
}

func TestTruncatedErrors(t *testing.T) {
	cfg := cells.Config{Mode: cells.GRU, InputSize: 2, HiddenSize: 3, NumLayers: 1}
	net, err := bptt.New(cfg, randomParams(cfg, kerneltest.Rand(5)))
	require.NoError(t, err)
	tape := net.NewTape()
	x := make([]float32, 10*2)
	loss := func(int, []float32, []float32) float64 { return 0 }
	_, err = net.TruncatedBPTT(tape, x, 10, 1, bptt.TruncatedOptions{K1: 3, K2: 2, Loss: loss})
	require.ErrorContains(t, err, "K1 = 3, K2 = 2")
	_, err = net.TruncatedBPTT(tape, x, 10, 1, bptt.TruncatedOptions{K1: 2, K2: 2})
	require.ErrorContains(t, err, "no Loss")
	_, err = net.TruncatedBPTT(tape, x[:3], 10, 1, bptt.TruncatedOptions{K1: 2, K2: 2, Loss: loss})
	require.ErrorContains(t, err, "len(x) = 3")
	_, err = net.TruncatedBPTT(tape, x, 10, 1, bptt.TruncatedOptions{K1: 2, K2: 2, Loss: loss, C0: make([]float32, 3)})
	require.ErrorContains(t, err, "C0")
	bi := cfg
	bi.Bidirectional = true
	bnet, err := bptt.New(bi, randomParams(bi, kerneltest.Rand(6)))
	require.NoError(t, err)
	_, err = bnet.TruncatedBPTT(bnet.NewTape(), x, 10, 1, bptt.TruncatedOptions{K1: 2, K2: 2, Loss: loss})
	require.ErrorContains(t, err, "bidirectional")
}
