package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// dtype is one of the element types the format defines.
type dtype struct {
	name string
	bits uint64 // bits per element; below 8 for packed types such as F4
}

// dtypeList lists every dtype of the reference implementation, so that Read
// validates the sizes of tensors it cannot convert too; an entry holds its
// index, and dtypeIndex finds it by name.
var dtypeList = []dtype{
	{"BOOL", 8}, {"U8", 8}, {"I8", 8}, {"F8_E5M2", 8}, {"F8_E4M3", 8}, {"F8_E8M0", 8},
	{"I16", 16}, {"U16", 16}, {"F16", 16}, {"BF16", 16},
	{"I32", 32}, {"U32", 32}, {"F32", 32},
	{"I64", 64}, {"U64", 64}, {"F64", 64}, {"C64", 64},
	{"F4", 4}, {"F6_E2M3", 6}, {"F6_E3M2", 6},
}

var dtypeIndex = map[string]uint8{}

func init() {
	for i, d := range dtypeList {
		dtypeIndex[d.name] = uint8(i)
	}
}

// convertible reports whether toFloat32 converts d.
func (d dtype) convertible() bool {
	switch d.name {
	case "F32", "F16", "BF16", "F64":
		return true
	}
	return false
}

// errNotConvertible is the error of a dtype toFloat32 does not convert.
func (d dtype) errNotConvertible() error {
	return fmt.Errorf("dtype %s cannot be converted to float32 (F32, F16, BF16 and F64 can)", d.name)
}

// toFloat32 converts the little-endian elements of src to float32 into
// dst[:len(src)/(d.bits/8)]. d is convertible and len(src) a whole number of
// elements.
func (d dtype) toFloat32(dst []float32, src []byte) {
	switch d.name {
	case "F32":
		dst = dst[:len(src)/4]
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case "F16":
		dst = dst[:len(src)/2]
		for i := range dst {
			dst[i] = HalfToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case "BF16":
		dst = dst[:len(src)/2]
		for i := range dst {
			dst[i] = BFloat16ToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case "F64":
		dst = dst[:len(src)/8]
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
		}
	default:
		panic("safetensors: toFloat32 of " + d.name)
	}
}

// HalfToFloat32 returns the IEEE 754 binary16 value with bits h as a float32.
// The conversion is exact: normal and subnormal values keep their value, ±0
// and ±Inf keep their sign, and a NaN stays a NaN with its sign and payload
// (shifted into the top of float32's significand, so a quiet NaN stays quiet).
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	case mant == 0: // ±0
		return math.Float32frombits(sign)
	}
	// Subnormal: mant·2⁻²⁴. Shift the leading one up to the implicit bit
	// (bit 10); each shift lowers the exponent by one from that of 2⁻¹⁴.
	exp = 127 - 14
	for mant&0x400 == 0 {
		mant <<= 1
		exp--
	}
	return math.Float32frombits(sign | exp<<23 | (mant&0x3ff)<<13)
}

// BFloat16ToFloat32 returns the bfloat16 value with bits b as a float32.
// bfloat16 is the top half of a float32, so the conversion is exact for every
// value, including subnormals, ±0, ±Inf and NaN payloads.
func BFloat16ToFloat32(b uint16) float32 {
	return math.Float32frombits(uint32(b) << 16)
}
