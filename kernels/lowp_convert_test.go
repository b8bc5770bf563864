package kernels_test

import (
	"math"
	"os"
	"testing"

	"github.com/simdrnn/simdrnn/internal/testutil/ref"
	"github.com/simdrnn/simdrnn/kernels"
)

// f16Value and bf16Value are the formats' definitions (internal/testutil/ref).
var f16Value, bf16Value = ref.F16Value, ref.BF16Value

// TestHalfToF32 checks F16ToF32, BF16ToF32 and the Float32 methods on all
// 65,536 codes against the formats' definitions (NaN: NaN of the same sign).
func TestHalfToF32(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value func(uint16) float64
		conv  func(uint16) float32
	}{
		{"f16", f16Value, func(h uint16) float32 {
			out := make([]float32, 1)
			kernels.F16ToF32(out, []kernels.F16{kernels.F16(h)})
			if m := kernels.F16(h).Float32(); math.Float32bits(m) != math.Float32bits(out[0]) {
				t.Fatalf("F16(%#04x).Float32() = %v, F16ToF32 %v", h, m, out[0])
			}
			return out[0]
		}},
		{"bf16", bf16Value, func(h uint16) float32 {
			out := make([]float32, 1)
			kernels.BF16ToF32(out, []kernels.BF16{kernels.BF16(h)})
			if m := kernels.BF16(h).Float32(); math.Float32bits(m) != math.Float32bits(out[0]) {
				t.Fatalf("BF16(%#04x).Float32() = %v, BF16ToF32 %v", h, m, out[0])
			}
			return out[0]
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for code := 0; code < 1<<16; code++ {
				h := uint16(code)
				got, want := tc.conv(h), tc.value(h)
				neg := math.Float32bits(got)>>31 == 1
				if math.IsNaN(want) {
					if !math.IsNaN(float64(got)) || neg != (h&0x8000 != 0) {
						t.Fatalf("%#04x: got %v, want a NaN of the same sign", h, got)
					}
					continue
				}
				if float64(got) != want || neg != (h&0x8000 != 0) {
					t.Fatalf("%#04x: got %v, want %v", h, got, want)
				}
			}
		})
	}
}

// roundingCase describes a rounding conversion for checkRounding.
type roundingCase struct {
	name    string
	value   func(uint16) float64 // a code's value
	infCode uint16               // the code of +Inf
	infAt   float64              // where +Inf sits for rounding: the largest finite value plus one ulp
	conv    func(bits uint32) uint16
	nan     func(bits uint32) uint16 // the documented NaN rule
}

// checkRounding compares conv on every stride-th non-negative float32 bit
// pattern below +Inf (and its negative) with rounding to nearest, ties to
// even, found independently by walking the sorted table of the format's
// values alongside the increasing inputs; then +Inf and NaN patterns.
func checkRounding(t *testing.T, rc roundingCase, stride uint32) {
	table := make([]float64, rc.infCode+1)
	for code := range table {
		table[code] = rc.value(uint16(code))
	}
	table[rc.infCode] = rc.infAt
	k := 0
	for b := uint32(0); b < 0x7f800000; b += stride {
		v := float64(math.Float32frombits(b))
		for k+1 < len(table) && table[k+1] <= v {
			k++
		}
		want := uint16(k)
		if k+1 < len(table) {
			switch d0, d1 := v-table[k], table[k+1]-v; {
			case d1 < d0, d1 == d0 && k&1 == 1:
				want = uint16(k + 1)
			}
		}
		if got := rc.conv(b); got != want {
			t.Fatalf("%s(%v = %#08x) = %#04x, want %#04x", rc.name, v, b, got, want)
		}
		if got := rc.conv(b | 0x80000000); got != want|0x8000 {
			t.Fatalf("%s(−%v) = %#04x, want %#04x", rc.name, v, got, want|0x8000)
		}
	}
	for _, sign := range []uint32{0, 0x80000000} {
		if got, want := rc.conv(sign|0x7f800000), uint16(sign>>16)|rc.infCode; got != want {
			t.Fatalf("%s(Inf) = %#04x, want %#04x", rc.name, got, want)
		}
		for b := uint32(0x7f800001); b <= 0x7fffffff && b >= 0x7f800001; b += max(stride, 1<<8) {
			got, want := rc.conv(sign|b), rc.nan(sign|b)
			if got != want || got&0x7fff <= rc.infCode {
				t.Fatalf("%s(NaN %#08x) = %#04x, want the NaN %#04x", rc.name, sign|b, got, want)
			}
		}
	}
}

// convertStride is 1 (all 2³² inputs, about 20 s per format natively)
// when SIMDRNN_EXHAUSTIVE or SIMDRNN_CONVERT_EXHAUSTIVE is set, else a
// stride that keeps the test short under emulation.
func convertStride() uint32 {
	if os.Getenv("SIMDRNN_EXHAUSTIVE") != "" || os.Getenv("SIMDRNN_CONVERT_EXHAUSTIVE") != "" {
		return 1
	}
	return 4099
}

// TestF32ToHalf checks F32ToF16 and F32ToBF16 (see checkRounding).
func TestF32ToHalf(t *testing.T) {
	stride := convertStride()
	f16 := func(b uint32) uint16 {
		out := make([]kernels.F16, 1)
		kernels.F32ToF16(out, []float32{math.Float32frombits(b)})
		return uint16(out[0])
	}
	bf16 := func(b uint32) uint16 {
		out := make([]kernels.BF16, 1)
		kernels.F32ToBF16(out, []float32{math.Float32frombits(b)})
		return uint16(out[0])
	}
	cases := []roundingCase{
		{"F32ToF16", f16Value, 0x7c00, 65536, f16,
			func(b uint32) uint16 { return uint16(b>>16)&0x8000 | 0x7e00 | uint16(b>>13)&0x3ff }},
		{"F32ToBF16", bf16Value, 0x7f80, 0x1p128, bf16,
			func(b uint32) uint16 { return uint16(b>>16) | 0x40 }},
	}
	for _, rc := range cases {
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			checkRounding(t, rc, stride)
		})
	}
}
