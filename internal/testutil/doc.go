// Package testutil is the root of simdrnn's test support: kerneltest (the
// per-level test drivers and specs), ref (the float64 reference of every
// kernel and cell), guard (PROT_NONE pages around operands) and torchcase
// (the PyTorch reference cases). Only tests, benchmarks, fuzz targets and
// internal/tools import them; the library's own code lives in kernels,
// cells, bptt and the production packages of internal (level, seq, shape).
package testutil
