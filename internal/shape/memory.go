package shape

import (
	"sync"
	"sync/atomic"
)

// maxAddressBytes caps the limit below the runtime's own (2⁴⁸ bytes of
// address space on amd64 and arm64). On 32-bit platforms Mul already
// refuses anything an int cannot index.
const maxAddressBytes uint64 = 1 << 47

var (
	limitOnce  sync.Once
	limitBytes atomic.Uint64
)

// MemoryLimit returns the largest number of bytes a single model, state or
// buffer built from caller sizes may take: the machine's RAM plus swap
// where the system reports them (Linux), capped at 2⁴⁷. A request above it
// is refused with an error instead of letting the runtime die with a fatal
// "out of memory", which recover cannot catch.
func MemoryLimit() uint64 {
	limitOnce.Do(func() {
		limit := maxAddressBytes
		if m, ok := systemMemory(); ok && m > 0 && m < limit {
			limit = m
		}
		limitBytes.Store(limit)
	})
	return limitBytes.Load()
}

// Fits reports whether n elements of elemBytes bytes each (n, elemBytes ≥ 0)
// fit in MemoryLimit.
func Fits(n, elemBytes int) bool {
	b, ok := Mul(n, elemBytes)
	return ok && uint64(b) <= MemoryLimit()
}

// SetMemoryLimit makes MemoryLimit return n until restore is called, so
// that tests can reach the refusals of sizes near the machine's memory
// with small models. It is for tests only.
func SetMemoryLimit(n uint64) (restore func()) {
	old := MemoryLimit()
	limitBytes.Store(n)
	return func() { limitBytes.Store(old) }
}
