package kernels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// lowpStepShapes are the (H, I) of the reduced-precision step tests: blocks
// of lowpUnits (256) units whole, partial and several, and the kernels'
// blocks of eight rows whole and partial within them.
var lowpStepShapes = [][2]int{{1, 1}, {2, 3}, {5, 8}, {8, 13}, {17, 1}, {31, 7}, {32, 32}, {33, 40}, {64, 64}, {65, 9}, {100, 37}, {129, 20}, {256, 16}, {259, 9}, {520, 24}}

// lowpWeights are one gate matrix in a reduced format, with its values
// (exactly what the kernels compute with) as float32.
type lowpWeights struct {
	f16    []kernels.F16
	bf16   []kernels.BF16
	q      []int8
	scales []float32
	values []float32
}

// makeLowp converts w to format ("f16", "bf16" or "int8", rows of cols).
func makeLowp(format string, w []float32, rows int) lowpWeights {
	lw := lowpWeights{values: make([]float32, len(w))}
	switch format {
	case "f16":
		lw.f16 = make([]kernels.F16, len(w))
		kernels.F32ToF16(lw.f16, w)
		kernels.F16ToF32(lw.values, lw.f16)
	case "bf16":
		lw.bf16 = make([]kernels.BF16, len(w))
		kernels.F32ToBF16(lw.bf16, w)
		kernels.BF16ToF32(lw.values, lw.bf16)
	case "int8":
		lw.q, lw.scales = make([]int8, len(w)), make([]float32, rows)
		kernels.QuantizeRows(lw.q, lw.scales, w)
		kernels.DequantizeRows(lw.values, lw.scales, lw.q)
	}
	return lw
}

// quantized returns v as the int8 steps see it: QuantizeVector's values
// s·q (for int8), else v.
func quantized(format string, v []float32) []float64 {
	out := make([]float64, len(v))
	if format != "int8" {
		for i, x := range v {
			out[i] = float64(x)
		}
		return out
	}
	q := make([]int8, len(v))
	s := kernels.QuantizeVector(q, v)
	for i := range q {
		out[i] = float64(s) * float64(q[i])
	}
	return out
}

// gateSum returns bias + Σ w[row]·v in float64 and Σ|w[row]·v|.
func gateSum(w []float32, v []float64, row int) (sum, abs float64) {
	for j, x := range v {
		p := float64(w[row*len(v)+j]) * x
		sum += p
		abs += math.Abs(p)
	}
	return sum, abs
}

func uniform(r *rand.Rand, s []float32, k float32) {
	for i := range s {
		s[i] = (2*r.Float32() - 1) * k
	}
}

