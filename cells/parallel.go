package cells

import (
	"fmt"

	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/internal/shape"
	"github.com/simdrnn/simdrnn/internal/team"
	"github.com/simdrnn/simdrnn/kernels"
)

// ParallelMinBytes is the size of a layer's weights (in their precision)
// from which State.SetWorkers splits the layer's batch-1 step across
// workers: below it, handing the work over costs more than the second core
// saves, and the layer runs on the caller's goroutine alone.
const ParallelMinBytes = 1 << 19

// parallelMinBytes is ParallelMinBytes, lowered by the tests.
var parallelMinBytes = ParallelMinBytes

// shard is one worker's part of a layer's batch-1 step: the units
// [u0, u1) and copies of their rows of every gate block, so that the
// worker streams weights of its own.
type shard struct {
	u0, u1 int
	joined []float32 // F32 LSTM: [W_ih | W_hh] rows, 4U × (I + H)
	ih, hh []float32 // F32 GRU: W_ih rows (3U × I), W_hh rows (3U × H)
	low    [2]*engine.LowMatrix
	// The bias rows: the input side's (engine.InputBias), and the GRU's
	// two halves.
	inputBias, biasIH, biasHH []float32
}

// gateRows copies the rows u0 … u1−1 of each of the gates blocks of hidden
// rows from src (rows of cols values).
func gateRows[T any](src []T, gates, hidden, cols, u0, u1 int) []T {
	out := make([]T, 0, gates*(u1-u0)*cols)
	for g := 0; g < gates; g++ {
		out = append(out, src[(g*hidden+u0)*cols:(g*hidden+u1)*cols]...)
	}
	return out
}

// lowRows is gateRows for a reduced-precision matrix (and int8's scales).
func lowRows(m *engine.LowMatrix, gates, hidden, u0, u1 int) *engine.LowMatrix {
	out := &engine.LowMatrix{Format: m.Format, Cols: m.Cols}
	switch m.Format {
	case engine.F16:
		out.F16 = gateRows(m.F16, gates, hidden, m.Cols, u0, u1)
	case engine.BF16:
		out.BF16 = gateRows(m.BF16, gates, hidden, m.Cols, u0, u1)
	default:
		out.Q = gateRows(m.Q, gates, hidden, m.Cols, u0, u1)
		out.Scales = gateRows(m.Scales, gates, hidden, 1, u0, u1)
	}
	return out
}

// newShard copies d's rows of the units [u0, u1).
func (d *direction) newShard(u0, u1 int) shard {
	g, h := d.mode.Gates(), d.hidden
	s := shard{u0: u0, u1: u1,
		inputBias: gateRows(d.inputBias, g, h, 1, u0, u1),
		biasIH:    gateRows(d.biasIH, g, h, 1, u0, u1),
		biasHH:    gateRows(d.biasHH, g, h, 1, u0, u1),
	}
	switch {
	case d.lowIH != nil:
		s.low = [2]*engine.LowMatrix{lowRows(d.lowIH, g, h, u0, u1), lowRows(d.lowHH, g, h, u0, u1)}
	case d.mode == LSTM:
		s.joined = gateRows(d.joinedWeights(), g, h, d.input+h, u0, u1)
	default:
		s.ih = gateRows(d.weightIH, g, h, d.input, u0, u1)
		s.hh = gateRows(d.weightHH, g, h, h, u0, u1)
	}
	return s
}

// parallelizes reports whether a batch-1 step of d splits across workers:
// an LSTM or (reset-after) GRU layer whose weights reach ParallelMinBytes.
func (d *direction) parallelizes() bool {
	if d.mode != LSTM && d.mode != GRU {
		return false
	}
	format := engine.F32
	if d.lowIH != nil {
		format = d.lowIH.Format
	}
	return d.mode.Gates()*d.hidden*(d.input+d.hidden)*format.Bytes() >= parallelMinBytes
}

// shardBytes counts the bytes layerShards copies for any worker count: the
// weights of every layer that parallelizes (in their format, int8 with its
// scales) and its three bias vectors.
func (m *Model) shardBytes() (int, bool) {
	var total shape.Counter
	for _, dirs := range m.layers {
		d := dirs[0]
		if !d.parallelizes() {
			continue
		}
		format := engine.F32
		if d.lowIH != nil {
			format = d.lowIH.Format
		}
		rows := d.mode.Gates() * d.hidden
		total.Add(rows, d.input+d.hidden, format.Bytes())
		total.Add(rows, 4, 5) // int8's two scales and the three biases, per row
	}
	return total.N(), total.OK()
}

