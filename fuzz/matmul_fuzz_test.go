package fuzz

import (
	"testing"

	"github.com/simdrnn/simdrnn/internal/kerneltest"
)

// FuzzMatMul decodes the transposition flags, accumulate flag, packed flag
// (MatMulPacked, which must also equal MatMul bit for bit), m, n, k,
// leading-dimension padding and the operands, and checks every level
// against the float64 reference.
func FuzzMatMul(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &input{data: data}
		flags := in.byte()
		mc := kerneltest.MatMulCase{
			TransA: flags&1 != 0, TransB: flags&2 != 0, Add: flags&4 != 0,
			M: int(in.byte()) % 40, N: int(in.byte()) % 40, K: int(in.byte()) % 300,
		}
		pad := int(flags>>3) % 4
		mc.Packed = flags&32 != 0
		aRows, aCols, bRows, bCols := mc.StoredShape()
		mc.LDA, mc.LDB, mc.LDC = max(1, aCols)+pad, max(1, bCols)+pad, max(1, mc.N)+pad
		a := make([]float32, kerneltest.Len(aRows, aCols, mc.LDA))
		b := make([]float32, kerneltest.Len(bRows, bCols, mc.LDB))
		c := make([]float32, kerneltest.Len(mc.M, mc.N, mc.LDC))
		value := func(int, int) float32 { return in.float() }
		kerneltest.FillMatrix(a, aRows, aCols, mc.LDA, value)
		kerneltest.FillMatrix(b, bRows, bCols, mc.LDB, value)
		kerneltest.FillMatrix(c, mc.M, mc.N, mc.LDC, value)
		for _, l := range kerneltest.Levels() {
			run := mc
			run.A = append([]float32(nil), a...)
			run.B = append([]float32(nil), b...)
			run.C = append([]float32(nil), c...)
			var err error
			kerneltest.WithLevel(l, func() { err = run.Run() })
			if err != nil {
				t.Fatalf("level %v: %v", l, err)
			}
		}
	})
}
