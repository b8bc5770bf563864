package bptt

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/shape"
)

// Param is one trainable tensor: its PyTorch name and shape, its values
// (row-major, PyTorch layout) and the gradient that Backward accumulates
// into (as PyTorch's .grad: summed over calls until ZeroGrad).
type Param struct {
	Name  string
	Shape []int
	Data  []float32
	Grad  []float32
}

// newParam returns a zero parameter of the given name and shape, whose
// size the caller has checked.
func newParam(name string, dims ...int) *Param {
	n, ok := shape.Prod(dims...)
	if !ok {
		panic(fmt.Sprintf("bptt: parameter %s of shape %v: the number of values does not fit in an int", name, dims))
	}
	return &Param{Name: name, Shape: dims, Data: make([]float32, n), Grad: make([]float32, n)}
}

// ZeroGrad sets the gradients of params to zero.
func ZeroGrad(params []*Param) {
	for _, p := range params {
		clear(p.Grad)
	}
}
