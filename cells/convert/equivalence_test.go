package convert

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// These tests run a few steps of each framework's cell, written in float64
// from that framework's own equations and weight layout, and of PyTorch's
// cell (the equations in package cells' documentation) on the converted weights: the hidden states must
// agree. They check the meaning of the conversion, not only its layout.

const (
	inputSize  = 3
	hiddenSize = 4
	steps      = 5
	tolerance  = 1e-12 // same products, summed in another order
)

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// xw returns Σₖ x[k]·m[k][col] for a row-major matrix m with cols columns
// (Keras: x · kernel).
func xw(x []float64, m []float32, cols, col int) float64 {
	s := 0.0
	for k, v := range x {
		s += v * float64(m[k*cols+col])
	}
	return s
}

// wx returns Σₖ m[row][k]·x[k] for a row-major matrix m with len(x) columns
// (PyTorch and ONNX: W · x).
func wx(m []float32, row int, x []float64) float64 {
	s := 0.0
	for k, v := range x {
		s += float64(m[row*len(x)+k]) * v
	}
	return s
}

func bias(b []float32, i int) float64 {
	if len(b) == 0 {
		return 0
	}
	return float64(b[i])
}

func inputs(rng *rand.Rand) [][]float64 {
	xs := make([][]float64, steps)
	for t := range xs {
		xs[t] = make([]float64, inputSize)
		for i := range xs[t] {
			xs[t][i] = 2*rng.Float64() - 1
		}
	}
	return xs
}

// pytorchLSTM runs PyTorch's LSTM (gates i, f, g, o) and returns the hidden states.
func pytorchLSTM(wih, whh, bih, bhh []float32, xs [][]float64) [][]float64 {
	H := len(bih) / 4
	h, c := make([]float64, H), make([]float64, H)
	var out [][]float64
	for _, x := range xs {
		pre := func(g, u int) float64 {
			row := g*H + u
			return wx(wih, row, x) + bias(bih, row) + wx(whh, row, h) + bias(bhh, row)
		}
		nh := make([]float64, H)
		for u := 0; u < H; u++ {
			i, f, g, o := sigmoid(pre(0, u)), sigmoid(pre(1, u)), math.Tanh(pre(2, u)), sigmoid(pre(3, u))
			c[u] = f*c[u] + i*g
			nh[u] = o * math.Tanh(c[u])
		}
		h = nh
		out = append(out, h)
	}
	return out
}

// pytorchGRU runs PyTorch's GRU (gates r, z, n), reset after the product, or
// the reset-before variant n = tanh(W_in·x + b_in + W_hn·(r⊙h) + b_hn).
func pytorchGRU(wih, whh, bih, bhh []float32, xs [][]float64, resetAfter bool) [][]float64 {
	H := len(bih) / 3
	h := make([]float64, H)
	var out [][]float64
	for _, x := range xs {
		in := func(g, u int) float64 { return wx(wih, g*H+u, x) + bias(bih, g*H+u) }
		hid := func(g, u int, v []float64) float64 { return wx(whh, g*H+u, v) + bias(bhh, g*H+u) }
		r, z := make([]float64, H), make([]float64, H)
		for u := 0; u < H; u++ {
			r[u] = sigmoid(in(0, u) + hid(0, u, h))
			z[u] = sigmoid(in(1, u) + hid(1, u, h))
		}
		rh := make([]float64, H)
		for u := range rh {
			rh[u] = r[u] * h[u]
		}
		nh := make([]float64, H)
		for u := 0; u < H; u++ {
			var n float64
			if resetAfter {
				n = math.Tanh(in(2, u) + r[u]*hid(2, u, h))
			} else {
				n = math.Tanh(in(2, u) + hid(2, u, rh))
			}
			nh[u] = (1-z[u])*n + z[u]*h[u]
		}
		h = nh
		out = append(out, h)
	}
	return out
}

// kerasLSTM follows keras.layers.LSTMCell: z = x·kernel + h·recurrent_kernel
// + bias, split into i, f, c, o.
func kerasLSTM(kernel, recurrent, b []float32, xs [][]float64) [][]float64 {
	U := hiddenSize
	h, c := make([]float64, U), make([]float64, U)
	var out [][]float64
	for _, x := range xs {
		z := func(g, u int) float64 {
			col := g*U + u
			return xw(x, kernel, 4*U, col) + xw(h, recurrent, 4*U, col) + bias(b, col)
		}
		nh := make([]float64, U)
		for u := 0; u < U; u++ {
			i, f, cc, o := sigmoid(z(0, u)), sigmoid(z(1, u)), math.Tanh(z(2, u)), sigmoid(z(3, u))
			c[u] = f*c[u] + i*cc
			nh[u] = o * math.Tanh(c[u])
		}
		h = nh
		out = append(out, h)
	}
	return out
}

