//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

// halfSIMD: FCVTL (F16) is base ASIMD.
const halfSIMD = true

// int8DotProd selects the SDOT kernels (ARMv8.2 dot product) for int8
// products, the widening multiplies otherwise; tests switch it off to run
// the plain kernels on a dotprod CPU too.
var int8DotProd = cpu.ARM64.HasASIMDDP

// matVecInt8Pass runs one pass of up to eight vectors (len(xs)). A switch
// of direct calls, not a table of functions: through a function value the
// compiler must assume the slices escape, and the fused steps' pre-activations
// on the stack would move to the heap (tried: 4 allocations per step).
func matVecInt8Pass(y []float32, w []int8, ws []float32, x []int8, xs []float32, rows, cols int, add bool) {
	if int8DotProd {
		switch len(xs) {
		case 1:
			matVecI8DotB1SIMD(y, w, ws, x, xs, rows, cols, add)
		case 2:
			matVecI8DotB2SIMD(y, w, ws, x, xs, rows, cols, add)
		case 3:
			matVecI8DotB3SIMD(y, w, ws, x, xs, rows, cols, add)
		case 4:
			matVecI8DotB4SIMD(y, w, ws, x, xs, rows, cols, add)
		case 5:
			matVecI8DotB5SIMD(y, w, ws, x, xs, rows, cols, add)
		case 6:
			matVecI8DotB6SIMD(y, w, ws, x, xs, rows, cols, add)
		case 7:
			matVecI8DotB7SIMD(y, w, ws, x, xs, rows, cols, add)
		case 8:
			matVecI8DotB8SIMD(y, w, ws, x, xs, rows, cols, add)
		}
		return
	}
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