// TestLowpLSTMStep checks LSTMStepF16, LSTMStepBF16 and LSTMStepInt8 at
// every level against the float64 equations over the weights the kernels
// compute with (converted, or dequantized) and, for int8, the quantized x
// and h, within the bounds of the doc comments.
func TestLowpLSTMStep(t *testing.T) {
	kerneltest.ForEachLevelAt(t, func(t *testing.T, l level.Level) {
		for _, format := range []string{"f16", "bf16", "int8"} {
			for _, sh := range lowpStepShapes {
				hid, in := sh[0], sh[1]
				r := kerneltest.Rand(uint64(hid*1000 + in))
				k := float32(1 / math.Sqrt(float64(hid)))
				wIH, wHH := make([]float32, 4*hid*in), make([]float32, 4*hid*hid)
				bias, x, hPrev, c := make([]float32, 4*hid), make([]float32, in), make([]float32, hid), make([]float32, hid)
				uniform(r, wIH, k)
				uniform(r, wHH, k)
				uniform(r, bias, 2*k)
				uniform(r, x, 2)
				uniform(r, hPrev, 1)
				uniform(r, c, 1)
				c0 := append([]float32(nil), c...)
				h := make([]float32, hid)
				var pIH, pHH []float32 // the weights the kernel computes with
				switch format {
				case "int8":
					a, b := makeLowp(format, wIH, 4*hid), makeLowp(format, wHH, 4*hid)
					q := make([]int8, in+hid)
					kernels.LSTMStepInt8At(l, h, c, a.q, a.scales, b.q, b.scales, x, hPrev, bias, q)
					pIH, pHH = a.values, b.values
					// In place (h = hPrev) gives the same bits.
					h2, c2 := append([]float32(nil), hPrev...), append([]float32(nil), c0...)
					kernels.LSTMStepInt8At(l, h2, c2, a.q, a.scales, b.q, b.scales, x, h2, bias, q)
					require.Equal(t, h, h2, "in place")
					require.Equal(t, c, c2, "in place")
				case "f16":
					a, b := makeLowp(format, wIH, 4*hid), makeLowp(format, wHH, 4*hid)
					kernels.LSTMStepF16At(l, h, c, a.f16, b.f16, x, hPrev, bias)
					pIH, pHH = a.values, b.values
				case "bf16":
					a, b := makeLowp(format, wIH, 4*hid), makeLowp(format, wHH, 4*hid)
					kernels.LSTMStepBF16At(l, h, c, a.bf16, b.bf16, x, hPrev, bias)
					pIH, pHH = a.values, b.values
				}
				xv, hv := quantized(format, x), quantized(format, hPrev)
				name := fmt.Sprintf("%s H=%d I=%d", format, hid, in)
				for j := 0; j < hid; j++ {
					var pre [4]float64
					e := 0.0
					for g := range pre {
						a, aa := gateSum(pIH, xv, g*hid+j)
						b, ba := gateSum(pHH, hv, g*hid+j)
						pre[g] = float64(bias[g*hid+j]) + a + b
						e += kerneltest.Gamma(in+hid+2)*(aa+ba+math.Abs(float64(bias[g*hid+j]))) + 4*kerneltest.U*(aa+ba)
					}
					i, f, g, o := sig64(pre[0]), sig64(pre[1]), math.Tanh(pre[2]), sig64(pre[3])
					cw := f*float64(c0[j]) + i*g
					hw := o * math.Tanh(cw)
					require.True(t, kerneltest.Close(c[j], cw, 2*e+8*kerneltest.U*(1+math.Abs(cw))), "%s c[%d] = %v, want %v", name, j, c[j], cw)
					require.True(t, kerneltest.Close(h[j], hw, 3*e+8*kerneltest.U*(1+math.Abs(cw))), "%s h[%d] = %v, want %v", name, j, h[j], hw)
				}
			}
		}
	})
}

// TestLowpGRUStep is TestLowpLSTMStep for the GRU steps.
func TestLowpGRUStep(t *testing.T) {
	kerneltest.ForEachLevelAt(t, func(t *testing.T, l level.Level) {
		for _, format := range []string{"f16", "bf16", "int8"} {
			for _, sh := range lowpStepShapes {
				hid, in := sh[0], sh[1]
				r := kerneltest.Rand(uint64(hid*1000 + in + 7))
				k := float32(1 / math.Sqrt(float64(hid)))
				wIH, wHH := make([]float32, 3*hid*in), make([]float32, 3*hid*hid)
				bIH, bHH, x, hPrev := make([]float32, 3*hid), make([]float32, 3*hid), make([]float32, in), make([]float32, hid)
				uniform(r, wIH, k)
				uniform(r, wHH, k)
				uniform(r, bIH, k)
				uniform(r, bHH, k)
				uniform(r, x, 2)
				uniform(r, hPrev, 1)
				h := make([]float32, hid)
				a, b := makeLowp(format, wIH, 3*hid), makeLowp(format, wHH, 3*hid)
				switch format {
				case "int8":
					q := make([]int8, in+hid)
					kernels.GRUStepInt8At(l, h, a.q, a.scales, b.q, b.scales, x, hPrev, bIH, bHH, q)
					h2 := append([]float32(nil), hPrev...)
					kernels.GRUStepInt8At(l, h2, a.q, a.scales, b.q, b.scales, x, h2, bIH, bHH, q)
					require.Equal(t, h, h2, "in place")
				case "f16":
					kernels.GRUStepF16At(l, h, a.f16, b.f16, x, hPrev, bIH, bHH)
				case "bf16":
					kernels.GRUStepBF16At(l, h, a.bf16, b.bf16, x, hPrev, bIH, bHH)
				}
				xv, hv := quantized(format, x), quantized(format, hPrev)
				name := fmt.Sprintf("%s H=%d I=%d", format, hid, in)
				for j := 0; j < hid; j++ {
					var xs, hs [3]float64
					e := 0.0
					for g := range xs {
						s, sa := gateSum(a.values, xv, g*hid+j)
						u, ua := gateSum(b.values, hv, g*hid+j)
						xs[g], hs[g] = s+float64(bIH[g*hid+j]), u+float64(bHH[g*hid+j])
						e += kerneltest.Gamma(max(in, hid)+2)*(sa+ua+math.Abs(float64(bIH[g*hid+j]))+math.Abs(float64(bHH[g*hid+j]))) + 4*kerneltest.U*(sa+ua)
					}
					rg, z := sig64(xs[0]+hs[0]), sig64(xs[1]+hs[1])
					n := math.Tanh(xs[2] + rg*hs[2])
					hw := n + z*(float64(hPrev[j])-n)
					require.True(t, kerneltest.Close(h[j], hw, 3*e+8*kerneltest.U*(1+math.Abs(hw))), "%s h[%d] = %v, want %v", name, j, h[j], hw)
				}
			}
		}
	})
}

