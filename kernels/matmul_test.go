package kernels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/internal/testutil/guard"
	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
	"github.com/simdrnn/simdrnn/kernels"
)

// newMatMulCase builds a case with leading dimensions widened by pad
// (0 for tight rows), operands filled with values in [−1, 1), C's padding
// with sentinels.
func newMatMulCase(r *rand.Rand, transA, transB, add bool, m, n, k, pad int) *kerneltest.MatMulCase {
	mc := &kerneltest.MatMulCase{TransA: transA, TransB: transB, Add: add, M: m, N: n, K: k}
	aRows, aCols, bRows, bCols := mc.StoredShape()
	mc.LDA, mc.LDB, mc.LDC = max(1, aCols)+pad, max(1, bCols)+pad, max(1, n)+pad
	mc.A = make([]float32, kerneltest.Len(aRows, aCols, mc.LDA))
	mc.B = make([]float32, kerneltest.Len(bRows, bCols, mc.LDB))
	mc.C = make([]float32, kerneltest.Len(m, n, mc.LDC))
	random := func(int, int) float32 { return 2*r.Float32() - 1 }
	kerneltest.FillMatrix(mc.A, aRows, aCols, mc.LDA, random)
	kerneltest.FillMatrix(mc.B, bRows, bCols, mc.LDB, random)
	kerneltest.FillMatrix(mc.C, m, n, mc.LDC, random)
	return mc
}

var transForms = [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}

// TestMatMulAllSmall runs every m, n, k in 0 … 33 for C = A·Bᵀ (the input
// projection's form) at every level, each case against one float64
// reference. With -short (the emulated-CPU runs, which prove dispatch) it
// takes every third size. Each m is a parallel subtest with its own data.
func TestMatMulAllSmall(t *testing.T) {
	step := 1
	if testing.Short() {
		step = 3
	}
	for m := 0; m <= 33; m += step {
		t.Run(fmt.Sprintf("m=%d", m), func(t *testing.T) {
			kerneltest.ParallelLevels(t)
			r := kerneltest.Rand(1000 + uint64(m))
			for n := 0; n <= 33; n += step {
				for k := 0; k <= 33; k += step {
					require.NoError(t, newMatMulCase(r, false, true, false, m, n, k, 0).RunEveryLevel())
				}
			}
		})
	}
}

// TestMatMulEdges runs every transposition form, overwrite and accumulate,
// tight and padded leading dimensions, over the sizes at the edges of the
// register block (6×16) and of the cache blocks (KC = 256, MC = 144,
// NC = 3072), and a few larger odd shapes, at every level, each case
// against one float64 reference. Each layout is a parallel subtest with its
// own data.
func TestMatMulEdges(t *testing.T) {
	edges := []int{0, 1, 2, 5, 6, 7, 12, 15, 16, 17, 31, 32, 33}
	large := [][3]int{{145, 33, 257}, {100, 257, 300}, {13, 3075, 7}, {1, 600, 513}, {290, 1, 40}, {7, 19, 1030}}
	if testing.Short() {
		// The emulated-CPU runs prove dispatch: the register block's edges
		// and one crossing of each cache block suffice.
		edges = []int{0, 1, 5, 6, 7, 16, 17}
		large = [][3]int{{145, 17, 9}, {7, 3075, 5}, {5, 17, 260}}
	}
	layout := uint64(0)
	for _, form := range transForms {
		for _, add := range []bool{false, true} {
			for _, packed := range []bool{false, true} {
				layout++
				seed := 1100 + layout // read after this loop ended: a copy
				t.Run(fmt.Sprintf("transA=%v/transB=%v/add=%v/packed=%v", form[0], form[1], add, packed), func(t *testing.T) {
					kerneltest.ParallelLevels(t)
					r := kerneltest.Rand(seed)
					run := func(m, n, k, pad int) {
						mc := newMatMulCase(r, form[0], form[1], add, m, n, k, pad)
						mc.Packed = packed
						require.NoError(t, mc.RunEveryLevel())
					}
					for _, m := range edges {
						for _, n := range edges {
							for _, k := range edges {
								run(m, n, k, (m+n+k)%3*5)
							}
						}
					}
					for _, s := range large {
						run(s[0], s[1], s[2], 3)
					}
				})
			}
		}
	}
}

