package kernels

import (
	"fmt"
	"math"

	"github.com/simdrnn/simdrnn/internal/level"
)

// F16 is an IEEE 754 binary16 value (1 sign, 5 exponent, 10 fraction bits),
// stored as its bits: the f16 weight format. Every F16 converts exactly to
// float32.
type F16 uint16

// BF16 is a bfloat16 value, the top 16 bits of a float32 (1 sign, 8
// exponent, 7 fraction bits): the bf16 weight format. Every BF16 converts
// exactly to float32.
type BF16 uint16

// Float32 returns h as a float32 (exact).
func (h F16) Float32() float32 { return math.Float32frombits(f16Bits(uint16(h))) }

// Float32 returns h as a float32 (exact).
func (h BF16) Float32() float32 { return math.Float32frombits(uint32(h) << 16) }

// f16Bits returns the float32 bits of the binary16 value h.
func f16Bits(h uint16) uint32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f: // Inf, NaN: the payload moves to the top fraction bits
		return sign | 0x7f800000 | frac<<13
	case exp != 0:
		return sign | (exp+112)<<23 | frac<<13
	case frac == 0:
		return sign
	}
	// Subnormal: frac·2⁻²⁴, normalised.
	e := uint32(113)
	for frac&0x400 == 0 {
		frac <<= 1
		e--
	}
	return sign | e<<23 | (frac&0x3ff)<<13
}

// f16FromBits rounds a float32 (given by its bits) to binary16: to
// nearest, ties to even; beyond the largest finite half (65504) by half an
// ulp or more to ±Inf; NaN to a quiet NaN of the same sign keeping the top
// nine payload bits.
func f16FromBits(b uint32) uint16 {
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	frac := b & 0x7fffff
	if exp == 0xff {
		if frac != 0 {
			return sign | 0x7e00 | uint16(frac>>13)
		}
		return sign | 0x7c00
	}
	e := exp - 112 // the binary16 biased exponent
	if e >= 31 {
		return sign | 0x7c00
	}
	if e <= 0 {
		// A binary16 subnormal (unit 2⁻²⁴) or zero: m·2^(exp−150) in
		// units of 2⁻²⁴ is m >> (126 − exp).
		if e < -10 {
			return sign
		}
		m := frac | 0x800000
		shift := uint(14 - e)
		q := m >> shift
		rem, half := m&(1<<shift-1), uint32(1)<<(shift-1)
		if rem > half || rem == half && q&1 == 1 {
			q++ // may become the smallest normal, 0x400: right
		}
		return sign | uint16(q)
	}
	q := uint32(e)<<10 | frac>>13
	if rem := frac & 0x1fff; rem > 0x1000 || rem == 0x1000 && q&1 == 1 {
		q++ // may carry into the exponent, up to 0x7c00 = Inf: right
	}
	return sign | uint16(q)
}

// bf16FromBits rounds a float32 (given by its bits) to bfloat16: to
// nearest, ties to even (overflowing to ±Inf); NaN to a quiet NaN of the
// same sign keeping the top six payload bits.
func bf16FromBits(b uint32) uint16 {
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// F32ToF16 sets dst[i] to src[i] rounded to binary16: to nearest, ties to
// even; magnitudes of 65520 and more (half an ulp beyond 65504, the largest
// finite half) become ±Inf, values below 2⁻²⁵ in magnitude ±0, keeping the
// sign; NaN becomes a quiet NaN of the same sign that keeps the top nine
// payload bits. It panics unless len(dst) == len(src).
func F32ToF16(dst []F16, src []float32) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("kernels.F32ToF16: len(dst) = %d, len(src) = %d; want equal lengths", len(dst), len(src)))
	}
	for i, v := range src {
		dst[i] = F16(f16FromBits(math.Float32bits(v)))
	}
}

// F16ToF32 sets dst[i] to src[i] as a float32 (exact). It panics unless
// len(dst) == len(src).
func F16ToF32(dst []float32, src []F16) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("kernels.F16ToF32: len(dst) = %d, len(src) = %d; want equal lengths", len(dst), len(src)))
	}
	for i, h := range src {
		dst[i] = math.Float32frombits(f16Bits(uint16(h)))
	}
}

// F32ToBF16 sets dst[i] to src[i] rounded to bfloat16: to nearest, ties to
// even, overflowing to ±Inf; NaN becomes a quiet NaN of the same sign that
// keeps the top six payload bits. It panics unless len(dst) == len(src).
func F32ToBF16(dst []BF16, src []float32) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("kernels.F32ToBF16: len(dst) = %d, len(src) = %d; want equal lengths", len(dst), len(src)))
	}
	for i, v := range src {
		dst[i] = BF16(bf16FromBits(math.Float32bits(v)))
	}
}

// BF16ToF32 sets dst[i] to src[i] as a float32 (exact). It panics unless
// len(dst) == len(src).
func BF16ToF32(dst []float32, src []BF16) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("kernels.BF16ToF32: len(dst) = %d, len(src) = %d; want equal lengths", len(dst), len(src)))
	}
	for i, h := range src {
		dst[i] = math.Float32frombits(uint32(h) << 16)
	}
}

