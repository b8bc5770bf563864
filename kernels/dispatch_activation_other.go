//go:build (!amd64 && !arm64) || purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// Only the generic level exists on this architecture or in the purego
// build.

func sigmoid(_ level.Level, dst, x []float32) { sigmoidGeneric(dst, x) }

func tanh(_ level.Level, dst, x []float32) { tanhGeneric(dst, x) }

func relu(_ level.Level, dst, x []float32) { reluGeneric(dst, x) }

func rnnTanhBackward(_ level.Level, dpre, h, dh []float32) { rnnTanhBackwardGeneric(dpre, h, dh) }

func rnnReLUBackward(_ level.Level, dpre, h, dh []float32) { rnnReLUBackwardGeneric(dpre, h, dh) }

func lstmForward(_ level.Level, h, c, gates, cache []float32, hidden, batch int) {
	lstmForwardGeneric(h, c, gates, cache, hidden, batch)
}

func lstmBackward(_ level.Level, dgates, dcPrev, cache, cPrev, c, dh, dc []float32, hidden, batch int) {
	lstmBackwardGeneric(dgates, dcPrev, cache, cPrev, c, dh, dc, hidden, batch)
}

func gruForward(_ level.Level, hNew, h, inputGates, hiddenGates, cache []float32, hidden, batch int) {
	gruForwardGeneric(hNew, h, inputGates, hiddenGates, cache, hidden, batch)
}

func gruBackward(_ level.Level, dInputGates, dHiddenGates, dhPrev, cache, h, dh []float32, hidden, batch int) {
	gruBackwardGeneric(dInputGates, dHiddenGates, dhPrev, cache, h, dh, hidden, batch)
}

func gruResetBeforeGates(_ level.Level, rh, cache, inputGates, hiddenGates, h []float32, hidden, batch int) {
	gruResetBeforeGatesGeneric(rh, cache, inputGates, hiddenGates, h, hidden, batch)
}

func gruResetBeforeOutput(_ level.Level, hNew, cache, h, inputGates, hn []float32, hidden, batch int) {
	gruResetBeforeOutputGeneric(hNew, cache, h, inputGates, hn, hidden, batch)
}

func gruResetBeforeBackwardOutput(_ level.Level, dGates, dhPrev, cache, h, dh []float32, hidden, batch int) {
	gruResetBeforeBackwardOutputGeneric(dGates, dhPrev, cache, h, dh, hidden, batch)
}

func gruResetBeforeBackwardGates(_ level.Level, dGates, dhPrev, cache, h, drh []float32, hidden, batch int) {
	gruResetBeforeBackwardGatesGeneric(dGates, dhPrev, cache, h, drh, hidden, batch)
}
