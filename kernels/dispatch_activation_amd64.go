//go:build !purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// The activation and pointwise kernels switch on the level like the linear
// ones (see dispatch_amd64.go). The assembly works on batch rows of hidden
// units; the flat activations pass their length as one row.

func sigmoid(dst, x []float32) { sigmoidAt(level.Active, dst, x) }
func tanh(dst, x []float32)    { tanhAt(level.Active, dst, x) }

// sigmoidAt and tanhAt run the given level's code whatever level is
// active, so that the exhaustive test can run levels side by side.
func sigmoidAt(l level.Level, dst, x []float32) {
	if l == level.AVX2 {
		sigmoidAVX2(dst, x, len(x), 1)
		return
	}
	sigmoidGeneric(dst, x)
}

func tanhAt(l level.Level, dst, x []float32) {
	if l == level.AVX2 {
		tanhAVX2(dst, x, len(x), 1)
		return
	}
	tanhGeneric(dst, x)
}

func relu(dst, x []float32) {
	if level.Active == level.AVX2 {
		reluAVX2(dst, x, len(x), 1)
		return
	}
	reluGeneric(dst, x)
}

func rnnTanhBackward(dpre, h, dh []float32) {
	if level.Active == level.AVX2 {
		rnnTanhBackwardAVX2(dpre, h, dh, len(h), 1)
		return
	}
	rnnTanhBackwardGeneric(dpre, h, dh)
}

func rnnReLUBackward(dpre, h, dh []float32) {
	if level.Active == level.AVX2 {
		rnnReLUBackwardAVX2(dpre, h, dh, len(h), 1)
		return
	}
	rnnReLUBackwardGeneric(dpre, h, dh)
}

func lstmForward(h, c, gates, cache []float32, hidden, batch int) {
	switch {
	case level.Active != level.AVX2:
		lstmForwardGeneric(h, c, gates, cache, hidden, batch)
	case len(cache) > 0:
		lstmForwardCacheAVX2(h, c, gates, cache, hidden, batch)
	default:
		lstmForwardAVX2(h, c, gates, cache, hidden, batch)
	}
}

func lstmBackward(dgates, dcPrev, cache, cPrev, c, dh, dc []float32, hidden, batch int) {
	if level.Active == level.AVX2 {
		lstmBackwardAVX2(dgates, dcPrev, cache, cPrev, c, dh, dc, hidden, batch)
		return
	}
	lstmBackwardGeneric(dgates, dcPrev, cache, cPrev, c, dh, dc, hidden, batch)
}

func gruForward(hNew, h, inputGates, hiddenGates, cache []float32, hidden, batch int) {
	switch {
	case level.Active != level.AVX2:
		gruForwardGeneric(hNew, h, inputGates, hiddenGates, cache, hidden, batch)
	case len(cache) > 0:
		gruForwardCacheAVX2(hNew, h, inputGates, hiddenGates, cache, hidden, batch)
	default:
		gruForwardAVX2(hNew, h, inputGates, hiddenGates, cache, hidden, batch)
	}
}

func gruBackward(dInputGates, dHiddenGates, dhPrev, cache, h, dh []float32, hidden, batch int) {
	if level.Active == level.AVX2 {
		gruBackwardAVX2(dInputGates, dHiddenGates, dhPrev, cache, h, dh, hidden, batch)
		return
	}
	gruBackwardGeneric(dInputGates, dHiddenGates, dhPrev, cache, h, dh, hidden, batch)
}

func gruResetBeforeGates(rh, cache, inputGates, hiddenGates, h []float32, hidden, batch int) {
	if level.Active == level.AVX2 {
		gruResetBeforeGatesAVX2(rh, cache, inputGates, hiddenGates, h, hidden, batch)
		return
	}
	gruResetBeforeGatesGeneric(rh, cache, inputGates, hiddenGates, h, hidden, batch)
}

func gruResetBeforeOutput(hNew, cache, h, inputGates, hn []float32, hidden, batch int) {
	if level.Active == level.AVX2 {
		gruResetBeforeOutputAVX2(hNew, cache, h, inputGates, hn, hidden, batch)
		return
	}
	gruResetBeforeOutputGeneric(hNew, cache, h, inputGates, hn, hidden, batch)
}

func gruResetBeforeBackwardOutput(dGates, dhPrev, cache, h, dh []float32, hidden, batch int) {
	if level.Active == level.AVX2 {
		gruResetBeforeBackwardOutputAVX2(dGates, dhPrev, cache, h, dh, hidden, batch)
		return
	}
	gruResetBeforeBackwardOutputGeneric(dGates, dhPrev, cache, h, dh, hidden, batch)
}

func gruResetBeforeBackwardGates(dGates, dhPrev, cache, h, drh []float32, hidden, batch int) {
	if level.Active == level.AVX2 {
		gruResetBeforeBackwardGatesAVX2(dGates, dhPrev, cache, h, drh, hidden, batch)
		return
	}
	gruResetBeforeBackwardGatesGeneric(dGates, dhPrev, cache, h, drh, hidden, batch)
}

// lstmStepWhole runs the AVX2 step kernel over the whole blocks of eight
// units and returns how many units it did (0 at other levels).
func lstmStepWhole(h, c, w, xh, bias []float32, hidden, cols int) int {
	if level.Active != level.AVX2 || hidden < vecUnits {
		return 0
	}
	lstmStepAVX2(h, c, w, xh, bias, hidden, cols)
	return hidden &^ (vecUnits - 1)
}

// gruStepWhole is lstmStepWhole for GRUStep.
func gruStepWhole(h, wIH, wHH, x, hPrev, bIH, bHH []float32, hidden, inputs int) int {
	if level.Active != level.AVX2 || hidden < vecUnits {
		return 0
	}
	gruStepAVX2(h, wIH, wHH, x, hPrev, bIH, bHH, hidden, inputs)
	return hidden &^ (vecUnits - 1)
}
