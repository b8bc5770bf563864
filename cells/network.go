package cells

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/internal/seq"
	"github.com/simdrnn/simdrnn/internal/shape"
	"github.com/simdrnn/simdrnn/kernels"
)

// Activation is what a Network applies to its outputs (its head's, or the
// recurrent model's without a head).
type Activation int

const (
	// ActivationAuto, in LoadOptions, takes the activation the file's
	// metadata names (none without it); in NetworkParts it means none.
	ActivationAuto Activation = iota
	// NoActivation leaves the outputs as they are (logits).
	NoActivation
	// Softmax turns each output row into probabilities, exp(y_i − max y)
	// / Σ_j exp(y_j − max y), the sum in float64. A row holding a NaN or
	// +Inf, or only −Inf, gives NaN throughout; other −Inf entries give 0.
	Softmax
	// Sigmoid applies σ(y) = 1 / (1 + e^−y) to every output (kernels.Sigmoid).
	Sigmoid
)

var activationNames = [...]string{"auto", "none", "softmax", "sigmoid"}

func (a Activation) String() string { return enumName("Activation", activationNames[:], int(a)) }

// ParseActivation returns the Activation named s: "none", "softmax",
// "sigmoid" (or "auto"; "" is NoActivation).
func ParseActivation(s string) (Activation, error) {
	i, err := parseEnum("activation", activationNames[:], s, int(NoActivation))
	return Activation(i), err
}

// enumName is names[i], or kind(i) for an i out of range.
func enumName(kind string, names []string, i int) string {
	if i < 0 || i >= len(names) {
		return fmt.Sprintf("%s(%d)", kind, i)
	}
	return names[i]
}

