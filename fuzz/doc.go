// Package fuzz holds simdrnn's fuzz targets. Each kernel's target turns the
// fuzz input into shapes, start offsets and float32 data, runs the kernel at
// every level this CPU has, and checks each result against the float64
// reference under the bound the kernel's doc comment states;
// FuzzSafetensorsRead feeds arbitrary bytes to the safetensors reader, which
// must return an error or tensors that survive a write and read back, with
// the names and metadata encoding/json finds, and FuzzReadSafetensors to
// cells.ReadSafetensors, whose model must hold what the reader finds. The seed
// corpora run with every `go test`; `make fuzz` fuzzes each target for a
// bounded number of executions.
package fuzz
