//go:build !purego && linux

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/cpu"

	"github.com/simdrnn/simdrnn/internal/testutil/guard"
)

// The reduced-precision AVX2 kernels (binary16, bfloat16 and int8 W), called
// directly with their own references (written independently of the
// kernels, on branch lowp-avx2): shapes up to 19 rows × 70 columns and
// larger, NaN/Inf weights, guard pages, the quantizer's saturation.

// requireLowp skips only when the CPU lacks what the kernels need (AVX2,
// FMA and F16C); this machine has them.
func requireLowp(t testing.TB) {
	t.Helper()
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA || !cpu.X86.HasF16C {
		t.Skip("no AVX2+FMA+F16C")
	}
}

// f16ToF32 widens IEEE binary16 bits exactly: subnormals become normal
// float32s, Inf stays Inf, NaN stays NaN (quieted, payload kept).
func f16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: mant·2⁻²⁴
		v := float32(math.Ldexp(float64(mant), -24))
		return math.Float32frombits(sign | math.Float32bits(v))
	case exp == 0x1f && mant == 0:
		return math.Float32frombits(sign | 0x7f800000)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7fc00000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp-15+127)<<23 | mant<<13)
}

// bf16ToF32 widens bfloat16 bits: they are the high half of a float32.
func bf16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// gamma is γ(k) = k·u/(1−k·u), u = 2⁻²⁴, the relative bound of a sum of k
// float32 roundings.
func gamma(k int) float64 {
	u := math.Ldexp(1, -24)
	return float64(k) * u / (1 - float64(k)*u)
}

// halfKernel is a binary16 or bfloat16 matVec kernel.
type halfKernel func(y []float32, w []uint16, x []float32, rows, cols int, add bool)

// halfKind is one 16-bit weight format: its kernels by batch size, its
// widening and a generator of finite random weights (normals and some
// subnormals).
type halfKind struct {
	name    string
	kernels [8]halfKernel // by batch size − 1
	widen   func(uint16) float32
	random  func(r *rand.Rand) uint16
	nan     uint16
	inf     uint16
}

var halfKinds = []halfKind{
	{
		name: "f16",
		kernels: [8]halfKernel{
			matVecF16B1SIMD, matVecF16B2SIMD, matVecF16B3SIMD, matVecF16B4SIMD,
			matVecF16B5SIMD, matVecF16B6SIMD, matVecF16B7SIMD, matVecF16B8SIMD,
		},
		widen: f16ToF32,
		random: func(r *rand.Rand) uint16 {
			sign := uint16(r.IntN(2)) << 15
			if r.IntN(16) == 0 { // subnormal or zero
				return sign | uint16(r.IntN(0x400))
			}
			return sign | uint16(5+r.IntN(16))<<10 | uint16(r.IntN(0x400)) // 2⁻¹⁰ … 2⁵
		},
		nan: 0x7e00, inf: 0x7c00,
	},
	{
		name: "bf16",
		kernels: [8]halfKernel{
			matVecBF16B1SIMD, matVecBF16B2SIMD, matVecBF16B3SIMD, matVecBF16B4SIMD,
			matVecBF16B5SIMD, matVecBF16B6SIMD, matVecBF16B7SIMD, matVecBF16B8SIMD,
		},
		widen: bf16ToF32,
		random: func(r *rand.Rand) uint16 {
			sign := uint16(r.IntN(2)) << 15
			if r.IntN(16) == 0 { // subnormal or zero
				return sign | uint16(r.IntN(0x80))
			}
			return sign | uint16(107+r.IntN(40))<<7 | uint16(r.IntN(0x80)) // 2⁻²⁰ … 2¹⁹
		},
		nan: 0x7fc0, inf: 0x7f80,
	},
}

// fillX sets x to random float32s in [−1, 1), some exactly zero.
func fillX(r *rand.Rand, x []float32) {
	for i := range x {
		if r.IntN(32) == 0 {
			x[i] = 0
			continue
		}
		x[i] = float32(2*r.Float64() - 1)
	}
}

