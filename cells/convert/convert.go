// Package convert turns recurrent-layer weights saved by Keras or ONNX into
// PyTorch's layout and names, the layout simdrnn's cells take (see the
// cells package): weight_ih (G·H, I) and weight_hh (G·H, H) row-major and
// gate-blocked, bias_ih and bias_hh (G·H), gates in PyTorch's order — i, f,
// g, o for an LSTM (G = 4) and r, z, n for a GRU (G = 3).
//
// Every function returns new slices and never modifies or keeps its inputs;
// a slice whose length does not match the sizes given is an error, never a
// panic. An absent bias (nil or empty: Keras use_bias=False, an ONNX node
// without B) gives zero biases.
//
// Only the weights are converted. The equivalence holds for the frameworks'
// default activations (sigmoid for the gates, tanh for the candidate and the
// cell output); a model configured otherwise — Keras 1's hard_sigmoid, ONNX
// activations, clip or input_forget attributes — needs a check by the caller.
package convert

import (
	"fmt"
	"math/bits"
)

// Gate orders: pytorchFrom[g] is the index, in the other framework's order,
// of PyTorch's gate g.
var (
	lstmFromKeras = []int{0, 1, 2, 3} // Keras i, f, c, o → PyTorch i, f, g, o
	lstmFromONNX  = []int{0, 2, 3, 1} // ONNX i, o, f, c → PyTorch i, f, g, o
	gruFromKeras  = []int{1, 0, 2}    // Keras z, r, h → PyTorch r, z, n
	gruFromONNX   = []int{1, 0, 2}    // ONNX z, r, h → PyTorch r, z, n
)

// product returns the product of dims and whether it fits in an int.
func product(dims ...int) (int, bool) {
	p := uint64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(p, uint64(d))
		if hi != 0 || lo > uint64(int(^uint(0)>>1)) {
			return 0, false
		}
		p = lo
	}
	return int(p), true
}

// checkSizes checks that inputSize and hiddenSize are positive and that the
// largest tensor, gates·hiddenSize·max(inputSize, hiddenSize), fits in an int.
func checkSizes(fn, hiddenName string, inputSize, hiddenSize, gates int) error {
	if inputSize <= 0 || hiddenSize <= 0 {
		return fmt.Errorf("convert: %s: inputSize %d and %s %d must be positive", fn, inputSize, hiddenName, hiddenSize)
	}
	if _, ok := product(gates, hiddenSize, max(inputSize, hiddenSize)); !ok {
		return fmt.Errorf("convert: %s: inputSize %d and %s %d overflow", fn, inputSize, hiddenName, hiddenSize)
	}
	return nil
}

// checkLen checks that a tensor has the length its shape gives.
func checkLen(fn, name string, got int, shape string, dims ...int) error {
	want, ok := product(dims...)
	if !ok || got != want {
		return fmt.Errorf("convert: %s: %s has %d values, want %s = %d", fn, name, got, shape, want)
	}
	return nil
}

// transposeGates turns src, a (rows, G·size) matrix whose columns are G gate
// blocks of size in another order, into a (G·size, rows) PyTorch matrix:
// dst[(g·size+u)·rows + k] = src[k·G·size + from[g]·size + u].
func transposeGates(src []float32, rows, size int, from []int) []float32 {
	gates := len(from)
	dst := make([]float32, len(src))
	for g, f := range from {
		for u := 0; u < size; u++ {
			row := dst[(g*size+u)*rows : (g*size+u+1)*rows]
			for k := range row {
				row[k] = src[k*gates*size+f*size+u]
			}
		}
	}
	return dst
}

// reorderGates copies src, G blocks of block values each, putting block
// from[g] of src at block g of the result. A nil or empty src gives zeros.
func reorderGates(src []float32, block int, from []int) []float32 {
	dst := make([]float32, block*len(from))
	if len(src) == 0 {
		return dst
	}
	for g, f := range from {
		copy(dst[g*block:(g+1)*block], src[f*block:(f+1)*block])
	}
	return dst
}
