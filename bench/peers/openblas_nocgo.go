//go:build !cgo

// Package peers benchmarks simdrnn's matrix·vector kernels against other
// implementations (OpenBLAS through cgo, gonum, vek). It is a separate module
// so that users of simdrnn never download these dependencies.
package peers

// OpenBLASAvailable reports whether the OpenBLAS wrappers are built (they need cgo).
const OpenBLASAvailable = false

func OpenBLASConfig() string               { return "unavailable (built without cgo)" }
func OpenBLASCorename() string             { return "unavailable" }
func OpenBLASThreads() int                 { return 0 }
func Sgemv(y, w, x []float32)              { panic("peers: built without cgo; OpenBLAS unavailable") }
func SgemmXWt(y, w, x []float32, b int)    { panic("peers: built without cgo; OpenBLAS unavailable") }
func Sgemm(m, n, k int, a, b, c []float32) { panic("peers: built without cgo; OpenBLAS unavailable") }
