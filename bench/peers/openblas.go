//go:build cgo

// Package peers benchmarks simdrnn's matrix·vector kernels against other
// implementations (OpenBLAS through cgo, gonum, vek). It is a separate module
// so that users of simdrnn never download these dependencies.
package peers

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import "unsafe"

// OpenBLASAvailable reports whether the OpenBLAS wrappers are built (they need cgo).
const OpenBLASAvailable = true

func init() {
	// Single-threaded, like the other kernels measured here. OpenBLAS also
	// reads OPENBLAS_NUM_THREADS at load time; this call overrides it.
	C.openblas_set_num_threads(1)
}

// OpenBLASConfig returns openblas_get_config(), e.g.
// "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Zen MAX_THREADS=64".
func OpenBLASConfig() string { return C.GoString(C.openblas_get_config()) }

// OpenBLASCorename returns openblas_get_corename(): the kernel set that
// DYNAMIC_ARCH picked at load time (or that OPENBLAS_CORETYPE forced).
func OpenBLASCorename() string { return C.GoString(C.openblas_get_corename()) }

// OpenBLASThreads returns openblas_get_num_threads().
func OpenBLASThreads() int { return int(C.openblas_get_num_threads()) }

// Sgemv sets y = W·x with cblas_sgemv; W is len(y)×len(x), row-major.
func Sgemv(y, w, x []float32) {
	m, n := len(y), len(x)
	if len(w) != m*n {
		panic("peers.Sgemv: len(w) != len(y)*len(x)")
	}
	if m == 0 || n == 0 {
		clear(y)
		return
	}
	C.cblas_sgemv(C.CblasRowMajor, C.CblasNoTrans, C.blasint(m), C.blasint(n),
		1, (*C.float)(unsafe.Pointer(&w[0])), C.blasint(n),
		(*C.float)(unsafe.Pointer(&x[0])), 1,
		0, (*C.float)(unsafe.Pointer(&y[0])), 1)
}

// SgemmXWt sets Y = X·Wᵀ with cblas_sgemm (RowMajor, NoTrans, Trans):
// X is batch×n, W is m×n, Y is batch×m, all row-major — the same layout as
// kernels.MatVecBatch.
func SgemmXWt(y, w, x []float32, batch int) {
	if batch < 1 || len(x)%batch != 0 || len(y)%batch != 0 {
		panic("peers.SgemmXWt: bad batch")
	}
	m, n := len(y)/batch, len(x)/batch
	if len(w) != m*n {
		panic("peers.SgemmXWt: len(w) != m*n")
	}
	if m == 0 || n == 0 {
		clear(y)
		return
	}
	C.cblas_sgemm(C.CblasRowMajor, C.CblasNoTrans, C.CblasTrans,
		C.blasint(batch), C.blasint(m), C.blasint(n),
		1, (*C.float)(unsafe.Pointer(&x[0])), C.blasint(n),
		(*C.float)(unsafe.Pointer(&w[0])), C.blasint(n),
		0, (*C.float)(unsafe.Pointer(&y[0])), C.blasint(m))
}

// Sgemm sets C = A·B with cblas_sgemm (RowMajor, NoTrans, NoTrans): A is
// m×k, B k×n, C m×n, all tight row-major.
func Sgemm(m, n, k int, a, b, c []float32) {
	if len(a) < m*k || len(b) < k*n || len(c) < m*n {
		panic("peers.Sgemm: slices too short")
	}
	if m == 0 || n == 0 || k == 0 {
		return
	}
	C.cblas_sgemm(C.CblasRowMajor, C.CblasNoTrans, C.CblasNoTrans,
		C.blasint(m), C.blasint(n), C.blasint(k),
		1, (*C.float)(unsafe.Pointer(&a[0])), C.blasint(k),
		(*C.float)(unsafe.Pointer(&b[0])), C.blasint(n),
		0, (*C.float)(unsafe.Pointer(&c[0])), C.blasint(n))
}
