//go:build !purego

package kernels

import (
	"fmt"
	"testing"
)

// BenchmarkInt8Design compares the two int8 designs of issue 15 at batch 1
// on W of rows × cols: "integer" quantizes x per call (QuantizeVector:
// maxAbsBits + quantizeI8) and runs the VPMADDUBSW kernel; "widen" widens
// the int8 weights to float32 in registers and multiplies float32 x.
func BenchmarkInt8Design(b *testing.B) {
	for _, sh := range [][2]int{{1024, 512}, {2048, 1024}, {4096, 2048}} {
		rows, cols := sh[0], sh[1]
		w := make([]int8, rows*cols)
		for i := range w {
			w[i] = int8(i%255 - 127)
		}
		ws, x, y := make([]float32, rows), make([]float32, cols), make([]float32, rows)
		for i := range x {
			x[i] = float32(i%17) - 8
		}
		q, xs := make([]int8, cols), make([]float32, 1)
		b.Run(fmt.Sprintf("design=integer/%dx%d", rows, cols), func(b *testing.B) {
			b.SetBytes(int64(rows * cols))
			for b.Loop() {
				xs[0] = QuantizeVector(q, x)
				matVecI8B1SIMD(y, w, ws, q, xs, rows, cols, false)
			}
		})
		b.Run(fmt.Sprintf("design=widen/%dx%d", rows, cols), func(b *testing.B) {
			b.SetBytes(int64(rows * cols))
			for b.Loop() {
				matVecI8WidenB1SIMD(y, w, x, rows, cols, false)
			}
		})
	}
}