// Int8Max is the largest magnitude of a quantized value: int8 weights and
// vectors lie in [−Int8Max, Int8Max] (−128 is never produced, and the int8
// kernels' results are unspecified for it, though memory-safe).
const Int8Max = 127

// QuantizeVector quantizes x symmetrically to int8 with one scale, as the
// int8 kernels take it, and returns the scale s: with m = max|x[j]|,
// s = m/127 and q[j] = round(x[j]·(127/m)) (float32 products, rounded to
// nearest even), so x[j] ≈ s·q[j] within s/2 plus a rounding (and, when
// s is subnormal, m < 2⁻¹²⁶·127, plus q[j] times s's rounding, at most
// 127·2⁻¹⁵⁰). Special
// cases: m = 0 gives s = 0 and q = 0; a NaN or ±Inf anywhere in x gives
// s = NaN and q = 0, so every output of an int8 kernel over q is NaN (as
// an f32 product over such an x would be NaN or infinite). For m < 2⁻⁹⁶
// (where 127/m would overflow) x[j] is first scaled by 2⁹⁶, exactly.
// It allocates nothing and panics unless len(q) == len(x).
func QuantizeVector(q []int8, x []float32) float32 {
	if len(q) != len(x) {
		panic(fmt.Sprintf("kernels.QuantizeVector: len(q) = %d, len(x) = %d; want equal lengths", len(q), len(x)))
	}
	return quantizeVector(level.Active, q, x)
}

// QuantizeRows quantizes the rows of the matrix w (len(scales) rows,
// row-major) to int8 with one scale per row, each row as QuantizeVector
// quantizes a vector: scales[i] = max_j|w[i][j]|/127. A row holding NaN or
// ±Inf gets the scale NaN (its outputs in the int8 kernels are NaN).
// Shapes: len(q) == len(w), a multiple of len(scales) (panics otherwise;
// with no rows w must be empty).
func QuantizeRows(q []int8, scales, w []float32) {
	rows := len(scales)
	if len(q) != len(w) || rows == 0 && len(w) != 0 || rows != 0 && len(w)%rows != 0 {
		panic(fmt.Sprintf("kernels.QuantizeRows: len(q) = %d, len(scales) = %d, len(w) = %d; want len(q) = len(w), a multiple of len(scales)", len(q), rows, len(w)))
	}
	if rows == 0 {
		return
	}
	cols := len(w) / rows
	for i := range scales {
		scales[i] = quantizeVector(level.Active, q[i*cols:(i+1)*cols], w[i*cols:(i+1)*cols])
	}
}

// DequantizeRows sets w[i][j] = scales[i]·float32(q[i][j]), the matrix the
// int8 kernels compute with. Shapes as QuantizeRows.
func DequantizeRows(w, scales []float32, q []int8) {
	rows := len(scales)
	if len(q) != len(w) || rows == 0 && len(w) != 0 || rows != 0 && len(w)%rows != 0 {
		panic(fmt.Sprintf("kernels.DequantizeRows: len(w) = %d, len(scales) = %d, len(q) = %d; want len(q) = len(w), a multiple of len(scales)", len(w), rows, len(q)))
	}
	if rows == 0 {
		return
	}
	cols := len(w) / rows
	for i, s := range scales {
		for j, v := range q[i*cols : (i+1)*cols] {
			w[i*cols+j] = s * float32(v)
		}
	}
}

// tinyScale is 2⁻⁹⁶: below it 127/m overflows float32 (for m ≥ 2⁻⁹⁶,
// 127/m < 2¹⁰³).
const tinyScale = 0x1p-96

// quantizeVector is QuantizeVector at level l (lengths checked).
func quantizeVector(l level.Level, q []int8, x []float32) float32 {
	bits := maxAbsBits(l, x)
	switch {
	case bits >= 0x7f800000:
		clear(q)
		return float32(math.NaN())
	case bits == 0:
		clear(q)
		return 0
	}
	m := math.Float32frombits(bits)
	s := m / Int8Max
	if m < tinyScale {
		// Scale x up by 2⁹⁶ (exact: the results are normal) in chunks on
		// the stack.
		inv := Int8Max / (m * 0x1p96)
		var buf [256]float32
		for j := 0; j < len(x); j += len(buf) {
			n := min(len(buf), len(x)-j)
			for k := range n {
				buf[k] = x[j+k] * 0x1p96
			}
			quantizeI8(l, q[j:j+n], buf[:n], inv)
		}
		return s
	}
	quantizeI8(l, q, x, Int8Max/m)
	return s
}

// maxAbsBitsGeneric returns max_j bits(x[j]) & 0x7fffffff (unsigned: NaN >
// Inf > every finite magnitude), 0 for an empty x.
func maxAbsBitsGeneric(x []float32) uint32 {
	var m uint32
	for _, v := range x {
		m = max(m, math.Float32bits(v)&0x7fffffff)
	}
	return m
}

// quantizeI8Generic sets q[j] = round(x[j]·inv), to nearest even, clamped
// to ±127.
func quantizeI8Generic(q []int8, x []float32, inv float32) {
	for j, v := range x {
		r := math.RoundToEven(float64(v * inv))
		q[j] = int8(max(-Int8Max, min(Int8Max, r)))
	}
}
