package main

// gemmKernels emits the register-blocked GEMM micro-kernels.
func gemmKernels() {}
