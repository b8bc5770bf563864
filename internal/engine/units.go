package engine

import (
	"github.com/simdrnn/simdrnn/internal/seq"
	"github.com/simdrnn/simdrnn/internal/team"
	"github.com/simdrnn/simdrnn/kernels"
)

// unitAlign is the multiple of units each share of a unit split starts at
// (UnitBounds).
const unitAlign = 16

// MinSplitUnits is the fewest units a layer split by units has: two
// shares of unitAlign.
const MinSplitUnits = 2 * unitAlign

// UnitSplitOff, when set, makes a team split every step by samples, as it
// does for batches over PackedRows (for benchmarks that compare the two).
var UnitSplitOff = false

// SplitsUnits reports whether a step of rows samples that Splits splits
// among t divides the layer's units instead of its samples: an LSTM or
// (reset-after) GRU layer whose step runs MatVecBatchAdd (2 … PackedRows
// rows) and whose W_hh reaches UnitMinBytes, where splitting the samples
// would make every worker stream all of W_hh. Each worker then reads only
// its units' rows of each gate block of W_hh, the same rows at every step,
// so they stay in its core's cache.
func SplitsUnits(t *team.Team, mode Mode, hidden, rows int) bool {
	return !UnitSplitOff && Splits(t, mode, hidden, rows) && rows <= PackedRows &&
		(mode == LSTM || mode == GRU) && hidden >= MinSplitUnits &&
		mode.Gates()*hidden*hidden*4 >= UnitMinBytes
}

// UnitMinBytes is the size of W_hh (float32) from which SplitsUnits
// splits a step's units rather than its samples. Measured on a 2-core
// EPYC (Zen 5), ForwardInto with B = 4 and 8, 2 goroutines / 1: at H = 256
// (LSTM W_hh 1 MiB, GRU 768 KiB) by samples 0.60–0.64, by units 0.63–0.67;
// at H = 512 (4 MiB, 3 MiB) by samples 0.58–0.69, by units 0.57–0.62; at
// H = 1,024 by samples 0.61–0.81, by units 0.43–0.54. (A variable so that
// tests can split small models.)
var UnitMinBytes = 2 << 20

// UnitBounds sets bounds[0 … shares] to the first units of at most
// workers shares of hidden units (and the end): multiples of 16, so that
// the kernels' blocks of eight units stay whole, as even as they can be.
// It returns the number of shares (at most len(bounds) − 1).
func UnitBounds(bounds []int, hidden, workers int) int {
	blocks := (hidden + unitAlign - 1) / unitAlign
	shares := min(workers, blocks, len(bounds)-1)
	for w := 0; w <= shares; w++ {
		bounds[w] = min(hidden, blocks*w/shares*unitAlign)
	}
	return shares
}

// EvenBounds sets bounds[0 … shares] to the first of n rows of at most
// workers shares as even as they can be (and the end), and returns the
// number of shares (at most n and len(bounds) − 1).
func EvenBounds(bounds []int, n, workers int) int {
	shares := min(workers, n, len(bounds)-1)
	for w := 0; w <= shares; w++ {
		bounds[w] = n * w / shares
	}
	return shares
}

// unitJob is one step of rows samples split by units among a team: worker
// w computes the units [bounds[w], bounds[w+1]) of every sample, from
// those rows of each gate block of W_hh (or LowHH), and writes only their
// parts of hNext, c and cache. hNext must not be hPrev: every worker reads
// all of hPrev. With x set, the input side is the worker's too (its rows of
// W_ih times x, plus InputBias); without it gates holds it.
type unitJob struct {
	w                                Weights // a copy: a pointer kept in Buffers would make the caller's escape
	x, gates, hPrev, hNext, c, cache []float32
	rows                             int
	work                             [][]float32 // per worker: unitWorkFloats
	scratch                          []Scratch   // per worker: int8's quantized vectors
	bounds                           [65]int
}

// unitWorkFloats is the scratch a share of n units of rows samples needs:
// the hidden-side products gate-major (G·rows·n), the same sample-major
// (G·rows·n), the input side gate-major when the share computes it
// (G·rows·n), and for the GRU one sample's input gates (3n) and cache (4n).
func unitWorkFloats(m Mode, rows, n int) int {
	return 3*m.Gates()*rows*n + 7*n
}

// quantized is rows vectors quantized to int8 (kernels.QuantizeVector)
// and their scales.
type quantized struct {
	q  []int8
	xs []float32
}

// quantize quantizes the rows vectors of x (rows × cols) into s's int8
// buffer number i (0 or 1), growing it if needed.
func (s *Scratch) quantize(i int, x []float32, rows, cols int) quantized {
	if cap(s.uq[i]) < rows*cols {
		s.uq[i] = make([]int8, rows*cols)
	}
	s.uxs[i] = Grow(s.uxs[i], rows)
	out := quantized{s.uq[i][:rows*cols], s.uxs[i][:rows]}
	for r := range out.xs {
		out.xs[r] = kernels.QuantizeVector(out.q[r*cols:(r+1)*cols], x[r*cols:(r+1)*cols])
	}
	return out
}

// mulAdd sets y (rows × n) += x · rows first … first+n−1 of the float32
// matrix f (cols wide) or of low; for int8, q holds x quantized.
func mulAdd(y []float32, f []float32, low *LowMatrix, cols, first, n int, x []float32, rows int, q quantized) {
	switch {
	case low == nil:
		kernels.MatVecBatchAdd(y, f[first*cols:(first+n)*cols], x, rows)
	case low.Format == Int8:
		kernels.MatVecBatchAddInt8(y, low.Q[first*cols:(first+n)*cols], low.Scales[first:first+n], q.q, q.xs)
	default:
		low.MulAdd(y, first, n, x, rows, nil)
	}
}

