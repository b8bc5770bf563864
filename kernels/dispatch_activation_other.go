//go:build (!amd64 && !arm64) || purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// Only the generic level exists on this architecture or in the purego
// build (amd64 and arm64 builds have AVX2 and NEON kernels).

func sigmoid(dst, x []float32) { sigmoidGeneric(dst, x) }
func tanh(dst, x []float32)    { tanhGeneric(dst, x) }

// sigmoidAt and tanhAt serve the exhaustive test: only generic exists here.
func sigmoidAt(_ level.Level, dst, x []float32) { sigmoidGeneric(dst, x) }
func tanhAt(_ level.Level, dst, x []float32)    { tanhGeneric(dst, x) }

func relu(dst, x []float32)                 { reluGeneric(dst, x) }
func rnnTanhBackward(dpre, h, dh []float32) { rnnTanhBackwardGeneric(dpre, h, dh) }
func rnnReLUBackward(dpre, h, dh []float32) { rnnReLUBackwardGeneric(dpre, h, dh) }
func lstmForward(h, c, gates, cache []float32, hidden, batch int) {
	lstmForwardGeneric(h, c, gates, cache, hidden, batch)
}
func lstmBackward(dgates, dcPrev, cache, cPrev, c, dh, dc []float32, hidden, batch int) {
	lstmBackwardGeneric(dgates, dcPrev, cache, cPrev, c, dh, dc, hidden, batch)
}
func gruForward(hNew, h, inputGates, hiddenGates, cache []float32, hidden, batch int) {
	gruForwardGeneric(hNew, h, inputGates, hiddenGates, cache, hidden, batch)
}
func gruBackward(dInputGates, dHiddenGates, dhPrev, cache, h, dh []float32, hidden, batch int) {
	gruBackwardGeneric(dInputGates, dHiddenGates, dhPrev, cache, h, dh, hidden, batch)
}
func gruResetBeforeGates(rh, cache, inputGates, hiddenGates, h []float32, hidden, batch int) {
	gruResetBeforeGatesGeneric(rh, cache, inputGates, hiddenGates, h, hidden, batch)
}
func gruResetBeforeOutput(hNew, cache, h, inputGates, hn []float32, hidden, batch int) {
	gruResetBeforeOutputGeneric(hNew, cache, h, inputGates, hn, hidden, batch)
}
func gruResetBeforeBackwardOutput(dGates, dhPrev, cache, h, dh []float32, hidden, batch int) {
	gruResetBeforeBackwardOutputGeneric(dGates, dhPrev, cache, h, dh, hidden, batch)
}
func gruResetBeforeBackwardGates(dGates, dhPrev, cache, h, drh []float32, hidden, batch int) {
	gruResetBeforeBackwardGatesGeneric(dGates, dhPrev, cache, h, drh, hidden, batch)
}

// lstmStepWhole and gruStepWhole: no fused step kernel at this level yet;
// LSTMStep and GRUStep run block by block.
func lstmStepWhole(_, _, _, _, _ []float32, _, _ int) int      { return 0 }
func gruStepWhole(_, _, _, _, _, _, _ []float32, _, _ int) int { return 0 }
