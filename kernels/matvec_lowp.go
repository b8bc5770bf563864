package kernels

import (
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/internal/shape"
)

// The reduced-precision weight formats: the matrix·vector kernels below read
// W as F16, BF16 or int8 (with one float32 scale per row) and compute in
// float32, so a batch-1 step, bound by the bytes of W it streams, reads
// half or a quarter of them. x, y, states and sums stay float32 (int8: the
// sums are exact int32, see MatVecInt8).

// MatVecF16 sets y = W·x with W in binary16: MatVec over the float32
// values of w (each converted exactly).
//
// W is len(y)×len(x), row-major. Reference loop:
//
//	for i := range y {
//		sum := float32(0)
//		for j := range x { sum += w[i*len(x)+j].Float32() * x[j] }
//		y[i] = sum
//	}
//
// Shapes: len(w) == len(y)·len(x) (panics otherwise). y must not overlap w or
// x. Error bound: as MatVec's over the converted weights, per row
// γ(n)·Σ_j|w[i][j]·x[j]| + n·2⁻¹⁴⁹, n = len(x). Non-finite values follow
// IEEE arithmetic, as in MatVec. The AVX2 level needs F16C as well (else
// the generic code runs).
func MatVecF16(y []float32, w []F16, x []float32) {
	matVecHalfAt(level.Active, "MatVecF16", false, y, halfBits(w), x, 1, false)
}

// MatVecAddF16 sets y += W·x with W in binary16; otherwise as MatVecF16,
// with the error bound of MatVecAdd.
func MatVecAddF16(y []float32, w []F16, x []float32) {
	matVecHalfAt(level.Active, "MatVecAddF16", false, y, halfBits(w), x, 1, true)
}

// MatVecBatchF16 sets y[b] = W·x[b] for batch vectors with W in binary16,
// reading W once per eight vectors; layouts and shapes as MatVecBatch,
// error bound as MatVecF16.
func MatVecBatchF16(y []float32, w []F16, x []float32, batch int) {
	matVecHalfAt(level.Active, "MatVecBatchF16", false, y, halfBits(w), x, batch, false)
}

// MatVecBatchAddF16 sets y[b] += W·x[b] for batch vectors with W in
// binary16; as MatVecBatchF16, error bound as MatVecAdd.
func MatVecBatchAddF16(y []float32, w []F16, x []float32, batch int) {
	matVecHalfAt(level.Active, "MatVecBatchAddF16", false, y, halfBits(w), x, batch, true)
}

// MatVecBF16 sets y = W·x with W in bfloat16: MatVec over the float32
// values of w (each converted exactly). Shapes, aliasing, reference loop and
// error bound as MatVecF16 (with w[i*len(x)+j].Float32() of a BF16).
func MatVecBF16(y []float32, w []BF16, x []float32) {
	matVecHalfAt(level.Active, "MatVecBF16", true, y, halfBits(w), x, 1, false)
}

// MatVecAddBF16 sets y += W·x with W in bfloat16; as MatVecAddF16.
func MatVecAddBF16(y []float32, w []BF16, x []float32) {
	matVecHalfAt(level.Active, "MatVecAddBF16", true, y, halfBits(w), x, 1, true)
}

// MatVecBatchBF16 sets y[b] = W·x[b] for batch vectors with W in bfloat16;
// as MatVecBatchF16.
func MatVecBatchBF16(y []float32, w []BF16, x []float32, batch int) {
	matVecHalfAt(level.Active, "MatVecBatchBF16", true, y, halfBits(w), x, batch, false)
}

// MatVecBatchAddBF16 sets y[b] += W·x[b] for batch vectors with W in
// bfloat16; as MatVecBatchAddF16.
func MatVecBatchAddBF16(y []float32, w []BF16, x []float32, batch int) {
	matVecHalfAt(level.Active, "MatVecBatchAddBF16", true, y, halfBits(w), x, batch, true)
}

// MaxInt8Cols is the widest row the int8 kernels take: 131,072 products of
// magnitude at most 127² sum exactly in an int32.
const MaxInt8Cols = 1 << 17

// MatVecInt8 sets y = W·x with W quantized per row and x quantized with one
// scale (QuantizeRows, QuantizeVector): W[i][j] = ws[i]·w[i*n+j] and
// x[j] = xs·q[j], n = len(x). Per row the integer sum is exact, then scaled:
//
//	for i := range y {
//		acc := int32(0)
//		for j := range x { acc += int32(w[i*len(x)+j]) * int32(x[j]) }
//		y[i] = float32(acc) * (ws[i] * xs)
//	}
//
// (float32 operations, each rounded; every level gives the same bits.)
// Against the exact ws[i]·xs·Σ_j w·x the error is at most 3 roundings,
// (1+u)³−1 ≈ 3u relative (u = 2⁻²⁴), plus 2⁻¹⁴⁹ on underflow. Against
// the float32 product of the unquantized W and x add the quantization
// error (at most half a step of each operand per product). A NaN scale
// (a non-finite row or vector, see QuantizeRows) makes the outputs NaN.
//
// Shapes: len(ws) = len(y), len(w) = len(y)·len(x), len(x) ≤ MaxInt8Cols
// (panics otherwise). The values of w and x must lie in [−127, 127] (as
// the quantizers make them). y must not overlap ws.
func MatVecInt8(y []float32, w []int8, ws []float32, x []int8, xs float32) {
	xsv := [1]float32{xs}
	matVecInt8At(level.Active, "MatVecInt8", y, w, ws, x, xsv[:], false)
}

