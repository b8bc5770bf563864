//go:build linux && (amd64 || arm64)

package kernels_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/testutil/guard"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// operand is one slice argument of a size case: n real float32s, or, when
// phantom > 0, a slice of that absurd length lying in PROT_NONE memory (it
// stands for a slice no machine has, and faults if touched).
type operand struct{ n, phantom int }

func realOp(n int) operand  { return operand{n: n} }
func ghostOp(n int) operand { return operand{phantom: n} }
func realOps(ns ...int) []operand {
	ops := make([]operand, len(ns))
	for i, n := range ns {
		ops[i] = realOp(n)
	}
	return ops
}

// sizeCase is one call with adversarial sizes. want lists substrings of
// the expected panic message (after "kernels.<kernel>:"); nil means the
// sizes are valid and the call must instead leave the operands as expect
// says (nil expect: unchanged).
type sizeCase struct {
	kernel string
	ops    []operand
	want   []string
	run    func(ops [][]float32)
	expect func(ops [][]float32)
}

const maxInt = math.MaxInt

// matMulSizeCases are MatMul's and MatMulAdd's calls whose leading
// dimensions or sizes overflow (rows−1)·ld + cols, are negative, or are
// extreme but valid.
func matMulSizeCases() []sizeCase {
	type mm struct {
		ta, tb           bool
		m, n, k          int
		la, lda, lb, ldb int
		lc, ldc          int
		want             []string
		zeroC            bool // valid with k = 0: C becomes zero (or += 0)
	}
	overflow := "more than an int can count"
	calls := []mm{
		// The audit's example: 2·MaxInt + 16 wraps to 14 = len(c).
		{m: 3, n: 16, k: 1, la: 3, lda: 1, lb: 16, ldb: 16, lc: 14, ldc: maxInt, want: []string{"3×16 c with ldc = 9223372036854775807", overflow}},
		// 2·MaxInt + 1 wraps to −1 ≤ len(a).
		{m: 3, n: 4, k: 1, la: 3, lda: maxInt, lb: 4, ldb: 4, lc: 12, ldc: 4, want: []string{"3×1 a with lda = 9223372036854775807", overflow}},
		// transA: A is 3×2 with lda = MaxInt: 2·MaxInt + 2 wraps to 0.
		{ta: true, m: 2, n: 4, k: 3, la: 0, lda: maxInt, lb: 12, ldb: 4, lc: 8, ldc: 4, want: []string{"3×2 a", overflow}},
		// B: 2·(2⁶²) + 16 wraps to −2⁶³ + 16.
		{m: 1, n: 16, k: 3, la: 3, lda: 3, lb: 16, ldb: 1 << 62, lc: 16, ldc: 16, want: []string{"3×16 b with ldb = 4611686018427387904", overflow}},
		// transB: B is n×k = 16×1 with ldb = 2⁶⁰: 15·2⁶⁰ + 1 wraps.
		{tb: true, m: 1, n: 16, k: 1, la: 1, lda: 1, lb: 16, ldb: 1 << 60, lc: 16, ldc: 16, want: []string{"16×1 b", overflow}},
		// A huge m with k = 0: C's 2⁶⁰ rows of 16 wrap to 0 elements.
		{m: 1 << 60, n: 16, k: 0, la: 0, lda: 1, lb: 0, ldb: 16, lc: 0, ldc: 16, want: []string{"1152921504606846976×16 c", overflow}},
		// Representable but far longer than the slice.
		{m: 1 << 40, n: 1, k: 1, la: 16, lda: 1, lb: 1, ldb: 1, lc: 16, ldc: 1, want: []string{"len(a) = 16", "want ≥ 1099511627776"}},
		// Negative sizes and leading dimensions.
		{m: -1, n: 4, k: 4, la: 16, lda: 4, lb: 16, ldb: 4, lc: 16, ldc: 4, want: []string{"m = -1"}},
		{m: 4, n: math.MinInt, k: 4, la: 16, lda: 4, lb: 16, ldb: 4, lc: 16, ldc: 4, want: []string{"n = -9223372036854775808"}},
		{m: 4, n: 4, k: -maxInt, la: 16, lda: 4, lb: 16, ldb: 4, lc: 16, ldc: 4, want: []string{"k = -9223372036854775807"}},
		{m: 4, n: 4, k: 4, la: 16, lda: -4, lb: 16, ldb: 4, lc: 16, ldc: 4, want: []string{"lda = -4"}},
		{m: 4, n: 4, k: 4, la: 16, lda: 4, lb: 16, ldb: math.MinInt, lc: 16, ldc: 4, want: []string{"ldb = -9223372036854775808"}},
		{m: 4, n: 4, k: 4, la: 16, lda: 4, lb: 16, ldb: 4, lc: 16, ldc: 0, want: []string{"ldc = 0"}},
		// Valid extremes: empty products with huge leading dimensions touch
		// nothing; k = 0 sets C to zero however large lda and ldb are.
		{m: 0, n: 5, k: 7, la: 0, lda: maxInt, lb: 35, ldb: 5, lc: 0, ldc: maxInt},
		{m: 5, n: 0, k: 7, la: 35, lda: 7, lb: 0, ldb: maxInt, lc: 0, ldc: maxInt},
		{m: maxInt, n: 0, k: 0, la: 0, lda: maxInt, lb: 0, ldb: maxInt, lc: 0, ldc: maxInt},
		{m: 2, n: 3, k: 0, la: 0, lda: maxInt, lb: 0, ldb: maxInt, lc: 3 + 5, ldc: 5, zeroC: true},
	}
	var cases []sizeCase
	for _, kernel := range []string{"MatMul", "MatMulAdd"} {
		for _, c := range calls {
			f := kernels.MatMul
			if kernel == "MatMulAdd" {
				f = kernels.MatMulAdd
			}
			sc := sizeCase{
				kernel: kernel, ops: realOps(c.la, c.lb, c.lc), want: c.want,
				run: func(o [][]float32) { f(c.ta, c.tb, c.m, c.n, c.k, o[0], c.lda, o[1], c.ldb, o[2], c.ldc) },
			}
			if c.zeroC {
				sc.expect = func(o [][]float32) {
					for i := 0; i < c.m; i++ {
						for j := 0; j < c.n; j++ {
							o[2][i*c.ldc+j] += 0
							if kernel == "MatMul" {
								o[2][i*c.ldc+j] = 0
							}
						}
					}
				}
			}
			cases = append(cases, sc)
		}
	}
	return cases
}

