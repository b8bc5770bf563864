package shape

import "sync"

// maxAddressBytes caps the limit below the runtime's own (2⁴⁸ bytes of
// address space on amd64 and arm64). On 32-bit platforms Mul already
// refuses anything an int cannot index.
const maxAddressBytes uint64 = 1 << 47

var (
	limitOnce  sync.Once
	limitBytes uint64
)

// MemoryLimit returns the largest number of bytes a single model, state or
// buffer built from caller sizes may take: the machine's RAM plus swap
// where the system reports them (Linux), capped at 2⁴⁷. A request above it
// is refused with an error instead of letting the runtime die with a fatal
// "out of memory", which recover cannot catch.
func MemoryLimit() uint64 {
	limitOnce.Do(func() {
		limitBytes = maxAddressBytes
		if m, ok := systemMemory(); ok && m > 0 && m < limitBytes {
			limitBytes = m
		}
	})
	return limitBytes
}

// Fits reports whether n elements of elemBytes bytes each (n, elemBytes ≥ 0)
// fit in MemoryLimit.
func Fits(n, elemBytes int) bool {
	b, ok := Mul(n, elemBytes)
	return ok && uint64(b) <= MemoryLimit()
}
