//go:build (!amd64 && !arm64) || purego

package kerneltest

// cpuHasUnimplemented reports nothing: this architecture or the purego
// build runs the generic level only.
func cpuHasUnimplemented() string { return "" }
