package bptt

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/internal/team"
	"github.com/simdrnn/simdrnn/kernels"
)

// Tape is what Forward keeps for Backward, with the outputs of both. Its
// buffers grow to the largest call seen and are reused: once warm, Forward
// and Backward allocate nothing. A Tape belongs to one Net and serves one
// Forward/Backward pair at a time.
//
// Memory, per layer and direction, for T steps of a batch of B (floats; G
// gates: 4 LSTM, 3 GRU, 1 RNN; I the layer's input width):
//
//   - the pre-activations of every step, T·B·G·H (the LSTM's are replaced by
//     its gate activations, its cache);
//   - the states h_0 … h_T, (T+1)·B·H, and for LSTMs c_0 … c_T as well;
//   - GRU: the cache r, z, n, W_hn·h + b_hn, T·B·4H; reset-before: r, z, n
//     (T·B·3H) and r⊙h (T·B·H);
//   - the input in processing order, T·B·I, when the direction reads it in
//     another order (a reverse direction, or samples of different lengths);
//   - every layer's output, T·B·(directions·H).
//
// LastHN and LastHNGrad, once called, keep B·(directions·H) and
// (layers·directions)·B·H floats in all. Backward adds the gate gradients of every step (T·B·G·H; GRUs twice) and
// the input gradients, T·B·I per layer. For batches, W_hh is also kept
// packed for the per-step products (G·H·H floats each way).
type Tape struct {
	net        *Net
	steps      int
	batch      int
	batchFirst bool

	plan engine.Plan // the samples' order and lengths

	x     []float32   // the layer-0 input, time-major (a view or xT)
	xT    []float32   // batch-first input made time-major
	ys    [][]float32 // per layer, its output (time-major)
	yUser []float32   // the last output batch-first
	hn    []float32
	cn    []float32
	dirs  [][]*dirTape

	lastHN, dLastHN []float32 // LastHN's and LastHNGrad's results

	// Backward's results and scratch.
	dyT   []float32 // batch-first dy made time-major
	dxs   [][]float32
	dxUsr []float32
	dh0   []float32
	dc0   []float32
	ones  []float32

	noInputGrad bool // Backward skips DX (SetInputGrad(false))

	// TruncatedBPTT's carried state and chunk gradient.
	tbH, tbC, tbDY []float32

	// SetWorkers' team and the backward step's split.
	workers team.Owned
	bwdJob  bwdJob
}

// SetWorkers makes Forward and Backward split each step among n
// goroutines (the caller's and n − 1 persistent workers, which poll for
// 50 µs after each step before they park), for layers whose W_hh holds at
// least 512 KiB and steps with two samples or more still running: the
// recurrent product and pointwise step of Forward (as
// cells.Workspace.SetWorkers: by units for LSTM and GRU steps of up to
// eight samples, by samples otherwise) and, in Backward, each step of more
// than eight samples' pointwise backward and dh·W_hh product, by samples
// (a share of a smaller step would stream all of W_hh for a few rows: it
// did not pay). Forward's input
// projection splits by rows too; Backward's products over all steps (the
// weight gradients, dX) stay whole matrix products
// (kernels.SetMatMulWorkers splits those). n = 1 (the
// default) runs on the caller's goroutine. Gradients agree with one
// worker's to rounding. Close (or SetWorkers(1)) stops the workers; a Tape
// dropped without it stops them when collected. It returns an error for n
// < 1 or n > 64.
func (t *Tape) SetWorkers(n int) error {
	if n < 1 || n > 64 {
		return fmt.Errorf("bptt: Tape.SetWorkers: n = %d; want 1 … 64", n)
	}
	team.Start(&t.workers, t, n)
	return nil
}

// Workers returns the number of goroutines a step may use.
func (t *Tape) Workers() int { return t.workers.Size() }

// Close stops the tape's workers (see SetWorkers); the tape stays usable
// on the caller's goroutine. It is safe to call more than once.
func (t *Tape) Close() { t.workers.Stop() }

// dirTape is the record of one direction of one layer: what the engine
// records (engine.Buffers: the input in processing order, the
// pre-activations, h_0 … h_T, c_0 … c_T, the GRU caches, W_hh packed) and
// Backward's buffers.
type dirTape struct {
	engine.Buffers
	inBias []float32 // G·H: the input side's bias

	// W_hh packed for the backward steps' products (batches over 1 row):
	// op(B) = W_hh; the reset-before GRU packs its r,z rows and its n rows
	// apart.
	bwdW [2]kernels.PackedMatrix

	dg     []float32 // T·B × G·H: gate gradients (input side)
	dgh    []float32 // T·B × 3H: GRU hidden-side gate gradients
	dhNext []float32 // B × H
	dcNext []float32 // B × H
	dhCur  []float32 // B × H
	drh    []float32 // B × H (reset-before)
	dxp    []float32 // T·B × I: input gradient in processing order
}

// NewTape returns an empty tape for n.
func (n *Net) NewTape() *Tape { return &Tape{net: n} }

// Y returns the last Forward's output: steps × batch × OutputSize (batch ×
// steps × OutputSize with BatchFirst), zero past each sample's length. It
// is a view into the tape, valid until the next Forward.
// Before any Forward it is nil.
func (t *Tape) Y() []float32 {
	if len(t.ys) == 0 {
		return nil
	}
	if t.batchFirst {
		return t.yUser
	}
	return t.ys[len(t.ys)-1]
}

// HN returns the last Forward's final hidden states, (layers·directions) ×
// batch × H, each sample's state after its own last step (a view).
func (t *Tape) HN() []float32 { return t.hn }

// CN returns the LSTM's final cell states as HN does (nil for other modes).
func (t *Tape) CN() []float32 { return t.cn }

// DX returns the last Backward's gradient of the loss with respect to the
// input x, in x's layout (a view, valid until the next call); nil after
// SetInputGrad(false) or before any Backward.
func (t *Tape) DX() []float32 {
	if t.noInputGrad || len(t.dxs) == 0 {
		return nil
	}
	if t.batchFirst {
		return t.dxUsr
	}
	return t.dxs[0]
}

// SetInputGrad sets whether Backward computes the gradient with respect to
// the input x (DX): it does unless turned off. A training loop whose input is
// data, not the output of something it trains, can turn it off and save one
// matrix product (dX = dG·W_ih over all steps) per direction of the first
// layer, a sixth of the matrix work of a one-layer step; PyTorch skips it
// likewise for an input that does not require grad. The gradients of deeper
// layers' inputs are always formed (the layers below need them).
func (t *Tape) SetInputGrad(on bool) { t.noInputGrad = !on }

// DH0 returns the last Backward's gradient with respect to the initial
// hidden states, (layers·directions) × batch × H (a view).
func (t *Tape) DH0() []float32 { return t.dh0 }

// DC0 returns the gradient with respect to the LSTM's initial cell states
// (nil for other modes).
func (t *Tape) DC0() []float32 { return t.dc0 }

// grow returns s resliced to n elements (engine.Grow).
func grow(s []float32, n int) []float32 { return engine.Grow(s, n) }
