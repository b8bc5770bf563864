package kernels

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/level"
)

// LSTMStep is one streaming LSTM step of one sequence (batch 1), the
// matrix·vector product fused with the pointwise step: with H = len(h) and
// K = len(xh),
//
//	gates := bias + W·xh          // 4H values, as MatVecAdd into a copy of bias
//	LSTMForwardBatch(h, c, gates, nil, 1)  // c updated in place, h written
//
// W is the 4H×K matrix [W_ih | W_hh] (PyTorch's gate blocks i, f, g, o),
// row-major; xh is x‖h_{t−1}; bias is b_ih + b_hh (4H). At the AVX2 level the
// units go in blocks of eight, and a block's pointwise step runs while the
// next block's weight rows stream in, so the step costs little more than the
// product alone (the memory-bound floor of a batch-1 step); with H a multiple
// of 16 W is read in eight row streams half a gate long each, as MatVec reads
// it (GRUStep: six per matrix, from H = 128 on; with H a power of two the
// streams are a multiple of 4 KiB apart, in one L1 set: fine on the 12-way L1
// of Zen 5 or Ice Lake and later). Other levels run
// the same computation block by block with MatVecAdd and LSTMForwardBatch. It
// allocates nothing.
//
// Shapes: len(c) = H, len(bias) = 4H, len(w) = 4H·K (panics otherwise).
// Aliasing: h must not overlap xh (xh holds h_{t−1} while h receives h_t), c
// must not overlap anything; no output may overlap w or bias.
//
// Error bound: the pre-activations as MatVecAdd's (bias + row sum, the sum
// within γ(K)·Σ|w·x| + K·2⁻¹⁴⁹), then as LSTMForwardBatch's. With H a multiple of
// eight the AVX2 result is the same bits as MatVecAdd followed by
// LSTMForwardBatch.
func LSTMStep(h, c, w, xh, bias []float32) { lstmStepAt(level.Active, h, c, w, xh, bias) }

// lstmStepAt is LSTMStep at level l.
func lstmStepAt(l level.Level, h, c, w, xh, bias []float32) {
	hidden, cols := len(h), len(xh)
	if len(c) != hidden || !is(len(bias), 4, hidden) || !is(len(w), 4, hidden, cols) {
		panic(fmt.Sprintf("kernels.LSTMStep: len(h) = %d, len(c) = %d, len(w) = %d, len(xh) = %d, len(bias) = %d; want len(c) = H, len(bias) = 4H, len(w) = 4H·len(xh) with H = len(h)",
			len(h), len(c), len(w), len(xh), len(bias)))
	}
	if hidden == 0 {
		return
	}
	for u := lstmStepWhole(l, h, c, w, xh, bias, hidden, cols); u < hidden; u += vecUnits {
		lstmStepBlock(l, h, c, w, xh, bias, hidden, cols, u, min(vecUnits, hidden-u))
	}
}

// GRUStep is one streaming GRU (reset-after, PyTorch's nn.GRU) step of one
// sequence, the matrix·vector products fused with the pointwise step: with
// H = len(h) and I = len(x),
//
//	inputGates := bIH + W_ih·x       // 3H values, as MatVecAdd into a copy of bIH
//	hiddenGates := bHH + W_hh·hPrev  // 3H
//	GRUForwardBatch(h, hPrev, inputGates, hiddenGates, nil, 1)
//
// W_ih is 3H×I and W_hh 3H×H (gate blocks r, z, n), row-major. hPrev is
// h_{t−1}; h receives h_t. Speed and levels as LSTMStep.
//
// Shapes: len(hPrev) = H, len(bIH) = len(bHH) = 3H, len(wIH) = 3H·I,
// len(wHH) = 3H·H (panics otherwise). Aliasing: h must not overlap hPrev or
// x; no output may overlap the weights or biases.
//
// Error bound: the gates as MatVecAdd's, then as GRUForwardBatch's. With H a
// multiple of eight the AVX2 result is the same bits as MatVecAdd followed by
// GRUForwardBatch.
func GRUStep(h, wIH, wHH, x, hPrev, bIH, bHH []float32) {
	gruStepAt(level.Active, h, wIH, wHH, x, hPrev, bIH, bHH)
}

// gruStepAt is GRUStep at level l.
func gruStepAt(l level.Level, h, wIH, wHH, x, hPrev, bIH, bHH []float32) {
	hidden, inputs := len(h), len(x)
	if len(hPrev) != hidden || !is(len(bIH), 3, hidden) || !is(len(bHH), 3, hidden) ||
		!is(len(wIH), 3, hidden, inputs) || !is(len(wHH), 3, hidden, hidden) {
		panic(fmt.Sprintf("kernels.GRUStep: len(h) = %d, len(wIH) = %d, len(wHH) = %d, len(x) = %d, len(hPrev) = %d, len(bIH) = %d, len(bHH) = %d; want len(hPrev) = H, len(wIH) = 3H·len(x), len(wHH) = 3H·H, len(bIH) = len(bHH) = 3H with H = len(h)",
			len(h), len(wIH), len(wHH), len(x), len(hPrev), len(bIH), len(bHH)))
	}
	if hidden == 0 {
		return
	}
	for u := gruStepWhole(l, h, wIH, wHH, x, hPrev, bIH, bHH, hidden, inputs); u < hidden; u += vecUnits {
		gruStepBlock(l, h, wIH, wHH, x, hPrev, bIH, bHH, hidden, inputs, u, min(vecUnits, hidden-u))
	}
}

// vecUnits is the block of hidden units the step kernels work in.
const vecUnits = 8

// matVecAddRows sets y += rows first..first+len(y)−1 of the cols-column
// matrix w times x.
func matVecAddRows(l level.Level, y, w, x []float32, first, cols int) {
	matVecDispatch(l, y, w[first*cols:(first+len(y))*cols], x, len(y), cols, 1, true)
}

// lstmStepBlock is LSTMStep for units u … u+n−1 (n ≤ 8): the block's gate
// rows into a 4×n array on the stack, then the pointwise step.
func lstmStepBlock(l level.Level, h, c, w, xh, bias []float32, hidden, cols, u, n int) {
	var pre [4 * vecUnits]float32
	for g := 0; g < 4; g++ {
		p := pre[g*n : (g+1)*n]
		copy(p, bias[g*hidden+u:])
		matVecAddRows(l, p, w, xh, g*hidden+u, cols)
	}
	lstmForward(l, h[u:u+n], c[u:u+n], pre[:4*n], nil, n, 1)
}

// gruStepBlock is GRUStep for units u … u+n−1 (n ≤ 8).
func gruStepBlock(l level.Level, h, wIH, wHH, x, hPrev, bIH, bHH []float32, hidden, inputs, u, n int) {
	var in, hid [3 * vecUnits]float32
	for g := 0; g < 3; g++ {
		p := in[g*n : (g+1)*n]
		copy(p, bIH[g*hidden+u:])
		matVecAddRows(l, p, wIH, x, g*hidden+u, inputs)
		q := hid[g*n : (g+1)*n]
		copy(q, bHH[g*hidden+u:])
		matVecAddRows(l, q, wHH, hPrev, g*hidden+u, hidden)
	}
	gruForward(l, h[u:u+n], hPrev[u:u+n], in[:3*n], hid[:3*n], nil, n, 1)
}
