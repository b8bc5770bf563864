package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleTensors has a matrix, a vector with special values, a scalar and an
// empty tensor, with names that need JSON escaping.
func sampleTensors() []Tensor {
	nan := math.Float32frombits(0x7fc01234) // a payload Write must keep
	return []Tensor{
		{Name: "weight_ih_l0", Shape: []int{4, 3}, Data: []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{Name: "bias_ih_l0", Shape: []int{5}, Data: []float32{nan, float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 1e-45, -3.5}},
		{Name: "scale", Shape: []int{}, Data: []float32{0.25}},
		{Name: "empty", Shape: []int{0, 3}, Data: []float32{}},
		{Name: `odd "name" <&> é`, Shape: []int{1, 1, 2}, Data: []float32{-1, 1}},
	}
}

func bitsOf(values []float32) []uint32 {
	out := make([]uint32, len(values))
	for i, v := range values {
		out[i] = math.Float32bits(v)
	}
	return out
}

func assertSameTensors(t *testing.T, want []Tensor, f *File) {
	t.Helper()
	var names []string
	for _, w := range want {
		names = append(names, w.Name)
	}
	assert.ElementsMatch(t, names, f.Names())
	for _, w := range want {
		got, err := f.Tensor(w.Name)
		require.NoError(t, err, w.Name)
		assert.Equal(t, w.Name, got.Name)
		assert.Equal(t, len(w.Shape), len(got.Shape), w.Name)
		if len(w.Shape) > 0 {
			assert.Equal(t, w.Shape, got.Shape, w.Name)
		}
		assert.Equal(t, bitsOf(w.Data), bitsOf(got.Data), w.Name)
		dtypeName, shape, ok := f.Info(w.Name)
		assert.True(t, ok)
		assert.Equal(t, "F32", dtypeName)
		assert.Equal(t, len(w.Shape), len(shape))
	}
}

func TestRoundTrip(t *testing.T) {
	tensors := sampleTensors()
	metadata := map[string]string{"format": "pt", "note": "é \"quoted\""}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, tensors, metadata))
	raw := buf.Bytes()

	// The header is padded with spaces to a multiple of 8 and the data follows.
	n := binary.LittleEndian.Uint64(raw)
	assert.Zero(t, n%8)
	assert.Equal(t, byte('{'), raw[8])
	dataBytes := 0
	for _, tensor := range tensors {
		dataBytes += 4 * len(tensor.Data)
	}
	assert.Equal(t, 8+int(n)+dataBytes, len(raw))

	f, err := Read(bytes.NewReader(raw))
	require.NoError(t, err)
	assertSameTensors(t, tensors, f)
	assert.Equal(t, metadata, f.Metadata())
	assert.Equal(t, []string{"bias_ih_l0", "empty", `odd "name" <&> é`, "scale", "weight_ih_l0"}, f.Names())

	// Deterministic: the same tensors in another order give the same bytes.
	reversed := make([]Tensor, len(tensors))
	for i, tensor := range tensors {
		reversed[len(tensors)-1-i] = tensor
	}
	var again bytes.Buffer
	require.NoError(t, Write(&again, reversed, metadata))
	assert.Equal(t, raw, again.Bytes())

	// A reader that returns one byte at a time reads the same.
	f, err = Read(iotest.OneByteReader(bytes.NewReader(raw)))
	require.NoError(t, err)
	assertSameTensors(t, tensors, f)

	// Through a file, with the size check before the data is read.
	path := filepath.Join(t.TempDir(), "model.safetensors")
	require.NoError(t, os.WriteFile(path, raw, 0o644))
	f, err = ReadFile(path)
	require.NoError(t, err)
	assertSameTensors(t, tensors, f)
	require.NoError(t, os.WriteFile(path, append(raw, 0), 0o644))
	_, err = ReadFile(path)
	assert.ErrorContains(t, err, "trailing")
	require.NoError(t, os.WriteFile(path, raw[:len(raw)-1], 0o644))
	_, err = ReadFile(path)
	assert.ErrorContains(t, err, "has only")
	_, err = ReadFile(filepath.Join(t.TempDir(), "missing"))
	assert.Error(t, err)
}

func TestWriteExactBytes(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, []Tensor{{Name: "a", Shape: []int{2}, Data: []float32{1, -2}}}, nil))
	header := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	for len(header)%8 != 0 {
		header += " "
	}
	want := rawFile(header, []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0})
	assert.Equal(t, want, buf.Bytes())
}