// packedSizeCases are PackedMatrix.Pack's and MatMulPacked(Add)'s calls with
// adversarial sizes; packed is a valid 2×16 packed matrix.
func packedSizeCases(packed *kernels.PackedMatrix) []sizeCase {
	overflow := "more than an int can count"
	pack := func(transB bool, k, n, ldb int) func(o [][]float32) {
		return func(o [][]float32) {
			var p kernels.PackedMatrix
			p.Pack(transB, k, n, o[0], ldb)
		}
	}
	cases := []sizeCase{
		// The audit's hang: a 2⁴⁰×2⁴⁰ B with ldb = 2⁴⁰ "fits" in 16 floats.
		{kernel: "PackedMatrix.Pack", ops: realOps(16), want: []string{"1099511627776×1099511627776 b", overflow}, run: pack(false, 1<<40, 1<<40, 1<<40)},
		{kernel: "PackedMatrix.Pack", ops: realOps(16), want: []string{"16×1 b", overflow}, run: pack(true, 1, 16, maxInt)},
		{kernel: "PackedMatrix.Pack", ops: realOps(16), want: []string{"len(b) = 16", "want ≥ 17"}, run: pack(false, 2, 8, 9)},
		{kernel: "PackedMatrix.Pack", ops: realOps(16), want: []string{"k = -1"}, run: pack(false, -1, 4, 4)},
		{kernel: "PackedMatrix.Pack", ops: realOps(16), want: []string{"n = -9223372036854775808"}, run: pack(true, 4, math.MinInt, 4)},
		{kernel: "PackedMatrix.Pack", ops: realOps(16), want: []string{"ldb = -3"}, run: pack(false, 4, 4, -3)},
		{kernel: "PackedMatrix.Pack", ops: realOps(0), run: pack(false, maxInt, 0, 1)},
		// Valid and empty, but once a loop over 2⁶⁰/NC empty blocks (found
		// by FuzzMatMulSizes).
		{kernel: "PackedMatrix.Pack", ops: realOps(16), run: pack(true, 0, 1<<60, 1)},
	}
	for _, kernel := range []string{"MatMulPacked", "MatMulPackedAdd"} {
		f := kernels.MatMulPacked
		if kernel == "MatMulPackedAdd" {
			f = kernels.MatMulPackedAdd
		}
		call := func(transA bool, m, lda, ldc int) func(o [][]float32) {
			return func(o [][]float32) { f(transA, m, o[0], lda, packed, o[1], ldc) }
		}
		cases = append(cases,
			// C: 2·MaxInt + 16 wraps to 14.
			sizeCase{kernel: kernel, ops: realOps(6, 14), want: []string{"3×16 c", overflow}, run: call(false, 3, 2, maxInt)},
			// transA: A is 2×2⁶⁰ with lda = MaxInt, C 2⁶⁰×16 wraps to 0.
			sizeCase{kernel: kernel, ops: realOps(0, 0), want: []string{"2×1152921504606846976 a", overflow}, run: call(true, 1<<60, maxInt, 16)},
			sizeCase{kernel: kernel, ops: realOps(6, 48), want: []string{"m = -3"}, run: call(false, -3, 2, 16)},
			sizeCase{kernel: kernel, ops: realOps(6, 48), want: []string{"lda = 1"}, run: call(false, 3, 1, 16)},
			sizeCase{kernel: kernel, ops: realOps(0, 0), run: call(false, 0, maxInt, maxInt)},
		)
	}
	cases = append(cases, sizeCase{kernel: "MatMulPacked", ops: realOps(6, 48), want: []string{"b is nil"},
		run: func(o [][]float32) { kernels.MatMulPacked(false, 3, o[0], 2, nil, o[1], 16) }})
	return cases
}