// checkHalf compares y (the kernel's output from y0) with the float64
// reference: NaN where it is NaN, the same infinity, else within
// γ(cols+1)·(|y0| + Σ|w·x|) + (cols+1)·2⁻¹⁴⁹.
func checkHalf(t *testing.T, k halfKind, y, y0 []float32, w []uint16, x []float32, n, rows, cols int, add bool) {
	t.Helper()
	for b := 0; b < n; b++ {
		for i := 0; i < rows; i++ {
			ref, abs := 0.0, 0.0
			if add {
				ref, abs = float64(y0[b*rows+i]), math.Abs(float64(y0[b*rows+i]))
			}
			for j := 0; j < cols; j++ {
				p := float64(k.widen(w[i*cols+j])) * float64(x[b*cols+j])
				ref += p
				abs += math.Abs(p)
			}
			got := float64(y[b*rows+i])
			where := fmt.Sprintf("%s n=%d rows=%d cols=%d add=%v b=%d i=%d", k.name, n, rows, cols, add, b, i)
			switch {
			case math.IsNaN(ref):
				require.True(t, math.IsNaN(got), "%s: got %v, want NaN", where, got)
			case math.IsInf(ref, 0):
				require.Equal(t, ref, got, where)
			default:
				bound := gamma(cols+1)*abs + float64(cols+1)*math.Ldexp(1, -149)
				require.LessOrEqual(t, math.Abs(got-ref), bound, "%s: got %v, want %v", where, got, ref)
			}
		}
	}
}

// runHalf runs one case of a 16-bit kernel on the given operands (filled
// here) and checks it, for add and set.
func runHalf(t *testing.T, r *rand.Rand, k halfKind, y []float32, w []uint16, x []float32, n, rows, cols int, specials bool) {
	t.Helper()
	for i := range w {
		w[i] = k.random(r)
	}
	if specials {
		for c := 0; c < 1+r.IntN(3); c++ {
			w[r.IntN(len(w))] = [...]uint16{k.nan, k.inf, k.inf | 0x8000}[r.IntN(3)]
		}
	}
	fillX(r, x)
	y0 := make([]float32, len(y))
	fillX(r, y0)
	for _, add := range []bool{false, true} {
		copy(y, y0)
		k.kernels[n-1](y, w, x, rows, cols, add)
		checkHalf(t, k, y, y0, w, x, n, rows, cols, add)
	}
}

// lowpShapes are the shapes every kernel runs at: rows 1…19 × cols 1…70
// and a few large ones.
func lowpShapes() [][2]int {
	var shapes [][2]int
	for rows := 1; rows <= 19; rows++ {
		for cols := 1; cols <= 70; cols++ {
			shapes = append(shapes, [2]int{rows, cols})
		}
	}
	return append(shapes, [2]int{256, 512}, [2]int{37, 1031}, [2]int{9, 4099})
}

func TestLowpHalfMatVec(t *testing.T) {
	requireLowp(t)
	for _, k := range halfKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(1, 2))
			for n := 1; n <= 8; n++ {
				for _, s := range lowpShapes() {
					rows, cols := s[0], s[1]
					runHalf(t, r, k, make([]float32, n*rows), make([]uint16, rows*cols), make([]float32, n*cols), n, rows, cols, false)
				}
			}
		})
	}
}

// TestLowpHalfMatVecSpecials puts NaN and ±Inf weights at random places:
// a NaN weight makes its row NaN for every vector.
func TestLowpHalfMatVecSpecials(t *testing.T) {
	requireLowp(t)
	for _, k := range halfKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(3, 4))
			for n := 1; n <= 8; n++ {
				for rows := 1; rows <= 19; rows += 3 {
					for cols := 1; cols <= 70; cols++ {
						runHalf(t, r, k, make([]float32, n*rows), make([]uint16, rows*cols), make([]float32, n*cols), n, rows, cols, true)
					}
				}
			}
		})
	}
}

// guardSet holds one region per operand ending at a PROT_NONE page and one
// starting after one, each of one page or more.
type guardSet struct{ tails, heads []*guard.Region }

func newGuardSet(t *testing.T, operands, capacity int) guardSet {
	t.Helper()
	var g guardSet
	for i := 0; i < operands; i++ {
		tail, err := guard.NewTail(capacity)
		require.NoError(t, err)
		head, err := guard.NewHead(capacity)
		require.NoError(t, err)
		t.Cleanup(func() { tail.Free(); head.Free() })
		g.tails, g.heads = append(g.tails, tail), append(g.heads, head)
	}
	return g
}

