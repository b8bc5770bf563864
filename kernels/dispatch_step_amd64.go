//go:build !purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// The fused step kernels exist at the AVX2 level only; on other levels and
// architectures (dispatch_step_other.go) LSTMStep and GRUStep run block by
// block.

// lstmStepWhole runs the AVX2 step kernel over the whole blocks of eight
// units and returns how many units it did (0 at other levels). With hidden
// a multiple of stridedUnits the strided kernel runs (W read in row streams
// half a gate long, as MatVec reads it, the sums transposed eight blocks at
// a time; the same bits).
func lstmStepWhole(l level.Level, h, c, w, xh, bias []float32, hidden, cols int) int {
	if l != level.AVX2 || hidden < vecUnits {
		return 0
	}
	if hidden%stridedUnits == 0 {
		lstmStepStridedSIMD(h, c, w, xh, bias, hidden, cols)
	} else {
		lstmStepSIMD(h, c, w, xh, bias, hidden, cols)
	}
	return hidden &^ (vecUnits - 1)
}

// stridedUnits: the strided step kernels take hidden sizes that are a
// multiple of this (groups of eight blocks, each block a unit in either
// half of the gates).
const stridedUnits = 16

// gruStepWhole is lstmStepWhole for GRUStep.
func gruStepWhole(l level.Level, h, wIH, wHH, x, hPrev, bIH, bHH []float32, hidden, inputs int) int {
	if l != level.AVX2 || hidden < vecUnits {
		return 0
	}
	if hidden%stridedUnits == 0 && hidden >= gruStridedMin {
		gruStepStridedSIMD(h, wIH, wHH, x, hPrev, bIH, bHH, hidden, inputs)
	} else {
		gruStepSIMD(h, wIH, wHH, x, hPrev, bIH, bHH, hidden, inputs)
	}
	return hidden &^ (vecUnits - 1)
}

// gruStridedMin is the smallest hidden size at which GRUStep takes the
// strided kernel. Its passes are six rows (three gates, two halves) where
// the plain kernel's are eight, so it makes a third more passes, each with
// its loop start, exit and reduction; with rows of 64 floats that costs more
// than the prefetcher gains: step/floor 1.30 against 1.25 at H = 64, 1.31
// against 1.39 at H = 128 (bench/results/2026-12-04e-epyc-avx512/step-stride-*).
const gruStridedMin = 128
