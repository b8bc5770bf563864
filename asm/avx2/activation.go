package main

// activationKernels emits the activation and fused pointwise kernels.
func activationKernels() {}