// kerasGRU follows keras.layers.GRUCell (gates z, r, h): with reset_after,
// bias is (2, 3U) and hh = tanh(x_h + r⊙(h·U_h + b_rh)); without, bias is
// (3U) and hh = tanh(x_h + (r⊙h)·U_h). Then h = z⊙h + (1−z)⊙hh.
func kerasGRU(kernel, recurrent, b []float32, xs [][]float64, resetAfter bool) [][]float64 {
	U := hiddenSize
	var inputBias, recurrentBias []float32
	if resetAfter && len(b) > 0 {
		inputBias, recurrentBias = b[:3*U], b[3*U:]
	} else {
		inputBias = b
	}
	h := make([]float64, U)
	var out [][]float64
	for _, x := range xs {
		xg := func(g, u int) float64 { return xw(x, kernel, 3*U, g*U+u) + bias(inputBias, g*U+u) }
		hg := func(g, u int, v []float64) float64 { return xw(v, recurrent, 3*U, g*U+u) + bias(recurrentBias, g*U+u) }
		z, r := make([]float64, U), make([]float64, U)
		for u := 0; u < U; u++ {
			z[u] = sigmoid(xg(0, u) + hg(0, u, h))
			r[u] = sigmoid(xg(1, u) + hg(1, u, h))
		}
		rh := make([]float64, U)
		for u := range rh {
			rh[u] = r[u] * h[u]
		}
		nh := make([]float64, U)
		for u := 0; u < U; u++ {
			var hh float64
			if resetAfter {
				hh = math.Tanh(xg(2, u) + r[u]*hg(2, u, h))
			} else {
				hh = math.Tanh(xg(2, u) + hg(2, u, rh))
			}
			nh[u] = z[u]*h[u] + (1-z[u])*hh
		}
		h = nh
		out = append(out, h)
	}
	return out
}

// onnxLSTM follows the ONNX LSTM operator (gates i, o, f, c; B = [Wb; Rb]).
func onnxLSTM(w, r, b []float32, xs [][]float64) [][]float64 {
	H := hiddenSize
	h, c := make([]float64, H), make([]float64, H)
	var out [][]float64
	for _, x := range xs {
		gate := func(g, u int) float64 {
			row := g*H + u
			return wx(w, row, x) + wx(r, row, h) + bias(b, row) + bias(b, 4*H+row)
		}
		nh := make([]float64, H)
		for u := 0; u < H; u++ {
			i, o, f, cc := sigmoid(gate(0, u)), sigmoid(gate(1, u)), sigmoid(gate(2, u)), math.Tanh(gate(3, u))
			c[u] = f*c[u] + i*cc
			nh[u] = o * math.Tanh(c[u])
		}
		h = nh
		out = append(out, h)
	}
	return out
}

// onnxGRU follows the ONNX GRU operator (gates z, r, h; B = [Wb; Rb]).
func onnxGRU(w, r, b []float32, xs [][]float64, linearBeforeReset bool) [][]float64 {
	H := hiddenSize
	h := make([]float64, H)
	var out [][]float64
	for _, x := range xs {
		wb := func(g, u int) float64 { return bias(b, g*H+u) }
		rb := func(g, u int) float64 { return bias(b, 3*H+g*H+u) }
		z, rg := make([]float64, H), make([]float64, H)
		for u := 0; u < H; u++ {
			z[u] = sigmoid(wx(w, u, x) + wx(r, u, h) + wb(0, u) + rb(0, u))
			rg[u] = sigmoid(wx(w, H+u, x) + wx(r, H+u, h) + wb(1, u) + rb(1, u))
		}
		rh := make([]float64, H)
		for u := range rh {
			rh[u] = rg[u] * h[u]
		}
		nh := make([]float64, H)
		for u := 0; u < H; u++ {
			var ht float64
			if linearBeforeReset {
				ht = math.Tanh(wx(w, 2*H+u, x) + rg[u]*(wx(r, 2*H+u, h)+rb(2, u)) + wb(2, u))
			} else {
				ht = math.Tanh(wx(w, 2*H+u, x) + wx(r, 2*H+u, rh) + rb(2, u) + wb(2, u))
			}
			nh[u] = (1-z[u])*ht + z[u]*h[u]
		}
		h = nh
		out = append(out, h)
	}
	return out
}

