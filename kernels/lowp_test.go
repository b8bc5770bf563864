package kernels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/internal/testutil/guard"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// lowpShape is one MatVec shape of the reduced-precision sweeps.
type lowpShape struct{ rows, cols, batch int }

// lowpShapes: every batch 1…10 (the SIMD kernels serve up to eight
// vectors per pass) over small shapes with every column count up to
// 3·widest+1, and larger ones at batch 1 and 3.
func lowpShapes() []lowpShape {
	var out []lowpShape
	for _, rows := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 17} {
		for cols := 0; cols <= 3*widest+1; cols++ {
			for _, b := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10} {
				if b > 1 && (rows > 9 || cols%3 != b%3) {
					continue
				}
				out = append(out, lowpShape{rows, cols, b})
			}
		}
	}
	for _, s := range []lowpShape{{33, 64, 1}, {64, 100, 3}, {5, 257, 1}, {257, 31, 2}, {1024, 512, 1}, {37, 1031, 8}} {
		out = append(out, s)
	}
	return out
}

// halfFormat is F16 or BF16 for the tests.
type halfFormat struct {
	name  string
	conv  func(dst []uint16, src []float32) // rounding conversion
	value func(uint16) float64
	run   func(l level.Level, y []float32, w []uint16, x []float32, batch int, add bool)
}