// productSizeCases are the kernels whose operand lengths must multiply to
// another's: with phantom operands of 2³¹ … 2³³ floats, the unchecked
// products wrap to 0 = len(w).
func productSizeCases() []sizeCase {
	const g31, g32 = 1 << 31, 1 << 32
	overflow := "more than an int can count"
	return []sizeCase{
		{kernel: "MatVec", ops: []operand{ghostOp(g32), realOp(0), ghostOp(g32)}, want: []string{"4294967296 × 4294967296", overflow},
			run: func(o [][]float32) { kernels.MatVec(o[0], o[1], o[2]) }},
		{kernel: "MatVecAdd", ops: []operand{ghostOp(g32), realOp(0), ghostOp(g32)}, want: []string{overflow},
			run: func(o [][]float32) { kernels.MatVecAdd(o[0], o[1], o[2]) }},
		{kernel: "MatVecBatch", ops: []operand{ghostOp(2 * g32), realOp(0), ghostOp(2 * g32)}, want: []string{overflow},
			run: func(o [][]float32) { kernels.MatVecBatch(o[0], o[1], o[2], 2) }},
		{kernel: "MatVecBatchAdd", ops: []operand{ghostOp(2 * g32), realOp(0), ghostOp(2 * g32)}, want: []string{overflow},
			run: func(o [][]float32) { kernels.MatVecBatchAdd(o[0], o[1], o[2], 2) }},
		{kernel: "MatVecBatch", ops: realOps(8, 16, 8), want: []string{"batch = -9223372036854775808"},
			run: func(o [][]float32) { kernels.MatVecBatch(o[0], o[1], o[2], math.MinInt) }},
		{kernel: "MatVecBatch", ops: realOps(8, 16, 8), want: []string{"batch = 9223372036854775807"},
			run: func(o [][]float32) { kernels.MatVecBatch(o[0], o[1], o[2], maxInt) }},
		{kernel: "MatTVecAdd", ops: []operand{ghostOp(g32), realOp(0), ghostOp(g32)}, want: []string{overflow},
			run: func(o [][]float32) { kernels.MatTVecAdd(o[0], o[1], o[2]) }},
		{kernel: "Rank1Add", ops: []operand{realOp(0), ghostOp(g32), ghostOp(g32)}, want: []string{overflow},
			run: func(o [][]float32) { kernels.Rank1Add(o[0], o[1], o[2]) }},
		// 4·2³¹·2³¹ = 2⁶⁴ wraps to 0 = len(w).
		{kernel: "LSTMStep", ops: []operand{ghostOp(g31), ghostOp(g31), realOp(0), ghostOp(g31), ghostOp(4 * g31)}, want: []string{"len(w) = 0"},
			run: func(o [][]float32) { kernels.LSTMStep(o[0], o[1], o[2], o[3], o[4]) }},
		// 3·2³²·2³² wraps to 0 = len(wIH) = len(wHH).
		{kernel: "GRUStep", ops: []operand{ghostOp(g32), realOp(0), realOp(0), ghostOp(g32), ghostOp(g32), ghostOp(3 * g32), ghostOp(3 * g32)}, want: []string{"len(wHH) = 0"},
			run: func(o [][]float32) { kernels.GRUStep(o[0], o[1], o[2], o[3], o[4], o[5], o[6]) }},
		{kernel: "LSTMForwardBatch", ops: []operand{ghostOp(8), ghostOp(8), realOp(32), realOp(0)}, want: []string{"batch = -1"},
			run: func(o [][]float32) { kernels.LSTMForwardBatch(o[0], o[1], o[2], o[3], -1) }},
	}
}

