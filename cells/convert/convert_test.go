package convert

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hand-computed examples: every value names its gate, so a wrong order or a
// missing transpose shows up as a wrong number.

func TestKerasLSTMExample(t *testing.T) {
	// kernel[i][gate·2+u] = 100·(i+1) + 10·gate + u, gates i, f, c, o.
	kernel := []float32{
		100, 101, 110, 111, 120, 121, 130, 131,
		200, 201, 210, 211, 220, 221, 230, 231,
	}
	recurrent := []float32{
		300, 301, 310, 311, 320, 321, 330, 331,
		400, 401, 410, 411, 420, 421, 430, 431,
	}
	bias := []float32{1, 2, 3, 4, 5, 6, 7, 8}
	wih, whh, bih, bhh, err := KerasLSTM(kernel, recurrent, bias, 2, 2)
	require.NoError(t, err)
	assert.Equal(t, []float32{
		100, 200, 101, 201, // i
		110, 210, 111, 211, // f
		120, 220, 121, 221, // g
		130, 230, 131, 231, // o
	}, wih)
	assert.Equal(t, []float32{
		300, 400, 301, 401,
		310, 410, 311, 411,
		320, 420, 321, 421,
		330, 430, 331, 431,
	}, whh)
	assert.Equal(t, bias, bih)
	assert.Equal(t, make([]float32, 8), bhh)

	bias[0] = -1
	assert.Equal(t, float32(1), bih[0], "results do not alias the inputs")

	_, _, bih, bhh, err = KerasLSTM(kernel, recurrent, nil, 2, 2)
	require.NoError(t, err)
	assert.Equal(t, make([]float32, 8), bih)
	assert.Equal(t, make([]float32, 8), bhh)
}

func TestKerasGRUExample(t *testing.T) {
	kernel := []float32{ // (2, 3): gates z, r, h
		1, 2, 3,
		11, 12, 13,
	}
	recurrent := []float32{21, 22, 23} // (1, 3)
	wih, whh, bih, bhh, err := KerasGRU(kernel, recurrent, []float32{31, 32, 33, 41, 42, 43}, 2, 1, true)
	require.NoError(t, err)
	assert.Equal(t, []float32{2, 12, 1, 11, 3, 13}, wih) // r, z, n rows
	assert.Equal(t, []float32{22, 21, 23}, whh)
	assert.Equal(t, []float32{32, 31, 33}, bih)
	assert.Equal(t, []float32{42, 41, 43}, bhh)

	_, _, bih, bhh, err = KerasGRU(kernel, recurrent, []float32{31, 32, 33}, 2, 1, false)
	require.NoError(t, err)
	assert.Equal(t, []float32{32, 31, 33}, bih)
	assert.Equal(t, []float32{0, 0, 0}, bhh)

	// Two units: blocks of two columns move together.
	kernel2 := []float32{1, 2, 3, 4, 5, 6} // (1, 6): z0 z1 r0 r1 h0 h1
	wih, _, _, _, err = KerasGRU(kernel2, make([]float32, 12), nil, 1, 2, true)
	require.NoError(t, err)
	assert.Equal(t, []float32{3, 4, 1, 2, 5, 6}, wih)
}

func TestONNXLSTMExample(t *testing.T) {
	// hiddenSize 2, inputSize 1: W rows i0 i1 o0 o1 f0 f1 c0 c1.
	w := []float32{1, 2, 3, 4, 5, 6, 7, 8}
	r := []float32{ // (8, 2)
		10, 11, 12, 13, // i
		20, 21, 22, 23, // o
		30, 31, 32, 33, // f
		40, 41, 42, 43, // c
	}
	b := []float32{1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8} // Wb i o f c, Rb i o f c
	wih, whh, bih, bhh, err := ONNXLSTM(w, r, b, 1, 2)
	require.NoError(t, err)
	assert.Equal(t, []float32{1, 2, 5, 6, 7, 8, 3, 4}, wih)
	assert.Equal(t, []float32{10, 11, 12, 13, 30, 31, 32, 33, 40, 41, 42, 43, 20, 21, 22, 23}, whh)
	assert.Equal(t, []float32{1, 1, 3, 3, 4, 4, 2, 2}, bih)
	assert.Equal(t, []float32{5, 5, 7, 7, 8, 8, 6, 6}, bhh)

	_, _, bih, bhh, err = ONNXLSTM(w, r, nil, 1, 2)
	require.NoError(t, err)
	assert.Equal(t, make([]float32, 8), bih)
	assert.Equal(t, make([]float32, 8), bhh)
}

