//go:build !purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// The activation and pointwise kernels switch on the level like the linear
// ones (see dispatch_arm64.go). The assembly works on batch rows of hidden
// units; the flat activations pass their length as one row.

func sigmoid(dst, x []float32) { sigmoidAt(level.Active, dst, x) }
func tanh(dst, x []float32)    { tanhAt(level.Active, dst, x) }

// sigmoidAt and tanhAt run the given level's code whatever level is
// active, so that the exhaustive test can run levels side by side.
func sigmoidAt(l level.Level, dst, x []float32) {
	if l == level.NEON {
		sigmoidNEON(dst, x, len(x), 1)
		return
	}
	sigmoidGeneric(dst, x)
}

func tanhAt(l level.Level, dst, x []float32) {
	if l == level.NEON {
		tanhNEON(dst, x, len(x), 1)
		return
	}
	tanhGeneric(dst, x)
}

func relu(dst, x []float32) {
	if level.Active == level.NEON {
		reluNEON(dst, x, len(x), 1)
		return
	}
	reluGeneric(dst, x)
}

func rnnTanhBackward(dpre, h, dh []float32) {
	if level.Active == level.NEON {
		rnnTanhBackwardNEON(dpre, h, dh, len(h), 1)
		return
	}
	rnnTanhBackwardGeneric(dpre, h, dh)
}

func rnnReLUBackward(dpre, h, dh []float32) {
	if level.Active == level.NEON {
		rnnReLUBackwardNEON(dpre, h, dh, len(h), 1)
		return
	}
	rnnReLUBackwardGeneric(dpre, h, dh)
}

func lstmForward(h, c, gates, cache []float32, hidden, batch int) {
	switch {
	case level.Active != level.NEON:
		lstmForwardGeneric(h, c, gates, cache, hidden, batch)
	case len(cache) > 0:
		lstmForwardCacheNEON(h, c, gates, cache, hidden, batch)
	default:
		lstmForwardNEON(h, c, gates, cache, hidden, batch)
	}
}

func lstmBackward(dgates, dcPrev, cache, cPrev, c, dh, dc []float32, hidden, batch int) {
	if level.Active == level.NEON {
		lstmBackwardNEON(dgates, dcPrev, cache, cPrev, c, dh, dc, hidden, batch)
		return
	}
	lstmBackwardGeneric(dgates, dcPrev, cache, cPrev, c, dh, dc, hidden, batch)
}

func gruForward(hNew, h, inputGates, hiddenGates, cache []float32, hidden, batch int) {
	switch {
	case level.Active != level.NEON:
		gruForwardGeneric(hNew, h, inputGates, hiddenGates, cache, hidden, batch)
	case len(cache) > 0:
		gruForwardCacheNEON(hNew, h, inputGates, hiddenGates, cache, hidden, batch)
	default:
		gruForwardNEON(hNew, h, inputGates, hiddenGates, cache, hidden, batch)
	}
}

func gruBackward(dInputGates, dHiddenGates, dhPrev, cache, h, dh []float32, hidden, batch int) {
	if level.Active == level.NEON {
		gruBackwardNEON(dInputGates, dHiddenGates, dhPrev, cache, h, dh, hidden, batch)
		return
	}
	gruBackwardGeneric(dInputGates, dHiddenGates, dhPrev, cache, h, dh, hidden, batch)
}

func gruResetBeforeGates(rh, cache, inputGates, hiddenGates, h []float32, hidden, batch int) {
	if level.Active == level.NEON {
		gruResetBeforeGatesNEON(rh, cache, inputGates, hiddenGates, h, hidden, batch)
		return
	}
	gruResetBeforeGatesGeneric(rh, cache, inputGates, hiddenGates, h, hidden, batch)
}

func gruResetBeforeOutput(hNew, cache, h, inputGates, hn []float32, hidden, batch int) {
	if level.Active == level.NEON {
		gruResetBeforeOutputNEON(hNew, cache, h, inputGates, hn, hidden, batch)
		return
	}
	gruResetBeforeOutputGeneric(hNew, cache, h, inputGates, hn, hidden, batch)
}

func gruResetBeforeBackwardOutput(dGates, dhPrev, cache, h, dh []float32, hidden, batch int) {
	if level.Active == level.NEON {
		gruResetBeforeBackwardOutputNEON(dGates, dhPrev, cache, h, dh, hidden, batch)
		return
	}
	gruResetBeforeBackwardOutputGeneric(dGates, dhPrev, cache, h, dh, hidden, batch)
}

func gruResetBeforeBackwardGates(dGates, dhPrev, cache, h, drh []float32, hidden, batch int) {
	if level.Active == level.NEON {
		gruResetBeforeBackwardGatesNEON(dGates, dhPrev, cache, h, drh, hidden, batch)
		return
	}
	gruResetBeforeBackwardGatesGeneric(dGates, dhPrev, cache, h, drh, hidden, batch)
}

// lstmStepWhole and gruStepWhole: no fused step kernel at this level yet;
// LSTMStep and GRUStep run block by block.
func lstmStepWhole(_, _, _, _, _ []float32, _, _ int) int      { return 0 }
func gruStepWhole(_, _, _, _, _, _, _ []float32, _, _ int) int { return 0 }
