package convert

import "fmt"

// KerasLSTM converts the weights of a Keras LSTM layer (tf.keras.layers.LSTM
// or keras.layers.LSTM, with the default activations) of units hidden units
// over inputSize inputs to PyTorch's nn.LSTM layout.
//
// Keras stores kernel (inputSize, 4·units) = W_ihᵀ and recurrent_kernel
// (units, 4·units) = W_hhᵀ, both in the gate order i, f, c, o, which is
// PyTorch's i, f, g, o; they are transposed. Keras has a single bias
// (4·units), the sum of PyTorch's two: it becomes biasIH, and biasHH is zero.
// A nil or empty bias (use_bias=False) gives zero biases.
//
// The results have PyTorch's shapes: weightIH (4·units, inputSize),
// weightHH (4·units, units), biasIH and biasHH (4·units).
func KerasLSTM(kernel, recurrentKernel, bias []float32, inputSize, units int) (weightIH, weightHH, biasIH, biasHH []float32, err error) {
	const fn, gates = "KerasLSTM", 4
	if err := checkSizes(fn, "units", inputSize, units, gates); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := checkLen(fn, "kernel", len(kernel), fmt.Sprintf("(inputSize %d, 4·units %d)", inputSize, gates*units), inputSize, gates, units); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := checkLen(fn, "recurrentKernel", len(recurrentKernel), fmt.Sprintf("(units %d, 4·units %d)", units, gates*units), units, gates, units); err != nil {
		return nil, nil, nil, nil, err
	}
	if len(bias) != 0 {
		if err := checkLen(fn, "bias", len(bias), fmt.Sprintf("4·units (units %d), or none", units), gates, units); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	weightIH = transposeGates(kernel, inputSize, units, lstmFromKeras)
	weightHH = transposeGates(recurrentKernel, units, units, lstmFromKeras)
	biasIH = reorderGates(bias, units, lstmFromKeras)
	biasHH = make([]float32, gates*units)
	return weightIH, weightHH, biasIH, biasHH, nil
}

// KerasGRU converts the weights of a Keras GRU layer (default activations)
// of units hidden units over inputSize inputs to PyTorch's nn.GRU layout.
//
// Keras stores kernel (inputSize, 3·units) = W_ihᵀ and recurrent_kernel
// (units, 3·units) = W_hhᵀ in the gate order z, r, h; they are transposed and
// reordered to PyTorch's r, z, n. Keras' update h = z⊙h + (1−z)⊙ĥ is
// PyTorch's h' = (1−z)⊙n + z⊙h, so z needs no change of sign.
//
// With resetAfter (reset_after=True, the default since TensorFlow 2), bias is
// (2, 3·units): row 0 the input bias, which becomes biasIH, and row 1 the
// recurrent bias, which becomes biasHH; the result is PyTorch's GRU, the
// cells package's reset-after GRU.
//
// Without resetAfter (reset_after=False), bias is (3·units), the input bias;
// biasHH is zero. Keras then computes ĥ = tanh(W_h·x + b_h + U_h·(r⊙h)), the
// reset-BEFORE GRU: the result must be used with the cells package's
// reset-before GRU, not with the default one, or it gives other numbers.
//
// A nil or empty bias (use_bias=False) gives zero biases. The results have
// PyTorch's shapes: weightIH (3·units, inputSize), weightHH (3·units, units),
// biasIH and biasHH (3·units).
func KerasGRU(kernel, recurrentKernel, bias []float32, inputSize, units int, resetAfter bool) (weightIH, weightHH, biasIH, biasHH []float32, err error) {
	const fn, gates = "KerasGRU", 3
	if err := checkSizes(fn, "units", inputSize, units, gates); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := checkLen(fn, "kernel", len(kernel), fmt.Sprintf("(inputSize %d, 3·units %d)", inputSize, gates*units), inputSize, gates, units); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := checkLen(fn, "recurrentKernel", len(recurrentKernel), fmt.Sprintf("(units %d, 3·units %d)", units, gates*units), units, gates, units); err != nil {
		return nil, nil, nil, nil, err
	}
	inputBias, recurrentBias := bias, []float32(nil)
	if len(bias) != 0 {
		if resetAfter {
			err = checkLen(fn, "bias", len(bias), fmt.Sprintf("(2, 3·units %d) with resetAfter, or none", gates*units), 2, gates, units)
			inputBias, recurrentBias = bias[:len(bias)/2], bias[len(bias)/2:]
		} else {
			err = checkLen(fn, "bias", len(bias), fmt.Sprintf("3·units (units %d) without resetAfter, or none", units), gates, units)
		}
		if err != nil {
			return nil, nil, nil, nil, err
		}
	}
	weightIH = transposeGates(kernel, inputSize, units, gruFromKeras)
	weightHH = transposeGates(recurrentKernel, units, units, gruFromKeras)
	biasIH = reorderGates(inputBias, units, gruFromKeras)
	biasHH = reorderGates(recurrentBias, units, gruFromKeras)
	return weightIH, weightHH, biasIH, biasHH, nil
}
