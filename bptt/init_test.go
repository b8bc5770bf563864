package bptt_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/bptt"
)

// TestInitUniform checks the range, the first two moments of U(−b, b), that
// the seed decides the values and that Grad is untouched.
func TestInitUniform(t *testing.T) {
	const bound = 0.125
	a := &bptt.Param{Name: "a", Data: make([]float32, 60000), Grad: make([]float32, 60000)}
	b := &bptt.Param{Name: "b", Data: make([]float32, 40000)}
	bptt.InitUniform([]*bptt.Param{a, b}, bound, 7)
	sum, sumSq := 0.0, 0.0
	for _, p := range []*bptt.Param{a, b} {
		for _, v := range p.Data {
			require.True(t, v >= -bound && v < bound, "%v outside [−b, b)", v)
			sum += float64(v)
			sumSq += float64(v) * float64(v)
		}
	}
	const n = 100000
	require.InDelta(t, 0, sum/n, 4*bound/300)          // 4σ of the mean, σ = b/√(3n)
	require.InEpsilon(t, bound*bound/3, sumSq/n, 0.01) // variance b²/3
	require.Equal(t, make([]float32, 60000), a.Grad)
	again := &bptt.Param{Data: make([]float32, 60000)}
	bptt.InitUniform([]*bptt.Param{again}, bound, 7)
	require.Equal(t, a.Data, again.Data)
	bptt.InitUniform([]*bptt.Param{again}, bound, 8)
	require.NotEqual(t, a.Data, again.Data)

	bptt.InitUniform([]*bptt.Param{again}, 0, 8)
	require.Equal(t, make([]float32, 60000), again.Data)
	require.PanicsWithValue(t, "bptt.InitUniform: bound = -1; want bound ≥ 0", func() { bptt.InitUniform(nil, -1, 0) })
}