func f16Of(s []uint16) []kernels.F16 {
	return unsafe.Slice((*kernels.F16)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

func bf16Of(s []uint16) []kernels.BF16 {
	return unsafe.Slice((*kernels.BF16)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

var halfFormats = []halfFormat{
	{"f16", func(dst []uint16, src []float32) { kernels.F32ToF16(f16Of(dst), src) }, f16Value,
		func(l level.Level, y []float32, w []uint16, x []float32, batch int, add bool) {
			kernels.MatVecF16At(l, y, f16Of(w), x, batch, add)
		}},
	{"bf16", func(dst []uint16, src []float32) { kernels.F32ToBF16(bf16Of(dst), src) }, bf16Value,
		func(l level.Level, y []float32, w []uint16, x []float32, batch int, add bool) {
			kernels.MatVecBF16At(l, y, bf16Of(w), x, batch, add)
		}},
}

// specialHalf returns a random weight, now and then ±Inf or NaN (when
// specials is set).
func specialHalf(r *rand.Rand, specials bool) float32 {
	if specials && r.IntN(40) == 0 {
		return []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}[r.IntN(3)]
	}
	return (2*r.Float32() - 1) * 4
}

// TestMatVecHalf checks the F16 and BF16 MatVec family at every level
// against float64 sums over the exactly converted weights, with the bound of
// the doc comments (γ(n+1)·(|y| + Σ|w·x|) + (n+1)·2⁻¹⁴⁹), NaN and ±Inf
// weights included.
func TestMatVecHalf(t *testing.T) {
	kerneltest.ForEachLevelAt(t, func(t *testing.T, l level.Level) {
		r := kerneltest.Rand(uint64(l) + 11)
		for _, f := range halfFormats {
			for _, s := range lowpShapes() {
				for _, add := range []bool{false, true} {
					specials := s.rows*s.cols < 4096 && r.IntN(4) == 0
					w32 := make([]float32, s.rows*s.cols)
					for i := range w32 {
						w32[i] = specialHalf(r, specials)
					}
					w := make([]uint16, len(w32))
					f.conv(w, w32)
					x, y := make([]float32, s.batch*s.cols), make([]float32, s.batch*s.rows)
					kerneltest.Fill(r, x)
					kerneltest.Fill(r, y)
					y0 := append([]float32(nil), y...)
					f.run(l, y, w, x, s.batch, add)
					for b := 0; b < s.batch; b++ {
						for i := 0; i < s.rows; i++ {
							sum, abs := 0.0, 0.0
							if add {
								sum, abs = float64(y0[b*s.rows+i])+0, math.Abs(float64(y0[b*s.rows+i])) // an empty sum adds +0
							}
							for j := 0; j < s.cols; j++ {
								p := f.value(w[i*s.cols+j]) * float64(x[b*s.cols+j])
								sum += p
								abs += math.Abs(p)
							}
							bound := kerneltest.Gamma(s.cols+1)*abs + float64(s.cols+1)*kerneltest.Underflow
							got := y[b*s.rows+i]
							if !kerneltest.Close(got, sum, bound) {
								t.Fatalf("%s %+v add=%v: y[%d][%d] = %v, want %v ± %g", f.name, s, add, b, i, got, sum, bound)
							}
						}
					}
				}
			}
		}
	})
}

// int8Case is a quantized MatVec operand set.
type int8Case struct {
	w, x   []int8
	ws, xs []float32
}

func randInt8(r *rand.Rand, n int) []int8 {
	s := make([]int8, n)
	for i := range s {
		s[i] = int8(r.IntN(2*kernels.Int8Max+1) - kernels.Int8Max)
	}
	return s
}

// int8Want is MatVecInt8's reference loop, in this test's own code: the
// exact integer sum, then float32 operations each rounded.
func int8Want(c int8Case, y0 []float32, rows, cols, b, i int, add bool) float32 {
	var acc int64
	for j := 0; j < cols; j++ {
		acc += int64(c.w[i*cols+j]) * int64(c.x[b*cols+j])
	}
	p := float32(float32(acc) * float32(c.ws[i]*c.xs[b]))
	if add {
		return float32(y0[b*rows+i] + p)
	}
	return p
}

// TestMatVecInt8 checks the int8 MatVec family at every level: the same
// bits as the reference loop (float32 ops in its order) and, for finite
// scales, within (1+u)³−1 of the exact scaled sum.
func TestMatVecInt8(t *testing.T) {
	kerneltest.ForEachLevelAt(t, checkMatVecInt8)
}

// checkMatVecInt8 is TestMatVecInt8 at level l.
func checkMatVecInt8(t *testing.T, l level.Level) {
	r := kerneltest.Rand(uint64(l) + 23)
	for _, s := range lowpShapes() {
		for _, add := range []bool{false, true} {
			c := int8Case{w: randInt8(r, s.rows*s.cols), x: randInt8(r, s.batch*s.cols),
				ws: make([]float32, s.rows), xs: make([]float32, s.batch)}
			for i := range c.ws {
				c.ws[i] = r.Float32() / 64
			}
			for b := range c.xs {
				c.xs[b] = r.Float32() / 64
			}
			if r.IntN(8) == 0 && s.rows > 0 {
				c.ws[r.IntN(s.rows)] = float32(math.NaN())
			}
			if r.IntN(8) == 0 && s.rows > 0 {
				c.ws[r.IntN(s.rows)] = 0
			}
			y := make([]float32, s.batch*s.rows)
			kerneltest.Fill(r, y)
			y0 := append([]float32(nil), y...)
			kernels.MatVecInt8At(l, y, c.w, c.ws, c.x, c.xs, add)
			for b := 0; b < s.batch; b++ {
				for i := 0; i < s.rows; i++ {
					got, want := y[b*s.rows+i], int8Want(c, y0, s.rows, s.cols, b, i, add)
					if math.Float32bits(got) != math.Float32bits(want) && !(math.IsNaN(float64(got)) && math.IsNaN(float64(want))) {
						t.Fatalf("%v %+v add=%v: y[%d][%d] = %v, want %v (same bits)", l, s, add, b, i, got, want)
					}
				}
			}
		}
	}
}

// TestQuantizeVector checks QuantizeVector at every level against the
// documented rule, in this test's own code, and the quantization error
// |x − s·q| ≤ s/2 (plus a rounding of the product x·(127/m)).
func TestQuantizeVector(t *testing.T) {
	kerneltest.ForEachLevelAt(t, func(t *testing.T, l level.Level) {
		r := kerneltest.Rand(uint64(l) + 31)
		inf, nan := float32(math.Inf(1)), float32(math.NaN())
		var cases [][]float32
		for n := 0; n <= 3*widest+1; n++ {
			x := make([]float32, n)
			kerneltest.Fill(r, x)
			cases = append(cases, x)
		}
		for _, n := range []int{100, 257, 1000} {
			x := make([]float32, n)
			kerneltest.Fill(r, x)
			for i := range x {
				x[i] *= float32(math.Exp(float64(r.IntN(20) - 10)))
			}
			cases = append(cases, x)
		}
		cases = append(cases, []float32{0, 0, 0}, []float32{0, float32(math.Copysign(0, -1))},
			[]float32{1, nan, 2}, []float32{1, -inf}, []float32{inf}, []float32{0x1p-149, -0x1p-149, 0},
			[]float32{3e-38, -1e-39, 0x1p-120}, []float32{0x1p-97, 0x1p-96, -0x1p-98}, []float32{math.MaxFloat32, -math.MaxFloat32, 1})
		big := make([]float32, 600) // more than the 256-float chunk of the tiny path
		for i := range big {
			big[i] = float32(i-300) * 0x1p-130
		}
		cases = append(cases, big)
		for _, x := range cases {
			q := make([]int8, len(x))
			for i := range q {
				q[i] = 99
			}
			s := kernels.QuantizeVectorAt(l, q, x)
			m, finite := 0.0, true
			for _, v := range x {
				finite = finite && !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
				m = math.Max(m, math.Abs(float64(v)))
			}
			switch {
			case !finite:
				require.True(t, math.IsNaN(float64(s)), "%v: scale %v, want NaN", x, s)
				require.Equal(t, make([]int8, len(x)), q)
				continue
			case m == 0:
				require.Equal(t, float32(0), s)
				require.Equal(t, make([]int8, len(x)), q)
				continue
			}
			mf := float32(m)
			require.Equal(t, mf/127, s, "scale of %v", x)
			for i, v := range x {
				var want float64
				if mf < 0x1p-96 {
					want = math.RoundToEven(float64(float32(v*0x1p96) * float32(127/(mf*0x1p96))))
				} else {
					want = math.RoundToEven(float64(v * float32(127/mf)))
				}
				require.Equal(t, int8(want), q[i], "x[%d] = %v of max %v", i, v, mf)
				require.LessOrEqual(t, math.Abs(float64(v)-float64(s)*float64(q[i])), float64(s)*(0.5+1e-5)+127*0x1p-150, "x[%d] = %v", i, v) // a subnormal s is off by up to 2⁻¹⁵⁰
				require.LessOrEqual(t, int(q[i]), kernels.Int8Max)
				require.GreaterOrEqual(t, int(q[i]), -kernels.Int8Max)
			}
		}
	})
}

// TestQuantizeRows checks that each row is quantized as QuantizeVector
// quantizes it, that a non-finite row gets a NaN scale, and that
// DequantizeRows gives scale·q.
func TestQuantizeRows(t *testing.T) {
	r := kerneltest.Rand(5)
	rows, cols := 7, 33
	w := make([]float32, rows*cols)
	kerneltest.Fill(r, w)
	w[3*cols+4] = float32(math.Inf(-1))
	q, s := make([]int8, len(w)), make([]float32, rows)
	kernels.QuantizeRows(q, s, w)
	back := make([]float32, len(w))
	kernels.DequantizeRows(back, s, q)
	for i := 0; i < rows; i++ {
		qi := make([]int8, cols)
		si := kernels.QuantizeVector(qi, w[i*cols:(i+1)*cols])
		require.Equal(t, math.Float32bits(si), math.Float32bits(s[i]), "row %d", i)
		require.Equal(t, qi, q[i*cols:(i+1)*cols], "row %d", i)
		for j := 0; j < cols; j++ {
			want := s[i] * float32(q[i*cols+j])
			require.Equal(t, math.Float32bits(want), math.Float32bits(back[i*cols+j]))
		}
	}
	require.True(t, math.IsNaN(float64(s[3])))
	kernels.QuantizeRows(nil, nil, nil) // no rows
}

// TestLowpBadLengths checks that every reduced-precision kernel panics,
// naming itself and the sizes, on mismatched lengths, before touching an
// operand (the huge ones lie in PROT_NONE memory).
func TestLowpBadLengths(t *testing.T) {
	huge := guard.PhantomFloats(t, 1<<40)
	f16, bf16 := make([]kernels.F16, 12), make([]kernels.BF16, 12)
	i8, f := make([]int8, 12), make([]float32, 12)
	q := make([]int8, 7)
	cases := []struct {
		kernel string
		call   func()
	}{
		{"F32ToF16", func() { kernels.F32ToF16(f16, f[:3]) }},
		{"F16ToF32", func() { kernels.F16ToF32(huge, f16) }},
		{"F32ToBF16", func() { kernels.F32ToBF16(bf16[:2], f) }},
		{"BF16ToF32", func() { kernels.BF16ToF32(f[:1], bf16) }},
		{"QuantizeVector", func() { kernels.QuantizeVector(i8[:3], huge) }},
		{"QuantizeRows", func() { kernels.QuantizeRows(i8, f[:5], f) }},
		{"DequantizeRows", func() { kernels.DequantizeRows(huge, f[:1], i8) }},
		{"MatVecF16", func() { kernels.MatVecF16(f[:3], f16, f[:5]) }},
		{"MatVecF16", func() { kernels.MatVecF16(huge, f16, huge) }},
		{"MatVecAddF16", func() { kernels.MatVecAddF16(f[:4], f16[:11], f[:3]) }},
		{"MatVecBatchF16", func() { kernels.MatVecBatchF16(f[:4], f16, f[:6], 0) }},
		{"MatVecBatchAddF16", func() { kernels.MatVecBatchAddF16(f[:4], f16, f[:6], 4) }},
		{"MatVecBF16", func() { kernels.MatVecBF16(f[:3], bf16, huge) }},
		{"MatVecAddBF16", func() { kernels.MatVecAddBF16(f[:3], bf16[:5], f[:4]) }},
		{"MatVecBatchBF16", func() { kernels.MatVecBatchBF16(huge, bf16, f[:6], 2) }},
		{"MatVecBatchAddBF16", func() { kernels.MatVecBatchAddBF16(f[:4], bf16, f[:7], 2) }},
		{"MatVecInt8", func() { kernels.MatVecInt8(f[:3], i8, f[:2], i8[:4], 1) }},
		{"MatVecInt8", func() { kernels.MatVecInt8(huge, i8, f[:2], i8[:4], 1) }},
		{"MatVecAddInt8", func() { kernels.MatVecAddInt8(f[:3], i8[:11], f[:3], i8[:4], 1) }},
		{"MatVecBatchInt8", func() { kernels.MatVecBatchInt8(f[:6], i8, f[:3], i8[:8], nil) }},
		{"MatVecBatchAddInt8", func() { kernels.MatVecBatchAddInt8(f[:6], i8, f[:3], i8[:8], f[:3]) }},
		{"LSTMStepF16", func() { kernels.LSTMStepF16(f[:1], f[:1], f16[:4], f16[:4], f[:1], f[:1], f[:3]) }},
		{"LSTMStepBF16", func() { kernels.LSTMStepBF16(f[:1], f[:2], bf16[:4], bf16[:4], f[:1], f[:1], f[:4]) }},
		{"GRUStepF16", func() { kernels.GRUStepF16(f[:1], f16[:3], f16[:3], f[:1], f[:1], f[:3], f[:2]) }},
		{"GRUStepBF16", func() { kernels.GRUStepBF16(f[:1], bf16[:3], bf16[:2], f[:1], f[:1], f[:3], f[:3]) }},
		{"LSTMStepInt8", func() { kernels.LSTMStepInt8(f[:1], f[:1], i8[:4], f[:4], i8[:4], f[:4], f[:1], f[:1], f[:4], q[:3]) }},
		{"LSTMStepInt8", func() { kernels.LSTMStepInt8(f[:1], f[:1], i8[:4], f[:4], i8[:4], f[:4], huge, f[:1], f[:4], q[:2]) }},
		{"GRUStepInt8", func() { kernels.GRUStepInt8(f[:1], i8[:3], f[:3], i8[:3], f[:2], f[:1], f[:1], f[:3], f[:3], q[:2]) }},
	}
	for _, c := range cases {
		func() {
			defer func() {
				msg := fmt.Sprint(recover())
				require.True(t, strings.HasPrefix(msg, "kernels."+c.kernel+":"), "%s panicked with %q", c.kernel, msg)
			}()
			c.call()
		}()
	}
}
