//go:build (amd64 || arm64) && !purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// Each dispatch function takes the level to run (the exported kernels pass
// level.Active) and calls the assembly directly: a call through a function
// value would hide the assembly's noescape annotation and move callers'
// buffers to the heap. The assembly functions have one name on every
// architecture (the ...SIMD stubs generated from ../asm); at most one SIMD
// level exists per architecture, AVX2 on amd64 and NEON on arm64.

func dot(l level.Level, x, y []float32) float32 {
	switch l {
	case level.AVX2, level.NEON:
		return dotSIMD(x, y)
	}
	return dotGeneric(x, y)
}

func axpy(l level.Level, alpha float32, x, y []float32) {
	switch l {
	case level.AVX2, level.NEON:
		axpySIMD(alpha, x, y)
		return
	}
	axpyGeneric(alpha, x, y)
}

func scale(l level.Level, alpha float32, x []float32) {
	switch l {
	case level.AVX2, level.NEON:
		scaleSIMD(alpha, x)
		return
	}
	scaleGeneric(alpha, x)
}

func matTVecAdd(l level.Level, y, w, x []float32) {
	switch l {
	case level.AVX2, level.NEON:
		matTVecAddSIMD(y, w, x)
		return
	}
	matTVecAddGeneric(y, w, x)
}

func rank1Add(l level.Level, w, a, b []float32) {
	switch l {
	case level.AVX2, level.NEON:
		rank1AddSIMD(w, a, b)
		return
	}
	rank1AddGeneric(w, a, b)
}

// matVec splits batches larger than eight into passes of up to eight
// vectors each.
func matVec(l level.Level, y, w, x []float32, rows, cols, batch int, add bool) {
	switch l {
	case level.AVX2, level.NEON:
	default:
		matVecGeneric(y, w, x, rows, cols, batch, add)
		return
	}
	for batch > 0 {
		n := min(batch, 8)
		switch n {
		case 1:
			matVecB1SIMD(y, w, x, rows, cols, add)
		case 2:
			matVecB2SIMD(y, w, x, rows, cols, add)
		case 3:
			matVecB3SIMD(y, w, x, rows, cols, add)
		case 4:
			matVecB4SIMD(y, w, x, rows, cols, add)
		case 5:
			matVecB5SIMD(y, w, x, rows, cols, add)
		case 6:
			matVecB6SIMD(y, w, x, rows, cols, add)
		case 7:
			matVecB7SIMD(y, w, x, rows, cols, add)
		case 8:
			matVecB8SIMD(y, w, x, rows, cols, add)
		}
		y, x = y[n*rows:], x[n*cols:]
		batch -= n
	}
}