// MatVecAddInt8 sets y += W·x with W and x quantized, as MatVecInt8 (the
// scaled row sum p is formed first, then y[i] = y[i] + p: one more
// rounding).
func MatVecAddInt8(y []float32, w []int8, ws []float32, x []int8, xs float32) {
	xsv := [1]float32{xs}
	matVecInt8At(level.Active, "MatVecAddInt8", y, w, ws, x, xsv[:], true)
}

// MatVecBatchInt8 sets y[b] = W·x[b] for the batch = len(xs) quantized
// vectors of x (vector b is x[b*n:(b+1)*n] with scale xs[b]), reading W
// once per eight vectors. y is batch×m, row-major, W m×n. Otherwise as
// MatVecInt8: shapes len(x) = batch·n, len(y) = batch·m, len(ws) = m,
// len(w) = m·n, n ≤ MaxInt8Cols, batch ≥ 1.
func MatVecBatchInt8(y []float32, w []int8, ws []float32, x []int8, xs []float32) {
	matVecInt8At(level.Active, "MatVecBatchInt8", y, w, ws, x, xs, false)
}

// MatVecBatchAddInt8 sets y[b] += W·x[b]; as MatVecBatchInt8 and
// MatVecAddInt8.
func MatVecBatchAddInt8(y []float32, w []int8, ws []float32, x []int8, xs []float32) {
	matVecInt8At(level.Active, "MatVecBatchAddInt8", y, w, ws, x, xs, true)
}

// halfBits views F16 or BF16 values as their bits, as the assembly takes them.
func halfBits[H F16 | BF16](w []H) []uint16 {
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(w))), len(w))
}

// matVecHalfAt is the F16 (bf = false) and BF16 MatVec family at level l.
func matVecHalfAt(l level.Level, kernel string, bf bool, y []float32, w []uint16, x []float32, batch int, add bool) {
	if batch < 1 {
		panic(fmt.Sprintf("kernels.%s: batch = %d; want batch ≥ 1", kernel, batch))
	}
	if len(x)%batch != 0 || len(y)%batch != 0 {
		panic(fmt.Sprintf("kernels.%s: len(x) = %d, len(y) = %d; want multiples of batch = %d", kernel, len(x), len(y), batch))
	}
	rows, cols := len(y)/batch, len(x)/batch
	if want, ok := shape.Mul(rows, cols); !ok || len(w) != want {
		panic(fmt.Sprintf("kernels.%s: len(w) = %d; want len(y)/batch × len(x)/batch = %d × %d = %s", kernel, len(w), rows, cols, product(rows, cols)))
	}
	if rows == 0 {
		return
	}
	if cols == 0 {
		zeroSums(y, add)
		return
	}
	matVecHalf(l, bf, y, w, x, rows, cols, batch, add)
}

// matVecInt8At is the int8 MatVec family at level l.
func matVecInt8At(l level.Level, kernel string, y []float32, w []int8, ws []float32, x []int8, xs []float32, add bool) {
	batch := len(xs)
	if batch < 1 {
		panic(fmt.Sprintf("kernels.%s: len(xs) = %d; want one scale per vector, batch ≥ 1", kernel, batch))
	}
	if len(x)%batch != 0 || len(y)%batch != 0 {
		panic(fmt.Sprintf("kernels.%s: len(x) = %d, len(y) = %d; want multiples of batch = len(xs) = %d", kernel, len(x), len(y), batch))
	}
	rows, cols := len(y)/batch, len(x)/batch
	if want, ok := shape.Mul(rows, cols); !ok || len(w) != want || len(ws) != rows || cols > MaxInt8Cols {
		panic(fmt.Sprintf("kernels.%s: len(w) = %d, len(ws) = %d, columns %d; want len(w) = rows × columns = %d × %d = %s, len(ws) = rows, columns ≤ %d", kernel, len(w), len(ws), cols, rows, cols, product(rows, cols), MaxInt8Cols))
	}
	if rows == 0 {
		return
	}
	if cols == 0 {
		// The reference loop with an empty sum: 0·(ws[i]·xs[b]), NaN for
		// a NaN scale.
		matVecInt8Generic(y, w, ws, x, xs, rows, cols, add)
		return
	}
	matVecInt8(l, y, w, ws, x, xs, rows, cols, add)
}

