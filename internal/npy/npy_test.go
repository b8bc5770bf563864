package npy

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func readFile(t *testing.T, name string) (*Array, error) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return Read(bytes.NewReader(b))
}

// TestNumPyFiles reads files NumPy wrote (testdata/README.md).
func TestNumPyFiles(t *testing.T) {
	a, err := readFile(t, "f32_2x3.npy")
	require.NoError(t, err)
	require.Equal(t, []int{2, 3}, a.Shape)
	require.Equal(t, []float32{0, 1. / 3, 2. / 3, 1, 4. / 3, 5. / 3}, a.F32)

	a, err = readFile(t, "f32_scalar.npy")
	require.NoError(t, err)
	require.Equal(t, []int{}, a.Shape)
	require.Equal(t, []float32{2.5}, a.F32)

	a, err = readFile(t, "f32_empty.npy")
	require.NoError(t, err)
	require.Equal(t, []int{0, 4}, a.Shape)
	require.Equal(t, 0, a.Len())

	a, err = readFile(t, "i64_3x2.npy")
	require.NoError(t, err)
	require.Equal(t, []int{3, 2}, a.Shape)
	require.Equal(t, []int64{1, 2, 3, -4, 5, 1 << 40}, a.I64)

	a, err = readFile(t, "f32_v2.npy")
	require.NoError(t, err)
	require.Equal(t, []int{3}, a.Shape)
	require.Equal(t, float32(-2.25), a.F32[1])
	require.True(t, math.IsNaN(float64(a.F32[2])))

	for name, want := range map[string]string{
		"f32_fortran.npy":   "Fortran order",
		"f32_bigendian.npy": "big-endian",
		"f64.npy":           `dtype "<f8"`,
		"structured.npy":    "structured dtypes are not supported",
	} {
		_, err := readFile(t, name)
		require.ErrorContains(t, err, want, name)
	}
}

// TestRoundTrip writes arrays and reads them back, bit for bit, with
// NumPy's layout (v1 header padded to 64 bytes).
func TestRoundTrip(t *testing.T) {
	for _, dims := range [][]int{{}, {0}, {5}, {2, 3}, {2, 1, 3}, {1, 1, 1, 1, 1, 1, 1, 2}} {
		n := 1
		for _, d := range dims {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i)*0.5 - 1
		}
		if n > 0 {
			data[0] = float32(math.Inf(-1))
		}
		var buf bytes.Buffer
		require.NoError(t, WriteF32(&buf, dims, data))
		header := binary.LittleEndian.Uint16(buf.Bytes()[8:10])
		require.Zero(t, (10+int(header))%64, "data aligned")
		a, err := Read(bytes.NewReader(buf.Bytes()))
		require.NoError(t, err)
		require.Equal(t, dims, a.Shape)
		require.Equal(t, data, a.F32)
	}
	require.ErrorContains(t, WriteF32(&bytes.Buffer{}, []int{2, 2}, make([]float32, 3)), "does not hold 3")
	require.ErrorContains(t, WriteF32(&bytes.Buffer{}, []int{-1}, nil), "negative dimension")
}

// TestRoundTripI64 writes token ids and reads them back, and checks that
// the header NumPy's own file holds is the one WriteI64 writes.
func TestRoundTripI64(t *testing.T) {
	for _, dims := range [][]int{{}, {0}, {3}, {3, 2}, {2, 2, 2}} {
		n := 1
		for _, d := range dims {
			n *= d
		}
		data := make([]int64, n)
		for i := range data {
			data[i] = int64(i)*(1<<33) - 7
		}
		var buf bytes.Buffer
		require.NoError(t, WriteI64(&buf, dims, data))
		require.Contains(t, buf.String(), "'descr': '<i8'")
		a, err := Read(bytes.NewReader(buf.Bytes()))
		require.NoError(t, err)
		require.Equal(t, dims, a.Shape)
		require.Equal(t, data, a.I64)
		require.Nil(t, a.F32)
	}
	numpy, err := os.ReadFile("testdata/i64_3x2.npy")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, WriteI64(&buf, []int{3, 2}, []int64{1, 2, 3, -4, 5, 1 << 40}))
	require.Equal(t, numpy, buf.Bytes(), "the bytes NumPy wrote")
	require.ErrorContains(t, WriteI64(&bytes.Buffer{}, []int{2}, make([]int64, 3)), "does not hold 3")
}

// header builds a v1 file with the given header text and data bytes.
func header(text string, data []byte) []byte {
	out := append([]byte(magic), 1, 0)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(text)))
	return append(append(out, text...), data...)
}

// TestMalformed checks that malformed inputs give the errors that name the
// problem, and that a header claiming a huge array allocates nothing for it.
func TestMalformed(t *testing.T) {
	f4 := make([]byte, 8)
	cases := []struct {
		in   []byte
		want string
	}{
		{nil, "not a .npy file"},
		{[]byte("\x93NUMP"), "not a .npy file"},
		{[]byte("PK\x03\x04abcdefgh"), "not a .npy file"},
		{append([]byte(magic), 4, 0, 0, 0), "format version 4.0"},
		{append([]byte(magic), 1, 0, 0xff), "header length"},
		{append(append([]byte(magic), 1, 0), 0x10, 0, '{'), "the header is 16 bytes, the file ends after 1"},
		{append(append([]byte(magic), 2, 0), 0xff, 0xff, 0xff, 0x7f), "at most 65536"},
		{header("[1, 2]", nil), "not a dict"},
		{header("{'descr': '<f4', 'shape': (2,), }", f4), `no "fortran_order"`},
		{header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", f4), `unknown key "x"`},
		{header("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", f4), "repeated"},
		{header("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", f4), "not True or False"},
		{header("{'descr': '<f4', 'fortran_order': False, 'shape': (2)}", f4), "not a tuple"},
		{header("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", f4), "not a tuple"},
		{header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", f4), "text after the dict"},
		{header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1)}", f4), "9 dimensions"},
		{header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", f4), "not a tuple"},
		{header("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", f4), "does not fit in an int"},
		{header("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", f4), "ends after 2 of 3 elements"},
		{header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", f4), "bytes follow the data"},
		{header("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,)}", f4), "ends after 2 of 1000000000000"},
		{header("{'descr': '<u2', 'fortran_order': False, 'shape': (4,)}", f4), `dtype "<u2"`},
	}
	for _, c := range cases {
		_, err := Read(bytes.NewReader(c.in))
		require.Error(t, err, "%q", c.in)
		require.True(t, strings.Contains(err.Error(), c.want), "%q: %v, want %q", c.in, err, c.want)
	}
}
