package cells

import (
	"fmt"
	"math"

	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/kernels"
)

// Precision is the format a Model keeps its weight matrices (W_ih, W_hh)
// in. Biases, inputs, states and all arithmetic stay float32; a batch-1
// step streams every weight once, so its time follows the weights' bytes:
// F16 and BF16 halve them, Int8 quarters them.
type Precision int

const (
	// F32 keeps the weights as float32 (the default).
	F32 = Precision(engine.F32)
	// F16 keeps them as IEEE binary16 (kernels.F16): 11 significant bits,
	// finite magnitudes up to 65504. Converting rounds to nearest even; a
	// finite weight beyond the range is an error.
	F16 = Precision(engine.F16)
	// BF16 keeps them as bfloat16 (kernels.BF16): 8 significant bits,
	// float32's range.
	BF16 = Precision(engine.BF16)
	// Int8 keeps them as int8 with one float32 scale per row
	// (kernels.QuantizeRows: symmetric, scale = max|row|/127), and each
	// step quantizes its input and state vectors to int8 as well, one scale
	// per vector, as PyTorch's dynamic quantization does
	// (kernels.QuantizeVector): the products are exact integer sums. A
	// non-finite weight cannot be quantized and is an error.
	Int8 = Precision(engine.Int8)
)

func (p Precision) String() string {
	switch p {
	case F32:
		return "f32"
	case F16:
		return "f16"
	case BF16:
		return "bf16"
	case Int8:
		return "int8"
	}
	return fmt.Sprintf("Precision(%d)", int(p))
}

// ParsePrecision returns the Precision named by s ("f32", "f16", "bf16" or
// "int8", as String prints them).
func ParsePrecision(s string) (Precision, error) {
	for _, p := range []Precision{F32, F16, BF16, Int8} {
		if s == p.String() {
			return p, nil
		}
	}
	return 0, fmt.Errorf("cells: unknown precision %q (want f32, f16, bf16 or int8)", s)
}

// reduced reports whether p stores weights in a LowMatrix.
func (p Precision) reduced() bool { return p != F32 }

// newLow returns a zero rows × cols matrix in format p.
func newLow(p Precision, rows, cols int) *engine.LowMatrix {
	m := &engine.LowMatrix{Format: engine.Format(p), Cols: cols}
	switch p {
	case F16:
		m.F16 = make([]kernels.F16, rows*cols)
	case BF16:
		m.BF16 = make([]kernels.BF16, rows*cols)
	case Int8:
		m.Q, m.Scales = make([]int8, rows*cols), make([]float32, rows)
	}
	return m
}

// maxF16 is the largest finite binary16 value; values from maxF16 plus
// half an ulp (65520) round to infinity.
const maxF16 = 65504

// setLow converts the float32 weights src of the tensor name into m, or
// returns an error naming the tensor when a weight cannot be represented:
// a finite weight that would round to ±Inf (F16, BF16), or a NaN or ±Inf
// (Int8).
func setLow(m *engine.LowMatrix, name string, src []float32) error {
	for i, v := range src {
		a := math.Abs(float64(v))
		switch {
		case m.Format == engine.Int8 && (math.IsNaN(a) || math.IsInf(a, 0)):
			return fmt.Errorf("cells: %s[%d] = %v cannot be quantized to int8", name, i, v)
		case m.Format == engine.F16 && a >= 65520 && !math.IsInf(a, 0):
			return fmt.Errorf("cells: %s[%d] = %v is beyond the range of f16 (±%d)", name, i, v, maxF16)
		case m.Format == engine.BF16 && a >= 0x1.ffp127 && !math.IsInf(a, 0):
			return fmt.Errorf("cells: %s[%d] = %v is beyond the range of bf16", name, i, v)
		}
	}
	switch engine.Format(m.Format) {
	case engine.F16:
		kernels.F32ToF16(m.F16, src)
	case engine.BF16:
		kernels.F32ToBF16(m.BF16, src)
	case engine.Int8:
		kernels.QuantizeRows(m.Q, m.Scales, src)
	}
	return nil
}

// lowBytes returns the bytes m's weights (and scales) take.
func lowBytes(m *engine.LowMatrix) int {
	return 2*(len(m.F16)+len(m.BF16)) + len(m.Q) + 4*len(m.Scales)
}

// Precision returns the format the model keeps its weights in.
func (m *Model) Precision() Precision { return m.cfg.Precision }

// WeightBytes returns the bytes the model's weight matrices take in memory
// (W_ih and W_hh of every layer and direction, with int8's scales; not the
// biases, nor the float32 copies an F32 model builds for streaming and
// sequences).
func (m *Model) WeightBytes() int {
	n := 0
	for _, dirs := range m.layers {
		for _, d := range dirs {
			if d.lowIH != nil {
				n += lowBytes(d.lowIH) + lowBytes(d.lowHH)
				continue
			}
			n += 4 * (len(d.weightIH) + len(d.weightHH))
		}
	}
	return n
}

// WithPrecision returns a copy of the model with its weights in precision
// p: from F32 rounded or quantized as p's doc says, from another precision
// through the float32 values its weights stand for (F16 → F32 is exact;
// Int8 → F32 gives scale·q). It returns an error naming the tensor when a
// weight cannot be represented in p (see the constants). The model itself
// is left unchanged.
func (m *Model) WithPrecision(p Precision) (*Model, error) {
	cfg := m.cfg
	cfg.Precision = p
	return New(cfg, m.Parameters())
}
