package kernels

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/level"
)

// The streaming steps over reduced-precision weights. Each runs the units
// in blocks of lowpUnits: the block's gate rows (through the MatVec kernels
// of its format) into pre-activations on the stack, then the block's
// pointwise step, so the weights stream once and nothing is allocated.

// lowpUnits is the block of hidden units of the reduced-precision steps.
// Each block makes one call per gate and matrix; the AVX2 batch-1 kernels
// prefetch the rows after each block of eight (nextBlock in asm/avx2), which
// is wasted at the end of a call and missing at its start, so longer calls
// stream better: 256 against 64 and 128 in one interleaved run, LSTM f16
// at H = 512 58 against 64 and 60 µs, at H = 256 14.7 against 16.9 and 14.9
// µs (bench/results/2026-12-04e-epyc-avx512/lowp-units.txt; measured for
// the AVX2 F16 and BF16 steps only — the int8 steps and the other levels
// share the constant unmeasured, their sums do not depend on it). The
// blocks live on the stack (the GRU's 6 KiB).
const lowpUnits = 256

// LSTMStepF16 is one streaming LSTM step of one sequence with W_ih and W_hh
// in binary16 (PyTorch's layout, gate blocks i, f, g, o), with H = len(h)
// and I = len(x):
//
//	gates := bias + W_ih·x + W_hh·hPrev   // MatVecAddF16 twice, per block
//	LSTMForwardBatch(h, c, gates, nil, 1)
//
// bias is b_ih + b_hh (4H); hPrev is h_{t−1}. (Unlike LSTMStep the two
// matrices stay apart, as a model stores them.) Shapes: len(c) =
// len(hPrev) = H, len(bias) = 4H, len(wIH) = 4H·I, len(wHH) = 4H·H (panics
// otherwise). Aliasing: h must not overlap hPrev or x (hPrev is read until
// the last block); c is updated in place. Error bound: the pre-activations
// as two MatVecAddF16 into bias, then LSTMForwardBatch's. It allocates
// nothing.
func LSTMStepF16(h, c []float32, wIH, wHH []F16, x, hPrev, bias []float32) {
	lstmStepHalfAt(level.Active, "LSTMStepF16", false, h, c, halfBits(wIH), halfBits(wHH), x, hPrev, bias)
}

// LSTMStepBF16 is LSTMStepF16 with the weights in bfloat16.
func LSTMStepBF16(h, c []float32, wIH, wHH []BF16, x, hPrev, bias []float32) {
	lstmStepHalfAt(level.Active, "LSTMStepBF16", true, h, c, halfBits(wIH), halfBits(wHH), x, hPrev, bias)
}

// GRUStepF16 is GRUStep with W_ih and W_hh in binary16: the gates as
// MatVecAddF16's into copies of the biases, then as GRUForwardBatch.
// Shapes, layouts and aliasing as GRUStep; it allocates nothing.
func GRUStepF16(h []float32, wIH, wHH []F16, x, hPrev, bIH, bHH []float32) {
	gruStepHalfAt(level.Active, "GRUStepF16", false, h, halfBits(wIH), halfBits(wHH), x, hPrev, bIH, bHH)
}

// GRUStepBF16 is GRUStepF16 with the weights in bfloat16.
func GRUStepBF16(h []float32, wIH, wHH []BF16, x, hPrev, bIH, bHH []float32) {
	gruStepHalfAt(level.Active, "GRUStepBF16", true, h, halfBits(wIH), halfBits(wHH), x, hPrev, bIH, bHH)
}

// LSTMStepInt8 is one streaming LSTM step of one sequence with W_ih and
// W_hh quantized per row (QuantizeRows; scales sIH and sHH, 4H each): x
// and hPrev = h_{t−1} are quantized apart (QuantizeVector, into q[:I] and
// q[I:], as PyTorch's dynamic quantization quantizes each product's input),
// then, with H = len(h) and I = len(x),
//
//	gates := bias + W_ih·x + W_hh·hPrev   // MatVecAddInt8 twice, per block
//	LSTMForwardBatch(h, c, gates, nil, 1)
//
// bias is b_ih + b_hh (4H, gate blocks i, f, g, o). Error bound: the
// pre-activations as two MatVecAddInt8 into bias, then LSTMForwardBatch's.
// Shapes: len(c) = len(hPrev) = H, len(bias) = len(sIH) = len(sHH) = 4H,
// len(wIH) = 4H·I, len(wHH) = 4H·H, len(q) = I + H, I and H at most
// MaxInt8Cols (panics otherwise). Aliasing: h may be hPrev itself (the
// state updated in place) but must not overlap it otherwise; c is updated
// in place; q is scratch; no output may overlap an input. It allocates
// nothing.
func LSTMStepInt8(h, c []float32, wIH []int8, sIH []float32, wHH []int8, sHH []float32, x, hPrev, bias []float32, q []int8) {
	lstmStepInt8At(level.Active, h, c, wIH, sIH, wHH, sHH, x, hPrev, bias, q)
}