func requireSameStates(t *testing.T, want, got [][]float64) {
	t.Helper()
	for s := range want {
		for u := range want[s] {
			require.InDelta(t, want[s][u], got[s][u], tolerance, "step %d unit %d", s, u)
		}
	}
	// Guard against a vacuous pass: the states move.
	require.NotEqual(t, want[0], want[len(want)-1])
}

func TestKerasLSTMEquivalence(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kernel := randomSlice(rng, inputSize*4*hiddenSize)
	recurrent := randomSlice(rng, hiddenSize*4*hiddenSize)
	b := randomSlice(rng, 4*hiddenSize)
	xs := inputs(rng)
	wih, whh, bih, bhh, err := KerasLSTM(kernel, recurrent, b, inputSize, hiddenSize)
	require.NoError(t, err)
	requireSameStates(t, kerasLSTM(kernel, recurrent, b, xs), pytorchLSTM(wih, whh, bih, bhh, xs))
}

func TestKerasGRUEquivalence(t *testing.T) {
	for _, resetAfter := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(3, 4))
		kernel := randomSlice(rng, inputSize*3*hiddenSize)
		recurrent := randomSlice(rng, hiddenSize*3*hiddenSize)
		nb := 3 * hiddenSize
		if resetAfter {
			nb *= 2
		}
		b := randomSlice(rng, nb)
		xs := inputs(rng)
		wih, whh, bih, bhh, err := KerasGRU(kernel, recurrent, b, inputSize, hiddenSize, resetAfter)
		require.NoError(t, err)
		requireSameStates(t, kerasGRU(kernel, recurrent, b, xs, resetAfter), pytorchGRU(wih, whh, bih, bhh, xs, resetAfter))
	}
}

func TestONNXLSTMEquivalence(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, withBias := range []bool{true, false} {
		w := randomSlice(rng, 4*hiddenSize*inputSize)
		r := randomSlice(rng, 4*hiddenSize*hiddenSize)
		var b []float32
		if withBias {
			b = randomSlice(rng, 8*hiddenSize)
		}
		xs := inputs(rng)
		wih, whh, bih, bhh, err := ONNXLSTM(w, r, b, inputSize, hiddenSize)
		require.NoError(t, err)
		requireSameStates(t, onnxLSTM(w, r, b, xs), pytorchLSTM(wih, whh, bih, bhh, xs))
	}
}

func TestONNXGRUEquivalence(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, linearBeforeReset := range []bool{true, false} {
		w := randomSlice(rng, 3*hiddenSize*inputSize)
		r := randomSlice(rng, 3*hiddenSize*hiddenSize)
		b := randomSlice(rng, 6*hiddenSize)
		xs := inputs(rng)
		wih, whh, bih, bhh, err := ONNXGRU(w, r, b, inputSize, hiddenSize, linearBeforeReset)
		require.NoError(t, err)
		// linear_before_reset=1 is PyTorch's (reset-after) GRU; 0 the reset-before one.
		requireSameStates(t, onnxGRU(w, r, b, xs, linearBeforeReset), pytorchGRU(wih, whh, bih, bhh, xs, linearBeforeReset))
	}
}

// TestGRUVariantsDiffer shows that using the wrong variant is not harmless,
// which is why the converters document which cell each result belongs to.
func TestGRUVariantsDiffer(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	kernel := randomSlice(rng, inputSize*3*hiddenSize)
	recurrent := randomSlice(rng, hiddenSize*3*hiddenSize)
	b := randomSlice(rng, 3*hiddenSize)
	xs := inputs(rng)
	wih, whh, bih, bhh, err := KerasGRU(kernel, recurrent, b, inputSize, hiddenSize, false)
	require.NoError(t, err)
	before := pytorchGRU(wih, whh, bih, bhh, xs, false)
	after := pytorchGRU(wih, whh, bih, bhh, xs, true)
	require.Greater(t, math.Abs(before[steps-1][0]-after[steps-1][0]), 1e-4)
}
