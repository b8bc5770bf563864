package engine

import (
	"github.com/simdrnn/simdrnn/internal/seq"
	"github.com/simdrnn/simdrnn/kernels"
)

// Weights is one direction of one layer, in PyTorch layout (G gates: see
// Mode.Gates). The engine only reads it.
type Weights struct {
	Mode          Mode
	Input, Hidden int
	IH            []float32             // W_ih, G·H × Input (nil when LowIH is set)
	PackedIH      *kernels.PackedMatrix // W_ihᵀ packed for the input projection, or nil: the projection reads IH
	HH            []float32             // W_hh, G·H × Hidden (nil when LowHH is set)

	// LowIH and LowHH, when set, hold W_ih and W_hh in a reduced format
	// instead of IH and HH: the steps' products over up to PackedRows rows
	// run the format's MatVec kernels; the packed products of larger
	// batches widen W_hh to float32 per Run (Buffers keeps the widened
	// copy), and so does the input projection of F16 and BF16 weights (a
	// float32 GEMM); int8's input projection quantizes each input row and
	// runs the int8 kernels, as a step does.
	LowIH, LowHH *LowMatrix
	BiasHH       []float32 // b_hh, G·H; nil without biases
	InputBias    []float32 // G·H: InputBias(Mode, b_ih, b_hh)
}

// PackedRows is the number of rows above which a step's recurrent product
// is a matrix product with W_hh packed once per sequence (PackHH); up to
// it, kernels.MatVecBatchAdd reads W_hh once per eight rows and needs no
// packing.
const PackedRows = 8

// PackHH packs W_hhᵀ (hh: HH, or LowHH widened) into packed for the
// steps' products: the whole of it, or for the reset-before GRU its r, z
// rows and its n rows apart.
func (w *Weights) PackHH(packed *[2]kernels.PackedMatrix, hh []float32) {
	hid := w.Hidden
	if w.Mode == GRUResetBefore {
		packed[0].Pack(true, hid, 2*hid, hh[:2*hid*hid], hid)
		packed[1].Pack(true, hid, hid, hh[2*hid*hid:], hid)
		return
	}
	packed[0].Pack(true, hid, w.Mode.Gates()*hid, hh, hid)
}

// Scratch is one step's working memory for up to a batch of rows.
type Scratch struct {
	hidden []float32 // rows × 3H: the GRU's hidden side (2H for reset-before)
	hn     []float32 // rows × H: W_hn·(r⊙h) + b_hn (reset-before)
	// RH and Cache are r⊙h (rows × H) and r, z, n (rows × 3H) of the
	// reset-before GRU for a caller that does not record them.
	RH, Cache []float32
	q         []int8    // int8 weights: the quantized vectors of a product
	xs        []float32 // and their scales
	// A share of a step split by units: h_{t−1} and x quantized once.
	uq  [2][]int8
	uxs [2][]float32
}

// Grow sizes s for rows rows of a mode's step (with RH and Cache when
// keep is set); it allocates only to grow.
func (s *Scratch) Grow(m Mode, hidden, rows int, keep bool) {
	switch m {
	case GRU:
		s.hidden = Grow(s.hidden, rows*3*hidden)
	case GRUResetBefore:
		s.hidden = Grow(s.hidden, rows*2*hidden)
		s.hn = Grow(s.hn, rows*hidden)
		if keep {
			s.RH = Grow(s.RH, rows*hidden)
			s.Cache = Grow(s.Cache, rows*3*hidden)
		}
	}
}

// ScratchFloats is the number of floats Scratch.Grow(m, hidden, rows, true)
// holds per row, in units of H: the GRU's hidden side (3H); the reset-before
// GRU's r, z hidden side, W_hn·(r⊙h) + b_hn, r⊙h and r, z, n (7H).
func ScratchFloats(m Mode) int {
	switch m {
	case GRU:
		return 3
	case GRUResetBefore:
		return 7
	}
	return 0
}

// Step completes one step for rows samples: the recurrent product and the
// fused pointwise kernel of the mode. gates (rows × G·H) holds the input
// side of the pre-activations, InputBias included, and is overwritten;
// hPrev (rows × H) is the state and hNext receives the new one (it may be
// hPrev); c (rows × H, LSTMs) is updated in place. cache receives what a
// backward pass needs, or is nil: the LSTM's gate activations (it may be
// gates), the GRU's r, z, n and W_hn·h + b_hn (rows × 4H). The reset-before
// GRU always needs cache (rows × 3H: r, z, n) and rh (rows × H: r⊙h).
// packed holds W_hh packed (PackHH) for products over more than PackedRows
// rows, or is nil.
func (w *Weights) Step(rows int, gates, hPrev, hNext, c, cache, rh []float32, s *Scratch, packed *[2]kernels.PackedMatrix) {
	hid := w.Hidden
	switch w.Mode {
	case LSTM:
		w.project(gates, 0, 4*hid, hPrev, rows, packed, 0, s)
		kernels.LSTMForwardBatch(hNext, c, gates, cache, rows)
	case GRU:
		hidden := s.hidden[:rows*3*hid]
		w.hiddenBias(hidden, 0, 3*hid)
		w.project(hidden, 0, 3*hid, hPrev, rows, packed, 0, s)
		kernels.GRUForwardBatch(hNext, hPrev, gates, hidden, cache, rows)
	case GRUResetBefore:
		rz := s.hidden[:rows*2*hid]
		w.hiddenBias(rz, 0, 2*hid)
		w.project(rz, 0, 2*hid, hPrev, rows, packed, 0, s)
		kernels.GRUResetBeforeGatesBatch(rh, cache, gates, rz, hPrev, rows)
		hn := s.hn[:rows*hid]
		w.hiddenBias(hn, 2*hid, 3*hid)
		w.project(hn, 2*hid, hid, rh, rows, packed, 1, s)
		kernels.GRUResetBeforeOutputBatch(hNext, cache, hPrev, gates, hn, rows)
	case RNNTanh:
		w.project(gates, 0, hid, hPrev, rows, packed, 0, s)
		kernels.RNNTanhForward(hNext, gates)
	case RNNReLU:
		w.project(gates, 0, hid, hPrev, rows, packed, 0, s)
		kernels.RNNReLUForward(hNext, gates)
	}
}

// project sets y (rows × n, holding the bias) += h · W[first : first+n]ᵀ,
// with W = W_hh (packed[which] its packed form for more than PackedRows
// rows, or LowHH in a reduced format) and h rows × the width of W's rows:
// H, or I + H for the joined [W_ih | W_hh] a streaming caller puts in HH.
func (w *Weights) project(y []float32, first, n int, h []float32, rows int, packed *[2]kernels.PackedMatrix, which int, s *Scratch) {
	switch {
	case packed != nil && rows > PackedRows:
		kernels.MatMulPackedAdd(false, rows, h, w.Hidden, &packed[which], y, n)
	case w.LowHH != nil:
		w.LowHH.MulAdd(y, first, n, h, rows, s)
	default:
		cols := len(h) / rows
		kernels.MatVecBatchAdd(y, w.HH[first*cols:(first+n)*cols], h, rows)
	}
}

// hiddenBias sets every row of dst to b_hh[from:to] (zeros without biases).
func (w *Weights) hiddenBias(dst []float32, from, to int) {
	if w.BiasHH == nil {
		clear(dst)
		return
	}
	seq.FillRows(dst, w.BiasHH[from:to])
}
