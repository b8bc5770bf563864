//go:build !purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// Each function below switches on the level chosen at start-up and calls the
// assembly directly (a call through a function value would hide the
// assembly's noescape annotation and move callers' buffers to the heap).

func dot(x, y []float32) float32 {
	if level.Active == level.NEON {
		return dotNEON(x, y)
	}
	return dotGeneric(x, y)
}

func axpy(alpha float32, x, y []float32) {
	if level.Active == level.NEON {
		axpyNEON(alpha, x, y)
		return
	}
	axpyGeneric(alpha, x, y)
}

func scale(alpha float32, x []float32) {
	if level.Active == level.NEON {
		scaleNEON(alpha, x)
		return
	}
	scaleGeneric(alpha, x)
}

func matTVecAdd(y, w, x []float32) {
	if level.Active == level.NEON {
		matTVecAddNEON(y, w, x)
		return
	}
	matTVecAddGeneric(y, w, x)
}

func rank1Add(w, a, b []float32) {
	if level.Active == level.NEON {
		rank1AddNEON(w, a, b)
		return
	}
	rank1AddGeneric(w, a, b)
}

// matVec splits batches larger than eight into passes of up to eight
// vectors each.
func matVec(y, w, x []float32, rows, cols, batch int, add bool) {
	if level.Active != level.NEON {
		matVecGeneric(y, w, x, rows, cols, batch, add)
		return
	}
	for batch > 0 {
		n := min(batch, 8)
		switch n {
		case 1:
			matVecB1NEON(y, w, x, rows, cols, add)
		case 2:
			matVecB2NEON(y, w, x, rows, cols, add)
		case 3:
			matVecB3NEON(y, w, x, rows, cols, add)
		case 4:
			matVecB4NEON(y, w, x, rows, cols, add)
		case 5:
			matVecB5NEON(y, w, x, rows, cols, add)
		case 6:
			matVecB6NEON(y, w, x, rows, cols, add)
		case 7:
			matVecB7NEON(y, w, x, rows, cols, add)
		case 8:
			matVecB8NEON(y, w, x, rows, cols, add)
		}
		y, x = y[n*rows:], x[n*cols:]
		batch -= n
	}
}