// GRUStepInt8 is GRUStep (reset-after) with W_ih and W_hh quantized per row
// (scales sIH, sHH, 3H each), x and hPrev quantized apart into q as in
// LSTMStepInt8:
//
//	inputGates := bIH + W_ih·x         // MatVecAddInt8
//	hiddenGates := bHH + W_hh·hPrev    // MatVecAddInt8
//	GRUForwardBatch(h, hPrev, inputGates, hiddenGates, nil, 1)
//
// Shapes: len(hPrev) = H, len(bIH) = len(bHH) = len(sIH) = len(sHH) = 3H,
// len(wIH) = 3H·I, len(wHH) = 3H·H, len(q) = I + H, I and H at most
// MaxInt8Cols. Aliasing: h may be hPrev itself, otherwise as LSTMStepInt8.
// It allocates nothing.
func GRUStepInt8(h []float32, wIH []int8, sIH []float32, wHH []int8, sHH []float32, x, hPrev, bIH, bHH []float32, q []int8) {
	gruStepInt8At(level.Active, h, wIH, sIH, wHH, sHH, x, hPrev, bIH, bHH, q)
}

// rowsHalf sets y += rows first … first+len(y)−1 of the cols-column
// matrix w times x.
func rowsHalf(l level.Level, bf bool, y []float32, w []uint16, x []float32, first, cols int) {
	if cols == 0 {
		zeroSums(y, true)
		return
	}
	matVecHalf(l, bf, y, w[first*cols:(first+len(y))*cols], x, len(y), cols, 1, true)
}

// rowsInt8 is rowsHalf for int8 rows with scales ws and x's scale xs.
func rowsInt8(l level.Level, y []float32, w []int8, ws []float32, x []int8, xs *[1]float32, first, cols int) {
	if cols == 0 {
		matVecInt8Generic(y, w[:0], ws[first:first+len(y)], x, xs[:], len(y), 0, true)
		return
	}
	matVecInt8(l, y, w[first*cols:(first+len(y))*cols], ws[first:first+len(y)], x, xs[:], len(y), cols, true)
}

func lstmStepHalfAt(l level.Level, kernel string, bf bool, h, c []float32, wIH, wHH []uint16, x, hPrev, bias []float32) {
	hidden, inputs := len(h), len(x)
	if len(c) != hidden || len(hPrev) != hidden || !is(len(bias), 4, hidden) ||
		!is(len(wIH), 4, hidden, inputs) || !is(len(wHH), 4, hidden, hidden) {
		panic(fmt.Sprintf("kernels.%s: len(h) = %d, len(c) = %d, len(wIH) = %d, len(wHH) = %d, len(x) = %d, len(hPrev) = %d, len(bias) = %d; want len(c) = len(hPrev) = H, len(bias) = 4H, len(wIH) = 4H·len(x), len(wHH) = 4H·H with H = len(h)",
			kernel, len(h), len(c), len(wIH), len(wHH), len(x), len(hPrev), len(bias)))
	}
	for u := 0; u < hidden; u += lowpUnits {
		n := min(lowpUnits, hidden-u)
		var pre [4 * lowpUnits]float32
		for g := range 4 {
			p := pre[g*n : (g+1)*n]
			copy(p, bias[g*hidden+u:])
			rowsHalf(l, bf, p, wIH, x, g*hidden+u, inputs)
			rowsHalf(l, bf, p, wHH, hPrev, g*hidden+u, hidden)
		}
		lstmForward(l, h[u:u+n], c[u:u+n], pre[:4*n], nil, n, 1)
	}
}

func gruStepHalfAt(l level.Level, kernel string, bf bool, h []float32, wIH, wHH []uint16, x, hPrev, bIH, bHH []float32) {
	hidden, inputs := len(h), len(x)
	if len(hPrev) != hidden || !is(len(bIH), 3, hidden) || !is(len(bHH), 3, hidden) ||
		!is(len(wIH), 3, hidden, inputs) || !is(len(wHH), 3, hidden, hidden) {
		panic(fmt.Sprintf("kernels.%s: len(h) = %d, len(wIH) = %d, len(wHH) = %d, len(x) = %d, len(hPrev) = %d, len(bIH) = %d, len(bHH) = %d; want len(hPrev) = H, len(wIH) = 3H·len(x), len(wHH) = 3H·H, len(bIH) = len(bHH) = 3H with H = len(h)",
			kernel, len(h), len(wIH), len(wHH), len(x), len(hPrev), len(bIH), len(bHH)))
	}
	for u := 0; u < hidden; u += lowpUnits {
		n := min(lowpUnits, hidden-u)
		var in, hid [3 * lowpUnits]float32
		for g := range 3 {
			p := in[g*n : (g+1)*n]
			copy(p, bIH[g*hidden+u:])
			rowsHalf(l, bf, p, wIH, x, g*hidden+u, inputs)
			p = hid[g*n : (g+1)*n]
			copy(p, bHH[g*hidden+u:])
			rowsHalf(l, bf, p, wHH, hPrev, g*hidden+u, hidden)
		}
		gruForward(l, h[u:u+n], hPrev[u:u+n], in[:3*n], hid[:3*n], nil, n, 1)
	}
}

