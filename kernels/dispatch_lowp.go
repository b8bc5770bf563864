//go:build (amd64 || arm64) && !purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// The reduced-precision kernels' dispatch: the ...SIMD stubs have one name
// on both architectures. dispatch_lowp_<arch>.go says whether the F16
// kernels can run (halfSIMD: F16C on amd64) and which int8 kernel serves
// a pass (SDOT or not on arm64).

func maxAbsBits(l level.Level, x []float32) uint32 {
	if l == level.AVX2 || l == level.NEON {
		return maxAbsBitsSIMD(x)
	}
	return maxAbsBitsGeneric(x)
}

func quantizeI8(l level.Level, q []int8, x []float32, inv float32) {
	if l == level.AVX2 || l == level.NEON {
		quantizeI8SIMD(q, x, inv)
		return
	}
	quantizeI8Generic(q, x, inv)
}

// matVecInt8 splits batches larger than eight into passes of up to eight
// vectors each.
func matVecInt8(l level.Level, y []float32, w []int8, ws []float32, x []int8, xs []float32, rows, cols int, add bool) {
	if l != level.AVX2 && l != level.NEON {
		matVecInt8Generic(y, w, ws, x, xs, rows, cols, add)
		return
	}
	for batch := len(xs); batch > 0; {
		n := min(batch, 8)
		matVecInt8Pass(y, w, ws, x, xs[:n], rows, cols, add)
		y, x, xs, batch = y[n*rows:], x[n*cols:], xs[n:], batch-n
	}
}

// matVecHalf splits batches larger than eight into passes of up to eight
// vectors each.
func matVecHalf(l level.Level, bf bool, y []float32, w []uint16, x []float32, rows, cols, batch int, add bool) {
	switch {
	case l != level.AVX2 && l != level.NEON, !bf && !halfSIMD:
		matVecHalfGeneric(bf, y, w, x, rows, cols, batch, add)
		return
	}
	for batch > 0 {
		n := min(batch, 8)
		if bf {
			matVecBF16Pass(y, w, x, rows, cols, n, add)
		} else {
			matVecF16Pass(y, w, x, rows, cols, n, add)
		}
		y, x, batch = y[n*rows:], x[n*cols:], batch-n
	}
}

func matVecF16Pass(y []float32, w []uint16, x []float32, rows, cols, n int, add bool) {
	switch n {
	case 1:
		matVecF16B1SIMD(y, w, x, rows, cols, add)
	case 2:
		matVecF16B2SIMD(y, w, x, rows, cols, add)
	case 3:
		matVecF16B3SIMD(y, w, x, rows, cols, add)
	case 4:
		matVecF16B4SIMD(y, w, x, rows, cols, add)
	case 5:
		matVecF16B5SIMD(y, w, x, rows, cols, add)
	case 6:
		matVecF16B6SIMD(y, w, x, rows, cols, add)
	case 7:
		matVecF16B7SIMD(y, w, x, rows, cols, add)
	case 8:
		matVecF16B8SIMD(y, w, x, rows, cols, add)
	}
}

func matVecBF16Pass(y []float32, w []uint16, x []float32, rows, cols, n int, add bool) {
	switch n {
	case 1:
		matVecBF16B1SIMD(y, w, x, rows, cols, add)
	case 2:
		matVecBF16B2SIMD(y, w, x, rows, cols, add)
	case 3:
		matVecBF16B3SIMD(y, w, x, rows, cols, add)
	case 4:
		matVecBF16B4SIMD(y, w, x, rows, cols, add)
	case 5:
		matVecBF16B5SIMD(y, w, x, rows, cols, add)
	case 6:
		matVecBF16B6SIMD(y, w, x, rows, cols, add)
	case 7:
		matVecBF16B7SIMD(y, w, x, rows, cols, add)
	case 8:
		matVecBF16B8SIMD(y, w, x, rows, cols, add)
	}
}