// TestLowpNoAllocations checks that the reduced-precision MatVec and step
// kernels allocate nothing at any level.
func TestLowpNoAllocations(t *testing.T) {
	const hid, in = 40, 24
	wh := make([]kernels.F16, 4*hid*(in+hid))
	wb := make([]kernels.BF16, 4*hid*(in+hid))
	whi, whh := wh[:4*hid*in], wh[4*hid*in:]
	wbi, wbh := wb[:4*hid*in], wb[4*hid*in:]
	wq, sq := make([]int8, 4*hid*hid), make([]float32, 4*hid)
	wqi := make([]int8, 4*hid*in)
	gh, gb := make([]kernels.F16, 3*hid*hid), make([]kernels.BF16, 3*hid*hid)
	ghi, gbi := make([]kernels.F16, 3*hid*in), make([]kernels.BF16, 3*hid*in)
	h, c, x := make([]float32, hid), make([]float32, hid), make([]float32, in)
	bias, hPrev, q := make([]float32, 4*hid), make([]float32, hid), make([]int8, in+hid)
	y8 := make([]float32, 8*4*hid)
	x8 := make([]float32, 8*(in+hid))
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for name, f := range map[string]func(){
			"LSTMStepF16":  func() { kernels.LSTMStepF16(h, c, whi, whh, x, hPrev, bias) },
			"LSTMStepBF16": func() { kernels.LSTMStepBF16(h, c, wbi, wbh, x, hPrev, bias) },
			"LSTMStepInt8": func() { kernels.LSTMStepInt8(h, c, wqi, sq, wq, sq, x, h, bias, q) },
			"GRUStepF16":   func() { kernels.GRUStepF16(h, ghi, gh, x, hPrev, bias[:3*hid], bias[:3*hid]) },
			"GRUStepBF16":  func() { kernels.GRUStepBF16(h, gbi, gb, x, hPrev, bias[:3*hid], bias[:3*hid]) },
			"GRUStepInt8": func() {
				kernels.GRUStepInt8(h, wqi[:3*hid*in], sq[:3*hid], wq[:3*hid*hid], sq[:3*hid], x, h, bias[:3*hid], bias[:3*hid], q)
			},
			"MatVecBatchF16": func() { kernels.MatVecBatchF16(y8, wh, x8, 8) },
			"MatVecInt8":     func() { kernels.MatVecInt8(y8[:4*hid], wq, sq, q[in:], 0.5) },
		} {
			require.Zero(t, testing.AllocsPerRun(20, f), name)
		}
	})
}
