package kernels_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// TestBadLengths checks that mismatched lengths panic with a message naming
// the kernel and the sizes, and that no operand was written first.
func TestBadLengths(t *testing.T) {
	type call struct {
		kernel string
		sizes  []int
		want   []string // substrings of the panic message besides the kernel name
		run    func(ops [][]float32)
	}
	calls := []call{
		{"Dot", []int{3, 4}, []string{"len(x) = 3", "len(y) = 4"}, func(o [][]float32) { kernels.Dot(o[0], o[1]) }},
		{"Axpy", []int{5, 4}, []string{"len(x) = 5", "len(y) = 4"}, func(o [][]float32) { kernels.Axpy(2, o[0], o[1]) }},
		{"MatVec", []int{4, 11, 3}, []string{"len(w) = 11", "4 × 3 = 12"}, func(o [][]float32) { kernels.MatVec(o[0], o[1], o[2]) }},
		{"MatVecAdd", []int{4, 13, 3}, []string{"len(w) = 13", "4 × 3 = 12"}, func(o [][]float32) { kernels.MatVecAdd(o[0], o[1], o[2]) }},
		{"MatVecBatch", []int{8, 12, 7}, []string{"len(x) = 7", "len(y) = 8", "batch = 2"}, func(o [][]float32) { kernels.MatVecBatch(o[0], o[1], o[2], 2) }},
		{"MatVecBatch", []int{8, 12, 6}, []string{"batch = 0"}, func(o [][]float32) { kernels.MatVecBatch(o[0], o[1], o[2], 0) }},
		{"MatVecBatchAdd", []int{8, 13, 6}, []string{"len(w) = 13", "4 × 3 = 12"}, func(o [][]float32) { kernels.MatVecBatchAdd(o[0], o[1], o[2], 2) }},
		{"MatTVecAdd", []int{3, 11, 4}, []string{"len(w) = 11", "4 × 3 = 12"}, func(o [][]float32) { kernels.MatTVecAdd(o[0], o[1], o[2]) }},
		{"Rank1Add", []int{11, 4, 3}, []string{"len(w) = 11", "4 × 3 = 12"}, func(o [][]float32) { kernels.Rank1Add(o[0], o[1], o[2]) }},
	}
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, c := range calls {
			t.Run(c.kernel, func(t *testing.T) {
				requireBadLengthPanic(t, 4, c.kernel, c.sizes, c.want, c.run)
			})
		}
	})
}

// requireBadLengthPanic fills operands of the given sizes (seeded), runs
// call on them and requires a panic whose message starts with
// "kernels.<kernel>:" and contains each of want, with every operand as it
// was: the kernel checked the shapes before it touched memory.
func requireBadLengthPanic(t *testing.T, seed uint64, kernel string, sizes []int, want []string, call func(ops [][]float32)) {
	t.Helper()
	r := kerneltest.Rand(seed)
	ops := make([][]float32, len(sizes))
	before := make([][]float32, len(sizes))
	for i, n := range sizes {
		ops[i] = make([]float32, n)
		kerneltest.Fill(r, ops[i])
		before[i] = append([]float32(nil), ops[i]...)
	}
	var message string
	func() {
		defer func() { message = fmt.Sprint(recover()) }()
		call(ops)
	}()
	require.Contains(t, message, "kernels."+kernel+":")
	for _, w := range want {
		require.Contains(t, message, w)
	}
	for i := range ops {
		for k := range ops[i] {
			require.Equal(t, math.Float32bits(before[i][k]), math.Float32bits(ops[i][k]), "operand %d changed at %d before the panic", i, k)
		}
	}
}
