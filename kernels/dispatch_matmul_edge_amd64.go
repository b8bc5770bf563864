//go:build !purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// The edge-row micro-kernels and the packing loops exist at the AVX2 level
// only; other levels and architectures use dispatch_matmul_edge_other.go.

// microKernelRows computes the first mr < MR rows of an MR×NR tile straight
// into c (AVX2; the 6-row panel of a is read as packed) and reports whether
// it could; other levels go through the edge tile.
func microKernelRows(l level.Level, kc, mr int, a, b, c []float32, ldc int, add bool) bool {
	if l != level.AVX2 {
		return false
	}
	_ = c[(mr-1)*ldc+matMulNR-1] // the rows lie inside c
	_ = a[matMulMR*kc-1]
	_ = b[matMulNR*kc-1]
	switch mr {
	case 5:
		gemm5x16SIMD(kc, &a[0], &b[0], &c[0], ldc, add)
	case 4:
		gemm4x16SIMD(kc, &a[0], &b[0], &c[0], ldc, add)
	case 3:
		gemm3x16SIMD(kc, &a[0], &b[0], &c[0], ldc, add)
	case 2:
		gemm2x16SIMD(kc, &a[0], &b[0], &c[0], ldc, add)
	case 1:
		gemm1x16SIMD(kc, &a[0], &b[0], &c[0], ldc, add)
	default:
		return false
	}
	return true
}

// packATrans runs packATransGeneric's loop; len(dst) = panels·6·kc and
// len(src) = (kc−1)·lda + panels·6 (the caller slices them so).
func packATrans(l level.Level, dst, src []float32, kc, panels, lda int) {
	if l != level.AVX2 {
		packATransGeneric(dst, src, kc, panels, lda)
		return
	}
	_ = dst[panels*matMulMR*kc-1]
	_ = src[(kc-1)*lda+panels*matMulMR-1]
	packATransSIMD(&dst[0], &src[0], kc, panels, lda)
}

// packA6 runs packA6Generic's loop: eight columns at a time in AVX2, the
// last kc mod 8 in Go. The six rows have equal lengths kc and len(dst) ≥
// 6·kc (the caller slices them so).
func packA6(l level.Level, dst, r0, r1, r2, r3, r4, r5 []float32) {
	kc := len(r0)
	groups := kc / packA6Group
	if l != level.AVX2 || groups == 0 {
		packA6Generic(dst, r0, r1, r2, r3, r4, r5)
		return
	}
	whole := groups * packA6Group
	_ = dst[matMulMR*whole-1]
	_, _, _, _, _ = r1[whole-1], r2[whole-1], r3[whole-1], r4[whole-1], r5[whole-1]
	packA6SIMD(&dst[0], &r0[0], &r1[0], &r2[0], &r3[0], &r4[0], &r5[0], groups)
	if whole < kc {
		packA6Generic(dst[matMulMR*whole:], r0[whole:], r1[whole:], r2[whole:], r3[whole:], r4[whole:], r5[whole:])
	}
}

// packA6Group is the columns packA6SIMD moves per iteration.
const packA6Group = 8

// packB16 runs packBPanel's loop for a whole panel of a plain B (AVX2) and
// reports whether it could; len(dst) ≥ 16·kc, len(src) ≥ (kc−1)·ldb + 16.
func packB16(l level.Level, dst, src []float32, kc, ldb int) bool {
	if l != level.AVX2 {
		return false
	}
	_ = dst[matMulNR*kc-1]
	_ = src[(kc-1)*ldb+matMulNR-1]
	packB16SIMD(&dst[0], &src[0], kc, ldb)
	return true
}

// packBT16 packs the columns of a whole panel of a transposed B (16 rows
// of W, ldb floats apart, from src) in groups of eight (AVX2) and returns
// how many it packed: a multiple of 8, the rest packBPanel's. len(dst) ≥
// 16·kc, len(src) ≥ 15·ldb + kc.
func packBT16(l level.Level, dst, src []float32, kc, ldb int) int {
	groups := kc / 8
	if l != level.AVX2 || groups == 0 {
		return 0
	}
	_ = dst[matMulNR*kc-1]
	_ = src[(matMulNR-1)*ldb+8*groups-1]
	packBT16SIMD(&dst[0], &src[0], groups, ldb)
	return 8 * groups
}