// parseEnum returns the index of s in names (empty: empty), or an error
// listing the names but the first ("auto").
func parseEnum(kind string, names []string, s string, empty int) (int, error) {
	if s == "" {
		return empty, nil
	}
	for i, name := range names {
		if s == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("cells: unknown %s %q (want %s)", kind, s, strings.Join(names[1:], ", "))
}

// HeadInput says what a Network's head (or, without a head, its output)
// reads from the recurrent model.
type HeadInput int

const (
	// HeadInputAuto, in LoadOptions, takes the file's metadata
	// ("head_input"), EveryStep without it; in NetworkParts it means
	// EveryStep.
	HeadInputAuto HeadInput = iota
	// EveryStep applies the head to the last layer's output at every
	// step: Forward's Y is steps × batch × OutputSize (batch-first:
	// batch × steps × OutputSize), as nn.Linear applied to nn.LSTM's
	// output is. Past a sample's length the recurrent output is zero, so
	// Y holds the head of a zero vector there (its bias, activated), as in
	// PyTorch on a padded sequence.
	EveryStep
	// FinalState applies the head to the last layer's final state, both
	// directions side by side when bidirectional (PyTorch's
	// torch.cat((h_n[-2], h_n[-1]), 1)), each sample's after its own last
	// step: Forward's Y is batch × OutputSize.
	FinalState
)

var headInputNames = [...]string{"auto", "steps", "final"}

func (h HeadInput) String() string { return enumName("HeadInput", headInputNames[:], int(h)) }

// ParseHeadInput returns the HeadInput named s: "steps" or "final" (or
// "auto"; "" is EveryStep).
func ParseHeadInput(s string) (HeadInput, error) {
	i, err := parseEnum("head input", headInputNames[:], s, int(EveryStep))
	return HeadInput(i), err
}

// Embedding is PyTorch's nn.Embedding at inference: token id k becomes row
// k of the Vocab × Dim weight. It is read-only after NewEmbedding.
type Embedding struct {
	vocab, dim int
	weight     []float32
}

// NewEmbedding returns an embedding of vocab rows of dim floats from weight
// (vocab × dim, row-major, copied). It returns an error unless vocab ≥ 1,
// dim ≥ 1, the weight fits in memory and len(weight) = vocab·dim.
func NewEmbedding(vocab, dim int, weight []float32) (*Embedding, error) {
	n, err := matrixSize("NewEmbedding", "vocab × dim", vocab, dim)
	if err != nil {
		return nil, err
	}
	if len(weight) != n {
		return nil, fmt.Errorf("cells: NewEmbedding: len(weight) = %d; want vocab × dim = %d × %d = %d", len(weight), vocab, dim, n)
	}
	return &Embedding{vocab: vocab, dim: dim, weight: clone(weight)}, nil
}

// matrixSize checks rows × cols for a constructor: both ≥ 1, the product
// countable and within the memory limit in float32s.
func matrixSize(fn, what string, rows, cols int) (int, error) {
	if rows < 1 || cols < 1 {
		return 0, fmt.Errorf("cells: %s: %s = %d × %d; both must be ≥ 1", fn, what, rows, cols)
	}
	n, ok := shape.Mul(rows, cols)
	if !ok || !shape.Fits(n, 4) {
		return 0, tooLarge(fmt.Sprintf("%s: %s = %d × %d", fn, what, rows, cols), n, ok)
	}
	return n, nil
}

// Vocab returns the number of token ids, Dim the width of a row.
func (e *Embedding) Vocab() int { return e.vocab }

// Dim returns the width of an embedded token.
func (e *Embedding) Dim() int { return e.dim }

// Weight returns a copy of the vocab × dim weight.
func (e *Embedding) Weight() []float32 { return clone(e.weight) }

// checkIDs returns an error naming the first id outside [0, vocab).
func (e *Embedding) checkIDs(fn string, ids []int64) error {
	for i, id := range ids {
		if id < 0 || id >= int64(e.vocab) {
			return fmt.Errorf("cells: %s: token id %d at index %d is outside the embedding's vocabulary [0, %d)", fn, id, i, e.vocab)
		}
	}
	return nil
}

// lookup writes the rows of ids (checked) to dst, len(ids) × dim.
func (e *Embedding) lookup(dst []float32, ids []int64) {
	for i, id := range ids {
		copy(dst[i*e.dim:(i+1)*e.dim], e.weight[int(id)*e.dim:(int(id)+1)*e.dim])
	}
}

// Linear is PyTorch's nn.Linear at inference: y = W·x + b, W Out × In
// (row-major, PyTorch's layout), b of Out floats or none (bias=False). It
// is read-only after NewLinear.
type Linear struct {
	in, out      int
	weight, bias []float32
}

// NewLinear returns a linear layer from in to out features with weight
// (out × in, row-major) and bias (out floats, or nil for none), both
// copied. It returns an error unless in ≥ 1, out ≥ 1, the weight fits in
// memory and the lengths match.
func NewLinear(in, out int, weight, bias []float32) (*Linear, error) {
	n, err := matrixSize("NewLinear", "out × in", out, in)
	if err != nil {
		return nil, err
	}
	if len(weight) != n {
		return nil, fmt.Errorf("cells: NewLinear: len(weight) = %d; want out × in = %d × %d = %d", len(weight), out, in, n)
	}
	if bias != nil && len(bias) != out {
		return nil, fmt.Errorf("cells: NewLinear: len(bias) = %d; want out = %d (or a nil bias)", len(bias), out)
	}
	l := &Linear{in: in, out: out, weight: clone(weight)}
	if bias != nil {
		l.bias = clone(bias)
	}
	return l, nil
}

// In returns the layer's input width.
func (l *Linear) In() int { return l.in }

// Out returns the layer's output width.
func (l *Linear) Out() int { return l.out }

// Weight returns a copy of the out × in weight.
func (l *Linear) Weight() []float32 { return clone(l.weight) }

// Bias returns a copy of the bias, or nil for a layer without one.
func (l *Linear) Bias() []float32 {
	if l.bias == nil {
		return nil
	}
	return clone(l.bias)
}

// apply sets y = x·Wᵀ + b for rows rows (x rows × in, y rows × out), as
// PyTorch's addmm: each row starts as b and the product is added.
func (l *Linear) apply(y, x []float32, rows int) {
	if l.bias != nil {
		seq.FillRows(y, l.bias)
	} else {
		clear(y)
	}
	if rows == 1 {
		kernels.MatVecAdd(y, l.weight, x)
		return
	}
	kernels.MatMulAdd(false, true, rows, l.out, l.in, x, l.in, l.weight, l.in, y, l.out)
}

// activate applies a to y, rows of width floats.
func activate(a Activation, y []float32, width int) {
	switch a {
	case Sigmoid:
		kernels.Sigmoid(y, y)
	case Softmax:
		for at := 0; at < len(y); at += width {
			softmax(y[at : at+width])
		}
	}
}

// softmax replaces row by its softmax, exponentials summed in float64.
func softmax(row []float32) {
	top := float32(math.Inf(-1))
	for _, v := range row {
		if v > top || v != v {
			top = v
		}
		if v != v {
			break
		}
	}
	var sum float64
	for i, v := range row {
		e := math.Exp(float64(v - top))
		row[i] = float32(e)
		sum += e
	}
	scale := 1 / sum
	for i, v := range row {
		row[i] = float32(float64(v) * scale)
	}
}

// NetworkParts are the modules of a Network, in the order they run.
type NetworkParts struct {
	// Embedding, if set, maps token ids to the recurrent model's input:
	// its Dim must be the model's InputSize, and the network's input is
	// ids (Input.IDs).
	Embedding *Embedding
	// RNN is the recurrent model (required).
	RNN *Model
	// Head, if set, maps what HeadInput selects (the model's OutputSize
	// wide) to the network's outputs: its In must be the model's
	// OutputSize.
	Head *Linear
	// Activation is applied to the outputs (ActivationAuto is none).
	Activation Activation
	// HeadInput selects every step's output or the final state
	// (HeadInputAuto is EveryStep).
	HeadInput HeadInput
	// EmbeddingPrefix, RNNPrefix and HeadPrefix name the modules' tensors
	// in files (WriteSafetensors): empty, DefaultEmbeddingPrefix,
	// DefaultRNNPrefix and DefaultHeadPrefix. LoadNetwork sets the file's.
	EmbeddingPrefix, RNNPrefix, HeadPrefix string
}

// Network is a whole model for inference, as PyTorch users build one: an
// optional nn.Embedding, a recurrent model (nn.LSTM, nn.GRU, nn.RNN: any
// layers, directions, precision) and an optional nn.Linear head with an
// optional softmax or sigmoid. LoadNetwork reads one from the state_dict
// that export/simdrnn_export.py writes. A Network is read-only and safe for
// concurrent use, as Model is.
type Network struct {
	parts NetworkParts
}

// Default module prefixes of a Network built by NewNetwork when it is
// written to a file.
const (
	DefaultEmbeddingPrefix = "embedding."
	DefaultRNNPrefix       = "rnn."
	DefaultHeadPrefix      = "fc."
)

// NewNetwork returns the network of the given parts (not copied: they are
// read-only). It returns an error if RNN is nil, the sizes do not chain,
// or an activation or head input is unknown.
func NewNetwork(p NetworkParts) (*Network, error) {
	if p.RNN == nil {
		return nil, errors.New("cells: NewNetwork: the recurrent model (NetworkParts.RNN) is nil")
	}
	cfg := p.RNN.Config()
	if p.Embedding != nil && p.Embedding.dim != cfg.InputSize {
		return nil, fmt.Errorf("cells: NewNetwork: the embedding's rows are %d wide but the recurrent model's input is %d", p.Embedding.dim, cfg.InputSize)
	}
	if p.Head != nil && p.Head.in != cfg.OutputSize() {
		return nil, fmt.Errorf("cells: NewNetwork: the head's input is %d wide but the recurrent model's output is %d (hidden %d × %d directions)", p.Head.in, cfg.OutputSize(), cfg.HiddenSize, cfg.directions())
	}
	switch p.Activation {
	case ActivationAuto:
		p.Activation = NoActivation
	case NoActivation, Softmax, Sigmoid:
	default:
		return nil, fmt.Errorf("cells: NewNetwork: unknown activation %v", p.Activation)
	}
	switch p.HeadInput {
	case HeadInputAuto:
		p.HeadInput = EveryStep
	case EveryStep, FinalState:
	default:
		return nil, fmt.Errorf("cells: NewNetwork: unknown head input %v", p.HeadInput)
	}
	for _, prefix := range []struct {
		p   *string
		def string
	}{{&p.EmbeddingPrefix, DefaultEmbeddingPrefix}, {&p.RNNPrefix, DefaultRNNPrefix}, {&p.HeadPrefix, DefaultHeadPrefix}} {
		if *prefix.p == "" {
			*prefix.p = prefix.def
		}
	}
	if p.EmbeddingPrefix == p.RNNPrefix || p.HeadPrefix == p.RNNPrefix || p.EmbeddingPrefix == p.HeadPrefix {
		return nil, fmt.Errorf("cells: NewNetwork: the module prefixes %q, %q and %q must differ", p.EmbeddingPrefix, p.RNNPrefix, p.HeadPrefix)
	}
	return &Network{parts: p}, nil
}

// Parts returns the network's modules and options (Activation, HeadInput
// and the prefixes resolved: never Auto or empty).
func (n *Network) Parts() NetworkParts { return n.parts }

// InputSize returns the floats per step and sample of Input.X, or 0 for a
// network with an embedding (whose input is one token id per step and
// sample).
func (n *Network) InputSize() int {
	if n.parts.Embedding != nil {
		return 0
	}
	return n.parts.RNN.cfg.InputSize
}

// OutputSize returns the width of an output row: the head's Out, or the
// recurrent model's OutputSize without a head.
func (n *Network) OutputSize() int {
	if n.parts.Head != nil {
		return n.parts.Head.out
	}
	return n.parts.RNN.cfg.OutputSize()
}

// WithPrecision returns a copy of the network whose recurrent model keeps
// its weights in precision p (Model.WithPrecision); the embedding and the
// head stay float32 and are shared with n.
func (n *Network) WithPrecision(p Precision) (*Network, error) {
	rnn, err := n.parts.RNN.WithPrecision(p)
	if err != nil {
		return nil, err
	}
	c := *n
	c.parts.RNN = rnn
	return &c, nil
}

// Parameters returns copies of every module's parameters under the names
// a file of the network holds (prefixes included): the embedding's
// "<prefix>weight", the recurrent model's (Model.Parameters) and the
// head's "<prefix>weight" and "<prefix>bias".
func (n *Network) Parameters() map[string][]float32 {
	emb, rnn, head := n.parts.EmbeddingPrefix, n.parts.RNNPrefix, n.parts.HeadPrefix
	out := map[string][]float32{}
	for name, v := range n.parts.RNN.Parameters() {
		out[rnn+name] = v
	}
	if e := n.parts.Embedding; e != nil {
		out[emb+"weight"] = e.Weight()
	}
	if h := n.parts.Head; h != nil {
		out[head+"weight"] = h.Weight()
		if h.bias != nil {
			out[head+"bias"] = h.Bias()
		}
	}
	return out
}

// StepBytes returns the bytes of parameters a batch-1 Step reads: the
// recurrent model's weights in their precision (WeightBytes) and its
// float32 biases, one embedding row, and the head's weight and bias.
func (n *Network) StepBytes() int {
	total := n.parts.RNN.WeightBytes()
	cfg := n.parts.RNN.cfg
	if !cfg.NoBias {
		total += 2 * cfg.NumLayers * cfg.directions() * cfg.Mode.Gates() * cfg.HiddenSize * 4
	}
	if e := n.parts.Embedding; e != nil {
		total += e.dim * 4
	}
	if h := n.parts.Head; h != nil {
		total += (len(h.weight) + len(h.bias)) * 4
	}
	return total
}

// Input is a network's input for Forward or Step: features X (steps ×
// batch × InputSize for Forward, batch-first with BatchFirst; batch ×
// InputSize for Step) for a network without an embedding, or token ids IDs
// (steps × batch, or batch × steps; batch for Step) for one with. The
// other field must be nil.
type Input struct {
	X   []float32
	IDs []int64
}

// checkInput checks in's field and length (rows inputs) before anything
// is touched.
func (n *Network) checkInput(fn string, in Input, rows int, rowsText string) error {
	if e := n.parts.Embedding; e != nil {
		if in.X != nil || len(in.IDs) != rows {
			return fmt.Errorf("cells: %s: the network starts with an embedding: want %s = %d token ids in Input.IDs and a nil Input.X; got %d ids and %d floats", fn, rowsText, rows, len(in.IDs), len(in.X))
		}
		return e.checkIDs(fn, in.IDs)
	}
	if in.IDs != nil {
		return fmt.Errorf("cells: %s: the network has no embedding: want features in Input.X, not %d token ids", fn, len(in.IDs))
	}
	width := n.parts.RNN.cfg.InputSize
	if want, ok := shape.Mul(rows, width); !ok || len(in.X) != want {
		return fmt.Errorf("cells: %s: len(Input.X) = %d; want %s × input = %d × %d%s", fn, len(in.X), rowsText, rows, width, shape.ProductText(want, ok))
	}
	return nil
}

// Forward runs the network over whole sequences: the embedding (if any),
// the recurrent model's Forward (see Model.Forward for steps, batch and the
// options: lengths, batch-first, initial states), then the head on every
// step's output or on the final state (HeadInput) and the activation. The
// Output's Y holds the network's outputs (see HeadInput for the layout),
// HN and CN the recurrent model's final states. Token ids outside the
// vocabulary are errors, as are the shapes Model.Forward rejects.
// It allocates its outputs and scratch; ForwardInto reuses them.
func (n *Network) Forward(in Input, steps, batch int, opts *SequenceOptions) (*Output, error) {
	out := &Output{}
	if err := n.ForwardInto(out, &Workspace{}, in, steps, batch, opts); err != nil {
		return nil, err
	}
	return out, nil
}

// ForwardInto is Forward writing into out and working in ws, as
// Model.ForwardInto: once out and ws have served a call at least as large,
// it allocates nothing. On an error out is left as it was.
func (n *Network) ForwardInto(out *Output, ws *Workspace, in Input, steps, batch int, opts *SequenceOptions) error {
	if out == nil || ws == nil {
		return errors.New("cells: Network.ForwardInto: nil Output or Workspace")
	}
	if opts == nil {
		opts = &SequenceOptions{}
	}
	if steps < 1 || batch < 1 {
		return fmt.Errorf("cells: Network.Forward: steps = %d and batch = %d; both must be ≥ 1", steps, batch)
	}
	rows, ok := shape.Mul(steps, batch)
	if !ok {
		return tooLarge(fmt.Sprintf("Network.Forward: %d steps × batch %d", steps, batch), rows, ok)
	}
	if err := n.checkInput("Network.Forward", in, rows, "steps × batch"); err != nil {
		return err
	}
	cfg := n.parts.RNN.cfg
	width, outWidth := cfg.OutputSize(), n.OutputSize()
	var total shape.Counter
	if n.parts.Embedding != nil {
		total.Add(rows, cfg.InputSize)
	}
	headRows := rows
	if n.parts.HeadInput == FinalState {
		headRows = batch
		total.Add(batch, width)
	}
	total.Add(headRows, outWidth)
	if !total.OK() || !shape.Fits(total.N(), 4) {
		return tooLarge(fmt.Sprintf("Network.Forward: the embedded input and outputs of %d steps × batch %d", steps, batch), total.N(), total.OK())
	}

	x := in.X
	if e := n.parts.Embedding; e != nil {
		ws.embedded = engine.Grow(ws.embedded, rows*e.dim)
		e.lookup(ws.embedded, in.IDs)
		x = ws.embedded
	}
	// The recurrent model writes its final states into out and its
	// outputs into the workspace (or into out.Y when they are the result).
	direct := n.parts.Head == nil && n.parts.HeadInput == EveryStep
	rnnOut := Output{Y: ws.rnnY, HN: out.HN, CN: out.CN}
	if direct {
		rnnOut.Y = out.Y
	}
	if err := n.parts.RNN.ForwardInto(&rnnOut, ws, x, steps, batch, opts); err != nil {
		return err
	}
	out.HN, out.CN = rnnOut.HN, rnnOut.CN
	if direct {
		out.Y = rnnOut.Y
		activate(n.parts.Activation, out.Y, outWidth)
		return nil
	}
	ws.rnnY = rnnOut.Y
	headIn := ws.rnnY
	if n.parts.HeadInput == FinalState {
		ws.final = engine.Grow(ws.final, batch*width)
		headIn = ws.final
		n.finalState(headIn, out.HN, batch)
	}
	out.Y = engine.Grow(out.Y, headRows*outWidth)
	if h := n.parts.Head; h != nil {
		h.apply(out.Y, headIn, headRows)
	} else {
		copy(out.Y, headIn)
	}
	activate(n.parts.Activation, out.Y, outWidth)
	return nil
}

// finalState writes the last layer's final states from hn ((layers ·
// directions) × batch × H) to dst, batch × directions·H, the directions
// of each sample side by side.
func (n *Network) finalState(dst, hn []float32, batch int) {
	cfg := n.parts.RNN.cfg
	hid := cfg.HiddenSize
	seq.LastStates(cfg.NumLayers, cfg.directions(), batch, hid, func(at, last int) {
		copy(dst[last:last+hid], hn[at:at+hid])
	})
}

// NetworkState is the state of batch streams through a Network for Step.
type NetworkState struct {
	net      *Network
	rnn      *State
	embedded []float32 // batch × InputSize: the embedded ids
}

// NewState returns a zero state for batch streams (batch ≥ 1); Step then
// allocates nothing. A bidirectional network cannot stream
// (ErrBidirectional); sizes are checked as Model.NewState checks them.
func (n *Network) NewState(batch int) (*NetworkState, error) {
	var rows int // the embedded inputs' floats, batch × dim
	if e := n.parts.Embedding; e != nil {
		var ok bool
		if rows, ok = shape.Mul(batch, e.dim); batch >= 1 && (!ok || !shape.Fits(rows, 4)) {
			return nil, tooLarge(fmt.Sprintf("Network.NewState: the embedded inputs of a batch of %d streams", batch), rows, ok)
		}
	}
	rnn, err := n.parts.RNN.NewState(batch) // checks batch ≥ 1 and the state's sizes
	if err != nil {
		return nil, err
	}
	s := &NetworkState{net: n, rnn: rnn}
	if rows > 0 {
		s.embedded = make([]float32, rows)
	}
	return s, nil
}

// RNN returns the recurrent model's state (its layers' h and c).
func (s *NetworkState) RNN() *State { return s.rnn }

// Reset sets the state to zeros, as a new one.
func (s *NetworkState) Reset() { s.rnn.Reset() }

// Step advances the network by one time step for every stream: in holds
// batch inputs (Input.X batch × InputSize, or Input.IDs batch token ids),
// and y, batch × OutputSize, receives the head's outputs (activated) for
// the new last-layer state, or that state itself without a head. It
// allocates nothing; errors are Model.Step's, and bad ids or lengths.
func (n *Network) Step(s *NetworkState, in Input, y []float32) error {
	if s == nil {
		return errors.New("cells: Network.Step: the state is nil (use Network.NewState)")
	}
	if s.net != n {
		return errors.New("cells: Network.Step: the state belongs to another network")
	}
	batch := s.rnn.batch
	if err := n.checkInput("Network.Step", in, batch, "batch"); err != nil {
		return err
	}
	outWidth := n.OutputSize()
	if want, ok := shape.Mul(batch, outWidth); !ok || len(y) != want {
		return fmt.Errorf("cells: Network.Step: len(y) = %d; want batch × outputs = %d × %d%s", len(y), batch, outWidth, shape.ProductText(want, ok))
	}
	x := in.X
	if e := n.parts.Embedding; e != nil {
		e.lookup(s.embedded, in.IDs)
		x = s.embedded
	}
	rnn := n.parts.RNN
	if err := rnn.Step(s.rnn, x, nil); err != nil {
		return err
	}
	h := s.rnn.h[rnn.cfg.NumLayers-1]
	if head := n.parts.Head; head != nil {
		head.apply(y, h, batch)
	} else {
		copy(y, h)
	}
	activate(n.parts.Activation, y, outWidth)
	return nil
}