// guardShapes calls f for rows 1…9, cols 1…40, n 1…8, with the regions of
// the tail side and then of the head side.
func guardShapes(g guardSet, f func(regions []*guard.Region, n, rows, cols int)) {
	for rows := 1; rows <= 9; rows++ {
		for cols := 1; cols <= 40; cols++ {
			for n := 1; n <= 8; n++ {
				for _, regions := range [][]*guard.Region{g.tails, g.heads} {
					f(regions, n, rows, cols)
				}
			}
		}
	}
}

// TestLowpHalfGuardPages places w, x and y against PROT_NONE pages: a read
// or write past either end faults and kills the test.
func TestLowpHalfGuardPages(t *testing.T) {
	requireLowp(t)
	for _, k := range halfKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(5, 6))
			g := newGuardSet(t, 3, 9*40)
			guardShapes(g, func(regions []*guard.Region, n, rows, cols int) {
				y, w, x := regions[0].Floats(n*rows), guard.Elems[uint16](regions[1], rows*cols), regions[2].Floats(n*cols)
				runHalf(t, r, k, y, w, x, n, rows, cols, false)
			})
		})
	}
}

// i8Kernel is an int8 matVec kernel.
type i8Kernel func(y []float32, w []int8, ws []float32, x []int8, xs []float32, rows, cols int, add bool)

var i8Kernels = [8]i8Kernel{
	matVecI8B1SIMD, matVecI8B2SIMD, matVecI8B3SIMD, matVecI8B4SIMD,
	matVecI8B5SIMD, matVecI8B6SIMD, matVecI8B7SIMD, matVecI8B8SIMD,
}

// refI8 is matVecI8's contract in Go: an exact int32 sum, then
// float32(acc)·(ws[i]·xs[b]) and the addition to y, each rounded to float32
// (the conversions keep the compiler from fusing them).
func refI8(y []float32, w []int8, ws []float32, x []int8, xs []float32, n, rows, cols int, add bool) {
	for b := 0; b < n; b++ {
		for i := 0; i < rows; i++ {
			var acc int32
			for j := 0; j < cols; j++ {
				acc += int32(w[i*cols+j]) * int32(x[b*cols+j])
			}
			s := float32(ws[i] * xs[b])
			p := float32(float32(acc) * s)
			if add {
				p = float32(y[b*rows+i] + p)
			}
			y[b*rows+i] = p
		}
	}
}

// fillI8 sets v to int8s in [−127, 127]; extreme makes every value ±127.
func fillI8(r *rand.Rand, v []int8, extreme bool) {
	for i := range v {
		switch {
		case extreme:
			v[i] = int8(127 * (1 - 2*r.IntN(2)))
		case r.IntN(8) == 0:
			v[i] = [...]int8{0, 127, -127, 1, -1}[r.IntN(5)]
		default:
			v[i] = int8(r.IntN(255) - 127)
		}
	}
}

// fillScales sets s to positive scales of varied magnitude, with an
// occasional zero or negative one.
func fillScales(r *rand.Rand, s []float32) {
	for i := range s {
		s[i] = float32(math.Ldexp(0.5+r.Float64(), -r.IntN(20)))
		switch r.IntN(16) {
		case 0:
			s[i] = 0
		case 1:
			s[i] = -s[i]
		}
	}
}

// runI8 fills the operands, runs the kernel for set and add and requires
// the reference's bits.
func runI8(t *testing.T, r *rand.Rand, y []float32, w []int8, ws []float32, x []int8, xs []float32, n, rows, cols int, extreme bool) {
	t.Helper()
	fillI8(r, w, extreme)
	fillI8(r, x, extreme)
	fillScales(r, ws)
	fillScales(r, xs)
	y0 := make([]float32, len(y))
	fillX(r, y0)
	want := make([]float32, len(y))
	for _, add := range []bool{false, true} {
		copy(y, y0)
		copy(want, y0)
		i8Kernels[n-1](y, w, ws, x, xs, rows, cols, add)
		refI8(want, w, ws, x, xs, n, rows, cols, add)
		for i := range y {
			if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d rows=%d cols=%d add=%v extreme=%v: y[%d] = %v, want %v", n, rows, cols, add, extreme, i, y[i], want[i])
			}
		}
	}
}

