package fuzz

import (
	"math"
	"testing"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/internal/testutil/ref"
	"github.com/simdrnn/simdrnn/kernels"
)

// halfValue is the value of F16 (bf false) or BF16 bits h, by the formats'
// definitions.
func halfValue(h uint16, bf bool) float64 {
	if bf {
		return ref.BF16Value(h)
	}
	return ref.F16Value(h)
}

// FuzzConvertHalf checks F32ToF16 and F32ToBF16 on fuzzed float32 bits:
// the result is the nearest code (ties to the even code, the largest
// finite value's ulp continued to Inf), NaN stays NaN of the same sign.
func FuzzConvertHalf(f *testing.F) {
	for _, b := range []uint32{0, 0x3f800000, 0x477fefff, 0x477ff000, 0x33000000, 0x33000001, 0x387fc000, 0x7fc00001, 0xff800000, 0x80000001} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, bits uint32) {
		v := math.Float32frombits(bits)
		h16, b16 := make([]kernels.F16, 1), make([]kernels.BF16, 1)
		kernels.F32ToF16(h16, []float32{v})
		kernels.F32ToBF16(b16, []float32{v})
		for _, c := range []struct {
			code         uint16
			bf           bool
			maxCode, inf uint16
		}{{uint16(h16[0]), false, 0x7bff, 0x7c00}, {uint16(b16[0]), true, 0x7f7f, 0x7f80}} {
			got := halfValue(c.code, c.bf)
			if math.IsNaN(float64(v)) {
				if !math.IsNaN(got) || c.code>>15 != uint16(bits>>31) {
					t.Fatalf("%#08x (bf16 %v) → %#04x, want a NaN of the same sign", bits, c.bf, c.code)
				}
				continue
			}
			if c.code>>15 != uint16(bits>>31) {
				t.Fatalf("%#08x (bf16 %v) → %#04x: sign lost", bits, c.bf, c.code)
			}
			a, mag := math.Abs(float64(v)), c.code&0x7fff
			// The value of a code, with Inf at the largest finite value plus one ulp.
			val := func(m uint16) float64 {
				if m == c.inf {
					return 2*halfValue(c.maxCode, c.bf) - halfValue(c.maxCode-1, c.bf)
				}
				return halfValue(m, c.bf)
			}
			if mag > c.inf || (mag == c.inf && !math.IsInf(a, 0) && a < (val(c.maxCode)+val(c.inf))/2) {
				t.Fatalf("%v (bf16 %v) → %#04x: beyond the rounding range", v, c.bf, c.code)
			}
			if math.IsInf(a, 0) {
				if mag != c.inf {
					t.Fatalf("%v → %#04x, want Inf", v, c.code)
				}
				continue
			}
			d := math.Abs(a - val(mag))
			for _, n := range []uint16{mag - 1, mag + 1} {
				if n > c.inf || (mag == 0 && n == 0xffff) {
					continue
				}
				dn := math.Abs(a - val(n))
				if dn < d || dn == d && mag&1 == 1 {
					t.Fatalf("%v (bf16 %v) → %#04x (%v), but %#04x (%v) is nearer or the even tie", v, c.bf, c.code, got, n, val(n))
				}
			}
		}
	})
}

// FuzzMatVecHalf runs MatVecBatchF16/BF16 (set and add) at every level on
// fuzzed shapes, weight bits (NaN, ±Inf and subnormals included) and
// inputs against float64 sums with the doc bound.
func FuzzMatVecHalf(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{data: data}
		rows, cols, batch := int(in.byte()%20), int(in.byte()%70), 1+int(in.byte()%10)
		flags := in.byte()
		bf, add := flags&1 == 1, flags&2 == 2
		w := make([]uint16, rows*cols)
		for i := range w {
			w[i] = uint16(in.uint32())
			// bf16 has float32's range: fold finite exponents above 2⁵⁰
			// as decode folds x's (no product sum may overflow midway).
			if e := int(w[i]>>7) & 0xff; bf && e != 0xff && e > 127+maxExponent {
				w[i] = w[i]&^(0xff<<7) | uint16(127+(e-127)%maxExponent)<<7
			}
		}
		x, y0 := make([]float32, batch*cols), make([]float32, batch*rows)
		for i := range x {
			x[i] = in.float()
		}
		for i := range y0 {
			y0[i] = in.float()
		}
		for _, l := range kerneltest.Levels() {
			y := append([]float32(nil), y0...)
			kerneltest.WithLevel(l, func() {
				switch {
				case bf && add:
					kernels.MatVecBatchAddBF16(y, bf16s(w), x, batch)
				case bf:
					kernels.MatVecBatchBF16(y, bf16s(w), x, batch)
				case add:
					kernels.MatVecBatchAddF16(y, f16s(w), x, batch)
				default:
					kernels.MatVecBatchF16(y, f16s(w), x, batch)
				}
			})
			for b := 0; b < batch; b++ {
				for i := 0; i < rows; i++ {
					sum, abs := 0.0, 0.0
					if add {
						sum, abs = float64(y0[b*rows+i])+0, math.Abs(float64(y0[b*rows+i])) // an empty sum adds +0
					}
					for j := 0; j < cols; j++ {
						p := halfValue(w[i*cols+j], bf) * float64(x[b*cols+j])
						sum += p
						abs += math.Abs(p)
					}
					bound := kerneltest.Gamma(cols+1)*abs + float64(cols+1)*kerneltest.Underflow
					if !kerneltest.Close(y[b*rows+i], sum, bound) {
						t.Fatalf("level %v bf16 %v add %v %d×%d×%d: y[%d][%d] = %v, want %v ± %g", l, bf, add, rows, cols, batch, b, i, y[b*rows+i], sum, bound)
					}
				}
			}
		}
	})
}

