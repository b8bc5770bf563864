package safetensors

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mixedFile has a tensor of each convertible dtype, with values whose
// float32 is known independently, an I64 tensor between them, and a
// zero-size tensor; offsets are not in name order.
func mixedFile(t *testing.T) (raw []byte, want map[string][]float32) {
	var data []byte
	// "h" F16 [2,2] at [0,8): 1, -2, 65504 (largest half), 2⁻²⁴ (smallest subnormal).
	data = append(data, le16(0x3c00, 0xc000, 0x7bff, 0x0001)...)
	// "n" I64 [] at [8,16).
	data = binary.LittleEndian.AppendUint64(data, 7)
	// "d" F64 [3] at [16,40): 1/3, 1e300 (beyond float32), -0.
	for _, v := range []float64{1.0 / 3, 1e300, math.Copysign(0, -1)} {
		data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
	}
	// "b" BF16 [2] at [40,44): 1.5, -Inf.
	data = append(data, le16(0x3fc0, 0xff80)...)
	// "f" F32 [3] at [44,56): 0.1, NaN with payload, 3.
	for _, bits := range []uint32{math.Float32bits(0.1), 0x7fc01234, math.Float32bits(3)} {
		data = binary.LittleEndian.AppendUint32(data, bits)
	}
	header := `{"h":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},` +
		`"n":{"dtype":"I64","shape":[],"data_offsets":[8,16]},` +
		`"d":{"dtype":"F64","shape":[3],"data_offsets":[16,40]},` +
		`"z":{"dtype":"F32","shape":[0,5],"data_offsets":[40,40]},` +
		`"b":{"dtype":"BF16","shape":[2],"data_offsets":[40,44]},` +
		`"f":{"dtype":"F32","shape":[3],"data_offsets":[44,56]}}`
	want = map[string][]float32{
		"h": {1, -2, 65504, float32(math.Ldexp(1, -24))},
		"d": {float32(1.0 / 3), float32(math.Inf(1)), float32(math.Copysign(0, -1))},
		"z": {},
		"b": {1.5, float32(math.Inf(-1))},
		"f": {0.1, math.Float32frombits(0x7fc01234), 3},
	}
	return rawFile(header, data), want
}

// TestReadData checks the streaming path against independently known
// values, for a seekable input and a plain stream, converting every tensor
// or some of them.
func TestReadData(t *testing.T) {
	raw, want := mixedFile(t)
	for _, names := range [][]string{{"h", "d", "z", "b", "f"}, {"f"}, {"h"}, {"b", "z"}, {}} {
		for _, stream := range []bool{false, true} {
			var r io.Reader = bytes.NewReader(raw)
			if stream {
				r = iotest.OneByteReader(r)
			}
			h, err := ReadHeader(r)
			require.NoError(t, err)
			assert.Equal(t, int64(56), h.DataSize())
			dst := map[string][]float32{}
			for _, name := range names {
				dst[name] = make([]float32, len(want[name]))
			}
			require.NoError(t, h.ReadData(r, dst), names)
			for _, name := range names {
				assert.Equal(t, bitsOf(want[name]), bitsOf(dst[name]), name)
			}
		}
	}
	// The in-memory path agrees.
	f, err := Read(bytes.NewReader(raw))
	require.NoError(t, err)
	for name, values := range want {
		tensor, err := f.Tensor(name)
		require.NoError(t, err)
		assert.Equal(t, bitsOf(values), bitsOf(tensor.Data), name)
	}
}

// TestReadDataErrors covers the errors of ReadData.
func TestReadDataErrors(t *testing.T) {
	raw, _ := mixedFile(t)
	header := func(r io.Reader) *Header {
		h, err := ReadHeader(r)
		require.NoError(t, err)
		return h
	}
	for name, c := range map[string]struct {
		dst  map[string][]float32
		want string
	}{
		"unknown name":  {map[string][]float32{"x": {}}, `no tensor "x"`},
		"I64":           {map[string][]float32{"n": {0}}, `tensor "n": dtype I64 cannot be converted`},
		"short slice":   {map[string][]float32{"f": {0, 0}}, `tensor "f" has 3 elements, the destination 2`},
		"long slice":    {map[string][]float32{"f": {0, 0, 0, 0}}, `tensor "f" has 3 elements, the destination 4`},
		"zero-size nil": {map[string][]float32{"h": nil}, `tensor "h" has 4 elements, the destination 0`},
	} {
		r := bytes.NewReader(raw)
		err := header(r).ReadData(r, c.dst)
		assert.ErrorContains(t, err, c.want, name)
	}

	// Truncated and overlong data sections, through a stream (found while
	// reading) and a seekable input (found before reading).
	prefixLen := len(raw) - 56
	for _, stream := range []bool{false, true} {
		for _, c := range []struct {
			input []byte
			dst   map[string][]float32
			want  string
		}{
			{raw[:len(raw)-1], map[string][]float32{"f": make([]float32, 3)}, `tensor "f" ends at byte 56 of the data section, which has only 55 bytes`},
			{raw[:prefixLen+10], map[string][]float32{"f": make([]float32, 3)}, `ends at byte`},
			{raw[:prefixLen+10], map[string][]float32{"d": make([]float32, 3)}, `only 10 bytes`},
			{raw[:prefixLen+20], map[string][]float32{"d": make([]float32, 3)}, `tensor "d" ends at byte 40 of the data section, which has only 20 bytes`},
			{append(bytes.Clone(raw), 0), map[string][]float32{"f": make([]float32, 3)}, "trailing bytes"},
			{append(bytes.Clone(raw), 0), map[string][]float32{}, "trailing bytes"},
		} {
			var r io.Reader = bytes.NewReader(c.input)
			if stream {
				r = iotest.HalfReader(r)
				err := header(r).ReadData(r, c.dst)
				assert.ErrorContains(t, err, c.want)
			} else {
				// ReadHeader finds it already; ReadData again on its own.
				_, err := ReadHeader(r)
				require.Error(t, err)
				h := header(bytes.NewReader(raw))
				r := bytes.NewReader(c.input[len(raw)-56:])
				err = h.ReadData(r, c.dst)
				if len(c.input) < len(raw) {
					assert.ErrorContains(t, err, "has only")
				} else {
					assert.ErrorContains(t, err, c.want)
				}
			}
		}
	}
	// A failing reader's error comes through.
	h := header(bytes.NewReader(raw))
	err := h.ReadData(iotest.ErrReader(io.ErrClosedPipe), map[string][]float32{"h": make([]float32, 4)})
	assert.ErrorIs(t, err, io.ErrClosedPipe)
}

// TestReadDataMemory checks that converting a large tensor allocates only
// ReadData's fixed buffer, not the tensor.
func TestReadDataMemory(t *testing.T) {
	const n = 4 << 20 // 16 MB of F32
	data := make([]byte, 4*n)
	for i := range n {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(float32(i)))
	}
	raw := rawFile(`{"w":{"dtype":"F32","shape":[1024,4096],"data_offsets":[0,16777216]}}`, data)
	dst := map[string][]float32{"w": make([]float32, n)}
	for _, stream := range []bool{false, true} {
		var r io.Reader = bytes.NewReader(raw)
		if stream {
			r = iotest.HalfReader(r)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		h, err := ReadHeader(r)
		require.NoError(t, err)
		require.NoError(t, h.ReadData(r, dst))
		runtime.ReadMemStats(&after)
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(dataChunk+16<<10), "bytes allocated")
		for i, v := range dst["w"] {
			if v != float32(i) {
				require.Equal(t, float32(i), v, "element %d", i)
			}
		}
	}
}
