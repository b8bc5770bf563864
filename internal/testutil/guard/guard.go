//go:build linux

// Package guard places float32 slices against PROT_NONE pages, so that a
// kernel reading or writing one element past either end of a slice faults
// instead of passing unnoticed.
package guard

import (
	"fmt"
	"os"
	"runtime/debug"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Region is memory with an inaccessible page on one side of its data.
type Region struct {
	mapping []byte // whole mapping, unmapped by Free
	data    []byte // the accessible bytes
	atEnd   bool   // guard page after data (else before)
}

// NewTail returns a region whose data of at least maxFloats float32s ends
// exactly where a PROT_NONE page begins.
func NewTail(maxFloats int) (*Region, error) { return newRegion(maxFloats, true) }

// NewHead returns a region whose data starts exactly where a PROT_NONE page
// ends.
func NewHead(maxFloats int) (*Region, error) { return newRegion(maxFloats, false) }

func newRegion(maxFloats int, atEnd bool) (*Region, error) {
	page := os.Getpagesize()
	dataPages := (4*maxFloats + page - 1) / page
	if dataPages == 0 {
		dataPages = 1
	}
	mapping, err := unix.Mmap(-1, 0, (dataPages+1)*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("guard: mmap: %w", err)
	}
	guardPage, data := mapping[dataPages*page:], mapping[:dataPages*page]
	if !atEnd {
		guardPage, data = mapping[:page], mapping[page:]
	}
	if err := unix.Mprotect(guardPage, unix.PROT_NONE); err != nil {
		unix.Munmap(mapping)
		return nil, fmt.Errorf("guard: mprotect: %w", err)
	}
	return &Region{mapping: mapping, data: data, atEnd: atEnd}, nil
}

// Floats returns n float32s against the guard page: the last n of the data
// for a tail region, the first n for a head region. The contents are
// whatever the region held before.
func (r *Region) Floats(n int) []float32 {
	if 4*n > len(r.data) {
		panic(fmt.Sprintf("guard: %d floats do not fit in %d bytes", n, len(r.data)))
	}
	start := unsafe.Pointer(unsafe.SliceData(r.data))
	if r.atEnd {
		start = unsafe.Add(start, len(r.data)-4*n)
	}
	return unsafe.Slice((*float32)(start), n)
}

// Elems is Floats for any element type: n values of T against the guard
// page (the last n·size bytes of a tail region, the first of a head region).
func Elems[T any](r *Region, n int) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if n*size > len(r.data) {
		panic(fmt.Sprintf("guard: %d elements of %d bytes do not fit in %d bytes", n, size, len(r.data)))
	}
	start := unsafe.Pointer(unsafe.SliceData(r.data))
	if r.atEnd {
		start = unsafe.Add(start, len(r.data)-n*size)
	}
	return unsafe.Slice((*T)(start), n)
}

// Regions returns count regions ending at a PROT_NONE page and count
// starting right after one, each with room for capacity float32s, freed
// when the test ends.
func Regions(t testing.TB, count, capacity int) (tails, heads []*Region) {
	t.Helper()
	for range count {
		tail, err := NewTail(capacity)
		if err != nil {
			t.Fatal(err)
		}
		head, err := NewHead(capacity)
		if err != nil {
			tail.Free()
			t.Fatal(err)
		}
		t.Cleanup(func() { tail.Free(); head.Free() })
		tails, heads = append(tails, tail), append(heads, head)
	}
	return tails, heads
}

// Free unmaps the region; slices from it must not be used afterwards.
func (r *Region) Free() error { return unix.Munmap(r.mapping) }

// Phantom returns a slice of n float32s (any n ≥ 0 that the address space
// allows, far beyond the machine's memory) whose elements all lie in
// PROT_NONE memory: reading or writing any of the first pages faults. It
// stands for an operand of an absurd length in size-check tests, which must
// reject the call before touching it. Free the region when done.
func Phantom(n int) ([]float32, *Region, error) {
	page := os.Getpagesize()
	mapping, err := unix.Mmap(-1, 0, 16*page, unix.PROT_NONE, unix.MAP_ANON|unix.MAP_PRIVATE|unix.MAP_NORESERVE)
	if err != nil {
		return nil, nil, fmt.Errorf("guard: mmap: %w", err)
	}
	r := &Region{mapping: mapping}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(mapping))), n), r, nil
}

// PhantomFloats is Phantom for a test: the region is freed when the test
// ends, and for the test's goroutine a fault becomes a panic
// (debug.SetPanicOnFault), so require.NotPanics reports a touch instead of
// the process dying.
func PhantomFloats(t testing.TB, n int) []float32 {
	t.Helper()
	s, region, err := Phantom(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { region.Free() })
	old := debug.SetPanicOnFault(true)
	t.Cleanup(func() { debug.SetPanicOnFault(old) })
	return s
}
