package bptt

// Param is one trainable tensor: its PyTorch name and shape, its values
// (row-major, PyTorch layout) and the gradient that Backward accumulates
// into (as PyTorch's .grad: summed over calls until ZeroGrad).
type Param struct {
	Name  string
	Shape []int
	Data  []float32
	Grad  []float32
}

// newParam returns a zero parameter of the given name and shape.
func newParam(name string, shape ...int) *Param {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return &Param{Name: name, Shape: shape, Data: make([]float32, n), Grad: make([]float32, n)}
}

// ZeroGrad sets the gradients of params to zero.
func ZeroGrad(params []*Param) {
	for _, p := range params {
		clear(p.Grad)
	}
}
