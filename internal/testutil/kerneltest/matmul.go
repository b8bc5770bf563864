package kerneltest

import (
	"fmt"
	"math"
	"slices"

	"github.com/simdrnn/simdrnn/internal/testutil/ref"
	"github.com/simdrnn/simdrnn/kernels"
)

// MatMulCase is one call of MatMul or MatMulAdd: its shape, layout and
// operands. Elements of the operands outside the matrices (the gaps that
// leading dimensions leave) hold Gap, which must be neither read nor written.
type MatMulCase struct {
	TransA, TransB, Add bool
	// Packed calls MatMulPacked(Add) with B packed by PackedMatrix.Pack,
	// and also requires the result to equal MatMul(Add)'s bit for bit.
	Packed        bool
	M, N, K       int
	LDA, LDB, LDC int
	A, B, C       []float32
}

// Gap fills the elements between rows: NaN, so reading one poisons a result.
var Gap = float32(math.NaN())

// StoredShape returns rows and columns of A and B as stored.
func (mc *MatMulCase) StoredShape() (aRows, aCols, bRows, bCols int) {
	aRows, aCols = mc.M, mc.K
	if mc.TransA {
		aRows, aCols = mc.K, mc.M
	}
	bRows, bCols = mc.K, mc.N
	if mc.TransB {
		bRows, bCols = mc.N, mc.K
	}
	return
}

// Len returns the length a slice needs for rows×cols with leading dimension ld.
func Len(rows, cols, ld int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*ld + cols
}

// FillMatrix fills the rows×cols matrix in s (leading dimension ld) from
// value(i, j) and its gaps with Gap.
func FillMatrix(s []float32, rows, cols, ld int, value func(i, j int) float32) {
	for k := range s {
		s[k] = Gap
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			s[i*ld+j] = value(i, j)
		}
	}
}

// Run calls the kernel, then checks every element of C against the float64
// reference under the documented bound, the gaps of C unchanged, and A and B
// unchanged.
func (mc *MatMulCase) Run() error { return mc.RunWith(Exported) }

// RunWith is Run with the kernels k.
func (mc *MatMulCase) RunWith(k *Kernels) error {
	want, scale := mc.reference()
	return mc.runAgainst(k, want, scale)
}

// RunEveryLevel computes the float64 reference once and runs the case at
// every level this CPU and build have (on copies of the operands), each
// checked as Run checks it: the reference, not the kernel, is most of a
// case's cost. With LevelKernels set it does not touch level.Active and
// may run in parallel subtests.
func (mc *MatMulCase) RunEveryLevel() error {
	want, scale := mc.reference()
	for _, l := range Levels() {
		run := *mc
		run.A, run.B, run.C = slices.Clone(mc.A), slices.Clone(mc.B), slices.Clone(mc.C)
		var err error
		kernelsAt(l, func(k *Kernels) { err = run.runAgainst(k, want, scale) })
		if err != nil {
			return fmt.Errorf("level %v: %w", l, err)
		}
	}
	return nil
}

// reference returns the float64 result and the magnitude of its terms.
func (mc *MatMulCase) reference() (want, scale []float64) {
	return ref.MatMul(mc.TransA, mc.TransB, mc.M, mc.N, mc.K, mc.A, mc.LDA, mc.B, mc.LDB, mc.C, mc.LDC, mc.Add)
}

// runAgainst is Run with the reference given.
func (mc *MatMulCase) runAgainst(k *Kernels, want, scale []float64) error {
	a0 := append([]float32(nil), mc.A...)
	b0 := append([]float32(nil), mc.B...)
	c0 := append([]float32(nil), mc.C...)
	name := fmt.Sprintf("MatMul(transA=%v transB=%v add=%v m=%d n=%d k=%d lda=%d ldb=%d ldc=%d)", mc.TransA, mc.TransB, mc.Add, mc.M, mc.N, mc.K, mc.LDA, mc.LDB, mc.LDC)
	if mc.Packed {
		name = "Packed" + name
		unpacked := append([]float32(nil), mc.C...)
		mc.call(k, unpacked)
		var packed kernels.PackedMatrix
		packed.Pack(mc.TransB, mc.K, mc.N, mc.B, mc.LDB)
		if packed.Rows() != mc.K || packed.Cols() != mc.N {
			return fmt.Errorf("%s: packed %d×%d", name, packed.Rows(), packed.Cols())
		}
		if mc.Add {
			k.MatMulPackedAdd(mc.TransA, mc.M, mc.A, mc.LDA, &packed, mc.C, mc.LDC)
		} else {
			k.MatMulPacked(mc.TransA, mc.M, mc.A, mc.LDA, &packed, mc.C, mc.LDC)
		}
		if !sameBits(unpacked, mc.C) {
			return fmt.Errorf("%s: differs from MatMul", name)
		}
	} else {
		mc.call(k, mc.C)
	}
	if !sameBits(a0, mc.A) || !sameBits(b0, mc.B) {
		return fmt.Errorf("%s: an input changed", name)
	}
	terms := mc.K
	if mc.Add {
		terms++
	}
	for idx := range mc.C {
		i, j := idx/mc.LDC, idx%mc.LDC
		if i >= mc.M || j >= mc.N {
			if math.Float32bits(mc.C[idx]) != math.Float32bits(c0[idx]) {
				return fmt.Errorf("%s: C outside the block changed at row %d col %d", name, i, j)
			}
			continue
		}
		w, s := want[i*mc.N+j], scale[i*mc.N+j]
		bound := Gamma(terms)*s + float64(terms)*Underflow
		if !Close(mc.C[idx], w, bound) {
			return fmt.Errorf("%s: C[%d][%d] = %v, want %v ± %g", name, i, j, mc.C[idx], w, bound)
		}
	}
	return nil
}

// call runs k's MatMul or MatMulAdd into c.
func (mc *MatMulCase) call(k *Kernels, c []float32) {
	if mc.Add {
		k.MatMulAdd(mc.TransA, mc.TransB, mc.M, mc.N, mc.K, mc.A, mc.LDA, mc.B, mc.LDB, c, mc.LDC)
	} else {
		k.MatMul(mc.TransA, mc.TransB, mc.M, mc.N, mc.K, mc.A, mc.LDA, mc.B, mc.LDB, c, mc.LDC)
	}
}

func sameBits(x, y []float32) bool {
	for i := range x {
		if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
			return false
		}
	}
	return true
}
