package cells_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

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

// rawTensor is a tensor of any dtype for hand-built files.
type rawTensor struct {
	name, dtype string
	shape       []int
	data        []byte
}

// buildFile packs tensors in the given order into a safetensors file.
func buildFile(tensors []rawTensor) []byte {
	var header strings.Builder
	var data []byte
	header.WriteByte('{')
	for i, t := range tensors {
		if i > 0 {
			header.WriteByte(',')
		}
		shape := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(t.shape)), ","), "[]")
		fmt.Fprintf(&header, `%q:{"dtype":%q,"shape":[%s],"data_offsets":[%d,%d]}`, t.name, t.dtype, shape, len(data), len(data)+len(t.data))
		data = append(data, t.data...)
	}
	header.WriteByte('}')
	out := binary.LittleEndian.AppendUint64(nil, uint64(header.Len()))
	return append(append(out, header.String()...), data...)
}

// TestReadSafetensorsDtypesAndStreams loads a model stored as F64 and BF16
// tensors, interleaved with tensors outside the prefix (one an I64, one
// last), from a seekable reader and from streams, and compares with the
// values the file encodes, computed independently.
func TestReadSafetensorsDtypesAndStreams(t *testing.T) {
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 3, HiddenSize: 2, NumLayers: 2, Bidirectional: true}
	want := map[string][]float32{}
	var tensors []rawTensor
	for i, spec := range cfg.Params() {
		values := make([]float32, spec.Size())
		var data []byte
		for j := range values {
			// k/16 with |k| ≤ 64 is exact in bfloat16 and float64.
			k := (i*7+j*5)%129 - 64
			values[j] = float32(k) / 16
			if i%2 == 0 {
				data = binary.LittleEndian.AppendUint64(data, math.Float64bits(float64(k)/16))
			} else {
				data = binary.LittleEndian.AppendUint16(data, uint16(math.Float32bits(values[j])>>16))
			}
		}
		want[spec.Name] = values
		dtype := map[bool]string{true: "F64", false: "BF16"}[i%2 == 0]
		tensors = append(tensors, rawTensor{"rnn." + spec.Name, dtype, spec.Shape, data})
		if i == 3 {
			tensors = append(tensors, rawTensor{"head.steps", "I64", nil, make([]byte, 8)})
		}
	}
	tensors = append(tensors, rawTensor{"head.weight", "F32", []int{2, 2}, make([]byte, 16)})
	raw := buildFile(tensors)
	for name, r := range map[string]func() io.Reader{
		"seekable":     func() io.Reader { return bytes.NewReader(raw) },
		"one byte":     func() io.Reader { return iotest.OneByteReader(bytes.NewReader(raw)) },
		"half reads":   func() io.Reader { return iotest.HalfReader(bytes.NewReader(raw)) },
		"data err EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(raw)) },
	} {
		model, err := cells.ReadSafetensors(r(), cfg, "rnn.")
		require.NoError(t, err, name)
		require.Equal(t, want, model.Parameters(), name)
		// The input bias is derived: New from the same values runs the same.
		ref, err := cells.New(cfg, want)
		require.NoError(t, err)
		x := randomSlice(24, 2*cfg.InputSize)
		a, err := ref.Forward(x, len(x)/cfg.InputSize, 1, nil)
		require.NoError(t, err)
		b, err := model.Forward(x, len(x)/cfg.InputSize, 1, nil)
		require.NoError(t, err)
		require.Equal(t, a.Y, b.Y, name)
	}

	// Errors: an I64 tensor under the prefix, a truncated stream, trailing
	// bytes in a stream, a stream claiming a model too big for memory.
	bad := append([]rawTensor(nil), tensors...)
	bad[0].dtype = "I64" // the same size as F64
	_, err := cells.ReadSafetensors(bytes.NewReader(buildFile(bad)), cfg, "rnn.")
	require.ErrorContains(t, err, `tensor "rnn.weight_ih_l0": dtype I64 cannot be converted`)
	_, err = cells.ReadSafetensors(iotest.HalfReader(bytes.NewReader(raw[:len(raw)-10])), cfg, "rnn.")
	require.ErrorContains(t, err, `tensor "head.weight" ends at byte`)
	_, err = cells.ReadSafetensors(iotest.HalfReader(bytes.NewReader(raw[:len(raw)-30])), cfg, "rnn.")
	require.ErrorContains(t, err, `has only`)
	_, err = cells.ReadSafetensors(iotest.HalfReader(bytes.NewReader(append(bytes.Clone(raw), 1))), cfg, "rnn.")
	require.ErrorContains(t, err, "trailing bytes")

	if strconv.IntSize < 64 {
		return // the header's 2⁴⁸ elements overflow an int: rejected earlier
	}
	huge := cells.Config{Mode: cells.RNNTanh, InputSize: 1, HiddenSize: 1 << 24, NumLayers: 1, NoBias: true}
	var header strings.Builder
	fmt.Fprintf(&header, `{"weight_hh_l0":{"dtype":"F32","shape":[%d,%d],"data_offsets":[0,%d]},`, 1<<24, 1<<24, int64(4)<<48)
	fmt.Fprintf(&header, `"weight_ih_l0":{"dtype":"F32","shape":[%d,1],"data_offsets":[%d,%d]}}`, 1<<24, int64(4)<<48, int64(4)<<48+4<<24)
	claim := append(binary.LittleEndian.AppendUint64(nil, uint64(header.Len())), header.String()...)
	_, err = cells.ReadSafetensors(iotest.HalfReader(bytes.NewReader(claim)), huge, "")
	require.ErrorContains(t, err, "do not fit in memory")
	_, err = cells.ReadSafetensors(bytes.NewReader(claim), huge, "")
	require.ErrorContains(t, err, "do not fit in memory") // the config is refused before the file is read
}