func TestWriteEmpty(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, nil, map[string]string{}))
	assert.Equal(t, rawFile("{}      ", nil), buf.Bytes())
	f, err := Read(&buf)
	require.NoError(t, err)
	assert.Empty(t, f.Names())
	assert.Nil(t, f.Metadata())
}

func TestWriteErrors(t *testing.T) {
	for name, c := range map[string]struct {
		tensors  []Tensor
		metadata map[string]string
	}{
		"duplicate name":      {tensors: []Tensor{{Name: "a", Data: []float32{1}}, {Name: "a", Data: []float32{2}}}},
		"reserved name":       {tensors: []Tensor{{Name: "__metadata__", Data: []float32{1}}}},
		"negative dimension":  {tensors: []Tensor{{Name: "a", Shape: []int{-1, -2}, Data: []float32{1, 2}}}},
		"size mismatch":       {tensors: []Tensor{{Name: "a", Shape: []int{2, 2}, Data: []float32{1, 2, 3}}}},
		"scalar without data": {tensors: []Tensor{{Name: "a", Data: nil}}},
		"overflowing shape":   {tensors: []Tensor{{Name: "a", Shape: []int{math.MaxInt / 2, 4}, Data: nil}}},
		"invalid UTF-8 name":  {tensors: []Tensor{{Name: "a\xff", Data: []float32{1}}}},
		"invalid UTF-8 meta":  {metadata: map[string]string{"k": "\xff"}},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			assert.Error(t, Write(&buf, c.tensors, c.metadata))
			assert.Zero(t, buf.Len(), "nothing is written on error")
		})
	}
	assert.Error(t, Write(failingWriter{}, sampleTensors(), nil))
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestOtherDtypes checks that every dtype is validated, F64 converts with
// rounding, and the others are an error naming tensor and dtype.
func TestOtherDtypes(t *testing.T) {
	var data []byte
	data = binary.LittleEndian.AppendUint64(data, math.Float64bits(1.0/3))
	data = binary.LittleEndian.AppendUint64(data, math.Float64bits(1e300))
	data = binary.LittleEndian.AppendUint64(data, 7) // I64 num_batches_tracked
	data = append(data, 0x12, 0x34, 0x56)            // F4 (6 values) + U8 (1)
	data = append(data, 1, 2, 3)                     // F6_E2M3 (4 values)
	header := `{"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},` +
		`"n":{"dtype":"I64","shape":[],"data_offsets":[16,24]},` +
		`"q":{"dtype":"F4","shape":[2,3],"data_offsets":[24,27]},` +
		`"s":{"dtype":"F6_E2M3","shape":[4],"data_offsets":[27,30]}}`
	f, err := Read(bytes.NewReader(rawFile(header, data)))
	require.NoError(t, err)
	d, err := f.Tensor("d")
	require.NoError(t, err)
	assert.Equal(t, []float32{float32(1.0 / 3), float32(math.Inf(1))}, d.Data)
	for _, name := range []string{"n", "q", "s"} {
		_, err = f.Tensor(name)
		require.Error(t, err)
		dtypeName, _, ok := f.Info(name)
		require.True(t, ok)
		assert.Contains(t, err.Error(), dtypeName)
		assert.Contains(t, err.Error(), `"`+name+`"`)
	}
	_, err = f.Tensor("missing")
	assert.ErrorContains(t, err, "missing")
	_, _, ok := f.Info("missing")
	assert.False(t, ok)

	// An odd number of F4 values is not a whole number of bytes.
	_, err = Read(bytes.NewReader(rawFile(`{"q":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}`, []byte{0, 0})))
	assert.ErrorContains(t, err, "whole number of bytes")
}

// TestReadIsolated checks that callers cannot change a File through the
// slices and maps it returns.
func TestReadIsolated(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, sampleTensors(), map[string]string{"k": "v"}))
	f, err := Read(&buf)
	require.NoError(t, err)
	f.Names()[0] = "x"
	f.Metadata()["k"] = "x"
	tensor, _ := f.Tensor("weight_ih_l0")
	tensor.Shape[0], tensor.Data[0] = 99, 99
	_, shape, _ := f.Info("weight_ih_l0")
	shape[0] = 98
	assertSameTensors(t, sampleTensors(), f)
	assert.Equal(t, map[string]string{"k": "v"}, f.Metadata())
}