// TestMatMulSpecialValues injects NaN, ±Inf, −0 and subnormals.
func TestMatMulSpecialValues(t *testing.T) {
	values := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 1e-40, 1e18}
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		r := kerneltest.Rand(12)
		for trial := 0; trial < 300; trial++ {
			form := transForms[trial%4]
			mc := newMatMulCase(r, form[0], form[1], trial%2 == 0, 1+r.IntN(20), 1+r.IntN(40), 1+r.IntN(20), r.IntN(3))
			aRows, aCols, bRows, bCols := mc.StoredShape()
			for s := 0; s < 1+trial%3; s++ {
				v := values[r.IntN(len(values))]
				switch r.IntN(3) {
				case 0:
					mc.A[r.IntN(aRows)*mc.LDA+r.IntN(aCols)] = v
				case 1:
					mc.B[r.IntN(bRows)*mc.LDB+r.IntN(bCols)] = v
				default:
					mc.C[r.IntN(mc.M)*mc.LDC+r.IntN(mc.N)] = v
				}
			}
			require.NoError(t, mc.Run())
		}
	})
}

// TestMatMulGuardPages places A, B and C against PROT_NONE pages, ending at
// one and starting after one. Each level is a parallel subtest with its
// own regions.
func TestMatMulGuardPages(t *testing.T) {
	sizes := []int{1, 2, 5, 6, 7, 15, 16, 17, 33}
	kerneltest.ForEachLevelParallel(t, func(t *testing.T, impl *kerneltest.Kernels) {
		var regions [2][3]*guard.Region
		for side := range regions {
			for i := range regions[side] {
				var err error
				if side == 0 {
					regions[side][i], err = guard.NewTail(40 * 40)
				} else {
					regions[side][i], err = guard.NewHead(40 * 40)
				}
				require.NoError(t, err)
				defer regions[side][i].Free()
			}
		}
		r := kerneltest.Rand(13)
		for _, form := range transForms {
			for _, m := range sizes {
				for _, n := range sizes {
					for _, k := range sizes {
						for side := range regions {
							mc := newMatMulCase(r, form[0], form[1], (m+n+k)%2 == 0, m, n, k, (m*n)%2)
							mc.Packed = (m+k)%2 == 1
							mc.A = placed(regions[side][0], mc.A)
							mc.B = placed(regions[side][1], mc.B)
							mc.C = placed(regions[side][2], mc.C)
							require.NoError(t, mc.RunWith(impl))
						}
					}
				}
			}
		}
	})
}

func placed(region *guard.Region, s []float32) []float32 {
	dst := region.Floats(len(s))
	copy(dst, s)
	return dst
}

// TestMatMulBadShapes checks the panics name the kernel and the sizes.
func TestMatMulBadShapes(t *testing.T) {
	a, b, c := make([]float32, 12), make([]float32, 12), make([]float32, 12)
	cases := []struct {
		want string
		call func()
	}{
		{"m = -1", func() { kernels.MatMul(false, false, -1, 2, 2, a, 2, b, 2, c, 2) }},
		{"lda = 2 for a 3×4 a; want lda ≥ 4", func() { kernels.MatMul(false, false, 3, 2, 4, a, 2, b, 2, c, 2) }},
		{"len(b) = 12 for a 4×5 b with ldb = 5; want ≥ 20", func() { kernels.MatMul(false, false, 2, 5, 4, a, 4, b, 5, c, 5) }},
		{"len(c) = 12 for a 4×4 c with ldc = 4; want ≥ 16", func() { kernels.MatMulAdd(true, false, 4, 4, 2, a, 4, b, 4, c, 4) }},
		{"ldb = 1 for a 3×2 b; want ldb ≥ 2", func() { kernels.MatMulAdd(false, true, 2, 3, 2, a, 2, b, 1, c, 3) }},
		{"PackedMatrix.Pack: len(b) = 12 for a 5×3 b with ldb = 3; want ≥ 15", func() { new(kernels.PackedMatrix).Pack(true, 3, 5, b, 3) }},
		{"PackedMatrix.Pack: k = -1", func() { new(kernels.PackedMatrix).Pack(false, -1, 2, b, 2) }},
		{"MatMulPacked: len(c) = 12 for a 4×4 c with ldc = 4; want ≥ 16", func() {
			var p kernels.PackedMatrix
			p.Pack(false, 2, 4, b, 4)
			kernels.MatMulPacked(false, 4, a, 2, &p, c, 4)
		}},
		{"MatMulPackedAdd: lda = 1 for a 2×3 a; want lda ≥ 3", func() {
			var p kernels.PackedMatrix
			p.Pack(false, 3, 2, b, 2)
			kernels.MatMulPackedAdd(false, 2, a, 1, &p, c, 2)
		}},
		{"MatMulPacked: b is nil", func() { kernels.MatMulPacked(false, 1, a, 1, nil, c, 1) }},
	}
	for _, tc := range cases {
		before := append([]float32(nil), c...)
		var message string
		func() {
			defer func() { message = fmt.Sprint(recover()) }()
			tc.call()
		}()
		require.Contains(t, message, "kernels.")
		require.Contains(t, message, tc.want)
		require.Equal(t, before, c)
	}
}

