//go:build !purego

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/cpu"

	"github.com/simdrnn/simdrnn/internal/testutil/guard"
)

// The reduced-precision NEON kernels (matVecF16/BF16/I8/I8Dot, maxAbsBits,
// quantizeI8) are called directly here: nothing dispatches to them yet.

type halfMatVec func(y []float32, w []uint16, x []float32, rows, cols int, add bool)

type int8MatVec func(y []float32, w []int8, ws []float32, x []int8, xs []float32, rows, cols int, add bool)

// halfKernel is one 16-bit float format: its kernels by batch (index n−1),
// the test's own conversion to float32 and a generator of weights.
type halfKernel struct {
	name    string
	fns     [8]halfMatVec
	toF32   func(uint16) float32
	random  func(r *rand.Rand) uint16
	special []uint16 // NaN and ±Inf
}

type int8Kernel struct {
	name string
	fns  [8]int8MatVec
}

var halfKernels = []halfKernel{
	{
		name: "f16",
		fns: [8]halfMatVec{matVecF16B1SIMD, matVecF16B2SIMD, matVecF16B3SIMD, matVecF16B4SIMD,
			matVecF16B5SIMD, matVecF16B6SIMD, matVecF16B7SIMD, matVecF16B8SIMD},
		toF32:   f16ToF32,
		random:  randomF16,
		special: []uint16{0x7c00, 0xfc00, 0x7e00, 0xfe01, 0x7c01},
	},
	{
		name: "bf16",
		fns: [8]halfMatVec{matVecBF16B1SIMD, matVecBF16B2SIMD, matVecBF16B3SIMD, matVecBF16B4SIMD,
			matVecBF16B5SIMD, matVecBF16B6SIMD, matVecBF16B7SIMD, matVecBF16B8SIMD},
		toF32:   bf16ToF32,
		random:  randomBF16,
		special: []uint16{0x7f80, 0xff80, 0x7fc0, 0xffc1, 0x7f81},
	},
}

// int8Kernels returns the int8 kernels this CPU runs: the plain NEON ones
// always, the SDOT ones when it has dotprod. With SIMDRNN_REQUIRE_DOTPROD=1
// a CPU without dotprod fails the test instead of skipping them.
func int8Kernels(t testing.TB) []int8Kernel {
	ks := []int8Kernel{{
		name: "i8",
		fns: [8]int8MatVec{matVecI8B1SIMD, matVecI8B2SIMD, matVecI8B3SIMD, matVecI8B4SIMD,
			matVecI8B5SIMD, matVecI8B6SIMD, matVecI8B7SIMD, matVecI8B8SIMD},
	}}
	switch {
	case cpu.ARM64.HasASIMDDP:
		ks = append(ks, int8Kernel{
			name: "i8dot",
			fns: [8]int8MatVec{matVecI8DotB1SIMD, matVecI8DotB2SIMD, matVecI8DotB3SIMD, matVecI8DotB4SIMD,
				matVecI8DotB5SIMD, matVecI8DotB6SIMD, matVecI8DotB7SIMD, matVecI8DotB8SIMD},
		})
	case os.Getenv("SIMDRNN_REQUIRE_DOTPROD") == "1":
		t.Fatal("SIMDRNN_REQUIRE_DOTPROD=1 but the CPU has no dotprod (ASIMDDP): the SDOT kernels cannot be tested")
	default:
		t.Log("no dotprod (ASIMDDP): the SDOT kernels are not tested")
	}
	return ks
}

// f16ToF32 converts IEEE binary16 bits to the float32 of the same value
// (every binary16 value is exact in float32): subnormals are normalized,
// NaNs keep their payload (shifted into place) and sign.
func f16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		// mant·2⁻²⁴: shift the leading one into the implicit bit.
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}

// bf16ToF32 converts bfloat16 bits: they are the upper half of a float32.
func bf16ToF32(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }

