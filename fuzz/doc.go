// Package fuzz holds the fuzz targets of simdrnn's kernels: each turns the
// fuzz input into shapes, start offsets and float32 data, runs the kernel at
// every level this CPU has, and checks each result against the float64
// reference under the bound the kernel's doc comment states. The seed
// corpora run with every `go test`; `make fuzz` fuzzes each target for a
// bounded number of executions.
package fuzz
