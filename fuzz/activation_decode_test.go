package fuzz

import (
	"math"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// pwSpecialValues are the special values the pointwise decoder produces:
// besides NaN, ±Inf, ±0 and subnormals, arguments that saturate the
// activations or make σ underflow.
var pwSpecialValues = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.Copysign(0, -1)), 0, math.SmallestNonzeroFloat32, 1e-40,
	200, -200, -100, 17, -9.5, 0.625,
}

// pwFloat decodes one value for a fused pointwise kernel: one in eight is a
// special value, the rest are the fuzz bits with the exponent folded into
// [2⁻³⁰, 2³⁰], so that no product of the kernels' formulas (at most three
// unbounded factors) overflows float32.
func (in *input) pwFloat() float32 {
	bits := in.uint32()
	if bits&7 == 0 {
		return pwSpecialValues[(bits>>3)%uint32(len(pwSpecialValues))]
	}
	exponent := int((bits>>23)&0xff)%61 - 30
	return math.Float32frombits(bits&^(0xff<<23) | uint32(exponent+127)<<23)
}

// decodePW turns data into a batch, a hidden size, start offsets and
// operands for the spec. Activations (raw) take the fuzz bits as they are,
// so every float32 can reach them.
func decodePW(sp kerneltest.PWSpec, data []byte, raw bool) (batch, hidden int, ops [][]float32) {
	in := &input{data: data}
	batch = 1 + int(in.byte())%4
	if sp.Flat {
		batch = 1
	}
	hidden = int(in.byte()) % 41
	for i, n := range sp.Sizes(batch, hidden) {
		offset := int(in.byte()) % 16
		back := make([]float32, offset+n)
		op := back[offset:]
		kinds := sp.Operands[i].Kinds
		for k := range op {
			if raw {
				op[k] = math.Float32frombits(in.uint32())
				continue
			}
			op[k] = inRange(in.pwFloat(), kinds[(k/max(hidden, 1))%len(kinds)])
		}
		ops = append(ops, op)
	}
	return batch, hidden, ops
}

// inRange maps v into the range of a cached activation for the blocks that
// hold one ('s' sigmoid: [0, 1]; 't' tanh: [−1, 1]), keeping NaN, zeros,
// subnormals and the ends of the range: the backward kernels' bounds assume
// what the forward kernels produce.
func inRange(v float32, kind byte) float32 {
	if kind != 's' && kind != 't' {
		return v
	}
	if math.Abs(float64(v)) > 1 {
		v = 1 / v
	}
	if kind == 's' {
		v = float32(math.Abs(float64(v)))
	}
	return v
}
