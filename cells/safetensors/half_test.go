package safetensors

import (
	"bytes"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// halfCases are F16 and BF16 bit patterns with their exact float32 bits.
var halfCases = []struct {
	name     string
	f16      uint16
	f16Want  uint32 // float32 bits of the F16 value
	bf16     uint16
	bf16Want uint32
}{
	{"+0", 0x0000, 0x00000000, 0x0000, 0x00000000},
	{"-0", 0x8000, 0x80000000, 0x8000, 0x80000000},
	{"1", 0x3c00, 0x3f800000, 0x3f80, 0x3f800000},
	{"-2", 0xc000, 0xc0000000, 0xc000, 0xc0000000},
	{"1/3 rounded", 0x3555, 0x3eaaa000, 0x3eab, 0x3eab0000},
	{"max finite", 0x7bff, 0x477fe000, 0x7f7f, 0x7f7f0000},        // 65504; bf16 ≈ 3.39e38
	{"min normal", 0x0400, 0x38800000, 0x0080, 0x00800000},        // 2⁻¹⁴; bf16 2⁻¹²⁶
	{"min subnormal", 0x0001, 0x33800000, 0x0001, 0x00010000},     // 2⁻²⁴; bf16 2⁻¹³³
	{"max subnormal", 0x03ff, 0x387fc000, 0x007f, 0x007f0000},     // 1023·2⁻²⁴
	{"-subnormal 3·2⁻²⁴", 0x8003, 0xb4400000, 0x8003, 0x80030000}, // bf16: a float32 subnormal
	{"subnormal 2⁻¹⁵", 0x0200, 0x38000000, 0x0040, 0x00400000},
	{"+Inf", 0x7c00, 0x7f800000, 0x7f80, 0x7f800000},
	{"-Inf", 0xfc00, 0xff800000, 0xff80, 0xff800000},
	{"quiet NaN", 0x7e00, 0x7fc00000, 0x7fc0, 0x7fc00000},
	{"-NaN with payload", 0xfd01, 0xffa02000, 0xffa1, 0xffa10000},
	{"signalling NaN", 0x7c01, 0x7f802000, 0x7f81, 0x7f810000},
}

func TestHalfConversion(t *testing.T) {
	for _, c := range halfCases {
		assert.Equalf(t, c.f16Want, math.Float32bits(HalfToFloat32(c.f16)), "F16 %s (%#04x)", c.name, c.f16)
		assert.Equalf(t, c.bf16Want, math.Float32bits(BFloat16ToFloat32(c.bf16)), "BF16 %s (%#04x)", c.name, c.bf16)
	}
	// The values in words, for the cases where the bits above could hide a slip.
	assert.Equal(t, float32(65504), HalfToFloat32(0x7bff))
	assert.Equal(t, float32(math.Ldexp(1, -24)), HalfToFloat32(0x0001))
	assert.Equal(t, float32(math.Ldexp(1023, -24)), HalfToFloat32(0x03ff))
	assert.Equal(t, float32(-3*math.Ldexp(1, -24)), HalfToFloat32(0x8003))
	assert.Equal(t, float32(math.Ldexp(1, -133)), BFloat16ToFloat32(0x0001))
}

// TestHalfExhaustive checks every F16 value against its definition,
// (−1)^s · 2^(e−15) · (1 + m/1024), or (−1)^s · 2⁻¹⁴ · m/1024 when e = 0.
func TestHalfExhaustive(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		sign := 1.0
		if h&0x8000 != 0 {
			sign = -1
		}
		e, m := (h>>10)&0x1f, h&0x3ff
		got := HalfToFloat32(uint16(h))
		switch {
		case e == 0x1f && m == 0:
			require.Equal(t, float32(math.Inf(int(sign))), got, "%#04x", h)
		case e == 0x1f:
			require.True(t, math.IsNaN(float64(got)), "%#04x", h)
			require.Equal(t, h&0x8000 != 0, math.Signbit(float64(got)), "%#04x sign", h)
		case e == 0:
			want := float32(sign * math.Ldexp(float64(m), -24))
			require.Equal(t, math.Float32bits(want), math.Float32bits(got), "%#04x", h)
		default:
			want := float32(sign * math.Ldexp(1+float64(m)/1024, e-15))
			require.Equal(t, math.Float32bits(want), math.Float32bits(got), "%#04x", h)
		}
	}
}

// TestReadHalfFixtures reads hand-built F16 and BF16 files.
func TestReadHalfFixtures(t *testing.T) {
	var f16, bf16 []uint16
	var f16Want, bf16Want []uint32
	for _, c := range halfCases {
		f16, bf16 = append(f16, c.f16), append(bf16, c.bf16)
		f16Want, bf16Want = append(f16Want, c.f16Want), append(bf16Want, c.bf16Want)
	}
	n := len(halfCases) // 16: a (4, 4) tensor each
	require.Equal(t, 16, n)
	header := `{"b":{"dtype":"BF16","shape":[4,4],"data_offsets":[0,32]},` +
		`"h":{"dtype":"F16","shape":[4,4],"data_offsets":[32,64]}}`
	data := append(le16(bf16...), le16(f16...)...)
	f, err := Read(bytes.NewReader(rawFile(header, data)))
	require.NoError(t, err)
	assert.Equal(t, []string{"b", "h"}, f.Names())

	for _, c := range []struct {
		name string
		want []uint32
	}{{"h", f16Want}, {"b", bf16Want}} {
		tensor, err := f.Tensor(c.name)
		require.NoError(t, err)
		assert.Equal(t, c.name, tensor.Name)
		assert.Equal(t, []int{4, 4}, tensor.Shape)
		got := make([]uint32, len(tensor.Data))
		for i, v := range tensor.Data {
			got[i] = math.Float32bits(v)
		}
		assert.Equal(t, c.want, got, c.name)
	}
}