// TestLowpConverters pins the test's converters to known values.
func TestLowpConverters(t *testing.T) {
	for bits, want := range map[uint16]float32{
		0x0000: 0, 0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0400: 0x1p-14,
		0x0001: 0x1p-24, 0x03ff: 1023 * 0x1p-24, 0x8001: -0x1p-24, 0x3555: 0x1.554p-2,
	} {
		require.Equal(t, want, f16ToF32(bits), "f16 %#04x", bits)
	}
	require.Equal(t, uint32(0x80000000), math.Float32bits(f16ToF32(0x8000)))
	require.True(t, math.IsInf(float64(f16ToF32(0x7c00)), 1))
	require.True(t, math.IsInf(float64(f16ToF32(0xfc00)), -1))
	require.True(t, math.IsNaN(float64(f16ToF32(0x7e00))))
	require.True(t, math.IsNaN(float64(f16ToF32(0x7c01))))
	require.Equal(t, float32(1), bf16ToF32(0x3f80))
	require.Equal(t, float32(-0x1p-133), bf16ToF32(0x8001)) // subnormal
	require.True(t, math.IsInf(float64(bf16ToF32(0xff80)), -1))
	require.True(t, math.IsNaN(float64(bf16ToF32(0x7fc0))))
}

// randomF16 returns a finite binary16 value of any exponent, subnormals
// included.
func randomF16(r *rand.Rand) uint16 {
	return uint16(r.IntN(2))<<15 | uint16(r.IntN(31))<<10 | uint16(r.IntN(1024))
}

// randomBF16 returns a finite bfloat16 value of magnitude about 2⁻³⁰…2³⁰,
// and now and then a zero or a subnormal.
func randomBF16(r *rand.Rand) uint16 {
	sign := uint16(r.IntN(2)) << 15
	switch r.IntN(16) {
	case 0:
		return sign
	case 1:
		return sign | uint16(1+r.IntN(127))
	}
	return sign | uint16(97+r.IntN(60))<<7 | uint16(r.IntN(128))
}

func randomFloats(r *rand.Rand, v []float32) {
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
}

// randomInt8s fills v with values in [−127, 127], a third of them ±127
// (the largest products: the int16 pair sums of the plain kernel are then
// at their bound).
func randomInt8s(r *rand.Rand, v []int8) {
	for i := range v {
		switch r.IntN(3) {
		case 0:
			v[i] = int8(127 - 254*r.IntN(2))
		default:
			v[i] = int8(r.IntN(255) - 127)
		}
	}
}

// randomScales fills v with float32 scales of either sign over a range of
// magnitudes.
func randomScales(r *rand.Rand, v []float32) {
	for i := range v {
		v[i] = float32(math.Ldexp(r.Float64()+0.5, r.IntN(40)-30))
		if r.IntN(4) == 0 {
			v[i] = -v[i]
		}
	}
}

// gamma is γ(k) = k·u/(1−k·u), u = 2⁻²⁴.
func gamma(k int) float64 {
	const u = 1.0 / (1 << 24)
	return float64(k) * u / (1 - float64(k)*u)
}

// checkHalf compares y against the float64 reference of
// y (+)= W·x with W converted by toF32: the bound is that of the f32
// MatVec, γ(cols)·Σ|w·x| (γ(cols+1)·(|y| + Σ|w·x|) with add) plus an
// underflow term per rounding. NaN and ±Inf references must be matched.
func checkHalf(t *testing.T, toF32 func(uint16) float32, got, y0 []float32, w []uint16, x []float32, rows, cols, n int, add bool, what string) {
	t.Helper()
	for b := range n {
		for i := range rows {
			var sum, mag float64
			for j := range cols {
				p := float64(toF32(w[i*cols+j])) * float64(x[b*cols+j])
				sum += p
				mag += math.Abs(p)
			}
			k := cols
			if add {
				sum += float64(y0[b*rows+i])
				mag += math.Abs(float64(y0[b*rows+i]))
				k++
			}
			g := float64(got[b*rows+i])
			bound := gamma(k)*mag + float64(k)*0x1p-149
			switch {
			case math.IsNaN(sum):
				if !math.IsNaN(g) {
					t.Fatalf("%s: y[%d,%d] = %v, want NaN", what, b, i, g)
				}
			case math.IsInf(sum, 0):
				if g != sum {
					t.Fatalf("%s: y[%d,%d] = %v, want %v", what, b, i, g, sum)
				}
			case math.Abs(g-sum) > bound:
				t.Fatalf("%s: y[%d,%d] = %v, want %v ± %g", what, b, i, g, sum, bound)
			}
		}
	}
}