func TestLowpI8MatVec(t *testing.T) {
	requireLowp(t)
	r := rand.New(rand.NewPCG(7, 8))
	for n := 1; n <= 8; n++ {
		for _, s := range append(lowpShapes(), [2]int{3, 131072}) {
			rows, cols := s[0], s[1]
			for _, extreme := range []bool{false, true} {
				runI8(t, r, make([]float32, n*rows), make([]int8, rows*cols), make([]float32, rows),
					make([]int8, n*cols), make([]float32, n), n, rows, cols, extreme)
			}
		}
	}
}

// TestLowpI8GuardPages places y, w, ws, x and xs against PROT_NONE pages.
func TestLowpI8GuardPages(t *testing.T) {
	requireLowp(t)
	r := rand.New(rand.NewPCG(9, 10))
	g := newGuardSet(t, 5, 9*40)
	guardShapes(g, func(regions []*guard.Region, n, rows, cols int) {
		runI8(t, r, regions[0].Floats(n*rows), guard.Elems[int8](regions[1], rows*cols), regions[2].Floats(rows),
			guard.Elems[int8](regions[3], n*cols), regions[4].Floats(n), n, rows, cols, false)
	})
}

// specialFloats are the values the quantization helpers must take in:
// zeros, subnormals, the extremes of the finite range, infinities and NaNs
// of both signs.
var specialFloats = []float32{
	0, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
	math.Float32frombits(0x007fffff), 1, -1, math.MaxFloat32, -math.MaxFloat32,
	float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(0x7fc00000), math.Float32frombits(0xffc00001), math.Float32frombits(0x7f800001),
}

func refMaxAbsBits(x []float32) uint32 {
	var m uint32
	for _, v := range x {
		m = max(m, math.Float32bits(v)&0x7fffffff)
	}
	return m
}

// TestLowpMaxAbsBits runs every length 0…100 with x against a guard page
// on either side, on random values and on values drawn from specialFloats.
func TestLowpMaxAbsBits(t *testing.T) {
	requireLowp(t)
	r := rand.New(rand.NewPCG(11, 12))
	guardLengths(newGuardSet(t, 1, 100), func(regions []*guard.Region, n int) {
		x := regions[0].Floats(n)
		for trial := 0; trial < 8; trial++ {
			fillX(r, x)
			if trial%2 == 1 && n > 0 {
				for c := 0; c < 1+r.IntN(3); c++ {
					x[r.IntN(n)] = specialFloats[r.IntN(len(specialFloats))]
				}
			}
			require.Equal(t, refMaxAbsBits(x), maxAbsBitsSIMD(x), "n=%d x=%v", n, x)
		}
	})
}

// guardLengths calls f for every length 0…100 with the regions of the tail
// side and then of the head side.
func guardLengths(g guardSet, f func(regions []*guard.Region, n int)) {
	for n := 0; n <= 100; n++ {
		for _, regions := range [][]*guard.Region{g.tails, g.heads} {
			f(regions, n)
		}
	}
}

// refQuantizeI8 is quantizeI8SIMD's contract: the float32 product, rounded
// to nearest even, saturated to [−127, 127]; NaN gives 127.
func refQuantizeI8(q []int8, x []float32, inv float32) {
	for j, v := range x {
		p := math.RoundToEven(float64(float32(v * inv)))
		if math.IsNaN(p) {
			p = 127
		}
		q[j] = int8(max(-127, min(127, p)))
	}
}

// quantizeInputs returns inputs for quantizeI8SIMD in [−127.5, 127.5]
// after scaling by inv: random values, ties at k+½, ±0, subnormals, and
// the largest values the caller may pass (which saturate at ±127.5).
func quantizeInputs(r *rand.Rand, x []float32) float32 {
	inv := float32(math.Ldexp(1, r.IntN(9)-4)) // exact power of two: ties stay ties
	for j := range x {
		switch r.IntN(6) {
		case 0:
			x[j] = float32(r.IntN(255)-127) + 0.5*float32(1-2*r.IntN(2)) // a tie …
			x[j] = max(-127.5, min(127.5, x[j])) / inv                   // … before scaling
		case 1:
			x[j] = [...]float32{0, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, 127.5, -127.5, 126.5, -0.5, 0.5}[r.IntN(8)] / inv
		default:
			x[j] = float32(255*r.Float64()-127.5) / inv
		}
	}
	if r.IntN(4) == 0 { // a scale that is not a power of two: products round to float32 first
		inv = float32(127 / (1 + r.Float64()))
		for j := range x {
			x[j] = float32(2*r.Float64()-1) * (127.5 / inv)
		}
	}
	return inv
}