func lstmStepInt8At(l level.Level, h, c []float32, wIH []int8, sIH []float32, wHH []int8, sHH []float32, x, hPrev, bias []float32, q []int8) {
	hidden, inputs := len(h), len(x)
	if len(c) != hidden || len(hPrev) != hidden || !is(len(bias), 4, hidden) || !is(len(sIH), 4, hidden) || !is(len(sHH), 4, hidden) ||
		!is(len(wIH), 4, hidden, inputs) || !is(len(wHH), 4, hidden, hidden) || len(q) != inputs+hidden ||
		inputs > MaxInt8Cols || hidden > MaxInt8Cols {
		panic(fmt.Sprintf("kernels.LSTMStepInt8: len(h) = %d, len(c) = %d, len(wIH) = %d, len(sIH) = %d, len(wHH) = %d, len(sHH) = %d, len(x) = %d, len(hPrev) = %d, len(bias) = %d, len(q) = %d; want len(c) = len(hPrev) = H, len(bias) = len(sIH) = len(sHH) = 4H, len(wIH) = 4H·len(x), len(wHH) = 4H·H, len(q) = len(x) + H, len(x) and H ≤ %d, with H = len(h)",
			len(h), len(c), len(wIH), len(sIH), len(wHH), len(sHH), len(x), len(hPrev), len(bias), len(q), MaxInt8Cols))
	}
	qx, qh := q[:inputs], q[inputs:]
	sx := [1]float32{quantizeVector(l, qx, x)}
	sh := [1]float32{quantizeVector(l, qh, hPrev)}
	for u := 0; u < hidden; u += lowpUnits {
		n := min(lowpUnits, hidden-u)
		var pre [4 * lowpUnits]float32
		for g := range 4 {
			p := pre[g*n : (g+1)*n]
			copy(p, bias[g*hidden+u:])
			rowsInt8(l, p, wIH, sIH, qx, &sx, g*hidden+u, inputs)
			rowsInt8(l, p, wHH, sHH, qh, &sh, g*hidden+u, hidden)
		}
		lstmForward(l, h[u:u+n], c[u:u+n], pre[:4*n], nil, n, 1)
	}
}

func gruStepInt8At(l level.Level, h []float32, wIH []int8, sIH []float32, wHH []int8, sHH []float32, x, hPrev, bIH, bHH []float32, q []int8) {
	hidden, inputs := len(h), len(x)
	if len(hPrev) != hidden || !is(len(bIH), 3, hidden) || !is(len(bHH), 3, hidden) || !is(len(sIH), 3, hidden) || !is(len(sHH), 3, hidden) ||
		!is(len(wIH), 3, hidden, inputs) || !is(len(wHH), 3, hidden, hidden) || len(q) != inputs+hidden ||
		inputs > MaxInt8Cols || hidden > MaxInt8Cols {
		panic(fmt.Sprintf("kernels.GRUStepInt8: len(h) = %d, len(wIH) = %d, len(sIH) = %d, len(wHH) = %d, len(sHH) = %d, len(x) = %d, len(hPrev) = %d, len(bIH) = %d, len(bHH) = %d, len(q) = %d; want len(hPrev) = H, len(bIH) = len(bHH) = len(sIH) = len(sHH) = 3H, len(wIH) = 3H·len(x), len(wHH) = 3H·H, len(q) = len(x) + H, len(x) and H ≤ %d, with H = len(h)",
			len(h), len(wIH), len(sIH), len(wHH), len(sHH), len(x), len(hPrev), len(bIH), len(bHH), len(q), MaxInt8Cols))
	}
	qx, qh := q[:inputs], q[inputs:]
	sx := [1]float32{quantizeVector(l, qx, x)}
	sh := [1]float32{quantizeVector(l, qh, hPrev)}
	for u := 0; u < hidden; u += lowpUnits {
		n := min(lowpUnits, hidden-u)
		var in, hid [3 * lowpUnits]float32
		for g := range 3 {
			p := in[g*n : (g+1)*n]
			copy(p, bIH[g*hidden+u:])
			rowsInt8(l, p, wIH, sIH, qx, &sx, g*hidden+u, inputs)
			p = hid[g*n : (g+1)*n]
			copy(p, bHH[g*hidden+u:])
			rowsInt8(l, p, wHH, sHH, qh, &sh, g*hidden+u, hidden)
		}
		gruForward(l, h[u:u+n], hPrev[u:u+n], in[:3*n], hid[:3*n], nil, n, 1)
	}
}
