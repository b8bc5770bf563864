package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
)

// TestInspectText checks the text report of a network with every module:
// the modules' sizes, the tensor table, the parameter count and the bytes
// per step.
func TestInspectText(t *testing.T) {
	spec := netSpec{
		cfg:   cells.Config{Mode: cells.LSTM, InputSize: 6, HiddenSize: 5, NumLayers: 2},
		vocab: 11, outputs: 3, activation: cells.Softmax, headInput: cells.FinalState,
	}
	path, net := saveNetwork(t, spec, 1)
	code, out, errOut := cli("inspect", path)
	require.Equal(t, 0, code, errOut)
	require.Empty(t, errOut)
	params := 0
	for _, v := range net.Parameters() {
		params += len(v)
	}
	for _, want := range []string{
		"embedding       11 × 6 (vocabulary × dim)",
		"recurrent       lstm: input 6, hidden 5, 2 layers, unidirectional, bias",
		"precision       f32 (the file's)",
		"head            3 × 5 (outputs × inputs), bias",
		"activation      softmax",
		"head input      the final state (final)",
		"run input       int64 token ids [T, B], each in [0, 11)",
		"run output      float32 [B, 3]",
		"parameters      " + grouped(int64(params)),
		"bytes per step  " + grouped(int64(net.StepBytes())) + " at f32",
	} {
		require.Contains(t, out, want)
	}
	require.Equal(t, "embedding.weight F32 [11, 6] 264", tensorRow(t, out, "embedding.weight"))
	require.Equal(t, "rnn.weight_ih_l1 F32 [20, 5] 400", tensorRow(t, out, "rnn.weight_ih_l1"))
	require.Equal(t, "fc.bias F32 [3] 12", tensorRow(t, out, "fc.bias"))
	// 2 layers × 4 tensors, the embedding and the head's 2.
	require.Equal(t, 11, strings.Count(out, " F32 "))
	require.Contains(t, out, ": 11 tensors, ")
}

// tensorRow returns the row of the tensor table for name, its fields
// joined by single spaces.
func tensorRow(t *testing.T, out, name string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if fields := strings.Fields(line); len(fields) > 0 && fields[0] == name {
			return strings.Join(fields, " ")
		}
	}
	t.Fatalf("no row for %s in\n%s", name, out)
	return ""
}

// TestInspectJSON checks the JSON report of a bidirectional GRU without
// embedding or head, and of a model stored in f16, whose precision
// inspect takes from the file unless -precision says otherwise.
func TestInspectJSON(t *testing.T) {
	spec := netSpec{cfg: cells.Config{Mode: cells.GRU, InputSize: 4, HiddenSize: 3, NumLayers: 1, Bidirectional: true, NoBias: true}}
	path, net := saveNetwork(t, spec, 2)
	code, out, errOut := cli("inspect", "-json", path)
	require.Equal(t, 0, code, errOut)
	var r inspectReport
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Nil(t, r.Embedding)
	require.Nil(t, r.Head)
	require.Equal(t, rnnReport{Prefix: "rnn.", Mode: "gru", InputSize: 4, HiddenSize: 3, Layers: 1, Bidirectional: true,
		Bias: false, Precision: "f32", PrecisionFrom: "file", WeightBytes: net.Parts().RNN.WeightBytes()}, r.RNN)
	require.Equal(t, "none", r.Activation)
	require.Equal(t, "steps", r.HeadInput)
	require.Equal(t, "float32 [T, B, 4]", r.Input)
	require.Equal(t, "float32 [T, B, 6]", r.Output)
	require.Equal(t, 2*(9*4+9*3), r.Parameters)
	require.Len(t, r.Tensors, 4)
	require.Equal(t, tensorReport{Name: "rnn.weight_hh_l0_reverse", DType: "F32", Shape: []int{9, 3}, Bytes: 9 * 3 * 4}, r.Tensors[1])
	for _, p := range precisions {
		at, err := net.WithPrecision(p)
		require.NoError(t, err)
		require.Equal(t, at.StepBytes(), r.StepBytesAt[p.String()], p)
	}
	require.Equal(t, net.StepBytes(), r.StepBytes)

	half, err := net.WithPrecision(cells.F16)
	require.NoError(t, err)
	halfPath := filepath.Join(t.TempDir(), "half.safetensors")
	require.NoError(t, half.SaveSafetensors(halfPath))
	code, out, errOut = cli("inspect", "-json", halfPath)
	require.Equal(t, 0, code, errOut)
	r = inspectReport{}
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, "f16", r.RNN.Precision)
	require.Equal(t, "file", r.RNN.PrecisionFrom)
	require.Equal(t, "F16", r.Tensors[0].DType)
	require.Equal(t, int64(9*3*2), r.Tensors[0].Bytes)
	require.Equal(t, half.StepBytes(), r.StepBytes)

	code, out, errOut = cli("inspect", "-json", "-precision", "int8", halfPath)
	require.Equal(t, 0, code, errOut)
	r = inspectReport{}
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, "int8", r.RNN.Precision)
	require.Equal(t, "flag", r.RNN.PrecisionFrom)
	require.Equal(t, r.StepBytesAt["int8"], r.StepBytes)
	// (At this toy size int8's float32 row scales outweigh f16's savings.)
	require.Less(t, r.StepBytesAt["int8"], r.StepBytesAt["f32"])
	require.Less(t, r.StepBytesAt["f16"], r.StepBytesAt["f32"])
}

// TestInspectOverrides checks that the flags reach LoadOptions.
func TestInspectOverrides(t *testing.T) {
	spec := netSpec{cfg: cells.Config{Mode: cells.RNNTanh, InputSize: 2, HiddenSize: 3, NumLayers: 1}, outputs: 2}
	path, _ := saveNetwork(t, spec, 3)
	code, out, errOut := cli("inspect", "-json", "-cell", "rnn_relu", "-activation", "sigmoid", "-head-input", "final", path)
	require.Equal(t, 0, code, errOut)
	var r inspectReport
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.Equal(t, "rnn_relu", r.RNN.Mode)
	require.Equal(t, "sigmoid", r.Activation)
	require.Equal(t, "final", r.HeadInput)
	require.Equal(t, &headReport{Prefix: "fc.", In: 3, Out: 2, Bias: true}, r.Head)

	// Without the head, its tensors belong to nothing: an error naming them.
	code, _, errOut = cli("inspect", "-head-prefix", "-", path)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "tensors fc.bias, fc.weight belong to no module")
}