// refInt8 is the exact contract of the int8 kernels: an exact int32 sum,
// the float32 scale ws[i]·xs[b], the product float32(acc)·s, and y + p,
// each rounded on its own (the conversions stop Go from fusing them).
func refInt8(y []float32, w []int8, ws []float32, x []int8, xs []float32, rows, cols, n int, add bool) {
	for b := range n {
		for i := range rows {
			var acc int32
			for j := range cols {
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

func checkInt8(t *testing.T, got, want []float32, what string) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: y[%d] = %v (%#08x), want %v (%#08x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// lowpShapes is every rows 1..19 × cols 1..70 (in -short: cols up to 40),
// plus larger shapes that run the main loops many times.
func lowpShapes() [][2]int {
	maxCols := 70
	if testing.Short() {
		maxCols = 40
	}
	var shapes [][2]int
	for rows := 1; rows <= 19; rows++ {
		for cols := 1; cols <= maxCols; cols++ {
			shapes = append(shapes, [2]int{rows, cols})
		}
	}
	return append(shapes, [2]int{33, 257}, [2]int{64, 1000}, [2]int{7, 4099}, [2]int{5, 131072})
}

func TestLowpMatVecHalf(t *testing.T) {
	for _, k := range halfKernels {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(1, uint64(len(k.name))))
			for _, shape := range lowpShapes() {
				rows, cols := shape[0], shape[1]
				if rows*cols > 300000 {
					continue // the cols-bound shape is for int8
				}
				for n := 1; n <= 8; n++ {
					if rows*cols > 10000 && n != 1 && n != 8 {
						continue
					}
					w := make([]uint16, rows*cols)
					for i := range w {
						w[i] = k.random(r)
					}
					x := make([]float32, n*cols)
					randomFloats(r, x)
					y0 := make([]float32, n*rows)
					randomFloats(r, y0)
					for _, add := range []bool{false, true} {
						y := append([]float32(nil), y0...)
						k.fns[n-1](y, w, x, rows, cols, add)
						checkHalf(t, k.toF32, y, y0, w, x, rows, cols, n, add, fmt.Sprintf("%s B%d %dx%d add=%v", k.name, n, rows, cols, add))
					}
				}
			}
		})
	}
}

// TestLowpMatVecHalfSpecial puts NaN and ±Inf weights at every position of
// small shapes: they must reach the sums of their rows (and only those).
func TestLowpMatVecHalfSpecial(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, k := range halfKernels {
		for n := 1; n <= 8; n++ {
			for _, shape := range [][2]int{{1, 1}, {3, 7}, {5, 13}, {4, 19}, {2, 40}} {
				rows, cols := shape[0], shape[1]
				for pos := 0; pos < rows*cols; pos++ {
					special := k.special[pos%len(k.special)]
					w := make([]uint16, rows*cols)
					for i := range w {
						w[i] = k.random(r) & 0xbfff // |w| < 2: no overflow
					}
					w[pos] = special
					x := make([]float32, n*cols)
					randomFloats(r, x)
					y := make([]float32, n*rows)
					k.fns[n-1](y, w, x, rows, cols, true)
					checkHalf(t, k.toF32, y, make([]float32, n*rows), w, x, rows, cols, n, true,
						fmt.Sprintf("%s B%d %dx%d special %#04x at %d", k.name, n, rows, cols, special, pos))
				}
			}
		}
	}
}

func TestLowpMatVecInt8(t *testing.T) {
	for _, k := range int8Kernels(t) {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(3, uint64(len(k.name))))
			for _, shape := range lowpShapes() {
				rows, cols := shape[0], shape[1]
				for n := 1; n <= 8; n++ {
					if rows*cols > 10000 && n != 1 && n != 8 {
						continue
					}
					w := make([]int8, rows*cols)
					x := make([]int8, n*cols)
					ws := make([]float32, rows)
					xs := make([]float32, n)
					if cols == 131072 {
						// The largest sums: every product +127² (or all −127²).
						for i := range w {
							w[i] = int8(127 - 254*(i/cols%2))
						}
						for i := range x {
							x[i] = 127
						}
					} else {
						randomInt8s(r, w)
						randomInt8s(r, x)
					}
					randomScales(r, ws)
					randomScales(r, xs)
					y0 := make([]float32, n*rows)
					randomFloats(r, y0)
					for _, add := range []bool{false, true} {
						got := append([]float32(nil), y0...)
						want := append([]float32(nil), y0...)
						k.fns[n-1](got, w, ws, x, xs, rows, cols, add)
						refInt8(want, w, ws, x, xs, rows, cols, n, add)
						checkInt8(t, got, want, fmt.Sprintf("%s B%d %dx%d add=%v", k.name, n, rows, cols, add))
					}
				}
			}
		})
	}
}

