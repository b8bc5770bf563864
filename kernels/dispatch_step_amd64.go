//go:build !purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// The fused step kernels exist at the AVX2 level only; on other levels and
// architectures (dispatch_step_other.go) LSTMStep and GRUStep run block by
// block.

// lstmStepWhole runs the AVX2 step kernel over the whole blocks of eight
// units and returns how many units it did (0 at other levels).
func lstmStepWhole(l level.Level, h, c, w, xh, bias []float32, hidden, cols int) int {
	if l != level.AVX2 || hidden < vecUnits {
		return 0
	}
	lstmStepSIMD(h, c, w, xh, bias, hidden, cols)
	return hidden &^ (vecUnits - 1)
}

// gruStepWhole is lstmStepWhole for GRUStep.
func gruStepWhole(l level.Level, h, wIH, wHH, x, hPrev, bIH, bHH []float32, hidden, inputs int) int {
	if l != level.AVX2 || hidden < vecUnits {
		return 0
	}
	gruStepSIMD(h, wIH, wHH, x, hPrev, bIH, bHH, hidden, inputs)
	return hidden &^ (vecUnits - 1)
}