func TestONNXGRUExample(t *testing.T) {
	w := []float32{1, 2, 3}                // (3, 1): z, r, h
	r := []float32{11, 12, 13}             // (3, 1)
	b := []float32{21, 22, 23, 31, 32, 33} // Wb z r h, Rb z r h
	for _, linearBeforeReset := range []bool{false, true} {
		wih, whh, bih, bhh, err := ONNXGRU(w, r, b, 1, 1, linearBeforeReset)
		require.NoError(t, err)
		assert.Equal(t, []float32{2, 1, 3}, wih)
		assert.Equal(t, []float32{12, 11, 13}, whh)
		assert.Equal(t, []float32{22, 21, 23}, bih)
		assert.Equal(t, []float32{32, 31, 33}, bhh)
	}
}

func TestONNXDirection(t *testing.T) {
	// A bidirectional GRU, hiddenSize 1, inputSize 1: W (2, 3, 1).
	w := []float32{1, 2, 3, 4, 5, 6}
	forward, err := ONNXDirection(w, 2, 0)
	require.NoError(t, err)
	reverse, err := ONNXDirection(w, 2, 1)
	require.NoError(t, err)
	assert.Equal(t, []float32{1, 2, 3}, forward)
	assert.Equal(t, []float32{4, 5, 6}, reverse)
	assert.Equal(t, 3, cap(forward), "appending to one half cannot overwrite the other")
	wihReverse, _, _, _, err := ONNXGRU(reverse, []float32{0, 0, 0}, nil, 1, 1, true)
	require.NoError(t, err)
	assert.Equal(t, []float32{5, 4, 6}, wihReverse)

	single, err := ONNXDirection(w, 1, 0)
	require.NoError(t, err)
	assert.Equal(t, w, single)

	for _, c := range []struct{ n, nd, d int }{{6, 3, 0}, {6, 0, 0}, {6, 2, 2}, {6, 2, -1}, {5, 2, 0}, {6, 1, 1}} {
		_, err := ONNXDirection(make([]float32, c.n), c.nd, c.d)
		assert.Error(t, err, "%+v", c)
	}

	// Passing both directions to the converter says what to do.
	_, _, _, _, err = ONNXGRU(w, make([]float32, 6), nil, 1, 1, true)
	assert.ErrorContains(t, err, "ONNXDirection")
}

func TestCheckONNXPeepholes(t *testing.T) {
	assert.NoError(t, CheckONNXPeepholes(nil))
	assert.NoError(t, CheckONNXPeepholes([]float32{0, 0, float32(math.Copysign(0, -1))}))
	err := CheckONNXPeepholes([]float32{0, 0.5, 0})
	assert.ErrorContains(t, err, "P[1] = 0.5")
	assert.ErrorContains(t, err, "peepholes")
	assert.Error(t, CheckONNXPeepholes([]float32{float32(math.NaN())}))
}