// lowpGuardBatches are the batch sizes swept with every shape of the guard
// test (cols 1..40, rows 1..9); under -short only some, to keep the
// emulated run short.
func lowpGuardBatches() []int {
	if testing.Short() {
		return []int{1, 3, 8}
	}
	return []int{1, 2, 3, 4, 5, 6, 7, 8}
}

// TestLowpGuardPages places every operand (y, w, x, and ws, xs) so that it
// ends exactly at a PROT_NONE page, then so that it starts right after one:
// a load or store one element outside any operand faults. The results are
// checked too.
func TestLowpGuardPages(t *testing.T) {
	const maxRows, maxCols = 9, 40
	tails, heads := guard.Regions(t, 5, maxRows*maxCols*8) // y, w, x, ws, xs
	r := rand.New(rand.NewPCG(4, 4))
	int8s := int8Kernels(t)
	for _, regions := range [][]*guard.Region{tails, heads} {
		for _, n := range lowpGuardBatches() {
			for rows := 1; rows <= maxRows; rows++ {
				for cols := 1; cols <= maxCols; cols++ {
					shape := fmt.Sprintf("B%d %dx%d head=%v", n, rows, cols, regions[0] == heads[0])
					y := regions[0].Floats(n * rows)
					x := regions[2].Floats(n * cols)
					y0 := make([]float32, len(y))
					randomFloats(r, y0)
					for _, k := range halfKernels {
						w := guard.Elems[uint16](regions[1], rows*cols)
						for i := range w {
							w[i] = k.random(r)
						}
						randomFloats(r, x)
						for _, add := range []bool{false, true} {
							copy(y, y0)
							k.fns[n-1](y, w, x, rows, cols, add)
							checkHalf(t, k.toF32, y, y0, w, x, rows, cols, n, add, k.name+" "+shape)
						}
					}
					w := guard.Elems[int8](regions[1], rows*cols)
					xi := guard.Elems[int8](regions[2], n*cols)
					ws := regions[3].Floats(rows)
					xs := regions[4].Floats(n)
					randomInt8s(r, w)
					randomInt8s(r, xi)
					randomScales(r, ws)
					randomScales(r, xs)
					want := make([]float32, len(y))
					for _, k := range int8s {
						for _, add := range []bool{false, true} {
							copy(y, y0)
							copy(want, y0)
							k.fns[n-1](y, w, ws, xi, xs, rows, cols, add)
							refInt8(want, w, ws, xi, xs, rows, cols, n, add)
							checkInt8(t, y, want, k.name+" "+shape)
						}
					}
				}
			}
		}
	}
}

// lowpSpecialFloats are values for maxAbsBits and quantizeI8's inputs.
var lowpSpecialFloats = []float32{
	0, float32(math.Copysign(0, -1)), 0x1p-149, -0x1p-149, 0x1p-126, math.MaxFloat32, -math.MaxFloat32,
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
	math.Float32frombits(0xffc00001), math.Float32frombits(0x7f800001), math.Float32frombits(0xffffffff),
}

func TestLowpMaxAbsBits(t *testing.T) {
	tails, heads := guard.Regions(t, 1, 128)
	r := rand.New(rand.NewPCG(5, 5))
	for _, region := range []*guard.Region{tails[0], heads[0]} {
		for n := 0; n <= 100; n++ {
			x := region.Floats(n)
			for trial := range 2 + 2*len(lowpSpecialFloats) {
				randomFloats(r, x)
				if trial >= 2 && n > 0 {
					// One special value somewhere, or at the end.
					pos := r.IntN(n)
					if trial%2 == 1 {
						pos = n - 1
					}
					x[pos] = lowpSpecialFloats[(trial-2)/2]
				}
				var want uint32
				for _, v := range x {
					want = max(want, math.Float32bits(v)&0x7fffffff)
				}
				require.Equal(t, want, maxAbsBitsSIMD(x), "n %d trial %d", n, trial)
			}
		}
	}
}

