package cells_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/cells/safetensors"
)

// TestSafetensorsRoundTrip writes a model, reads it back from a file and
// checks parameters and outputs are identical.
func TestSafetensorsRoundTrip(t *testing.T) {
	for _, cfg := range []cells.Config{
		{Mode: cells.LSTM, InputSize: 5, HiddenSize: 7, NumLayers: 2, Bidirectional: true},
		{Mode: cells.GRUResetBefore, InputSize: 3, HiddenSize: 4, NumLayers: 1, NoBias: true},
	} {
		model, params := randomModel(t, cfg, 21)
		path := filepath.Join(t.TempDir(), "model.safetensors")
		f, err := os.Create(path)
		require.NoError(t, err)
		require.NoError(t, model.WriteSafetensors(f, "rnn."))
		require.NoError(t, f.Close())
		loaded, err := cells.LoadSafetensors(path, cfg, "rnn.")
		require.NoError(t, err)
		require.Equal(t, params, loaded.Parameters())
		x := randomSlice(22, 3*2*cfg.InputSize)
		a, err := model.Forward(x, 3, 2, nil)
		require.NoError(t, err)
		b, err := loaded.Forward(x, 3, 2, nil)
		require.NoError(t, err)
		require.Equal(t, a.Y, b.Y)
	}
}

// TestSafetensorsErrors covers the loader's error paths.
func TestSafetensorsErrors(t *testing.T) {
	cfg := cells.Config{Mode: cells.GRU, InputSize: 3, HiddenSize: 2, NumLayers: 1}
	_, params := randomModel(t, cfg, 23)
	write := func(tensors []safetensors.Tensor) []byte {
		var buf bytes.Buffer
		require.NoError(t, safetensors.Write(&buf, tensors, nil))
		return buf.Bytes()
	}
	good := func() []safetensors.Tensor {
		var ts []safetensors.Tensor
		for _, spec := range cfg.Params() {
			ts = append(ts, safetensors.Tensor{Name: spec.Name, Shape: spec.Shape, Data: params[spec.Name]})
		}
		return ts
	}
	valid := write(good())
	_, err := cells.ReadSafetensors(bytes.NewReader(valid), cfg, "")
	require.NoError(t, err)

	cases := map[string]struct {
		data []byte
		want string
	}{
		"missing":   {write(good()[1:]), "weight_ih_l0 (shape [6 3]) is missing"},
		"extra":     {write(append(good(), safetensors.Tensor{Name: "weight_ih_l1", Shape: []int{1}, Data: []float32{1}})), "unexpected tensors for a 1-layer GRU: weight_ih_l1"},
		"shape":     {write(append(good()[1:], safetensors.Tensor{Name: "weight_ih_l0", Shape: []int{3, 6}, Data: params["weight_ih_l0"]})), "weight_ih_l0 has shape [3 6] (F32); want [6 3]"},
		"truncated": {valid[:len(valid)-5], ""},
		"header":    {valid[:12], ""},
		"empty":     {nil, ""},
		"garbage":   {[]byte("\x10\x00\x00\x00\x00\x00\x00\x00{not json at all"), ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := cells.ReadSafetensors(bytes.NewReader(tc.data), cfg, "")
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
	// Tensors outside the prefix are ignored; inside it they must fit.
	withHead := append(good(), safetensors.Tensor{Name: "head.weight", Shape: []int{2}, Data: []float32{1, 2}})
	for i := range withHead[:len(withHead)-1] {
		withHead[i].Name = "rnn." + withHead[i].Name
	}
	_, err = cells.ReadSafetensors(bytes.NewReader(write(withHead)), cfg, "rnn.")
	require.NoError(t, err)
	_, err = cells.LoadSafetensors(filepath.Join(t.TempDir(), "absent"), cfg, "")
	require.Error(t, err)
}
