package convert

import "fmt"

// ONNXDirection returns direction d (0 forward, 1 reverse) of an ONNX
// LSTM/GRU/RNN tensor whose first dimension is num_directions (1, or 2 for a
// bidirectional node): W, R, B and P all have that layout. The reverse half
// converted with ONNXLSTM or ONNXGRU gives PyTorch's "_reverse" tensors
// (weight_ih_l0_reverse, ...). The result is a sub-slice of t, not a copy.
func ONNXDirection(t []float32, numDirections, d int) ([]float32, error) {
	if numDirections != 1 && numDirections != 2 {
		return nil, fmt.Errorf("convert: ONNXDirection: num_directions %d, want 1 or 2", numDirections)
	}
	if d < 0 || d >= numDirections {
		return nil, fmt.Errorf("convert: ONNXDirection: direction %d of %d", d, numDirections)
	}
	if len(t)%numDirections != 0 {
		return nil, fmt.Errorf("convert: ONNXDirection: %d values do not split into %d directions", len(t), numDirections)
	}
	n := len(t) / numDirections
	return t[d*n : (d+1)*n : (d+1)*n], nil
}

// CheckONNXPeepholes returns an error unless the P input of an ONNX LSTM
// node (peephole weights, (num_directions, 3·hidden_size)) is absent (nil or
// empty) or all zero: PyTorch's LSTM, and so simdrnn's, has no peepholes,
// and ONNXLSTM cannot carry them. Call it with P before converting.
func CheckONNXPeepholes(p []float32) error {
	for i, v := range p {
		if v != 0 {
			return fmt.Errorf("convert: ONNX LSTM peepholes are not supported: P[%d] = %v (only an absent or all-zero P converts)", i, v)
		}
	}
	return nil
}

// ONNXLSTM converts one direction of an ONNX LSTM node's weights
// (hidden_size = hiddenSize, default activations, no clip, input_forget=0)
// to PyTorch's nn.LSTM layout.
//
// The inputs are one direction, num_directions = 1: W (1, 4·hiddenSize,
// inputSize), R (1, 4·hiddenSize, hiddenSize) and B (1, 8·hiddenSize) =
// [Wb; Rb], or nil or empty when the node has no B. For a bidirectional node
// split each tensor with ONNXDirection first. ONNX's rows are already
// PyTorch's (gate-major, each gate a (hiddenSize, ·) block); only the gate
// order changes, from ONNX's i, o, f, c to PyTorch's i, f, g, o. Wb becomes
// biasIH and Rb biasHH. Peepholes are not supported: check P with
// CheckONNXPeepholes.
//
// The results have PyTorch's shapes: weightIH (4·hiddenSize, inputSize),
// weightHH (4·hiddenSize, hiddenSize), biasIH and biasHH (4·hiddenSize).
func ONNXLSTM(w, r, b []float32, inputSize, hiddenSize int) (weightIH, weightHH, biasIH, biasHH []float32, err error) {
	return onnx("ONNXLSTM", w, r, b, inputSize, hiddenSize, lstmFromONNX)
}

// ONNXGRU converts one direction of an ONNX GRU node's weights (hidden_size
// = hiddenSize, default activations, no clip) to PyTorch's nn.GRU layout.
//
// The inputs are one direction, num_directions = 1: W (1, 3·hiddenSize,
// inputSize), R (1, 3·hiddenSize, hiddenSize) and B (1, 6·hiddenSize) =
// [Wb; Rb], or nil or empty when the node has no B; split a bidirectional
// node with ONNXDirection first. The gate order changes from ONNX's z, r, h
// to PyTorch's r, z, n; ONNX's ht = (1−zt)⊙ht~ + zt⊙Ht-1 is PyTorch's
// update as it is. Wb becomes biasIH and Rb biasHH.
//
// linearBeforeReset is the node's linear_before_reset attribute. The layout
// is the same either way; the attribute decides which cell the result
// belongs to: true (1) is PyTorch's GRU, the cells package's reset-after
// GRU; false (0, the ONNX default) computes
// ht~ = tanh(W_h·x + Wbh + R_h·(r⊙h) + Rbh), the reset-before GRU, and the
// result must be used with the cells package's reset-before GRU. The
// parameter is there so that the call names the variant it converts.
//
// The results have PyTorch's shapes: weightIH (3·hiddenSize, inputSize),
// weightHH (3·hiddenSize, hiddenSize), biasIH and biasHH (3·hiddenSize).
func ONNXGRU(w, r, b []float32, inputSize, hiddenSize int, linearBeforeReset bool) (weightIH, weightHH, biasIH, biasHH []float32, err error) {
	_ = linearBeforeReset // documents the variant; the layout does not depend on it
	return onnx("ONNXGRU", w, r, b, inputSize, hiddenSize, gruFromONNX)
}

// onnx converts W, R and B of one direction, reordering the gates.
func onnx(fn string, w, r, b []float32, inputSize, hiddenSize int, from []int) (weightIH, weightHH, biasIH, biasHH []float32, err error) {
	gates := len(from)
	if err := checkSizes(fn, "hiddenSize", inputSize, hiddenSize, gates); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := checkLen(fn, "W", len(w), fmt.Sprintf("(1, %d·hiddenSize %d, inputSize %d)", gates, gates*hiddenSize, inputSize), gates, hiddenSize, inputSize); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("%w%s", err, directionHint(len(w), gates*hiddenSize*inputSize))
	}
	if err := checkLen(fn, "R", len(r), fmt.Sprintf("(1, %d·hiddenSize %d, hiddenSize %d)", gates, gates*hiddenSize, hiddenSize), gates, hiddenSize, hiddenSize); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("%w%s", err, directionHint(len(r), gates*hiddenSize*hiddenSize))
	}
	var wb, rb []float32
	if len(b) != 0 {
		if err := checkLen(fn, "B", len(b), fmt.Sprintf("(1, %d·hiddenSize %d), or none", 2*gates, 2*gates*hiddenSize), 2, gates, hiddenSize); err != nil {
			return nil, nil, nil, nil, fmt.Errorf("%w%s", err, directionHint(len(b), 2*gates*hiddenSize))
		}
		wb, rb = b[:len(b)/2], b[len(b)/2:]
	}
	weightIH = reorderGates(w, hiddenSize*inputSize, from)
	weightHH = reorderGates(r, hiddenSize*hiddenSize, from)
	biasIH = reorderGates(wb, hiddenSize, from)
	biasHH = reorderGates(rb, hiddenSize, from)
	return weightIH, weightHH, biasIH, biasHH, nil
}

// directionHint explains a length that is exactly two directions' worth.
func directionHint(got, oneDirection int) string {
	if got == 2*oneDirection {
		return " (two directions: split them with ONNXDirection)"
	}
	return ""
}
