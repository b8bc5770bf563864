//go:build !amd64 || purego

package kernels

import "github.com/simdrnn/simdrnn/internal/level"

// lstmStepWhole and gruStepWhole: no fused step kernel at these levels;
// LSTMStep and GRUStep run block by block.
func lstmStepWhole(_ level.Level, _, _, _, _, _ []float32, _, _ int) int      { return 0 }
func gruStepWhole(_ level.Level, _, _, _, _, _, _, _ []float32, _, _ int) int { return 0 }
