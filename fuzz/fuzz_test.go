package fuzz

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

func TestMain(m *testing.M) { kerneltest.Main(m) }

func spec(name string) kerneltest.Spec {
	for _, sp := range kerneltest.Specs {
		if sp.Name == name {
			return sp
		}
	}
	panic("no spec " + name)
}

// seeds returns a few inputs that reach the vector loops, the tails and the
// special values.
func seeds() [][]byte {
	var out [][]byte
	for _, shape := range [][3]byte{{0, 0, 0}, {1, 1, 0}, {3, 7, 1}, {4, 8, 3}, {9, 17, 4}, {8, 33, 7}, {17, 49, 8}} {
		seed := []byte{shape[0], shape[1], shape[2]}
		for i := 0; i < 700; i++ {
			v := math.Float32bits(float32(math.Sin(float64(i))*2)) | 1
			if i%97 == 13 {
				v = 0 // a special value: NaN
			}
			seed = binary.LittleEndian.AppendUint32(seed, v)
		}
		out = append(out, seed)
	}
	return out
}

// fuzzKernel runs the spec named at every level on the decoded input.
func fuzzKernel(f *testing.F, name string) {
	sp := spec(name)
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, alpha, ops := decode(sp, data, 20, 70, 10)
		for _, l := range kerneltest.Levels() {
			copies := make([][]float32, len(ops))
			for i := range ops {
				copies[i] = append([]float32(nil), ops[i]...)
			}
			var err error
			kerneltest.WithLevel(l, func() { err = sp.Execute(kerneltest.Exported, s, alpha, copies) })
			if err != nil {
				t.Fatalf("level %v: %v", l, err)
			}
		}
	})
}

func FuzzDot(f *testing.F)            { fuzzKernel(f, "Dot") }
func FuzzAxpy(f *testing.F)           { fuzzKernel(f, "Axpy") }
func FuzzScale(f *testing.F)          { fuzzKernel(f, "Scale") }
func FuzzMatVec(f *testing.F)         { fuzzKernel(f, "MatVec") }
func FuzzMatVecAdd(f *testing.F)      { fuzzKernel(f, "MatVecAdd") }
func FuzzMatVecBatch(f *testing.F)    { fuzzKernel(f, "MatVecBatch") }
func FuzzMatVecBatchAdd(f *testing.F) { fuzzKernel(f, "MatVecBatchAdd") }
func FuzzMatTVecAdd(f *testing.F)     { fuzzKernel(f, "MatTVecAdd") }
func FuzzRank1Add(f *testing.F)       { fuzzKernel(f, "Rank1Add") }