// TestLowpQuantizeI8 runs every length 0…100 with q and x against guard
// pages, comparing exactly with the reference.
func TestLowpQuantizeI8(t *testing.T) {
	requireLowp(t)
	r := rand.New(rand.NewPCG(13, 14))
	guardLengths(newGuardSet(t, 2, 100), func(regions []*guard.Region, n int) {
		q, x := guard.Elems[int8](regions[0], n), regions[1].Floats(n)
		want := make([]int8, n)
		for trial := 0; trial < 8; trial++ {
			inv := quantizeInputs(r, x)
			refQuantizeI8(want, x, inv)
			quantizeI8SIMD(q, x, inv)
			require.Equal(t, want, q, "n=%d inv=%v x=%v", n, inv, x)
		}
	})
}

// TestLowpQuantizeI8Saturates checks the safety net: products beyond
// ±127.5 (up to ±Inf) saturate to ±127, and NaN gives 127.
func TestLowpQuantizeI8Saturates(t *testing.T) {
	requireLowp(t)
	x := []float32{128, -128, 1000, -1000, 1e30, -1e30, float32(math.Inf(1)), float32(math.Inf(-1)), 127.49, -127.51, 3e9, -3e9, float32(math.NaN())}
	for n := 1; n <= len(x); n++ {
		for _, in := range [][]float32{x[:n], append(make([]float32, 32), x[:n]...), append(make([]float32, 8), x[:n]...)} {
			q, want := make([]int8, len(in)), make([]int8, len(in))
			quantizeI8SIMD(q, in, 1)
			refQuantizeI8(want, in, 1)
			require.Equal(t, want, q, "x=%v", in)
		}
	}
}

// lowpBenchShapes are the rows×cols of the benchmarks.
var lowpBenchShapes = [][2]int{{1024, 512}, {2048, 1024}, {4096, 2048}}

// BenchmarkLowpMatVec times y = W·x for 1 and 8 vectors with W in float32,
// binary16, bfloat16 and int8 (with scales), calling the AVX2 kernels
// directly; bytes are W's, read once per call.
func BenchmarkLowpMatVec(b *testing.B) {
	requireLowp(b)
	r := rand.New(rand.NewPCG(15, 16))
	for _, format := range []string{"f32", "f16", "bf16", "i8"} {
		for _, n := range []int{1, 8} {
			for _, s := range lowpBenchShapes {
				rows, cols := s[0], s[1]
				b.Run(fmt.Sprintf("%s/B%d/%dx%d", format, n, rows, cols), func(b *testing.B) {
					y, x := make([]float32, n*rows), make([]float32, n*cols)
					fillX(r, x)
					var call func()
					switch format {
					case "f32":
						w := make([]float32, rows*cols)
						fillX(r, w)
						f := map[int]func(y, w, x []float32, rows, cols int, add bool){1: matVecB1SIMD, 8: matVecB8SIMD}[n]
						call = func() { f(y, w, x, rows, cols, false) }
						b.SetBytes(int64(4 * len(w)))
					case "f16", "bf16":
						k := halfKinds[map[string]int{"f16": 0, "bf16": 1}[format]]
						w := make([]uint16, rows*cols)
						for i := range w {
							w[i] = k.random(r)
						}
						call = func() { k.kernels[n-1](y, w, x, rows, cols, false) }
						b.SetBytes(int64(2 * len(w)))
					case "i8":
						w, xq := make([]int8, rows*cols), make([]int8, n*cols)
						ws, xs := make([]float32, rows), make([]float32, n)
						fillI8(r, w, false)
						fillI8(r, xq, false)
						fillScales(r, ws)
						fillScales(r, xs)
						call = func() { i8Kernels[n-1](y, w, ws, xq, xs, rows, cols, false) }
						b.SetBytes(int64(len(w)))
					}
					b.ResetTimer()
					for b.Loop() {
						call()
					}
				})
			}
		}
	}
}
