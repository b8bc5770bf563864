package peers

import (
	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// GonumGemv sets y = W·x with gonum's blas32.Gemv (the pure-Go gonum
// implementation unless blas32.Use installed another); W is len(y)×len(x),
// row-major.
func GonumGemv(y, w, x []float32) {
	m, n := len(y), len(x)
	a := blas32.General{Rows: m, Cols: n, Stride: n, Data: w}
	blas32.Gemv(blas.NoTrans, 1, a,
		blas32.Vector{N: n, Inc: 1, Data: x}, 0,
		blas32.Vector{N: m, Inc: 1, Data: y})
}

// vekSerialLimit mirrors vek v0.4.3 internal/functions.matMulParallel: a
// product with m·n·p ≥ 100 000 (and m ≥ 4) is split across runtime.NumCPU()
// goroutines, which allocates (closures, WaitGroup) and uses every core.
const vekSerialLimit = 100_000

// VekMatVec sets y = W·x with vek32.MatMul_Into(dst, a, b, n), the
// allocation-free form of vek32.MatMul, treating x as an n×1 matrix. It calls
// MatMul_Into on blocks of rows small enough (rows·n < 100 000) that vek runs
// its AVX2 mat-vec assembly (MatMulVec_AVX2_F32) serially on the calling
// goroutine: single-threaded and allocation-free, like the other kernels here.
// The per-block call overhead is one call per ≥48 rows.
func VekMatVec(y, w, x []float32) {
	n := len(x)
	if n == 0 {
		clear(y)
		return
	}
	rows := max(1, (vekSerialLimit-1)/n)
	for i := 0; i < len(y); i += rows {
		r := min(rows, len(y)-i)
		vek32.MatMul_Into(y[i:i+r], w[i*n:(i+r)*n], x, n)
	}
}

// VekMatVecStock sets y = W·x with a single vek32.MatMul_Into call over the
// whole matrix, as a vek user would write it. Above 100 000 multiply-adds vek
// splits the rows over runtime.NumCPU() goroutines, so this is multi-threaded
// and allocates a few objects per call.
func VekMatVecStock(y, w, x []float32) {
	vek32.MatMul_Into(y, w, x, len(x))
}

// VekAcceleration reports whether vek uses its AVX2 assembly on this machine.
func VekAcceleration() bool { return vek32.Info().Acceleration }
