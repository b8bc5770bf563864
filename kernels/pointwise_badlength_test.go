package kernels_test

import (
	"testing"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// TestPointwiseBadLengths checks that mismatched lengths panic with a
// message naming the kernel and the sizes, before any operand is written.
func TestPointwiseBadLengths(t *testing.T) {
	type call struct {
		kernel string
		sizes  []int
		want   []string
		run    func(o [][]float32)
	}
	calls := []call{
		{"Sigmoid", []int{3, 4}, []string{"len(dst) = 3", "len(x) = 4"}, func(o [][]float32) { kernels.Sigmoid(o[0], o[1]) }},
		{"Tanh", []int{5, 4}, []string{"len(dst) = 5", "len(x) = 4"}, func(o [][]float32) { kernels.Tanh(o[0], o[1]) }},
		{"RNNTanhForward", []int{5, 4}, []string{"len(h) = 5", "len(pre) = 4"}, func(o [][]float32) { kernels.RNNTanhForward(o[0], o[1]) }},
		{"RNNReLUForward", []int{3, 4}, []string{"len(h) = 3", "len(pre) = 4"}, func(o [][]float32) { kernels.RNNReLUForward(o[0], o[1]) }},
		{"RNNTanhBackward", []int{4, 4, 5}, []string{"len(dh) = 5"}, func(o [][]float32) { kernels.RNNTanhBackward(o[0], o[1], o[2]) }},
		{"RNNReLUBackward", []int{3, 4, 4}, []string{"len(dpre) = 3"}, func(o [][]float32) { kernels.RNNReLUBackward(o[0], o[1], o[2]) }},
		{"LSTMForwardBatch", []int{6, 6, 23, 0}, []string{"len(gates) = 23", "4 × len(c) = 24", "batch = 1", "hidden = 6"},
			func(o [][]float32) { kernels.LSTMForwardBatch(o[0], o[1], o[2], o[3], 1) }},
		{"LSTMForwardBatch", []int{6, 6, 24, 12}, []string{"len(cache) = 12", "0 or 4 × len(c) = 24"},
			func(o [][]float32) { kernels.LSTMForwardBatch(o[0], o[1], o[2], o[3], 2) }},
		{"LSTMForwardBatch", []int{6, 7, 24, 0}, []string{"len(c) = 7", "multiple of batch = 2"},
			func(o [][]float32) { kernels.LSTMForwardBatch(o[0], o[1], o[2], o[3], 2) }},
		{"LSTMForwardBatch", []int{6, 6, 24, 0}, []string{"batch = 0"},
			func(o [][]float32) { kernels.LSTMForwardBatch(o[0], o[1], o[2], o[3], 0) }},
		{"LSTMBackwardBatch", []int{24, 6, 24, 6, 6, 5, 6}, []string{"len(dh) = 5", "len(c) = 6"},
			func(o [][]float32) { kernels.LSTMBackwardBatch(o[0], o[1], o[2], o[3], o[4], o[5], o[6], 1) }},
		{"LSTMBackwardBatch", []int{24, 6, 20, 6, 6, 6, 6}, []string{"len(cache) = 20", "4 × len(c) = 24", "batch = 3", "hidden = 2"},
			func(o [][]float32) { kernels.LSTMBackwardBatch(o[0], o[1], o[2], o[3], o[4], o[5], o[6], 3) }},
		{"GRUForwardBatch", []int{4, 4, 12, 11, 0}, []string{"len(hiddenGates) = 11", "3 × len(h) = 12"},
			func(o [][]float32) { kernels.GRUForwardBatch(o[0], o[1], o[2], o[3], o[4], 1) }},
		{"GRUForwardBatch", []int{4, 4, 12, 12, 12}, []string{"len(cache) = 12", "0 or 4 × len(h) = 16"},
			func(o [][]float32) { kernels.GRUForwardBatch(o[0], o[1], o[2], o[3], o[4], 2) }},
		{"GRUBackwardBatch", []int{12, 12, 4, 16, 4, 3}, []string{"len(dh) = 3"},
			func(o [][]float32) { kernels.GRUBackwardBatch(o[0], o[1], o[2], o[3], o[4], o[5], 1) }},
		{"GRUResetBeforeGatesBatch", []int{4, 12, 12, 12, 4}, []string{"len(hiddenGates) = 12", "2 × len(h) = 8"},
			func(o [][]float32) { kernels.GRUResetBeforeGatesBatch(o[0], o[1], o[2], o[3], o[4], 1) }},
		{"GRUResetBeforeOutputBatch", []int{4, 12, 4, 12, 5}, []string{"len(hn) = 5"},
			func(o [][]float32) { kernels.GRUResetBeforeOutputBatch(o[0], o[1], o[2], o[3], o[4], 1) }},
		{"GRUResetBeforeBackwardOutputBatch", []int{12, 4, 16, 4, 4}, []string{"len(cache) = 16", "3 × len(h) = 12"},
			func(o [][]float32) { kernels.GRUResetBeforeBackwardOutputBatch(o[0], o[1], o[2], o[3], o[4], 1) }},
		{"GRUResetBeforeBackwardGatesBatch", []int{12, 4, 12, 4, 4}, []string{"len(h) = 4", "multiple of batch = 3"},
			func(o [][]float32) { kernels.GRUResetBeforeBackwardGatesBatch(o[0], o[1], o[2], o[3], o[4], 3) }},
	}
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		for _, c := range calls {
			t.Run(c.kernel, func(t *testing.T) {
				requireBadLengthPanic(t, 15, c.kernel, c.sizes, c.want, c.run)
			})
		}
	})
}