// TestWrongShapes checks that every size mismatch is an error with nil
// results, and never a panic.
func TestWrongShapes(t *testing.T) {
	f := make([]float32, 64)
	type result struct {
		a, b, c, d []float32
		err        error
	}
	wrap := func(a, b, c, d []float32, err error) result { return result{a, b, c, d, err} }
	huge := math.MaxInt / 1024 // huge·huge overflows an int
	cases := map[string]func() result{
		// KerasLSTM, inputSize 2, units 2: kernel 16, recurrent 16, bias 8.
		"KerasLSTM kernel":        func() result { return wrap(KerasLSTM(f[:15], f[:16], f[:8], 2, 2)) },
		"KerasLSTM recurrent":     func() result { return wrap(KerasLSTM(f[:16], f[:17], f[:8], 2, 2)) },
		"KerasLSTM bias":          func() result { return wrap(KerasLSTM(f[:16], f[:16], f[:16], 2, 2)) },
		"KerasLSTM zero units":    func() result { return wrap(KerasLSTM(nil, nil, nil, 2, 0)) },
		"KerasLSTM negative":      func() result { return wrap(KerasLSTM(f[:16], f[:16], nil, -2, -2)) },
		"KerasLSTM overflow":      func() result { return wrap(KerasLSTM(nil, nil, nil, huge, huge)) },
		"KerasLSTM huge input":    func() result { return wrap(KerasLSTM(f[:4], f[:4], nil, math.MaxInt, 1)) },
		"KerasGRU kernel":         func() result { return wrap(KerasGRU(f[:5], f[:3], nil, 2, 1, true)) },
		"KerasGRU recurrent":      func() result { return wrap(KerasGRU(f[:6], f[:2], nil, 2, 1, true)) },
		"KerasGRU bias after":     func() result { return wrap(KerasGRU(f[:6], f[:3], f[:3], 2, 1, true)) },
		"KerasGRU bias before":    func() result { return wrap(KerasGRU(f[:6], f[:3], f[:6], 2, 1, false)) },
		"KerasGRU zero input":     func() result { return wrap(KerasGRU(nil, f[:3], nil, 0, 1, true)) },
		"KerasGRU overflow":       func() result { return wrap(KerasGRU(nil, nil, nil, 1, huge, false)) },
		"ONNXLSTM W":              func() result { return wrap(ONNXLSTM(f[:7], f[:16], nil, 1, 2)) },
		"ONNXLSTM R":              func() result { return wrap(ONNXLSTM(f[:8], f[:8], nil, 1, 2)) },
		"ONNXLSTM B":              func() result { return wrap(ONNXLSTM(f[:8], f[:16], f[:8], 1, 2)) },
		"ONNXLSTM two directions": func() result { return wrap(ONNXLSTM(f[:16], f[:32], f[:32], 1, 2)) },
		"ONNXLSTM zero hidden":    func() result { return wrap(ONNXLSTM(nil, nil, nil, 1, 0)) },
		"ONNXLSTM overflow":       func() result { return wrap(ONNXLSTM(nil, nil, nil, huge, huge)) },
		"ONNXGRU W":               func() result { return wrap(ONNXGRU(f[:4], f[:3], nil, 1, 1, true)) },
		"ONNXGRU R":               func() result { return wrap(ONNXGRU(f[:3], f[:4], nil, 1, 1, false)) },
		"ONNXGRU B":               func() result { return wrap(ONNXGRU(f[:3], f[:3], f[:3], 1, 1, true)) },
		"ONNXGRU negative":        func() result { return wrap(ONNXGRU(nil, nil, nil, -1, 1, true)) },
	}
	for name, call := range cases {
		t.Run(name, func(t *testing.T) {
			var r result
			require.NotPanics(t, func() { r = call() })
			require.Error(t, r.err)
			assert.Contains(t, r.err.Error(), "convert: ")
			assert.Nil(t, r.a)
			assert.Nil(t, r.b)
			assert.Nil(t, r.c)
			assert.Nil(t, r.d)
		})
	}
	_, _, _, _, err := KerasLSTM(f[:15], f[:16], nil, 2, 2)
	assert.EqualError(t, err, "convert: KerasLSTM: kernel has 15 values, want (inputSize 2, 4·units 8) = 16")
}

// randomSlice returns n values in [−1, 1).
func randomSlice(rng *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(2*rng.Float64() - 1)
	}
	return out
}
