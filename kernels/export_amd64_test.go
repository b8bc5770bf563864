//go:build !purego

package kernels

// The AVX2 step kernels themselves, for TestStridedStepKernels: the
// strided ones at hidden sizes the dispatch does not give them. (Go
// functions around the calls: a func value of a NOSPLIT assembly function
// gets a wrapper whose frame breaks the nosplit limit.)

func LSTMStepSIMD(h, c, w, xh, bias []float32, hidden, cols int) {
	lstmStepSIMD(h, c, w, xh, bias, hidden, cols)
}

func LSTMStepStridedSIMD(h, c, w, xh, bias []float32, hidden, cols int) {
	lstmStepStridedSIMD(h, c, w, xh, bias, hidden, cols)
}

func GRUStepSIMD(h, wIH, wHH, x, hPrev, bIH, bHH []float32, hidden, inputs int) {
	gruStepSIMD(h, wIH, wHH, x, hPrev, bIH, bHH, hidden, inputs)
}

func GRUStepStridedSIMD(h, wIH, wHH, x, hPrev, bIH, bHH []float32, hidden, inputs int) {
	gruStepStridedSIMD(h, wIH, wHH, x, hPrev, bIH, bHH, hidden, inputs)
}
