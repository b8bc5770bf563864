package fuzz

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// FuzzMatMul decodes the transposition flags, accumulate flag, packed flag
// (MatMulPacked, which must also equal MatMul bit for bit), m, n, k,
// leading-dimension padding and the operands, and checks every level
// against the float64 reference.
func FuzzMatMul(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{data: data}
		flags := in.byte()
		mc := kerneltest.MatMulCase{
			TransA: flags&1 != 0, TransB: flags&2 != 0, Add: flags&4 != 0,
			M: int(in.byte()) % 40, N: int(in.byte()) % 40, K: int(in.byte()) % 300,
		}
		pad := int(flags>>3) % 4
		mc.Packed = flags&32 != 0
		aRows, aCols, bRows, bCols := mc.StoredShape()
		mc.LDA, mc.LDB, mc.LDC = max(1, aCols)+pad, max(1, bCols)+pad, max(1, mc.N)+pad
		a := make([]float32, kerneltest.Len(aRows, aCols, mc.LDA))
		b := make([]float32, kerneltest.Len(bRows, bCols, mc.LDB))
		c := make([]float32, kerneltest.Len(mc.M, mc.N, mc.LDC))
		value := func(int, int) float32 { return in.float() }
		kerneltest.FillMatrix(a, aRows, aCols, mc.LDA, value)
		kerneltest.FillMatrix(b, bRows, bCols, mc.LDB, value)
		kerneltest.FillMatrix(c, mc.M, mc.N, mc.LDC, value)
		for _, l := range kerneltest.Levels() {
			run := mc
			run.A = append([]float32(nil), a...)
			run.B = append([]float32(nil), b...)
			run.C = append([]float32(nil), c...)
			var err error
			kerneltest.WithLevel(l, func() { err = run.Run() })
			if err != nil {
				t.Fatalf("level %v: %v", l, err)
			}
		}
	})
}

// FuzzMatMulSizes draws every size and leading dimension of MatMul,
// MatMulAdd, PackedMatrix.Pack with MatMulPacked(Add), and the batch of
// MatVecBatch(Add), from the whole int range (boundary values, small
// values and raw 64-bit patterns), with short operands between sentinels.
// An independent oracle in arbitrary precision decides whether the call is
// valid: if not, the kernel must panic with its own name and leave every
// operand and sentinel as it was; if so, it must not panic, and small
// products are checked against the float64 reference.
func FuzzMatMulSizes(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8})
	// The audit's MatMul(false, false, 3, 16, 1, a(3), 1, b(16), 16, c(14), MaxInt).
	f.Add([]byte{0x00, 0x43, 0x50, 0x41, 3, 0x41, 16, 0x50, 14, 0x08})
	// PackedMatrix.Pack(false, 2⁴⁰, 2⁴⁰, b(16), 2⁴⁰).
	f.Add([]byte{0x10, 0x0f, 0x0f, 16, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{data: data}
		op := in.byte()
		switch op >> 4 % 3 {
		case 0:
			fuzzMatMulSizes(t, in, op&1 != 0, op&2 != 0, op&4 != 0)
		case 1:
			fuzzPackedSizes(t, in, op&1 != 0, op&2 != 0, op&4 != 0)
		case 2:
			fuzzMatVecBatchSizes(t, in, op&1 != 0)
		}
	})
}

var boundaryInts = func() []int {
	b := []int{0, 1, 2, 3, 16, 17, -1, -2, math.MaxInt, math.MinInt, math.MaxInt/2 + 1, math.MaxInt / 3, math.MaxInt/16 + 1}
	for _, shift := range []int{31, 32, 40, 60, 62} {
		if shift < strconv.IntSize-1 {
			b = append(b, 1<<shift)
		}
	}
	return b
}()

// int decodes a size: a boundary value, a small value, or 64 raw bits.
func (in *input) int() int {
	sel := in.byte()
	switch {
	case sel < 0x40:
		return boundaryInts[int(sel)%len(boundaryInts)]
	case sel < 0xc0:
		return int(sel-0x40) % 24
	default:
		var v uint64
		for i := 0; i < 8; i++ {
			v = v<<8 | uint64(in.byte())
		}
		return int(v)
	}
}

// span is the oracle: the elements a rows×cols matrix with leading
// dimension ld spans, in arbitrary precision, and whether ld is valid.
func span(rows, cols, ld int) (*big.Int, bool) {
	if ld < max(1, cols) {
		return nil, false
	}
	if rows == 0 || cols == 0 {
		return new(big.Int), true
	}
	n := new(big.Int).Mul(big.NewInt(int64(rows-1)), big.NewInt(int64(ld)))
	return n.Add(n, big.NewInt(int64(cols))), true
}

