package safetensors

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReducedRoundTrip writes F16, BF16 and I8 tensors next to F32 ones and
// reads them back as stored (bit for bit, NaN payloads included) through
// ReadTensors, converted through Tensor, and into a buffer shared by two
// tensors that Done copies out.
func TestReducedRoundTrip(t *testing.T) {
	bits := []uint16{0x0000, 0x8000, 0x3c00, 0x7c00, 0x7e01, 0x0001, 0xfbff}
	bf := []uint16{0x3f80, 0xff81, 0x0001, 0x7f80}
	i8 := []int8{-127, 0, 5, 127, -1, 3}
	f := []float32{1.5, float32(math.NaN()), -0}
	tensors := []Tensor{
		{Name: "h", Shape: []int{7}, DType: "F16", Bits: bits},
		{Name: "b", Shape: []int{2, 2}, DType: "BF16", Bits: bf},
		{Name: "q", Shape: []int{2, 3}, DType: "I8", Int8: i8},
		{Name: "f", Shape: []int{3}, Data: f},
		{Name: "g", Shape: []int{3}, Data: []float32{4, 5, 6}},
	}
	var file bytes.Buffer
	require.NoError(t, Write(&file, tensors, nil))
	r := bytes.NewReader(file.Bytes())
	h, err := ReadHeader(r)
	require.NoError(t, err)
	for name, want := range map[string]string{"h": "F16", "b": "BF16", "q": "I8", "f": "F32"} {
		dtype, _, ok := h.Info(name)
		require.True(t, ok)
		require.Equal(t, want, dtype, name)
	}
	gotBits, gotBF, gotI8 := make([]uint16, 7), make([]uint16, 4), make([]int8, 6)
	shared := make([]float32, 3)
	var copies [][]float32
	done := func() error { copies = append(copies, append([]float32(nil), shared...)); return nil }
	require.NoError(t, h.ReadTensors(r, map[string]Dest{
		"h": {Bits: gotBits, DType: "F16"},
		"b": {Bits: gotBF, DType: "BF16"},
		"q": {Int8: gotI8},
		"f": {F32: shared, Done: done},
		"g": {F32: shared, Done: done},
	}))
	require.Equal(t, bits, gotBits)
	require.Equal(t, bf, gotBF)
	require.Equal(t, i8, gotI8)
	require.Len(t, copies, 2)
	require.Equal(t, []float32{4, 5, 6}, copies[1])
	require.Equal(t, math.Float32bits(f[1]), math.Float32bits(copies[0][1]))

	whole, err := Read(bytes.NewReader(file.Bytes()))
	require.NoError(t, err)
	half, err := whole.Tensor("h")
	require.NoError(t, err)
	require.Equal(t, float32(1), half.Data[2])
	_, err = whole.Tensor("q")
	require.ErrorContains(t, err, "I8 cannot be converted")
}

// TestReducedErrors checks the destinations that do not fit a tensor, a
// failing Done, and Write's checks of DType and slices.
func TestReducedErrors(t *testing.T) {
	var file bytes.Buffer
	require.NoError(t, Write(&file, []Tensor{
		{Name: "h", Shape: []int{2}, DType: "F16", Bits: []uint16{1, 2}},
		{Name: "q", Shape: []int{2}, DType: "I8", Int8: []int8{1, 2}},
	}, nil))
	for _, tc := range []struct {
		dst  map[string]Dest
		want string
	}{
		{map[string]Dest{"h": {Bits: make([]uint16, 2), DType: "BF16"}}, `tensor "h": dtype F16, but its destination holds "BF16" bits`},
		{map[string]Dest{"h": {Int8: make([]int8, 2)}}, `tensor "h": dtype F16, but its destination holds I8 values`},
		{map[string]Dest{"q": {F32: make([]float32, 2)}}, `tensor "q": dtype I8 cannot be converted`},
		{map[string]Dest{"q": {Int8: make([]int8, 3)}}, `tensor "q" has 2 elements, the destination 3`},
		{map[string]Dest{"q": {Int8: make([]int8, 2), F32: make([]float32, 2)}}, "more than one"},
		{map[string]Dest{"h": {Bits: make([]uint16, 2), DType: "F16", Done: func() error { return errors.New("stop") }}}, "stop"},
	} {
		r := bytes.NewReader(file.Bytes())
		h, err := ReadHeader(r)
		require.NoError(t, err)
		require.ErrorContains(t, h.ReadTensors(r, tc.dst), tc.want)
	}
	for _, bad := range []Tensor{
		{Name: "a", Shape: []int{2}, DType: "F16", Data: []float32{1, 2}},
		{Name: "a", Shape: []int{2}, DType: "I8", Bits: []uint16{1, 2}},
		{Name: "a", Shape: []int{2}, DType: "F8", Int8: []int8{1, 2}},
		{Name: "a", Shape: []int{3}, DType: "BF16", Bits: []uint16{1, 2}},
	} {
		require.Error(t, Write(&bytes.Buffer{}, []Tensor{bad}, nil), "%+v", bad)
	}
}
