//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

// halfSIMD: the F16 kernels convert with VCVTPH2PS, an F16C instruction.
var halfSIMD = cpu.X86.HasF16C

// matVecInt8Pass runs one pass of up to eight vectors (len(xs)). A switch
// of direct calls, not a table of functions: through a function value the
// compiler must assume the slices escape, and the fused steps' pre-activations
// on the stack would move to the heap (tried: 4 allocations per step).
func matVecInt8Pass(y []float32, w []int8, ws []float32, x []int8, xs []float32, rows, cols int, add bool) {
	switch len(xs) {
	case 1:
		matVecI8B1SIMD(y, w, ws, x, xs, rows, cols, add)
	case 2:
		matVecI8B2SIMD(y, w, ws, x, xs, rows, cols, add)
	case 3:
		matVecI8B3SIMD(y, w, ws, x, xs, rows, cols, add)
	case 4:
		matVecI8B4SIMD(y, w, ws, x, xs, rows, cols, add)
	case 5:
		matVecI8B5SIMD(y, w, ws, x, xs, rows, cols, add)
	case 6:
		matVecI8B6SIMD(y, w, ws, x, xs, rows, cols, add)
	case 7:
		matVecI8B7SIMD(y, w, ws, x, xs, rows, cols, add)
	case 8:
		matVecI8B8SIMD(y, w, ws, x, xs, rows, cols, add)
	}
}