// layerShards returns, per layer, the shards of a step split across
// workers (nil for a layer that does not parallelize), built once per
// worker count and kept by the model.
func (m *Model) layerShards(workers int) [][]shard {
	m.shardMu.Lock()
	defer m.shardMu.Unlock()
	if s, ok := m.shards[workers]; ok {
		return s
	}
	out := make([][]shard, len(m.layers))
	for layer, dirs := range m.layers {
		d := dirs[0]
		if !d.parallelizes() {
			continue
		}
		bounds := make([]int, workers+1)
		bounds = bounds[:engine.UnitBounds(bounds, d.hidden, workers)+1]
		for w := 0; w+1 < len(bounds); w++ {
			out[layer] = append(out[layer], d.newShard(bounds[w], bounds[w+1]))
		}
	}
	if m.shards == nil {
		m.shards = map[int][][]shard{}
	}
	m.shards[workers] = out
	return out
}

// parallelStep is what a State's workers share: the shards, the state's
// buffers, the layer being stepped and its input, and the team that runs
// it. It holds no pointer to the State, so that an unreachable
// State's cleanup can stop the workers.
type parallelStep struct {
	shards  [][]shard
	layers  [][]*direction
	h, c    [][]float32
	xh      [][]float32 // per layer: x‖h for the F32 LSTM
	hPrev   [][]float32 // per layer: h_{t−1} for the others
	q       [][]int8    // per layer: x and h_{t−1} quantized (int8)
	xs, hs  []float32   // per layer: their scales
	scratch [][]float32 // per worker: the gates of its units (two halves for the GRU)

	layer int       // the layer of the current job
	in    []float32 // its input

	// A batch over one: per layer, its weights and h_{t−1} (nil for a
	// layer that does not split), and the workers' scratch.
	weights []engine.Weights
	hPrevB  [][]float32
	units   engine.Units

	team *team.Team
}

// SetWorkers makes every later batch-1 Step split each large LSTM and GRU
// layer (ParallelMinBytes of weights or more) across n goroutines: the
// caller's and n − 1 workers, each computing its own share of the units
// from its own copy of their weight rows (built once per model and n, and
// kept by the model: about as much memory again as those layers' weights),
// so that each core streams half the bytes. Workers poll for the next step
// for 50 µs before they park, so a stream stepped without pause pays no
// wake-up; a waiting stream costs that much CPU after each step. n = 1
// (the default) runs every step on the caller's goroutine; other modes
// and smaller layers always do, and so does a batch over eight. A batch of
// two to eight streams splits the same layers by units too, without
// copies: each worker reads its units' rows of every gate block of W_ih
// and W_hh in place (engine.StepUnits; layers of 32 units or more). The
// results agree with one worker's to the kernels' rounding: the shares run the format's MatVecAdd
// and the pointwise kernel where one worker runs the fused step kernel,
// whose sums may round differently. A step allocates nothing itself; when a
// parked worker is woken the Go runtime may allocate its bookkeeping (seen:
// up to 8 mallocs in 5,000 steps). Close (or SetWorkers(1)) stops the workers; a State
// dropped without it stops them when collected. It returns an error for n
// < 1 or n > 64.
func (s *State) SetWorkers(n int) error {
	if n < 1 || n > 64 {
		return fmt.Errorf("cells: SetWorkers: n = %d; want 1 … 64", n)
	}
	s.Close()
	switch {
	case n == 1 || s.batch > engine.PackedRows:
		return nil
	case s.batch > 1:
		return s.setBatchWorkers(n)
	}
	m := s.model
	if bytes, ok := m.shardBytes(); !ok || !shape.Fits(bytes, 1) {
		return tooLarge("SetWorkers: the copies of the split layers' weights (bytes)", bytes, ok)
	}
	p := &parallelStep{shards: m.layerShards(n), layers: m.layers, h: s.h, c: s.c}
	some := false
	for layer, shards := range p.shards {
		if shards == nil {
			p.xh, p.hPrev, p.q = append(p.xh, nil), append(p.hPrev, nil), append(p.q, nil)
			continue
		}
		some = true
		d := m.layers[layer][0]
		var xh, hPrev []float32
		var q []int8
		if d.lowIH == nil && d.mode == LSTM {
			xh = make([]float32, d.input+d.hidden)
		} else {
			hPrev = make([]float32, d.hidden)
		}
		if d.lowIH != nil && d.lowIH.Format == engine.Int8 {
			q = make([]int8, d.input+d.hidden)
		}
		p.xh, p.hPrev, p.q = append(p.xh, xh), append(p.hPrev, hPrev), append(p.q, q)
	}
	if !some {
		return nil // no layer is large enough
	}
	p.xs, p.hs = make([]float32, len(m.layers)), make([]float32, len(m.layers))
	for w := 0; w < n; w++ {
		size := 0
		for layer, shards := range p.shards {
			if w < len(shards) {
				size = max(size, 2*m.layers[layer][0].mode.Gates()*(shards[w].u1-shards[w].u0))
			}
		}
		p.scratch = append(p.scratch, make([]float32, size))
	}
	team.Start(&s.workers, s, n)
	p.team = s.workers.Team()
	s.parallel = p
	return nil
}

