package kernels

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/level"
)

// PackedMatrix is the right operand of a matrix product, op(B) (k × n),
// packed once into the panels the micro-kernels read, for products that
// reuse it: a recurrent layer multiplies the same W_hh at every step of a
// sequence, and MatMul would pack it again at every call. Its zero value
// is an empty matrix; Pack fills it.
type PackedMatrix struct {
	k, n int
	data []float32
}

// Rows returns k, the rows of the packed op(B).
func (p *PackedMatrix) Rows() int { return p.k }

// Cols returns n, the columns of the packed op(B).
func (p *PackedMatrix) Cols() int { return p.n }

// packedBlock is the size of the packed kc×nc block: nc rounded up to
// whole panels of NR columns.
func packedBlock(kc, nc int) int {
	return kc * ((nc + matMulNR - 1) / matMulNR * matMulNR)
}

// Pack stores op(B) in p: B is k×n with ldb ≥ n, or, with transB, n×k with
// ldb ≥ k (as MatMul's B). It copies the values, so B may change
// afterwards; p's storage is reused and grows only when a larger matrix is
// packed (about k·n floats). Bad shapes panic with a message naming the
// sizes, before memory is touched.
func (p *PackedMatrix) Pack(transB bool, k, n int, b []float32, ldb int) {
	if k < 0 || n < 0 {
		panic(fmt.Sprintf("kernels.PackedMatrix.Pack: k = %d, n = %d; want sizes ≥ 0", k, n))
	}
	bRows, bCols := k, n
	if transB {
		bRows, bCols = n, k
	}
	checkOperand("PackedMatrix.Pack", "b", "ldb", bRows, bCols, b, ldb)
	size := 0
	if k == 0 || n == 0 {
		// An empty op(B) (whatever the other size): no blocks, and no
		// loop over n/NC or k/KC empty ones.
		p.k, p.n, p.data = k, n, p.data[:0]
		return
	}
	for jc := 0; jc < n; jc += matMulNC {
		for pc := 0; pc < k; pc += matMulKC {
			size += packedBlock(min(matMulKC, k-pc), min(matMulNC, n-jc))
		}
	}
	if cap(p.data) < size {
		p.data = make([]float32, size)
	}
	p.k, p.n, p.data = k, n, p.data[:size]
	off := 0
	for jc := 0; jc < n; jc += matMulNC {
		nc := min(matMulNC, n-jc)
		for pc := 0; pc < k; pc += matMulKC {
			kc := min(matMulKC, k-pc)
			block := packedBlock(kc, nc)
			packB(level.Active, p.data[off:off+block], transB, b, ldb, pc, jc, kc, nc)
			off += block
		}
	}
}

// MatMulPacked sets C = op(A)·B for B packed by PackedMatrix.Pack (k×n):
// op(A) is m×k (A is m×k with lda ≥ k, or, with transA, k×m with lda ≥ m)
// and C is m×n with ldc ≥ n. Reference loop, shapes, aliasing, error bound,
// special values and parallelism are MatMul's, which it matches bit for bit
// (the same blocks in the same order, without packing B at each call).
func MatMulPacked(transA bool, m int, a []float32, lda int, b *PackedMatrix, c []float32, ldc int) {
	matMulPackedAt(level.Active, transA, m, a, lda, b, c, ldc, false)
}

// MatMulPackedAdd sets C += op(A)·B; as MatMulPacked, and bit for bit
// MatMulAdd.
func MatMulPackedAdd(transA bool, m int, a []float32, lda int, b *PackedMatrix, c []float32, ldc int) {
	matMulPackedAt(level.Active, transA, m, a, lda, b, c, ldc, true)
}

// matMulPackedAt is MatMulPacked (add false) or MatMulPackedAdd (add true)
// at level l.
func matMulPackedAt(l level.Level, transA bool, m int, a []float32, lda int, b *PackedMatrix, c []float32, ldc int, add bool) {
	kernel := "MatMulPacked"
	if add {
		kernel = "MatMulPackedAdd"
	}
	checkMatMulPacked(kernel, transA, m, a, lda, b, c, ldc)
	matMul(l, transA, false, m, b.n, b.k, a, lda, nil, 0, b, c, ldc, add)
}

func checkMatMulPacked(kernel string, transA bool, m int, a []float32, lda int, b *PackedMatrix, c []float32, ldc int) {
	if b == nil {
		panic(fmt.Sprintf("kernels.%s: b is nil", kernel))
	}
	if m < 0 {
		panic(fmt.Sprintf("kernels.%s: m = %d; want m ≥ 0", kernel, m))
	}
	aRows, aCols := m, b.k
	if transA {
		aRows, aCols = b.k, m
	}
	checkOperand(kernel, "a", "lda", aRows, aCols, a, lda)
	checkOperand(kernel, "c", "ldc", m, b.n, c, ldc)
}
