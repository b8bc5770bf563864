package bptt

import (
	"errors"
	"fmt"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/engine"
)

// TruncatedOptions configures TruncatedBPTT.
type TruncatedOptions struct {
	// K1 and K2: every K1 steps, backpropagate over the last K2 steps
	// (Williams and Peng's BPTT(k2, k1)); 1 ≤ K1 ≤ K2. K1 = K2 = k is the
	// common form: chunks of k steps, the state carried from one chunk to
	// the next and the gradient cut at chunk boundaries.
	K1, K2 int
	// H0 and C0 are the initial states, layers × batch × H (nil: zeros).
	H0, C0 []float32
	// Loss is called once per chunk with the outputs y of the chunk's K1
	// new steps [start, start+n) (n × batch × H, time-major) and must write
	// ∂L/∂y into dy (same shape, zeroed before the call) and return the
	// chunk's loss. It is required.
	Loss func(start int, y, dy []float32) float64
	// AfterChunk, if set, runs after each chunk's backward pass (an
	// optimizer step and ZeroGrad, typically); an error stops the run.
	// Without it the gradients of all chunks add up.
	AfterChunk func() error
}

// TruncatedBPTT trains over one long time-major sequence x of steps time
// steps for batch samples (steps × batch × input values: len(x) must equal
// steps·batch·InputSize with steps ≥ 1 and batch ≥ 1, and a mismatch is an
// error, as for Forward) with truncated backpropagation: for each chunk of
// K1 new steps it runs Forward over the window of the last K2 steps,
// starting from the state the previous windows reached, calls Loss on the new steps' outputs,
// and Backward with those gradients only (none into the final state, none
// past the window's start: the cut). Steps shared by overlapping windows
// (K2 > K1) are recomputed with the current parameters from the recorded
// state at the window's start. It returns the sum of the chunk losses; the
// final state is left on the tape (HN, CN).
//
// Unidirectional models only (a reverse direction needs the whole
// sequence), and no per-sample lengths. Memory is that of a tape of K2
// steps; nothing is allocated once the tape is warm.
func (n *Net) TruncatedBPTT(t *Tape, x []float32, steps, batch int, opts TruncatedOptions) (float64, error) {
	if t == nil || t.net != n {
		return 0, errors.New("bptt: TruncatedBPTT: the tape belongs to another Net (use Net.NewTape)")
	}
	cfg := n.cfg
	if cfg.Bidirectional {
		return 0, errors.New("bptt: TruncatedBPTT: a bidirectional model needs the whole sequence")
	}
	if opts.K1 < 1 || opts.K2 < opts.K1 {
		return 0, fmt.Errorf("bptt: TruncatedBPTT: K1 = %d, K2 = %d; want 1 ≤ K1 ≤ K2", opts.K1, opts.K2)
	}
	if opts.Loss == nil {
		return 0, errors.New("bptt: TruncatedBPTT: no Loss function")
	}
	// The tape holds one window of at most K2 steps; the carried state and
	// the window's output gradient are each at most a tape's worth.
	if err := n.checkSequence("TruncatedBPTT", x, steps, batch, false); err != nil {
		return 0, err
	}
	window := min(opts.K2, steps)
	tape, grads := n.tapeFloats(window, batch)
	tape.Merge(grads)
	if !tape.Fits(4) {
		return 0, tooLarge(fmt.Sprintf("TruncatedBPTT: the tape of a window of %d steps × batch %d", window, batch), tape)
	}
	states := cfg.NumLayers * batch * cfg.HiddenSize // counted by checkSequence
	if err := engine.CheckStates("bptt", "TruncatedBPTT", "layers × batch × hidden", cfg.Mode, cfg.Mode == cells.LSTM, states, opts.H0, opts.C0); err != nil {
		return 0, err
	}

	// The state at the next window's start, carried between windows.
	t.tbH = grow(t.tbH, states)
	initState(t.tbH, opts.H0)
	var c0 []float32
	if cfg.Mode == cells.LSTM {
		t.tbC = grow(t.tbC, states)
		initState(t.tbC, opts.C0)
		c0 = t.tbC
	}
	width := batch * cfg.HiddenSize
	in := batch * cfg.InputSize
	var total float64
	prevEnd := 0
	for prevEnd < steps {
		end := prevEnd + min(opts.K1, steps-prevEnd) // K1 may be near MaxInt
		start := max(0, end-opts.K2)
		seqOpts := &cells.SequenceOptions{H0: t.tbH, C0: c0}
		if err := n.Forward(t, x[start*in:end*in], end-start, batch, seqOpts); err != nil {
			return total, err
		}
		t.tbDY = grow(t.tbDY, (end-start)*width)
		clear(t.tbDY)
		from := (prevEnd - start) * width
		total += opts.Loss(prevEnd, t.Y()[from:], t.tbDY[from:])
		if err := n.Backward(t, t.tbDY, nil, nil); err != nil {
			return total, err
		}
		if opts.AfterChunk != nil {
			if err := opts.AfterChunk(); err != nil {
				return total, err
			}
		}
		// The next window starts K2 steps before its end, inside this one.
		next := max(0, end+min(opts.K1, steps-end)-opts.K2)
		t.stateAfter(next-start, t.tbH, c0)
		prevEnd = end
	}
	return total, nil
}

// stateAfter copies the state every layer reached after j steps of the
// recorded (unidirectional, full-length) Forward into h and c (layers ×
// batch × H; c nil but for LSTMs).
func (t *Tape) stateAfter(j int, h, c []float32) {
	size := t.batch * t.net.cfg.HiddenSize
	for layer := range t.net.layers {
		dt := t.dirs[layer][0]
		copy(h[layer*size:(layer+1)*size], dt.HS[j*size:(j+1)*size])
		if c != nil {
			copy(c[layer*size:(layer+1)*size], dt.CS[j*size:(j+1)*size])
		}
	}
}

func initState(dst, src []float32) {
	if src != nil {
		copy(dst, src)
	} else {
		clear(dst)
	}
}
