package fuzz

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/simdrnn/simdrnn/internal/npy"
)

// FuzzNpyRead feeds arbitrary bytes to the .npy reader (seeded with the
// files NumPy wrote in internal/npy/testdata): it must return an array or
// an error, never panic, and an array it reads (float32 or int64) must
// write and read back to the same shape and bits.
func FuzzNpyRead(f *testing.F) {
	files, _ := filepath.Glob("../internal/npy/testdata/*.npy")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := npy.Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		if a.I64 != nil {
			var buf bytes.Buffer
			if err := npy.WriteI64(&buf, a.Shape, a.I64); err != nil {
				t.Fatalf("writing what was read: %v", err)
			}
			b, err := npy.Read(&buf)
			if err != nil {
				t.Fatalf("reading what was written: %v", err)
			}
			if !slices.Equal(b.Shape, a.Shape) || !slices.Equal(b.I64, a.I64) {
				t.Fatalf("shape %v → %v, or the ids changed", a.Shape, b.Shape)
			}
			return
		}
		var buf bytes.Buffer
		if err := npy.WriteF32(&buf, a.Shape, a.F32); err != nil {
			t.Fatalf("writing what was read: %v", err)
		}
		b, err := npy.Read(&buf)
		if err != nil {
			t.Fatalf("reading what was written: %v", err)
		}
		if len(b.Shape) != len(a.Shape) || len(b.F32) != len(a.F32) {
			t.Fatalf("shape %v → %v", a.Shape, b.Shape)
		}
		for i := range a.F32 {
			if math.Float32bits(a.F32[i]) != math.Float32bits(b.F32[i]) {
				t.Fatalf("element %d: %v → %v", i, a.F32[i], b.F32[i])
			}
		}
	})
}