func f16s(w []uint16) []kernels.F16 {
	out := make([]kernels.F16, len(w))
	for i, v := range w {
		out[i] = kernels.F16(v)
	}
	return out
}

func bf16s(w []uint16) []kernels.BF16 {
	out := make([]kernels.BF16, len(w))
	for i, v := range w {
		out[i] = kernels.BF16(v)
	}
	return out
}

// FuzzMatVecInt8 runs MatVecBatchInt8 (set and add) at every level on
// fuzzed shapes, int8 values and scales: the same bits as the reference
// loop of the doc comment.
func FuzzMatVecInt8(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{data: data}
		rows, cols, batch := int(in.byte()%20), int(in.byte()%70), 1+int(in.byte()%10)
		add := in.byte()&1 == 1
		q := func(n int) []int8 {
			s := make([]int8, n)
			for i := range s {
				s[i] = int8(max(-127, int(int8(in.byte()))))
			}
			return s
		}
		w, x := q(rows*cols), q(batch*cols)
		ws, xs, y0 := make([]float32, rows), make([]float32, batch), make([]float32, batch*rows)
		for _, s := range [][]float32{ws, xs, y0} {
			for i := range s {
				s[i] = in.float()
			}
		}
		for _, l := range kerneltest.Levels() {
			y := append([]float32(nil), y0...)
			kerneltest.WithLevel(l, func() {
				if add {
					kernels.MatVecBatchAddInt8(y, w, ws, x, xs)
				} else {
					kernels.MatVecBatchInt8(y, w, ws, x, xs)
				}
			})
			for b := 0; b < batch; b++ {
				for i := 0; i < rows; i++ {
					var acc int64
					for j := 0; j < cols; j++ {
						acc += int64(w[i*cols+j]) * int64(x[b*cols+j])
					}
					want := float32(float32(acc) * float32(ws[i]*xs[b]))
					if add {
						want = float32(y0[b*rows+i] + want)
					}
					got := y[b*rows+i]
					if math.Float32bits(got) != math.Float32bits(want) && !(math.IsNaN(float64(got)) && math.IsNaN(float64(want))) {
						t.Fatalf("level %v add %v %d×%d×%d: y[%d][%d] = %v, want %v", l, add, rows, cols, batch, b, i, got, want)
					}
				}
			}
		}
	})
}

// FuzzQuantizeVector checks QuantizeVector at every level on fuzzed
// vectors: the same result everywhere, values in [−127, 127], and x within
// half a step (plus a subnormal scale's rounding) of s·q.
func FuzzQuantizeVector(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{data: data}
		x := make([]float32, int(in.byte())%300)
		for i := range x {
			x[i] = in.float()
		}
		var first []int8
		var firstScale float32
		for k, l := range kerneltest.Levels() {
			q := make([]int8, len(x))
			var s float32
			kerneltest.WithLevel(l, func() { s = kernels.QuantizeVector(q, x) })
			if k == 0 {
				first, firstScale = q, s
			} else if math.Float32bits(s) != math.Float32bits(firstScale) || string(int8Bytes(q)) != string(int8Bytes(first)) {
				t.Fatalf("level %v differs from %v", l, kerneltest.Levels()[0])
			}
			if math.IsNaN(float64(s)) {
				continue
			}
			for i, v := range q {
				if v < -127 {
					t.Fatalf("q[%d] = %d", i, v)
				}
				if d := math.Abs(float64(x[i]) - float64(s)*float64(v)); d > float64(s)*(0.5+1e-5)+127*0x1p-150 {
					t.Fatalf("x[%d] = %v, s·q = %v·%d: off by %g", i, x[i], s, v, d)
				}
			}
		}
	})
}

func int8Bytes(q []int8) []byte {
	b := make([]byte, len(q))
	for i, v := range q {
		b[i] = byte(v)
	}
	return b
}