// Workers returns the number of goroutines a step may use (1 unless
// SetWorkers set more and some layer is large enough).
func (s *State) Workers() int { return s.workers.Size() }

// Close stops the state's workers (see SetWorkers); the state stays
// usable, on the caller's goroutine alone. It is safe to call more than
// once.
func (s *State) Close() {
	s.workers.Stop()
	s.parallel = nil
}

// step runs layer's batch-1 step on every worker (the caller's share
// included) and waits for all of them.
func (p *parallelStep) step(layer int, in []float32) {
	d := p.layers[layer][0]
	h := p.h[layer]
	if p.xh[layer] != nil {
		copy(p.xh[layer], in)
		copy(p.xh[layer][d.input:], h)
	} else {
		copy(p.hPrev[layer], h)
	}
	if p.q[layer] != nil {
		p.xs[layer] = kernels.QuantizeVector(p.q[layer][:d.input], in)
		p.hs[layer] = kernels.QuantizeVector(p.q[layer][d.input:], h)
	}
	p.layer, p.in = layer, in
	p.team.Do(p, len(p.shards[layer]))
}

// Run computes worker w's share of the current layer (a team.Job).
func (p *parallelStep) Run(w int) {
	layer := p.layer
	d, sh := p.layers[layer][0], &p.shards[layer][w]
	u0, u1 := sh.u0, sh.u1
	units := u1 - u0
	g := d.mode.Gates()
	gates := p.scratch[w][:g*units]
	h := p.h[layer][u0:u1]
	var c []float32
	if p.c != nil {
		c = p.c[layer][u0:u1]
	}
	if sh.joined != nil {
		kernels.LSTMStep(h, c, sh.joined, p.xh[layer], sh.inputBias)
		return
	}
	hidden := gates // the GRU's hidden side goes apart
	if d.mode == GRU {
		copy(gates, sh.biasIH)
		hidden = p.scratch[w][g*units : 2*g*units]
		copy(hidden, sh.biasHH)
	} else {
		copy(gates, sh.inputBias)
	}
	ih, hh := sh.low[0], sh.low[1]
	switch {
	case ih == nil:
		kernels.MatVecAdd(gates, sh.ih, p.in)
		kernels.MatVecAdd(hidden, sh.hh, p.hPrev[layer])
	case ih.Format == engine.F16:
		kernels.MatVecAddF16(gates, ih.F16, p.in)
		kernels.MatVecAddF16(hidden, hh.F16, p.hPrev[layer])
	case ih.Format == engine.BF16:
		kernels.MatVecAddBF16(gates, ih.BF16, p.in)
		kernels.MatVecAddBF16(hidden, hh.BF16, p.hPrev[layer])
	default:
		q := p.q[layer]
		kernels.MatVecAddInt8(gates, ih.Q, ih.Scales, q[:d.input], p.xs[layer])
		kernels.MatVecAddInt8(hidden, hh.Q, hh.Scales, q[d.input:], p.hs[layer])
	}
	if d.mode == LSTM {
		kernels.LSTMForwardBatch(h, c, gates, nil, 1)
		return
	}
	kernels.GRUForwardBatch(h, p.hPrev[layer][u0:u1], gates, hidden, nil, 1)
}

// setBatchWorkers is SetWorkers for a State of 2 … engine.PackedRows
// streams: the layers that parallelize split by units, reading the
// model's weights in place.
func (s *State) setBatchWorkers(n int) error {
	m := s.model
	p := &parallelStep{shards: make([][]shard, len(m.layers)), layers: m.layers, h: s.h, c: s.c}
	some := false
	for _, dirs := range m.layers {
		d := dirs[0]
		var hPrev []float32
		if d.parallelizes() && d.hidden >= engine.MinSplitUnits {
			hPrev = make([]float32, s.batch*d.hidden)
			some = true
		}
		p.weights = append(p.weights, d.weights())
		p.hPrevB = append(p.hPrevB, hPrev)
	}
	if !some {
		return nil
	}
	team.Start(&s.workers, s, n)
	p.team = s.workers.Team()
	s.parallel = p
	return nil
}

// splitsBatch reports whether layer's step of a batch over one splits.
func (p *parallelStep) splitsBatch(layer int) bool {
	return p.hPrevB != nil && p.hPrevB[layer] != nil
}

// stepBatch runs layer's step of a batch over one split by units.
func (p *parallelStep) stepBatch(layer, batch int, in []float32) {
	h, hPrev := p.h[layer], p.hPrevB[layer]
	copy(hPrev, h)
	var c []float32
	if p.c != nil {
		c = p.c[layer]
	}
	engine.StepUnits(p.team, &p.weights[layer], &p.units, batch, in, hPrev, h, c)
}