func fits(rows, cols, ld, length int) bool {
	n, ok := span(rows, cols, ld)
	return ok && n.Cmp(big.NewInt(int64(length))) <= 0
}

// sentineled returns n decoded floats between 8 sentinels on each side.
func sentineled(in *input, n int) (buf, s []float32) {
	buf = make([]float32, 8+n+8)
	for i := range buf {
		buf[i] = math.Float32frombits(0x7fa5a5a5)
	}
	s = buf[8 : 8+n]
	for i := range s {
		s[i] = in.float()
	}
	return buf, s
}

// requireSizePanic runs call, which must panic with kernel's name if
// !valid and must not panic if valid; the buffers must be unchanged when it
// panicked.
func requireSizePanic(t *testing.T, kernel string, valid bool, call func(), bufs ...[]float32) (panicked bool) {
	t.Helper()
	before := make([][]float32, len(bufs))
	for i, b := range bufs {
		before[i] = append([]float32(nil), b...)
	}
	var message any
	panicked = true
	func() {
		defer func() { message = recover() }()
		call()
		panicked = false
	}()
	if valid {
		if panicked {
			t.Fatalf("%s: valid sizes panicked: %v", kernel, message)
		}
		return false
	}
	if !panicked {
		t.Fatalf("%s: invalid sizes did not panic", kernel)
	}
	if text := fmt.Sprint(message); !strings.HasPrefix(text, "kernels."+kernel+":") {
		t.Fatalf("%s: panic %q does not name the kernel", kernel, text)
	}
	for i := range bufs {
		for k := range bufs[i] {
			if math.Float32bits(bufs[i][k]) != math.Float32bits(before[i][k]) {
				t.Fatalf("%s: operand %d changed at %d before the panic", kernel, i, k)
			}
		}
	}
	return true
}

func fuzzMatMulSizes(t *testing.T, in *input, transA, transB, add bool) {
	mc := kerneltest.MatMulCase{TransA: transA, TransB: transB, Add: add,
		M: in.int(), N: in.int(), K: in.int()}
	la, lda, lb, ldb, lc, ldc := int(in.byte())%64, in.int(), int(in.byte())%64, in.int(), int(in.byte())%64, in.int()
	mc.LDA, mc.LDB, mc.LDC = lda, ldb, ldc
	aRows, aCols, bRows, bCols := mc.StoredShape()
	valid := mc.M >= 0 && mc.N >= 0 && mc.K >= 0 &&
		fits(aRows, aCols, lda, la) && fits(bRows, bCols, ldb, lb) && fits(mc.M, mc.N, ldc, lc)
	kernel := "MatMul"
	if add {
		kernel = "MatMulAdd"
	}
	for _, l := range kerneltest.Levels() {
		bufA, a := sentineled(&input{data: in.data}, la)
		bufB, b := sentineled(&input{data: in.data}, lb)
		bufC, c := sentineled(&input{data: in.data}, lc)
		kerneltest.WithLevel(l, func() {
			if valid && mc.M <= 64 && mc.N <= 64 && mc.K <= 64 {
				// Small enough for the reference: the gaps between rows
				// are checked by Run, the sentinels here.
				run := mc
				run.A, run.B, run.C = a[:kerneltest.Len(aRows, aCols, lda)], b[:kerneltest.Len(bRows, bCols, ldb)], c[:kerneltest.Len(mc.M, mc.N, ldc)]
				kerneltest.FillMatrix(run.A, aRows, aCols, lda, func(int, int) float32 { return 0.5 })
				kerneltest.FillMatrix(run.B, bRows, bCols, ldb, func(i, j int) float32 { return float32(i - j) })
				kerneltest.FillMatrix(run.C, mc.M, mc.N, ldc, func(i, j int) float32 { return float32(i + j) })
				before := [][]float32{append([]float32(nil), bufA...), append([]float32(nil), bufB...), append([]float32(nil), bufC...)}
				if err := run.Run(); err != nil {
					t.Fatalf("level %v: %v", l, err)
				}
				requireSentinels(t, l, before[:2], bufA, bufB)
				requireSentinels(t, l, [][]float32{before[2][:8], before[2][8+lc:]}, bufC[:8], bufC[8+lc:])
				return
			}
			call := func() {
				if add {
					kernels.MatMulAdd(transA, transB, mc.M, mc.N, mc.K, a, lda, b, ldb, c, ldc)
				} else {
					kernels.MatMul(transA, transB, mc.M, mc.N, mc.K, a, lda, b, ldb, c, ldc)
				}
			}
			if valid {
				// Valid but large: some size is 0 (nothing to compute) or
				// k > 64 with small m, n; only the sentinels are checked.
				before := [][]float32{append([]float32(nil), bufA...), append([]float32(nil), bufB...), append([]float32(nil), bufC...)}
				requireSizePanic(t, kernel, true, call)
				requireSentinels(t, l, before, bufA, bufB, bufC)
				return
			}
			requireSizePanic(t, kernel, false, call, bufA, bufB, bufC)
		})
	}
}