// TestMatMulWorkers checks the parallel split gives results within the
// same bound, packed or not, and that the setting round-trips.
func TestMatMulWorkers(t *testing.T) {
	previous := kernels.SetMatMulWorkers(2)
	defer kernels.SetMatMulWorkers(previous)
	require.Equal(t, 1, previous)
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		r := kerneltest.Rand(14)
		forms := transForms
		if testing.Short() {
			forms = forms[:1]
		}
		for _, form := range forms {
			for _, packed := range []bool{false, true} {
				run := func(add bool, m, n, k, pad int) {
					workers, cols := kernels.MatMulSplitOf(m, n, k)
					require.Equal(t, 2, workers, "%d×%d×%d splits", m, n, k)
					require.Equal(t, m <= 144 || n > 40, cols, "%d×%d×%d by columns", m, n, k)
					mc := newMatMulCase(r, form[0], form[1], add, m, n, k, pad)
					mc.Packed = packed
					require.NoError(t, mc.Run())
				}
				// m > MC, many panels: split by columns, each worker
				// packing its panels for its first MC rows and keeping
				// them for the others.
				run(true, 301, 130, 270, 1)
				run(false, 150, 3100, 20, 0)
				// m > MC, few panels: split by rows.
				run(true, 301, 40, 270, 2)
				// m ≤ MC: split by columns, nc not a multiple of NR.
				run(true, 37, 1001, 300, 1)
			}
		}
	})
}

// TestMatMulWorkersConcurrent runs split products on several goroutines
// at once (all but one find the persistent team busy and start goroutines
// of their own), then asks for more workers than the team has (it is made
// anew, larger), each product within MatMul's bound.
func TestMatMulWorkersConcurrent(t *testing.T) {
	defer kernels.SetMatMulWorkers(kernels.SetMatMulWorkers(2))
	r := kerneltest.Rand(15)
	cases := make([]*kerneltest.MatMulCase, 4)
	for i := range cases {
		cases[i] = newMatMulCase(r, false, i%2 == 1, i%2 == 0, 301, 130+i, 270, 1)
	}
	errs := make([]error, len(cases))
	var wg sync.WaitGroup
	for i, mc := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if errs[i] = mc.Run(); errs[i] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	kernels.SetMatMulWorkers(3)
	workers, _ := kernels.MatMulSplitOf(301, 130, 270)
	require.Equal(t, 3, workers)
	require.NoError(t, cases[0].Run())
}

// TestMatMulNoAllocations checks a warm call allocates nothing.
func TestMatMulNoAllocations(t *testing.T) {
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		a, b, c := make([]float32, 100*64), make([]float32, 64*300), make([]float32, 100*300)
		allocs := testing.AllocsPerRun(20, func() { kernels.MatMul(false, false, 100, 300, 64, a, 64, b, 300, c, 300) })
		require.Zero(t, allocs)
		var p kernels.PackedMatrix
		p.Pack(false, 64, 300, b, 300)
		allocs = testing.AllocsPerRun(20, func() {
			p.Pack(true, 64, 100, a, 64)
			kernels.MatMulPacked(false, 100, a, 64, &p, c, 300)
		})
		require.Zero(t, allocs)
	})
}

// TestMatMulSplitAllocatesNothing checks a split product run by the
// persistent team allocates nothing once warm (the team and the workers'
// buffers exist), at every level.
func TestMatMulSplitAllocatesNothing(t *testing.T) {
	defer kernels.SetMatMulWorkers(kernels.SetMatMulWorkers(2))
	kerneltest.ForEachLevel(t, func(t *testing.T) {
		// Split by columns (m ≤ MC) and by rows (few panels, m > MC).
		for _, s := range [][3]int{{96, 256, 256}, {301, 40, 270}} {
			m, n, k := s[0], s[1], s[2]
			a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
			kernels.MatMul(false, false, m, n, k, a, k, b, n, c, n)
			if allocs := testing.AllocsPerRun(20, func() { kernels.MatMul(false, false, m, n, k, a, k, b, n, c, n) }); allocs != 0 {
				t.Fatalf("a split %d×%d×%d MatMul allocates %v times", m, n, k, allocs)
			}
		}
	})
}
