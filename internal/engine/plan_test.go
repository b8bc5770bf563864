package engine

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPlan: samples by decreasing length, ties in batch order, the running
// samples a prefix at every step, and a reused plan that allocates nothing.
func TestPlan(t *testing.T) {
	var p Plan
	p.Make([]int{2, 4, 0, 4, 1, 2}, 4, 6)
	require.True(t, p.Ragged)
	require.Equal(t, []int{1, 3, 0, 5, 4, 2}, p.Order)
	require.Equal(t, []int{2, 4, 0, 4, 1, 2}, p.Lens)
	require.Equal(t, []int{5, 4, 2, 2}, p.Active)

	p.Make(nil, 3, 2)
	require.False(t, p.Ragged)
	require.Equal(t, []int{0, 1}, p.Order)
	require.Equal(t, []int{3, 3}, p.Lens)
	require.Equal(t, []int{2, 2, 2}, p.Active)

	p.Make([]int{3, 3}, 3, 2) // every sample full length: not ragged
	require.False(t, p.Ragged)

	lengths := []int{1, 3, 2, 3, 0, 1}
	require.Zero(t, testing.AllocsPerRun(10, func() { p.Make(lengths, 3, 6) }))
	require.Equal(t, []int{1, 3, 2, 0, 5, 4}, p.Order)
}

// TestInputBias: b_ih + b_hh outside the GRUs, b_ih alone for them, zeros
// without biases.
func TestInputBias(t *testing.T) {
	bih, bhh := []float32{1, 2}, []float32{10, 20}
	dst := make([]float32, 2)
	for _, m := range []Mode{LSTM, RNNTanh, RNNReLU} {
		InputBias(dst, m, bih, bhh)
		require.Equal(t, []float32{11, 22}, dst, m)
	}
	for _, m := range []Mode{GRU, GRUResetBefore} {
		InputBias(dst, m, bih, bhh)
		require.Equal(t, []float32{1, 2}, dst, m)
	}
	InputBias(dst, LSTM, nil, nil)
	require.Equal(t, []float32{0, 0}, dst)
	require.Equal(t, []int{4, 3, 3, 1, 1}, []int{LSTM.Gates(), GRU.Gates(), GRUResetBefore.Gates(), RNNTanh.Gates(), RNNReLU.Gates()})
}
