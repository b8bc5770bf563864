//go:build !linux

package shape

// systemMemory is not known here: the address-space limit applies.
func systemMemory() (uint64, bool) { return 0, false }
