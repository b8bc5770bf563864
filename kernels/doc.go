// Package kernels holds the float32 SIMD kernels that simdrnn's cells and
// training routines are built on.
//
// Data is contiguous and row-major; shapes are taken from slice lengths. A
// kernel given lengths that do not fit together panics, before it touches
// memory, with a message that names the kernel and the sizes.
//
// # Levels
//
// Every kernel has a generic pure-Go implementation and assembly for the
// SIMD levels of the target (AVX2+FMA on amd64, NEON on arm64). The best
// level the CPU has is chosen once at start-up from golang.org/x/sys/cpu;
// ActiveLevel reports it. GODEBUG=cpu.avx2=off (or cpu.fma=off) on amd64 and
// GODEBUG=cpu.asimd=off on arm64 make the process use the generic code, and
// the purego build tag leaves the assembly out altogether.
//
// # Families
//
// Linear algebra (Dot, Axpy, Scale, MatVec and its batched and accumulating
// forms, MatTVecAdd, Rank1Add), the matrix product (MatMul, MatMulAdd),
// activations (Sigmoid, Tanh), the fused pointwise steps of the cells
// (LSTM, GRU in both forms, RNN; forward and backward), the fused batch-1
// streaming steps (LSTMStep, GRUStep: products and pointwise in one pass)
// and the optimizer step AdamStep.
//
// # Reduced-precision weights
//
// A batch-1 step reads every weight once, so its time follows the weights'
// bytes. The MatVec family and the streaming steps also read weights as F16
// (IEEE binary16), BF16 (bfloat16) or int8 with one float32 scale per row
// (MatVecF16, MatVecBF16, MatVecInt8 and their Add and Batch forms;
// LSTMStepF16, …, GRUStepInt8), computing in float32: F16 and BF16 weights
// widen exactly, so their kernels keep MatVec's error bound over the
// converted weights; int8 kernels multiply int8 weights by int8 vectors
// (QuantizeVector: symmetric, one scale per vector, as PyTorch's dynamic
// quantization does) into exact int32 sums, scaled once per row, with the
// same bits at every level. Conversions: F32ToF16, F32ToBF16 (round to
// nearest even, NaN kept; checked on all 2³² inputs), F16ToF32, BF16ToF32,
// QuantizeRows, DequantizeRows. On amd64 the F16 kernels need F16C besides
// AVX2 (every AVX2 CPU so far has it), else they run the generic code; on
// arm64 the int8 kernels use SDOT where the CPU has the ARMv8.2 dot product
// (cpu.ARM64.HasASIMDDP) and widening multiplies otherwise, with the same
// bits.
//
// # Accuracy
//
// Each kernel's doc comment gives its reference loop (what it computes, in
// exact arithmetic) and an error bound. Bounds use u = 2⁻²⁴, the unit
// roundoff of float32, and γ(n) = n·u/(1−n·u). Reductions are summed in
// blocks and lanes, not in the order of the reference loop, so results may
// differ between levels by up to the bound, never more. Every bound carries
// an absolute term of n·2⁻¹⁴⁹ for subnormal rounding. Results that overflow
// float32 become ±Inf.
//
// # Special values
//
// NaN and ±Inf follow IEEE 754 as they pass through the reference loop: a NaN
// input reaches every output whose reference sum it enters, Inf·0 is NaN,
// +Inf + −Inf is NaN. Reductions start from +0, so a sum of zeros is +0.
//
// The sign of a zero is kept by the forward kernels (a result that is zero
// in the reference loop has the reference's sign) but not by the backward
// pointwise kernels (LSTMBackwardBatch, GRUBackwardBatch, RNNTanhBackward,
// GRUResetBeforeBackward*): a gradient that is exactly zero may come out as
// +0 or −0. Its sign is a product of factors that rounding can turn into
// zeros of either sign — at c = −9.5, 1 − tanh²(c) is about 2·10⁻⁸ exactly but
// 0 in float32, so dc + dh·o·(1 − tanh²c) keeps dc's sign, not the exact
// sum's — and the two zeros are the same gradient: they leave every weight
// update unchanged. Nonzero gradients keep their bounds and signs as stated.
// RNNReLUBackward is exact and gives dh or +0.
package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// ActiveLevel returns the name of the implementation level in use:
// "avx2" or "generic" on amd64, "neon" or "generic" on arm64, "generic"
// elsewhere.
func ActiveLevel() string { return level.Active.String() }

// AvailableLevels returns the names of the levels this CPU and build
// support, best first, "generic" last.
func AvailableLevels() []string {
	levels := level.Available()
	names := make([]string, len(levels))
	for i, l := range levels {
		names[i] = l.String()
	}
	return names
}
