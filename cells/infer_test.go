package cells_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/cells/safetensors"
)

// TestConfigFromSafetensors writes models of every mode, stack, direction
// and bias with WriteSafetensors and infers their Config back from the
// files, at F32 and Int8 (whose I8 weights have the same shapes).
func TestConfigFromSafetensors(t *testing.T) {
	dir := t.TempDir()
	for _, mode := range []cells.Mode{cells.LSTM, cells.GRU, cells.GRUResetBefore, cells.RNNTanh, cells.RNNReLU} {
		for k, shape := range []struct {
			layers        int
			bidir, noBias bool
		}{{1, false, false}, {2, true, false}, {3, false, true}} {
			for _, prefix := range []string{"", "model.rnn."} {
				cfg := cells.Config{Mode: mode, InputSize: 5, HiddenSize: 6, NumLayers: shape.layers, Bidirectional: shape.bidir, NoBias: shape.noBias}
				m, _ := randomModel(t, cfg, uint64(k))
				for _, p := range []cells.Precision{cells.F32, cells.Int8} {
					mp, err := m.WithPrecision(p)
					require.NoError(t, err)
					path := filepath.Join(dir, fmt.Sprintf("%v-%d-%v.safetensors", mode, k, p))
					require.NoError(t, mp.SaveSafetensors(path, prefix))
					got, err := cells.ConfigFromSafetensors(path, prefix)
					require.NoError(t, err, "%v %d %v", mode, k, p)
					require.Equal(t, cfg, got)
				}
			}
		}
	}
}

// writeRaw writes F32 tensors of the given shapes (zeros) with metadata.
func writeRaw(t *testing.T, shapes map[string][]int, meta map[string]string) string {
	t.Helper()
	var ts []safetensors.Tensor
	for name, s := range shapes {
		n := 1
		for _, d := range s {
			n *= d
		}
		ts = append(ts, safetensors.Tensor{Name: name, Shape: s, Data: make([]float32, n)})
	}
	var buf bytes.Buffer
	require.NoError(t, safetensors.Write(&buf, ts, meta))
	path := filepath.Join(t.TempDir(), "m.safetensors")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	return path
}

// TestConfigFromSafetensorsErrors checks what the tensors cannot tell, and
// the contradictions, each an error naming the tensor.
func TestConfigFromSafetensorsErrors(t *testing.T) {
	rnn := map[string][]int{"weight_ih_l0": {6, 5}, "weight_hh_l0": {6, 6}, "bias_ih_l0": {6}, "bias_hh_l0": {6}}
	_, err := cells.ConfigFromSafetensors(writeRaw(t, rnn, nil), "")
	require.ErrorContains(t, err, "whether tanh or ReLU")
	cfg, err := cells.ConfigFromSafetensors(writeRaw(t, rnn, map[string]string{"simdrnn_modules": `[{"prefix":"","mode":"rnn_relu","input_size":5,"hidden_size":6,"num_layers":1,"bidirectional":false,"bias":true}]`}), "")
	require.NoError(t, err)
	require.Equal(t, cells.RNNReLU, cfg.Mode)

	gru := map[string][]int{"weight_ih_l0": {18, 5}, "weight_hh_l0": {18, 6}, "bias_ih_l0": {18}, "bias_hh_l0": {18}}
	cfg, err = cells.ConfigFromSafetensors(writeRaw(t, gru, nil), "")
	require.NoError(t, err)
	require.Equal(t, cells.Config{Mode: cells.GRU, InputSize: 5, HiddenSize: 6, NumLayers: 1}, cfg)

	for _, tc := range []struct {
		shapes map[string][]int
		meta   string
		prefix string
		want   string
	}{
		{gru, "", "rnn.", `no tensor rnn.weight_ih_l0`},
		{gru, `[{"prefix":"","mode":"lstm","input_size":5,"hidden_size":6,"num_layers":1,"bias":true}]`, "", "says module \"\" is lstm, but tensor weight_hh_l0 [18 6] has 3 gate blocks"},
		{gru, `[{"prefix":"","mode":"gru","input_size":5,"hidden_size":7,"num_layers":1,"bias":true}]`, "", "input 5 and hidden 7, but tensor weight_ih_l0 is [18 5]"},
		{gru, `[{"prefix":"","mode":"gru","input_size":5,"hidden_size":6,"num_layers":2,"bias":true}]`, "", "has 2 layers"},
		{gru, `[{"prefix":"","mode":"gru2"}]`, "", `unknown mode "gru2"`},
		{gru, `not json`, "", "not a JSON list"},
		{map[string][]int{"weight_ih_l0": {10, 5}, "weight_hh_l0": {10, 5}}, "", "", "2 gate blocks"},
		{map[string][]int{"weight_ih_l0": {18, 5}, "weight_hh_l0": {18, 6}, "bias_ih_l0": {18}}, "", "", "needs tensor bias_hh_l0 of shape [18]"},
		{map[string][]int{"weight_ih_l0": {18, 5}, "weight_hh_l0": {18, 6}, "weight_ih_l1": {18, 6}}, "", "", "needs tensor weight_hh_l1 of shape [18 6]"},
	} {
		meta := map[string]string{}
		if tc.meta != "" {
			meta["simdrnn_modules"] = tc.meta
		}
		_, err := cells.ConfigFromSafetensors(writeRaw(t, tc.shapes, meta), tc.prefix)
		require.ErrorContains(t, err, tc.want)
	}
	_, err = cells.ConfigFromSafetensors(filepath.Join(t.TempDir(), "none"), "")
	require.Error(t, err)
}
