//go:build (!amd64 && !arm64) || purego

package level

// detect returns no assembly levels: this architecture or the purego build
// uses the generic kernels only.
func detect() []Level { return nil }