// refQuantize is quantizeI8's contract: round x·inv (a float32 product)
// to the nearest integer, ties to even, and clamp to [−127, 127].
func refQuantize(q []int8, x []float32, inv float32) {
	for j, v := range x {
		p := float32(v * inv)
		q[j] = int8(max(-127, min(127, math.RoundToEven(float64(p)))))
	}
}

func TestLowpQuantizeI8(t *testing.T) {
	tails, heads := guard.Regions(t, 2, 128) // x, q
	r := rand.New(rand.NewPCG(6, 6))
	for _, regions := range [][]*guard.Region{tails, heads} {
		for n := 0; n <= 100; n++ {
			x := regions[0].Floats(n)
			q := guard.Elems[int8](regions[1], n)
			for trial := range 4 {
				var inv float32
				switch trial {
				case 0: // inv from the largest magnitude, as the caller does
					randomFloats(r, x)
					var m float32
					for _, v := range x {
						m = max(m, float32(math.Abs(float64(v))))
					}
					inv = 127 / max(m, 1)
				case 1: // ties: k + ½ for k in −128…127, inv a power of two
					inv = 0.25
					for j := range x {
						x[j] = float32(r.IntN(256)-128) * 4
						x[j] += 2 // exact: (k + ½)·4
					}
				case 2: // the extremes ±127.5, ±127.49…, ±126.5, zeros, tiny values
					inv = 1
					vals := []float32{127.5, -127.5, 127.49999, -127.49999, 126.5, -126.5, 0.5, -0.5, 1.5, -1.5,
						0, float32(math.Copysign(0, -1)), 0x1p-149, -2.5}
					for j := range x {
						x[j] = vals[r.IntN(len(vals))]
					}
				case 3: // a large inv on small values, a small one on large values
					inv = 0x1p40
					for j := range x {
						x[j] = float32(r.Float64()*255-127.5) * 0x1p-40
					}
					if r.IntN(2) == 0 {
						inv = 0x1p-40
						for j := range x {
							x[j] = float32(r.Float64()*255-127.5) * 0x1p40
						}
					}
				}
				for j := range q {
					q[j] = 99
				}
				want := make([]int8, n)
				refQuantize(want, x, inv)
				quantizeI8SIMD(q, x, inv)
				require.Equal(t, want, []int8(q), "n %d trial %d inv %v x %v", n, trial, inv, x)
			}
		}
	}
}

// BenchmarkLowpMatVecNEON compares the f32 MatVec kernel with the 16-bit
// float and int8 ones on a 1024×512 W, for one and eight vectors. (Under
// qemu the numbers mean nothing; on an arm64 machine they show what the
// narrower W buys.)
func BenchmarkLowpMatVecNEON(b *testing.B) {
	const rows, cols = 1024, 512
	r := rand.New(rand.NewPCG(7, 7))
	wf := make([]float32, rows*cols)
	randomFloats(r, wf)
	wh := make([]uint16, rows*cols)
	for i := range wh {
		wh[i] = randomF16(r) & 0xbfff
	}
	wi := make([]int8, rows*cols)
	randomInt8s(r, wi)
	ws := make([]float32, rows)
	randomScales(r, ws)
	f32 := map[int]func(y, w, x []float32, rows, cols int, add bool){1: matVecB1SIMD, 8: matVecB8SIMD}
	for _, n := range []int{1, 8} {
		xf := make([]float32, n*cols)
		randomFloats(r, xf)
		xi := make([]int8, n*cols)
		randomInt8s(r, xi)
		xs := make([]float32, n)
		randomScales(r, xs)
		y := make([]float32, n*rows)
		run := func(name string, wBytes int, call func()) {
			b.Run(fmt.Sprintf("%s/B%d/%dx%d", name, n, rows, cols), func(b *testing.B) {
				b.SetBytes(int64(rows * cols * wBytes))
				for b.Loop() {
					call()
				}
				b.ReportMetric(float64(2*rows*cols*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		run("f32", 4, func() { f32[n](y, wf, xf, rows, cols, false) })
		for _, k := range halfKernels {
			run(k.name, 2, func() { k.fns[n-1](y, wh, xf, rows, cols, false) })
		}
		for _, k := range int8Kernels(b) {
			run(k.name, 1, func() { k.fns[n-1](y, wi, ws, xi, xs, rows, cols, false) })
		}
	}
}
