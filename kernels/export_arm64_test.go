//go:build !purego

package kernels

// WithoutDotProd runs f with the int8 products on the plain NEON kernels
// (SMULL/SADALP) even on a CPU with the dot product, then restores the
// choice. Tests only; not concurrently with other int8 calls.
func WithoutDotProd(f func()) {
	old := int8DotProd
	int8DotProd = false
	defer func() { int8DotProd = old }()
	f()
}

// HasDotProd reports whether the int8 products use SDOT.
func HasDotProd() bool { return int8DotProd }