// TestAdversarialSizes calls every exported kernel that takes sizes or
// multiplies lengths with sizes that are negative, zero, MaxInt, or whose
// products wrap around to a small number, at every level. Each call must
// panic with the kernel's named message before touching memory (or, where
// the sizes are valid, do exactly what the reference says), with every
// real operand placed three ways: between sentinels, ending at a PROT_NONE
// page and starting right after one. Phantom operands are slices of absurd
// lengths in PROT_NONE memory: touching one faults and kills the test.
func TestAdversarialSizes(t *testing.T) {
	var packed kernels.PackedMatrix
	packed.Pack(false, 2, 16, make([]float32, 32), 16)
	cases := slices.Concat(matMulSizeCases(), packedSizeCases(&packed), productSizeCases())

	const pad = 16
	tails, heads := guardRegions(t, 7, 64+pad)
	ghosts := map[int][]float32{}
	for _, c := range cases {
		for _, op := range c.ops {
			if op.phantom > 0 && ghosts[op.phantom] == nil {
				s, region, err := guard.Phantom(op.phantom)
				require.NoError(t, err)
				t.Cleanup(func() { region.Free() })
				ghosts[op.phantom] = s
			}
		}
	}
	sentinel := math.Float32frombits(0x7fa5a5a5) // a NaN no kernel produces

	kerneltest.ForEachLevel(t, func(t *testing.T) {
		r := kerneltest.Rand(13)
		for ci, c := range cases {
			for _, placement := range []string{"sentinels", "tail", "head"} {
				t.Run(fmt.Sprintf("%s/%d/%s", c.kernel, ci, placement), func(t *testing.T) {
					ops := make([][]float32, len(c.ops))
					bufs := make([][]float32, len(c.ops)) // operand plus sentinels
					for i, op := range c.ops {
						if op.phantom > 0 {
							ops[i] = ghosts[op.phantom]
							continue
						}
						var buf []float32
						switch placement {
						case "sentinels":
							buf = make([]float32, pad+op.n+pad)
							ops[i] = buf[pad : pad+op.n]
						case "tail":
							buf = tails[i].Floats(pad + op.n)
							ops[i] = buf[pad:]
						case "head":
							buf = heads[i].Floats(op.n + pad)
							ops[i] = buf[:op.n]
						}
						for k := range buf {
							buf[k] = sentinel
						}
						kerneltest.Fill(r, ops[i])
						bufs[i] = buf
					}
					before := make([][]float32, len(bufs))
					for i, b := range bufs {
						before[i] = slices.Clone(b)
					}
					var message any
					panicked := true
					func() {
						defer func() { message = recover() }()
						c.run(ops)
						panicked = false
					}()
					if c.want != nil {
						require.True(t, panicked, "the call did not panic")
						text := fmt.Sprint(message)
						require.Contains(t, text, "kernels."+c.kernel+":")
						for _, w := range c.want {
							require.Contains(t, text, w)
						}
					} else {
						require.False(t, panicked, "valid sizes panicked: %v", message)
					}
					want := before
					if c.want == nil && c.expect != nil {
						// expect works on the operands inside the buffers.
						views := make([][]float32, len(c.ops))
						for i, op := range c.ops {
							if op.phantom > 0 {
								continue
							}
							start := 0
							if placement != "head" {
								start = pad
							}
							views[i] = want[i][start : start+op.n]
						}
						c.expect(views)
					}
					for i := range bufs {
						for k := range bufs[i] {
							require.Equal(t, math.Float32bits(want[i][k]), math.Float32bits(bufs[i][k]),
								"operand %d changed at %d of its buffer", i, k)
						}
					}
				})
			}
		}
	})
}
