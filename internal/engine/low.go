package engine

import "github.com/simdrnn/simdrnn/kernels"

// Format is how a weight matrix is stored.
type Format uint8

const (
	F32  Format = iota // float32
	F16                // IEEE binary16
	BF16               // bfloat16
	Int8               // int8, one float32 scale per row (kernels.QuantizeRows)
)

// Bytes returns the bytes one weight takes in format f (int8: without its
// row's scale).
func (f Format) Bytes() int {
	switch f {
	case F16, BF16:
		return 2
	case Int8:
		return 1
	}
	return 4
}

// LowMatrix is a weight matrix in a reduced format, row-major with Cols
// columns (PyTorch's layout): exactly one of F16, BF16 or Q (with Scales,
// one per row) is set, per Format.
type LowMatrix struct {
	Format Format
	Cols   int
	F16    []kernels.F16
	BF16   []kernels.BF16
	Q      []int8
	Scales []float32
}

// Widen writes the matrix's float32 values (exact for F16 and BF16; scale·q
// for int8) into dst, of the matrix's size.
func (m *LowMatrix) Widen(dst []float32) {
	switch m.Format {
	case F16:
		kernels.F16ToF32(dst, m.F16)
	case BF16:
		kernels.BF16ToF32(dst, m.BF16)
	case Int8:
		kernels.DequantizeRows(dst, m.Scales, m.Q)
	}
}

// MulAdd sets y (rows × n) += x (rows × Cols) · W[first : first+n]ᵀ, the
// product of rows vectors with n rows of W, through the MatVec kernels of
// the format. For int8 each vector of x is quantized first
// (kernels.QuantizeVector) into s's int8 scratch, which grows if needed.
func (m *LowMatrix) MulAdd(y []float32, first, n int, x []float32, rows int, s *Scratch) {
	from, to := first*m.Cols, (first+n)*m.Cols
	switch m.Format {
	case F16:
		kernels.MatVecBatchAddF16(y, m.F16[from:to], x, rows)
	case BF16:
		kernels.MatVecBatchAddBF16(y, m.BF16[from:to], x, rows)
	case Int8:
		s.GrowInt8(rows, m.Cols)
		q, xs := s.q[:rows*m.Cols], s.xs[:rows]
		for r := range xs {
			xs[r] = kernels.QuantizeVector(q[r*m.Cols:(r+1)*m.Cols], x[r*m.Cols:(r+1)*m.Cols])
		}
		kernels.MatVecBatchAddInt8(y, m.Q[from:to], m.Scales[first:first+n], q, xs)
	}
}

// GrowInt8 sizes s's int8 scratch for rows vectors of cols values; it
// allocates only to grow.
func (s *Scratch) GrowInt8(rows, cols int) {
	if cap(s.q) < rows*cols {
		s.q = make([]int8, rows*cols)
	}
	s.xs = Grow(s.xs, rows)
}
