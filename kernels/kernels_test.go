package kernels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/level"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// widest is the widest vector of any level in float32s (AVX-512: 16); the
// sweeps cover every length up to 3·widest+1.
const widest = 16

var (
	vectorLengths = append(seq(0, 3*widest+1), 64, 100, 257, 1000, 4099)
	matrixRows    = []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 33}
	matrixCols    = append(seq(0, 3*widest+1), 64, 100, 257)
	batches       = seq(1, 17)
	largeShapes   = []kerneltest.Shape{{Rows: 1024, Cols: 512, Batch: 1}, {Rows: 256, Cols: 1000, Batch: 3}, {Rows: 1, Cols: 4099, Batch: 1}, {Rows: 4099, Cols: 1, Batch: 2}, {Rows: 517, Cols: 263, Batch: 9}}
)

func seq(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// shapes returns the shapes a spec is swept over.
func shapes(sp kerneltest.Spec) []kerneltest.Shape {
	var out []kerneltest.Shape
	if !sp.Matrix {
		for _, n := range vectorLengths {
			out = append(out, kerneltest.Shape{Rows: 1, Cols: n, Batch: 1})
		}
		return out
	}
	bs := []int{1}
	if sp.Batched {
		bs = batches
	}
	for _, m := range matrixRows {
		for _, n := range matrixCols {
			for _, b := range bs {
				if b > 1 && n > 3*widest+1 {
					continue
				}
				out = append(out, kerneltest.Shape{Rows: m, Cols: n, Batch: b})
			}
		}
	}
	for _, s := range largeShapes {
		if !sp.Batched {
			s.Batch = 1
		}
		out = append(out, s)
	}
	return out
}

// run fills padded operands at the given start offsets, runs the spec with
// the kernels k and checks results, untouched inputs and padding.
func run(k *kerneltest.Kernels, sp kerneltest.Spec, s kerneltest.Shape, offsets []int, r *rand.Rand, alpha float32, modify func(ops [][]float32)) error {
	sizes := sp.Sizes(s)
	ops := make([][]float32, len(sizes))
	checks := make([]func() error, len(sizes))
	for i, n := range sizes {
		ops[i], checks[i] = kerneltest.Padded(n, offsets[i%len(offsets)])
		kerneltest.Fill(r, ops[i])
	}
	if modify != nil {
		modify(ops)
	}
	if err := sp.Execute(k, s, alpha, ops); err != nil {
		return err
	}
	for i, check := range checks {
		if err := check(); err != nil {
			return fmt.Errorf("%s %v operand %d: %w", sp.Name, s, i, err)
		}
	}
	return nil
}

// TestKernels sweeps every kernel over lengths, shapes, batches and start
// offsets 0…15 at every level, against the float64 reference. Each level
// and kernel is a parallel subtest.
func TestKernels(t *testing.T) {
	kerneltest.ForEachLevelParallel(t, func(t *testing.T, k *kerneltest.Kernels) {
		for _, sp := range kerneltest.Specs {
			t.Run(sp.Name, func(t *testing.T) {
				k.Parallel(t)
				r := kerneltest.Rand(1)
				for i, s := range shapes(sp) {
					offsets := []int{i % 16, (i * 7) % 16, (i * 11) % 16}
					if !sp.Matrix && s.Cols <= 3*widest+1 {
						// Vectors: every offset of every operand.
						for off := 0; off < 16; off++ {
							require.NoError(t, run(k, sp, s, []int{off, (off + 5) % 16}, r, 1.5-r.Float32(), nil))
						}
						continue
					}
					require.NoError(t, run(k, sp, s, offsets, r, 1.5-r.Float32(), nil))
				}
			})
		}
	})
}

// specials are injected into otherwise random operands.
var specials = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.Copysign(0, -1)), 0, 1e18, -1e18, 1e-40, -3e-39, math.SmallestNonzeroFloat32,
}

// huge values only go to kernels without reductions, where a partial sum
// cannot overflow and cancel later.
var huge = []float32{math.MaxFloat32, -math.MaxFloat32, 1e38}

// TestSpecialValues injects NaN, ±Inf, −0, subnormals and large magnitudes
// at random places and checks IEEE propagation and the error bound. Each
// level and kernel is a parallel subtest.
func TestSpecialValues(t *testing.T) {
	kerneltest.ForEachLevelParallel(t, func(t *testing.T, k *kerneltest.Kernels) {
		for _, sp := range kerneltest.Specs {
			t.Run(sp.Name, func(t *testing.T) {
				k.Parallel(t)
				r := kerneltest.Rand(2)
				values := specials
				if sp.Elementwise {
					values = append(slices.Clone(specials), huge...)
				}
				sh := []kerneltest.Shape{{Rows: 1, Cols: 1, Batch: 1}, {Rows: 3, Cols: 9, Batch: 2}, {Rows: 9, Cols: 17, Batch: 5}, {Rows: 17, Cols: 40, Batch: 9}}
				for _, s := range sh {
					s = sp.Normalize(s)
					for trial := 0; trial < 200; trial++ {
						alpha := 1.5 - r.Float32()
						if trial%7 == 0 {
							alpha = values[r.IntN(len(values))]
						}
						err := run(k, sp, s, []int{trial % 16, (trial * 3) % 16, (trial * 5) % 16}, r, alpha, func(ops [][]float32) {
							for k := 0; k < 1+trial%3; k++ {
								op := ops[r.IntN(len(ops))]
								if len(op) > 0 {
									op[r.IntN(len(op))] = values[r.IntN(len(values))]
								}
							}
						})
						require.NoError(t, err)
					}
					// Operands entirely −0: reductions start from +0.
					err := run(k, sp, s, []int{0}, r, -1, func(ops [][]float32) {
						for _, op := range ops {
							for i := range op {
								op[i] = float32(math.Copysign(0, -1))
							}
						}
					})
					require.NoError(t, err)
				}
			})
		}
	})
}

// TestLevels checks the level names and that forcing a level switches the
// kernels.
func TestLevels(t *testing.T) {
	levels := kernels.AvailableLevels()
	require.NotEmpty(t, levels)
	require.Equal(t, "generic", levels[len(levels)-1])
	require.Equal(t, levels[0], kernels.ActiveLevel(), "the best available level is chosen at start-up")
	for _, l := range level.Available() {
		kerneltest.WithLevel(l, func() { require.Equal(t, l.String(), kernels.ActiveLevel()) })
	}
	require.Panics(t, func() { level.Force(level.NEON + 1) })
}
