package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGenericActivationsMatchScalar: the four-at-a-time loops of the generic
// Sigmoid and Tanh give, bit for bit, what the one-element code gives (the
// form the exhaustive test and the error analysis describe), at every
// position of the unrolled loop and in the tail.
func TestGenericActivationsMatchScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		0.0625, -0.0625, 0.06249999, 10, -10, 110, -110, 1e-40, -1e-40, math.MaxFloat32, -math.MaxFloat32}
	x := make([]float32, 1<<16+3)
	for i := range x {
		switch i % 3 {
		case 0:
			x[i] = math.Float32frombits(r.Uint32()) // any bit pattern
		case 1:
			x[i] = float32(r.NormFloat64() * 4)
		default:
			x[i] = specials[r.IntN(len(specials))]
		}
	}
	for _, f := range []struct {
		name    string
		vector  func(dst, x []float32)
		element func(float32) float32
	}{{"Sigmoid", sigmoidGeneric, sigmoidScalar}, {"Tanh", tanhGeneric, tanhScalar}} {
		for _, n := range []int{len(x), 1, 2, 3, 4, 5, 7, 9} {
			dst := make([]float32, n)
			f.vector(dst, x[:n])
			for i, v := range x[:n] {
				want := f.element(v)
				if math.Float32bits(dst[i]) != math.Float32bits(want) && !(dst[i] != dst[i] && want != want) {
					t.Fatalf("%s generic at %d of %d: x = %v (%#08x): got %v, the element code gives %v", f.name, i, n, v, math.Float32bits(v), dst[i], want)
				}
			}
		}
	}
}
