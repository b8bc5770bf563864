//go:build (amd64 || arm64) && !purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// The activation and pointwise kernels dispatch like the linear ones (see
// dispatch_linear.go). The assembly works on batch rows of hidden units;
// the flat activations pass their length as one row.

func sigmoid(l level.Level, dst, x []float32) {
	switch l {
	case level.AVX2, level.NEON:
		sigmoidSIMD(dst, x, len(x), 1)
		return
	}
	sigmoidGeneric(dst, x)
}

func tanh(l level.Level, dst, x []float32) {
	switch l {
	case level.AVX2, level.NEON:
		tanhSIMD(dst, x, len(x), 1)
		return
	}
	tanhGeneric(dst, x)
}

func relu(l level.Level, dst, x []float32) {
	switch l {
	case level.AVX2, level.NEON:
		reluSIMD(dst, x, len(x), 1)
		return
	}
	reluGeneric(dst, x)
}

func rnnTanhBackward(l level.Level, dpre, h, dh []float32) {
	switch l {
	case level.AVX2, level.NEON:
		rnnTanhBackwardSIMD(dpre, h, dh, len(h), 1)
		return
	}
	rnnTanhBackwardGeneric(dpre, h, dh)
}

func rnnReLUBackward(l level.Level, dpre, h, dh []float32) {
	switch l {
	case level.AVX2, level.NEON:
		rnnReLUBackwardSIMD(dpre, h, dh, len(h), 1)
		return
	}
	rnnReLUBackwardGeneric(dpre, h, dh)
}

func lstmForward(l level.Level, h, c, gates, cache []float32, hidden, batch int) {
	switch l {
	case level.AVX2, level.NEON:
		if len(cache) > 0 {
			lstmForwardCacheSIMD(h, c, gates, cache, hidden, batch)
			return
		}
		lstmForwardSIMD(h, c, gates, cache, hidden, batch)
		return
	}
	lstmForwardGeneric(h, c, gates, cache, hidden, batch)
}

func lstmBackward(l level.Level, dgates, dcPrev, cache, cPrev, c, dh, dc []float32, hidden, batch int) {
	switch l {
	case level.AVX2, level.NEON:
		lstmBackwardSIMD(dgates, dcPrev, cache, cPrev, c, dh, dc, hidden, batch)
		return
	}
	lstmBackwardGeneric(dgates, dcPrev, cache, cPrev, c, dh, dc, hidden, batch)
}

func gruForward(l level.Level, hNew, h, inputGates, hiddenGates, cache []float32, hidden, batch int) {
	switch l {
	case level.AVX2, level.NEON:
		if len(cache) > 0 {
			gruForwardCacheSIMD(hNew, h, inputGates, hiddenGates, cache, hidden, batch)
			return
		}
		gruForwardSIMD(hNew, h, inputGates, hiddenGates, cache, hidden, batch)
		return
	}
	gruForwardGeneric(hNew, h, inputGates, hiddenGates, cache, hidden, batch)
}

func gruBackward(l level.Level, dInputGates, dHiddenGates, dhPrev, cache, h, dh []float32, hidden, batch int) {
	switch l {
	case level.AVX2, level.NEON:
		gruBackwardSIMD(dInputGates, dHiddenGates, dhPrev, cache, h, dh, hidden, batch)
		return
	}
	gruBackwardGeneric(dInputGates, dHiddenGates, dhPrev, cache, h, dh, hidden, batch)
}

func gruResetBeforeGates(l level.Level, rh, cache, inputGates, hiddenGates, h []float32, hidden, batch int) {
	switch l {
	case level.AVX2, level.NEON:
		gruResetBeforeGatesSIMD(rh, cache, inputGates, hiddenGates, h, hidden, batch)
		return
	}
	gruResetBeforeGatesGeneric(rh, cache, inputGates, hiddenGates, h, hidden, batch)
}

func gruResetBeforeOutput(l level.Level, hNew, cache, h, inputGates, hn []float32, hidden, batch int) {
	switch l {
	case level.AVX2, level.NEON:
		gruResetBeforeOutputSIMD(hNew, cache, h, inputGates, hn, hidden, batch)
		return
	}
	gruResetBeforeOutputGeneric(hNew, cache, h, inputGates, hn, hidden, batch)
}

func gruResetBeforeBackwardOutput(l level.Level, dGates, dhPrev, cache, h, dh []float32, hidden, batch int) {
	switch l {
	case level.AVX2, level.NEON:
		gruResetBeforeBackwardOutputSIMD(dGates, dhPrev, cache, h, dh, hidden, batch)
		return
	}
	gruResetBeforeBackwardOutputGeneric(dGates, dhPrev, cache, h, dh, hidden, batch)
}

func gruResetBeforeBackwardGates(l level.Level, dGates, dhPrev, cache, h, drh []float32, hidden, batch int) {
	switch l {
	case level.AVX2, level.NEON:
		gruResetBeforeBackwardGatesSIMD(dGates, dhPrev, cache, h, drh, hidden, batch)
		return
	}
	gruResetBeforeBackwardGatesGeneric(dGates, dhPrev, cache, h, drh, hidden, batch)
}
