//go:build (!amd64 && !arm64) || purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// The reduced-precision kernels without assembly: every level runs the
// generic code.

func maxAbsBits(_ level.Level, x []float32) uint32 { return maxAbsBitsGeneric(x) }

func quantizeI8(_ level.Level, q []int8, x []float32, inv float32) { quantizeI8Generic(q, x, inv) }

func matVecHalf(_ level.Level, bf bool, y []float32, w []uint16, x []float32, rows, cols, batch int, add bool) {
	matVecHalfGeneric(bf, y, w, x, rows, cols, batch, add)
}

func matVecInt8(_ level.Level, y []float32, w []int8, ws []float32, x []int8, xs []float32, rows, cols int, add bool) {
	matVecInt8Generic(y, w, ws, x, xs, rows, cols, add)
}
