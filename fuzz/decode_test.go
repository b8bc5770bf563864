package fuzz

import (
	"encoding/binary"
	"math"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// input reads a fuzz input from the front, giving zeros once it runs out.
type input struct{ data []byte }

func (in *input) byte() byte {
	if len(in.data) == 0 {
		return 0
	}
	b := in.data[0]
	in.data = in.data[1:]
	return b
}

func (in *input) uint32() uint32 {
	var buf [4]byte
	for i := range buf {
		buf[i] = in.byte()
	}
	return binary.LittleEndian.Uint32(buf[:])
}

var specialValues = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.Copysign(0, -1)), 0, math.SmallestNonzeroFloat32, 1e-40,
}

// maxExponent bounds decoded magnitudes to 2⁵⁰ so that no sum of at most a
// few thousand products can overflow float32 partway and cancel later
// (where the reference, in float64, would stay finite).
const maxExponent = 50

// float decodes one value: one in eight is a special value (NaN, ±Inf, ±0,
// subnormal), the rest are the fuzz bits with the exponent folded into
// [2⁻¹⁴⁹, 2⁵⁰].
func (in *input) float() float32 {
	bits := in.uint32()
	if bits&7 == 0 {
		return specialValues[(bits>>3)%uint32(len(specialValues))]
	}
	exponent := int((bits>>23)&0xff) - 127
	if exponent > maxExponent {
		exponent %= maxExponent
		bits = bits&^(0xff<<23) | uint32(exponent+127)<<23
	}
	return math.Float32frombits(bits)
}

// decode turns data into a shape within the given limits, start offsets,
// alpha and operands for the spec.
func decode(sp kerneltest.Spec, data []byte, maxRows, maxCols, maxBatch int) (kerneltest.Shape, float32, [][]float32) {
	in := &input{data: data}
	s := kerneltest.Shape{
		Rows:  int(in.byte()) % (maxRows + 1),
		Cols:  int(in.byte()) % (maxCols + 1),
		Batch: 1 + int(in.byte())%maxBatch,
	}
	s = sp.Normalize(s)
	alpha := in.float()
	sizes := sp.Sizes(s)
	ops := make([][]float32, len(sizes))
	for i, n := range sizes {
		offset := int(in.byte()) % 16
		back := make([]float32, offset+n)
		ops[i] = back[offset:]
		for k := range ops[i] {
			ops[i][k] = in.float()
		}
	}
	return s, alpha, ops
}