// zeroSums stores empty row sums: +0, or y + 0 (which keeps the IEEE rule
// −0 + +0 = +0).
func zeroSums(y []float32, add bool) {
	for i := range y {
		if add {
			y[i] += 0
		} else {
			y[i] = 0
		}
	}
}

// halfChunk is how many columns the generic half kernel widens at a time.
const halfChunk = 128

// f16Table maps every binary16 code to its float32 value, for the generic
// code (256 KiB, built on first use).
var (
	f16Once  sync.Once
	f16Table *[1 << 16]float32
)

func f16Values() *[1 << 16]float32 {
	f16Once.Do(func() {
		t := new([1 << 16]float32)
		for h := range t {
			t[h] = math.Float32frombits(f16Bits(uint16(h)))
		}
		f16Table = t
	})
	return f16Table
}

// widen sets dst[j] to the float32 value of the F16 (table set) or BF16
// bits src[j].
func widen(dst []float32, src []uint16, table *[1 << 16]float32) {
	if table == nil {
		for j, h := range src {
			dst[j] = math.Float32frombits(uint32(h) << 16)
		}
		return
	}
	for j, h := range src {
		dst[j] = table[h]
	}
}

// matVecHalfGeneric widens four rows' column chunk at a time to the stack
// and runs every vector of the batch over them, so each weight is widened
// once per call and each x element loaded once per four rows.
func matVecHalfGeneric(bf bool, y []float32, w []uint16, x []float32, rows, cols, batch int, add bool) {
	var table *[1 << 16]float32
	if !bf {
		table = f16Values()
	}
	var buf [4][halfChunk]float32
	var sums [8][4]float32
	for b0 := 0; b0 < batch; b0 += len(sums) {
		nb := min(len(sums), batch-b0)
		for i := 0; i < rows; i += 4 {
			nr := min(4, rows-i)
			sums = [8][4]float32{}
			for j := 0; j < cols; j += halfChunk {
				n := min(halfChunk, cols-j)
				for r := range nr {
					widen(buf[r][:n], w[(i+r)*cols+j:(i+r)*cols+j+n], table)
				}
				for b := range nb {
					xb := x[(b0+b)*cols+j : (b0+b)*cols+j+n]
					if nr == 4 {
						s0, s1, s2, s3 := sums[b][0], sums[b][1], sums[b][2], sums[b][3]
						w0, w1, w2, w3 := buf[0][:n], buf[1][:n], buf[2][:n], buf[3][:n]
						for k, v := range xb {
							s0 += w0[k] * v
							s1 += w1[k] * v
							s2 += w2[k] * v
							s3 += w3[k] * v
						}
						sums[b] = [4]float32{s0, s1, s2, s3}
						continue
					}
					for r := range nr {
						s := sums[b][r]
						for k, v := range xb {
							s += buf[r][k] * v
						}
						sums[b][r] = s
					}
				}
			}
			for b := range nb {
				yb := y[(b0+b)*rows+i : (b0+b)*rows+i+nr]
				for r := range yb {
					if add {
						yb[r] += sums[b][r]
					} else {
						yb[r] = sums[b][r]
					}
				}
			}
		}
	}
}

// matVecInt8Generic is the reference loop of MatVecInt8 for every vector,
// four rows at a time so that each x element is loaded once per four rows.
func matVecInt8Generic(y []float32, w []int8, ws []float32, x []int8, xs []float32, rows, cols int, add bool) {
	var acc [4]int32
	for b, s := range xs {
		xb := x[b*cols : (b+1)*cols]
		yb := y[b*rows : (b+1)*rows]
		for i := 0; i < rows; i += 4 {
			nr := min(4, rows-i)
			if nr == 4 {
				w0, w1 := w[i*cols:(i+1)*cols], w[(i+1)*cols:(i+2)*cols]
				w2, w3 := w[(i+2)*cols:(i+3)*cols], w[(i+3)*cols:(i+4)*cols]
				var a0, a1, a2, a3 int32
				for j, v := range xb {
					q := int32(v)
					a0 += int32(w0[j]) * q
					a1 += int32(w1[j]) * q
					a2 += int32(w2[j]) * q
					a3 += int32(w3[j]) * q
				}
				acc = [4]int32{a0, a1, a2, a3}
			} else {
				for r := range nr {
					var a int32
					for j, v := range w[(i+r)*cols : (i+r+1)*cols] {
						a += int32(v) * int32(xb[j])
					}
					acc[r] = a
				}
			}
			for r := range nr {
				// The conversion rounds the product, so no level fuses it
				// with the addition (Go may fuse a*b + c otherwise).
				p := float32(float32(acc[r]) * (ws[i+r] * s))
				if add {
					yb[i+r] += p
				} else {
					yb[i+r] = p
				}
			}
		}
	}
}
