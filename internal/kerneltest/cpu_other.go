//go:build !amd64

package kerneltest

func cpuHasUnimplemented() string { return "" }
