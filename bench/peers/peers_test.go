package peers

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/simdrnn/simdrnn/kernels"
)

// -vekmt adds impl=vek-mt: one stock vek32.MatMul_Into call over the whole
// matrix, which vek splits over runtime.NumCPU() goroutines (multi-threaded,
// allocates). Off by default so that every default impl is single-threaded
// and allocation-free.
var vekMT = flag.Bool("vekmt", false, "also benchmark vek's stock multi-threaded MatMul_Into (impl=vek-mt)")

// hiddens are the LSTM hidden sizes H; the stacked recurrent+input weights
// are W = 4H × 2H.
var hiddens = []int{64, 128, 256, 512, 1024}

func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		// Benchmark-format configuration lines ("key: value"): benchstat
		// keeps them with the results, so the kernels that ran are on record.
		fmt.Printf("simdrnn-level: %s\n", kernels.ActiveLevel())
		fmt.Printf("openblas-corename: %s\n", OpenBLASCorename())
		fmt.Printf("openblas-config: %s\n", OpenBLASConfig())
		fmt.Printf("openblas-threads: %d\n", OpenBLASThreads())
		fmt.Printf("openblas-coretype-env: %q\n", os.Getenv("OPENBLAS_CORETYPE"))
		fmt.Printf("vek-avx2: %t\n", VekAcceleration())
	}
	os.Exit(m.Run())
}

// shape holds fixed-seed data for one H: W (4H×2H, row-major), a batch of
// up to maxBatch input vectors X and matching outputs Y.
type shape struct {
	h, m, n int
	w, x, y []float32
}

const maxBatch = 8

var (
	shapesMu sync.Mutex
	shapes   = map[int]*shape{}
)

// getShape returns the data for H, made once per process with a fixed seed
// (so every impl sees identical inputs), values in [-1, 1).
func getShape(h int) *shape {
	shapesMu.Lock()
	defer shapesMu.Unlock()
	if s, ok := shapes[h]; ok {
		return s
	}
	m, n := 4*h, 2*h
	r := rand.New(rand.NewPCG(0x5eed, uint64(h)))
	fill := func(k int) []float32 {
		v := make([]float32, k)
		for i := range v {
			v[i] = 2*r.Float32() - 1
		}
		return v
	}
	s := &shape{h: h, m: m, n: n, w: fill(m * n), x: fill(maxBatch * n), y: make([]float32, maxBatch*m)}
	shapes[h] = s
	return s
}

type impl struct {
	name string
	fn   func(y, w, x []float32)
}

func matVecImpls() []impl {
	impls := []impl{{"simdrnn", kernels.MatVec}}
	if OpenBLASAvailable {
		impls = append(impls, impl{"openblas", Sgemv})
	}
	impls = append(impls, impl{"gonum", GonumGemv}, impl{"vek", VekMatVec})
	if *vekMT {
		impls = append(impls, impl{"vek-mt", VekMatVecStock})
	}
	return impls
}

var logOnce sync.Once

// logConfig logs, once per process, which kernels run (the same facts are
// also printed as benchstat configuration lines by TestMain). It is called
// from a leaf benchmark because a parent benchmark's log is not printed.
func logConfig(b *testing.B) {
	logOnce.Do(func() {
		b.Logf("simdrnn level=%s; openblas corename=%s threads=%d config=%q OPENBLAS_CORETYPE=%q; vek avx2=%t",
			kernels.ActiveLevel(), OpenBLASCorename(), OpenBLASThreads(), OpenBLASConfig(),
			os.Getenv("OPENBLAS_CORETYPE"), VekAcceleration())
	})
}

// BenchmarkMatVec measures y = W·x for W = 4H×2H. The rate (MB/s) is bytes of
// W streamed per second.
func BenchmarkMatVec(b *testing.B) {
	for _, im := range matVecImpls() {
		for _, h := range hiddens {
			b.Run("impl="+im.name+"/H="+strconv.Itoa(h), func(b *testing.B) {
				logConfig(b)
				s := getShape(h)
				y, w, x := s.y[:s.m], s.w, s.x[:s.n]
				b.SetBytes(int64(4 * len(w)))
				b.ReportAllocs()
				for b.Loop() {
					im.fn(y, w, x)
				}
			})
		}
	}
}