// Run steps worker w's units (a team.Job).
func (j *unitJob) Run(wk int) {
	u0, u1 := j.bounds[wk], j.bounds[wk+1]
	n := u1 - u0
	if n == 0 {
		return
	}
	hid, rows, mode := j.w.Hidden, j.rows, j.w.Mode
	g := mode.Gates()
	gw := g * hid // a row of gates
	size := g * rows * n
	work := j.work[wk]
	byGate := work[:size]             // [gate][sample][unit]
	bySample := work[size : 2*size]   // [sample][gate][unit]
	inByGate := work[2*size : 3*size] // the input side, [gate][sample][unit]
	in := work[3*size : 3*size+3*n]
	cache := work[3*size+3*n : 3*size+7*n]
	sc := &j.scratch[wk]

	// int8 weights: x and h_{t−1} quantized once for every gate block.
	var qx, qh quantized
	if j.w.LowHH != nil && j.w.LowHH.Format == Int8 {
		qh = sc.quantize(0, j.hPrev, rows, hid)
		if j.x != nil {
			qx = sc.quantize(1, j.x, rows, j.w.Input)
		}
	}
	for k := 0; k < g; k++ {
		block := byGate[k*rows*n : (k+1)*rows*n]
		first := k*hid + u0
		inBlock := inByGate[k*rows*n : (k+1)*rows*n]
		if j.x != nil {
			dst := inBlock
			if mode == LSTM { // one sum: the input side first
				dst = block
			}
			seq.FillRows(dst, j.w.InputBias[first:first+n])
			mulAdd(dst, j.w.IH, j.w.LowIH, j.w.Input, first, n, j.x, rows, qx)
		}
		for s := 0; s < rows; s++ {
			dst := block[s*n : (s+1)*n]
			switch {
			case mode == LSTM && j.x != nil:
			case mode == LSTM: // the input side, InputBias included
				copy(dst, j.gates[s*gw+first:s*gw+first+n])
			case j.w.BiasHH != nil:
				copy(dst, j.w.BiasHH[first:first+n])
			default:
				clear(dst)
			}
		}
		mulAdd(block, j.w.HH, j.w.LowHH, hid, first, n, j.hPrev, rows, qh)
	}
	for s := 0; s < rows; s++ {
		mine := bySample[s*g*n : (s+1)*g*n]
		for k := 0; k < g; k++ {
			copy(mine[k*n:(k+1)*n], byGate[(k*rows+s)*n:(k*rows+s+1)*n])
		}
		at := s*hid + u0
		hNext := j.hNext[at : at+n]
		switch mode {
		case LSTM:
			var act []float32
			if j.cache != nil {
				act = mine
			}
			kernels.LSTMForwardBatch(hNext, j.c[at:at+n], mine, act, 1)
			if j.cache != nil {
				for k := 0; k < g; k++ {
					copy(j.cache[s*4*hid+k*hid+u0:], mine[k*n:(k+1)*n])
				}
			}
		case GRU:
			for k := 0; k < g; k++ {
				if j.x != nil {
					copy(in[k*n:(k+1)*n], inByGate[(k*rows+s)*n:(k*rows+s+1)*n])
				} else {
					copy(in[k*n:(k+1)*n], j.gates[s*gw+k*hid+u0:s*gw+k*hid+u1])
				}
			}
			var c []float32
			if j.cache != nil {
				c = cache
			}
			kernels.GRUForwardBatch(hNext, j.hPrev[at:at+n], in, mine, c, 1)
			if j.cache != nil {
				for k := 0; k < 4; k++ {
					copy(j.cache[s*4*hid+k*hid+u0:], cache[k*n:(k+1)*n])
				}
			}
		}
	}
}

// Units is the working memory of steps split by units (a team's workers'
// scratch), kept between steps so that a warm step allocates nothing.
type Units struct {
	job     unitJob
	work    [][]float32
	scratch []Scratch
}

// StepUnits runs one step of rows samples of an LSTM or (reset-after) GRU
// layer w split by units among t (see SplitsUnits; t has two goroutines or
// more): x (rows × Input) is the step's input, hPrev (rows × H) the state,
// hNext (rows × H, not hPrev) receives the new one and c (rows × H, the
// LSTM's) is updated in place. Each worker computes both products of its
// units' rows of W_ih and W_hh.
func StepUnits(t *team.Team, w *Weights, u *Units, rows int, x, hPrev, hNext, c []float32) {
	u.run(t, w, rows, x, nil, hPrev, hNext, c, nil)
}

// run posts one unitJob to t and waits for it.
func (u *Units) run(t *team.Team, w *Weights, rows int, x, gates, hPrev, hNext, c, cache []float32) {
	j := &u.job
	shares := UnitBounds(j.bounds[:], w.Hidden, t.Size())
	for len(u.work) < shares {
		u.work = append(u.work, nil)
		u.scratch = append(u.scratch, Scratch{})
	}
	for i := 0; i < shares; i++ {
		u.work[i] = Grow(u.work[i], unitWorkFloats(w.Mode, rows, j.bounds[i+1]-j.bounds[i]))
	}
	bounds := j.bounds
	*j = unitJob{w: *w, x: x, gates: gates, hPrev: hPrev, hNext: hNext, c: c, cache: cache, rows: rows,
		work: u.work[:shares], scratch: u.scratch, bounds: bounds}
	t.Do(j, shares)
	*j = unitJob{}
}

// stepUnits runs w's step on rows samples split by units among b.Team
// (SplitsUnits), the input side already in gates; hNext must not be hPrev.
func (b *Buffers) stepUnits(w *Weights, rows int, gates, hPrev, hNext, c, cache []float32) {
	b.units.run(b.Team, w, rows, nil, gates, hPrev, hNext, c, cache)
}