func fuzzPackedSizes(t *testing.T, in *input, transA, transB, add bool) {
	k, n, lb, ldb := in.int(), in.int(), int(in.byte())%64, in.int()
	bRows, bCols := k, n
	if transB {
		bRows, bCols = n, k
	}
	packValid := k >= 0 && n >= 0 && fits(bRows, bCols, ldb, lb)
	m, la, lda, lc, ldc := in.int(), int(in.byte())%64, in.int(), int(in.byte())%64, in.int()
	aRows, aCols := m, k
	if transA {
		aRows, aCols = k, m
	}
	kernel := "MatMulPacked"
	if add {
		kernel = "MatMulPackedAdd"
	}
	for _, l := range kerneltest.Levels() {
		bufB, b := sentineled(&input{data: in.data}, lb)
		bufA, a := sentineled(&input{data: in.data}, la)
		bufC, c := sentineled(&input{data: in.data}, lc)
		kerneltest.WithLevel(l, func() {
			var p kernels.PackedMatrix
			if requireSizePanic(t, "PackedMatrix.Pack", packValid, func() { p.Pack(transB, k, n, b, ldb) }, bufB) {
				return
			}
			valid := m >= 0 && fits(aRows, aCols, lda, la) && fits(m, n, ldc, lc)
			before := [][]float32{append([]float32(nil), bufA...), append([]float32(nil), bufB...), append([]float32(nil), bufC...)}
			call := func() {
				if add {
					kernels.MatMulPackedAdd(transA, m, a, lda, &p, c, ldc)
				} else {
					kernels.MatMulPacked(transA, m, a, lda, &p, c, ldc)
				}
			}
			if requireSizePanic(t, kernel, valid, call, bufA, bufB, bufC) {
				return
			}
			// Valid: C's block changed at most, A, B and every sentinel
			// did not (the values are MatMul's, checked elsewhere).
			requireSentinels(t, l, before[:2], bufA, bufB)
			requireSentinels(t, l, [][]float32{before[2][:8], before[2][8+lc:]}, bufC[:8], bufC[8+lc:])
		})
	}
}

func fuzzMatVecBatchSizes(t *testing.T, in *input, add bool) {
	batch, ly, lw, lx := in.int(), int(in.byte())%64, int(in.byte())%64, int(in.byte())%64
	valid := batch >= 1 && lx%batch == 0 && ly%batch == 0 && lw == (ly/batch)*(lx/batch)
	kernel := "MatVecBatch"
	if add {
		kernel = "MatVecBatchAdd"
	}
	for _, l := range kerneltest.Levels() {
		bufY, y := sentineled(&input{data: in.data}, ly)
		bufW, w := sentineled(&input{data: in.data}, lw)
		bufX, x := sentineled(&input{data: in.data}, lx)
		kerneltest.WithLevel(l, func() {
			before := [][]float32{append([]float32(nil), bufW...), append([]float32(nil), bufX...), append([]float32(nil), bufY...)}
			call := func() {
				if add {
					kernels.MatVecBatchAdd(y, w, x, batch)
				} else {
					kernels.MatVecBatch(y, w, x, batch)
				}
			}
			if requireSizePanic(t, kernel, valid, call, bufY, bufW, bufX) {
				return
			}
			requireSentinels(t, l, [][]float32{before[0], before[1], before[2][:8], before[2][8+ly:]}, bufW, bufX, bufY[:8], bufY[8+ly:])
		})
	}
}

// requireSentinels requires each buffer to equal its copy from before.
func requireSentinels(t *testing.T, l fmt.Stringer, before [][]float32, bufs ...[]float32) {
	t.Helper()
	for i := range bufs {
		for k := range bufs[i] {
			if math.Float32bits(bufs[i][k]) != math.Float32bits(before[i][k]) {
				t.Fatalf("level %v: buffer %d changed at %d", l, i, k)
			}
		}
	}
}
