package fuzz

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// pwSeeds returns inputs that reach the vector loops, the tails, several
// rows and the special values.
func pwSeeds() [][]byte {
	var out [][]byte
	for _, shape := range [][2]byte{{0, 0}, {0, 1}, {1, 7}, {2, 8}, {3, 9}, {1, 17}, {3, 40}} {
		seed := []byte{shape[0], shape[1]}
		for i := 0; i < 900; i++ {
			v := math.Float32bits(float32(math.Sin(float64(i)) * 12))
			if i%3 == 0 {
				v |= 1 // not a special value
			}
			seed = binary.LittleEndian.AppendUint32(seed, v)
		}
		out = append(out, seed)
	}
	return out
}

// fuzzPointwise runs the pointwise spec named at every level on the
// decoded input and checks it against the reference.
func fuzzPointwise(f *testing.F, name string, raw bool) {
	sp := kerneltest.PWSpecNamed(name)
	for _, s := range pwSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		batch, hidden, ops := decodePW(sp, data, raw)
		for _, l := range kerneltest.Levels() {
			copies := make([][]float32, len(ops))
			for i := range ops {
				copies[i] = append([]float32(nil), ops[i]...)
			}
			var err error
			kerneltest.WithLevel(l, func() { err = sp.Execute(copies, batch, hidden) })
			if err != nil {
				t.Fatalf("level %v: %v", l, err)
			}
		}
	})
}

func FuzzSigmoid(f *testing.F)         { fuzzPointwise(f, "Sigmoid", true) }
func FuzzTanh(f *testing.F)            { fuzzPointwise(f, "Tanh", true) }
func FuzzRNNTanhForward(f *testing.F)  { fuzzPointwise(f, "RNNTanhForward", true) }
func FuzzRNNReLUForward(f *testing.F)  { fuzzPointwise(f, "RNNReLUForward", true) }
func FuzzRNNTanhBackward(f *testing.F) { fuzzPointwise(f, "RNNTanhBackward", false) }
func FuzzRNNReLUBackward(f *testing.F) { fuzzPointwise(f, "RNNReLUBackward", false) }
func FuzzLSTMForward(f *testing.F)     { fuzzPointwise(f, "LSTMForwardBatch", false) }
func FuzzLSTMBackward(f *testing.F)    { fuzzPointwise(f, "LSTMBackwardBatch", false) }
func FuzzGRUForward(f *testing.F)      { fuzzPointwise(f, "GRUForwardBatch", false) }
func FuzzGRUBackward(f *testing.F)     { fuzzPointwise(f, "GRUBackwardBatch", false) }
func FuzzGRUResetBeforeGates(f *testing.F) {
	fuzzPointwise(f, "GRUResetBeforeGatesBatch", false)
}
func FuzzGRUResetBeforeOutput(f *testing.F) {
	fuzzPointwise(f, "GRUResetBeforeOutputBatch", false)
}
func FuzzGRUResetBeforeBackwardOutput(f *testing.F) {
	fuzzPointwise(f, "GRUResetBeforeBackwardOutputBatch", false)
}
func FuzzGRUResetBeforeBackwardGates(f *testing.F) {
	fuzzPointwise(f, "GRUResetBeforeBackwardGatesBatch", false)
}