type batchImpl struct {
	name string
	fn   func(y, w, x []float32, batch int)
}

// sgemvLoop computes the batch as batch separate cblas_sgemv calls.
func sgemvLoop(y, w, x []float32, batch int) {
	m, n := len(y)/batch, len(x)/batch
	for b := range batch {
		Sgemv(y[b*m:(b+1)*m], w, x[b*n:(b+1)*n])
	}
}

func batchImpls() []batchImpl {
	impls := []batchImpl{{"simdrnn", kernels.MatVecBatch}}
	if OpenBLASAvailable {
		impls = append(impls, batchImpl{"openblas-sgemm", SgemmXWt}, batchImpl{"openblas-sgemvxB", sgemvLoop})
	}
	return impls
}

// BenchmarkMatVecBatch measures Y = X·Wᵀ for B input vectors at once
// (kernels.MatVecBatch layout). The rate is bytes of W per call / time —
// an effective rate: an impl that reads W once per vector shows ~1/B of it.
func BenchmarkMatVecBatch(b *testing.B) {
	for _, im := range batchImpls() {
		for _, batch := range []int{1, 2, 4, 8} {
			for _, h := range []int{256, 512} {
				b.Run(fmt.Sprintf("impl=%s/B=%d/H=%d", im.name, batch, h), func(b *testing.B) {
					logConfig(b)
					s := getShape(h)
					y, w, x := s.y[:batch*s.m], s.w, s.x[:batch*s.n]
					b.SetBytes(int64(4 * len(w)))
					b.ReportAllocs()
					for b.Loop() {
						im.fn(y, w, x, batch)
					}
				})
			}
		}
	}
}

// checkRows compares got with want row by row: |got−want| ≤ 1e-4·Σ_j|w_ij·x_j|.
func checkRows(t *testing.T, name string, got, want, w, x []float32) {
	t.Helper()
	n := len(x)
	bad := 0
	for i := range want {
		var mag float64
		for j, xv := range x {
			mag += math.Abs(float64(w[i*n+j]) * float64(xv))
		}
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > 1e-4*mag || math.IsNaN(d) {
			if bad < 5 {
				t.Errorf("%s: row %d: got %g, want %g (|diff| %g > 1e-4·Σ|w·x| = %g)", name, i, got[i], want[i], d, 1e-4*mag)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d rows out of tolerance", name, bad, len(want))
	}
}

// TestPeersAgree checks every peer against kernels.MatVec on one shape, so
// the benchmarks compare the same computation.
func TestPeersAgree(t *testing.T) {
	t.Logf("simdrnn level=%s; openblas available=%t corename=%s; vek avx2=%t",
		kernels.ActiveLevel(), OpenBLASAvailable, OpenBLASCorename(), VekAcceleration())
	if kernels.ActiveLevel() == "avx2" && !VekAcceleration() {
		t.Errorf("simdrnn runs AVX2 but vek reports no acceleration: the vek numbers would be its pure-Go path")
	}
	s := getShape(128) // W = 512×256
	m, n := s.m, s.n
	w, x := s.w, s.x[:n]
	want := make([]float32, m)
	kernels.MatVec(want, w, x)

	impls := append(matVecImpls(), impl{"vek-mt", VekMatVecStock})
	for _, im := range impls {
		if im.name == "simdrnn" {
			continue
		}
		got := make([]float32, m)
		for i := range got {
			got[i] = float32(math.NaN()) // peers must overwrite, not accumulate
		}
		im.fn(got, w, x)
		checkRows(t, im.name, got, want, w, x)
	}

	// Batch forms: each vector of the batch against kernels.MatVec.
	const batch = 4
	xb := s.x[:batch*n]
	for _, im := range batchImpls() {
		got := make([]float32, batch*m)
		for i := range got {
			got[i] = float32(math.NaN())
		}
		im.fn(got, w, xb, batch)
		for b := range batch {
			xv := xb[b*n : (b+1)*n]
			kernels.MatVec(want, w, xv)
			checkRows(t, fmt.Sprintf("%s/B=%d/vec=%d", im.name, batch, b), got[b*m:(b+1)*m], want, w, xv)
		}
	}
}
