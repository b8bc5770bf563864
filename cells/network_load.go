package cells

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/simdrnn/simdrnn/cells/safetensors"
	"github.com/simdrnn/simdrnn/internal/shape"
)

// networkKey is the safetensors metadata key in which
// export/simdrnn_export.py and Network.WriteSafetensors name a network's
// modules.
const networkKey = "simdrnn_network"

// networkInfo is the networkKey metadata: the modules' prefixes (null for
// a module the network lacks), the activation and the head input.
type networkInfo struct {
	Embedding  *string `json:"embedding"`
	RNN        string  `json:"rnn"`
	Head       *string `json:"head"`
	Activation string  `json:"activation,omitempty"`
	HeadInput  string  `json:"head_input,omitempty"`
}

// NoModule, as LoadOptions.EmbeddingPrefix or HeadPrefix, says the
// network has no such module.
const NoModule = "-"

// LoadOptions are the optional inputs of LoadNetwork and ReadNetwork. The
// zero value takes everything from the file.
type LoadOptions struct {
	// Precision is the format the recurrent weights are kept in (F32 by
	// default; see Model.WithPrecision). The embedding and head stay
	// float32.
	Precision Precision
	// RNNPrefix, EmbeddingPrefix and HeadPrefix name the modules' tensor
	// prefixes ("rnn.", "embedding.", "fc."): empty, each comes from the
	// file's simdrnn_network metadata or, without it, from the tensors'
	// names and shapes; NoModule says the network has no embedding or no
	// head.
	RNNPrefix, EmbeddingPrefix, HeadPrefix string
	// Cell names the recurrent mode when the file cannot tell it (an
	// nn.RNN's "rnn_tanh" or "rnn_relu", a "gru_reset_before"); it
	// overrides the metadata's and must fit the tensors ("lstm", "gru" too).
	Cell string
	// Activation and HeadInput override the file's metadata ("activation",
	// "head_input" in simdrnn_network); Auto takes the file's, or none
	// and EveryStep without it.
	Activation Activation
	HeadInput  HeadInput
}

// LoadNetwork reads a whole network from a safetensors file: the
// state_dict of a PyTorch model made of an optional nn.Embedding, one
// nn.LSTM, nn.GRU or nn.RNN (any layers, bidirectional) and an optional
// nn.Linear head, under the names PyTorch gives them ("embedding.weight",
// "rnn.weight_ih_l0", "fc.weight", "fc.bias", with the module names the
// model has), as export/simdrnn_export.py writes it.
//
// The modules are found by the file's simdrnn_network metadata (which the
// exporter writes) or, without it, by their tensors: the recurrent module
// is the one prefix with a weight_ih_l0; an embedding is a 2-D "<p>weight"
// without bias whose rows are the recurrent input wide; a head a 2-D
// "<p>weight" (with or without a "<p>bias") whose rows are the recurrent
// output wide. The recurrent Config is inferred as ConfigFromSafetensors
// infers it. A tensor that fits two roles, or several candidates for one,
// is an error asking for LoadOptions' prefixes; a tensor that belongs to
// no module (say, of a LayerNorm the network cannot run) is an error naming
// it, as are missing tensors, shapes that do not chain, dtypes that cannot
// be converted, and malformed files (never a panic). Tensors load as
// LoadSafetensors loads them (F32, F16, BF16, F64; I8 recurrent weights with
// their scales at Int8), in one pass over the file.
func LoadNetwork(path string, opts *LoadOptions) (*Network, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadNetwork(f, opts)
}

// ReadNetwork is LoadNetwork from a reader (see ReadSafetensors for what a
// reader of known size allows).
func ReadNetwork(r io.Reader, opts *LoadOptions) (*Network, error) {
	if opts == nil {
		opts = &LoadOptions{}
	}
	header, err := safetensors.ReadHeader(r)
	if err != nil {
		return nil, err
	}
	plan, err := planNetwork(header, opts)
	if err != nil {
		return nil, err
	}
	dst := map[string]safetensors.Dest{}
	rnn, finish, err := modelDests(header, plan.cfg, plan.rnn, dst)
	if err != nil {
		return nil, err
	}
	var emb *Embedding
	if plan.hasEmb {
		_, s, _ := header.Info(plan.emb + "weight")
		emb = &Embedding{vocab: s[0], dim: s[1], weight: make([]float32, s[0]*s[1])}
		dst[plan.emb+"weight"] = safetensors.Dest{F32: emb.weight}
	}
	var head *Linear
	if plan.hasHead {
		_, s, _ := header.Info(plan.head + "weight")
		head = &Linear{out: s[0], in: s[1], weight: make([]float32, s[0]*s[1])}
		dst[plan.head+"weight"] = safetensors.Dest{F32: head.weight}
		if _, _, ok := header.Info(plan.head + "bias"); ok {
			head.bias = make([]float32, s[0])
			dst[plan.head+"bias"] = safetensors.Dest{F32: head.bias}
		}
	}
	if err := header.ReadTensors(r, dst); err != nil {
		return nil, err
	}
	if err := finish(); err != nil {
		return nil, err
	}
	parts := NetworkParts{Embedding: emb, RNN: rnn, Head: head, Activation: plan.act, HeadInput: plan.headInput, RNNPrefix: plan.rnn}
	if plan.hasEmb {
		parts.EmbeddingPrefix = plan.emb
	}
	if plan.hasHead {
		parts.HeadPrefix = plan.head
	}
	n, err := NewNetwork(parts)
	if err != nil {
		return nil, err
	}
	n.parts.RNNPrefix = plan.rnn // a bare module's "" included: the names stay the file's
	return n, nil
}

// networkPlan is what planNetwork finds in a header.
type networkPlan struct {
	cfg             Config
	rnn, emb, head  string
	hasEmb, hasHead bool
	act             Activation
	headInput       HeadInput
}

// planNetwork finds the modules of a network in header (see LoadNetwork)
// and checks every tensor's role, shape and the sizes before anything is
// allocated.
func planNetwork(h *safetensors.Header, opts *LoadOptions) (networkPlan, error) {
	var p networkPlan
	var meta *networkInfo
	if text, ok := h.Metadata()[networkKey]; ok {
		meta = &networkInfo{}
		if err := json.Unmarshal([]byte(text), meta); err != nil {
			return p, fmt.Errorf("cells: metadata %s is not a JSON object naming the modules: %v", networkKey, err)
		}
	}

	// The recurrent module.
	switch {
	case opts.RNNPrefix != "":
		p.rnn = opts.RNNPrefix
	case meta != nil:
		p.rnn = meta.RNN
	default:
		var found []string
		for _, name := range h.Names() {
			if prefix, ok := strings.CutSuffix(name, "weight_ih_l0"); ok {
				found = append(found, prefix)
			}
		}
		sort.Strings(found)
		if len(found) != 1 {
			return p, fmt.Errorf("cells: the file holds %d recurrent modules (tensors …weight_ih_l0 under prefixes %q); a Network has one: set LoadOptions.RNNPrefix", len(found), found)
		}
		p.rnn = found[0]
	}
	cfg, err := configFromHeader(h, p.rnn, opts.Cell)
	if err != nil {
		return p, err
	}
	cfg.Precision = opts.Precision
	if err := cfg.Validate(); err != nil {
		return p, err
	}
	p.cfg = cfg
	used := map[string]bool{}
	for name := range modelTensors(h, cfg, p.rnn) {
		used[p.rnn+name] = true
	}

	// The embedding and the head: 2-D "<prefix>weight" tensors outside
	// the recurrent module.
	type candidate struct {
		prefix     string
		shape      []int
		bias, fits bool // a 1-D "<prefix>bias" exists; and is [rows]
	}
	var candidates []candidate
	for _, name := range h.Names() {
		prefix, ok := strings.CutSuffix(name, "weight")
		if _, s, _ := h.Info(name); !ok || used[name] || len(s) != 2 {
			continue
		}
		_, s, _ := h.Info(name)
		c := candidate{prefix: prefix, shape: s}
		_, bs, bias := h.Info(prefix + "bias")
		c.bias, c.fits = bias, !bias || slices.Equal(bs, s[:1])
		candidates = append(candidates, c)
	}
	embOK := func(c candidate) bool { return !c.bias && c.shape[1] == cfg.InputSize }
	headOK := func(c candidate) bool { return c.fits && c.shape[1] == cfg.OutputSize() }
	pick := func(role string, given string, fromMeta *string, ok func(candidate) bool, taken string) (string, bool, error) {
		switch {
		case given == NoModule:
			return "", false, nil
		case given != "":
			return given, true, nil
		case meta != nil:
			if fromMeta == nil {
				return "", false, nil
			}
			return *fromMeta, true, nil
		}
		var found []string
		for _, c := range candidates {
			if ok(c) && c.prefix != taken {
				found = append(found, c.prefix)
			}
		}
		sort.Strings(found)
		if len(found) > 1 {
			return "", false, fmt.Errorf("cells: tensors under %q could each be the %s; set LoadOptions.%sPrefix (or export with export/simdrnn_export.py)", found, role, strings.ToUpper(role[:1])+role[1:])
		}
		return strings.Join(found, ""), len(found) == 1, nil
	}
	var embMeta, headMeta *string
	if meta != nil {
		embMeta, headMeta = meta.Embedding, meta.Head
	}
	if p.emb, p.hasEmb, err = pick("embedding", opts.EmbeddingPrefix, embMeta, embOK, "\x00"); err != nil {
		return p, err
	}
	if p.head, p.hasHead, err = pick("head", opts.HeadPrefix, headMeta, headOK, p.emb); err != nil {
		return p, err
	}
	if p.hasEmb && p.hasHead && p.emb == p.head {
		return p, fmt.Errorf("cells: tensor %sweight cannot be both the embedding and the head", p.emb)
	}
	autoBoth := opts.EmbeddingPrefix == "" && opts.HeadPrefix == "" && meta == nil
	if autoBoth && p.hasEmb && !p.hasHead {
		// The one 2-D weight fits the embedding; if it fits the head as
		// well, nothing says which it is.
		for _, c := range candidates {
			if c.prefix == p.emb && headOK(c) {
				return p, fmt.Errorf("cells: tensor %sweight %v could be the embedding or the head; set LoadOptions.EmbeddingPrefix or HeadPrefix (%q for none), or export with export/simdrnn_export.py", p.emb, c.shape, NoModule)
			}
		}
	}

	var total shape.Counter
	if p.hasEmb {
		name := p.emb + "weight"
		_, s, ok := h.Info(name)
		if !ok || len(s) != 2 || s[0] < 1 || s[1] != cfg.InputSize {
			return p, fmt.Errorf("cells: the embedding's tensor %s has shape %v (present: %v); want [vocab ≥ 1, %d], the recurrent input %sweight_ih_l0 being %d wide", name, s, ok, cfg.InputSize, p.rnn, cfg.InputSize)
		}
		used[name] = true
		total.Add(s[0], s[1])
	}
	if p.hasHead {
		name := p.head + "weight"
		_, s, ok := h.Info(name)
		if !ok || len(s) != 2 || s[0] < 1 || s[1] != cfg.OutputSize() {
			return p, fmt.Errorf("cells: the head's tensor %s has shape %v (present: %v); want [outputs ≥ 1, %d], the recurrent output's width", name, s, ok, cfg.OutputSize())
		}
		used[name] = true
		if _, bs, ok := h.Info(p.head + "bias"); ok {
			if !slices.Equal(bs, s[:1]) {
				return p, fmt.Errorf("cells: the head's tensor %sbias has shape %v; want [%d]", p.head, bs, s[0])
			}
			used[p.head+"bias"] = true
		}
		total.Add(s[0], s[1]+1)
	}
	if !total.OK() || !shape.Fits(total.N(), 4) {
		return p, tooLarge("LoadNetwork: the embedding and head", total.N(), total.OK())
	}
	for _, name := range []string{p.emb + "weight", p.head + "weight", p.head + "bias"} {
		if dtype, _, ok := h.Info(name); ok && used[name] && dtype != "F32" && dtype != "F16" && dtype != "BF16" && dtype != "F64" {
			return p, fmt.Errorf("cells: tensor %s has dtype %s; the embedding and head load from F32, F16, BF16 or F64", name, dtype)
		}
	}
	var unexpected []string
	for _, name := range h.Names() {
		if !used[name] {
			unexpected = append(unexpected, name)
		}
	}
	if len(unexpected) > 0 {
		sort.Strings(unexpected)
		return p, fmt.Errorf("cells: tensors %s belong to no module of the network (an optional embedding %q, the recurrent %q, an optional head %q); a Network runs nn.Embedding → nn.LSTM/GRU/RNN → nn.Linear only", strings.Join(unexpected, ", "), p.emb, p.rnn, p.head)
	}

	// Activation and head input: the options', else the metadata's.
	p.act, p.headInput = opts.Activation, opts.HeadInput
	if p.act == ActivationAuto && meta != nil && meta.Activation != "" {
		if p.act, err = ParseActivation(meta.Activation); err != nil {
			return p, fmt.Errorf("cells: metadata %s: %v", networkKey, err)
		}
	}
	if p.headInput == HeadInputAuto && meta != nil && meta.HeadInput != "" {
		if p.headInput, err = ParseHeadInput(meta.HeadInput); err != nil {
			return p, fmt.Errorf("cells: metadata %s: %v", networkKey, err)
		}
	}
	return p, nil
}

// SaveSafetensors writes the network to the file at path as
// WriteSafetensors writes it (LoadNetwork reads it back), through a
// temporary file renamed over path, as Model.SaveSafetensors.
func (n *Network) SaveSafetensors(path string) error {
	return saveFile(path, n.WriteSafetensors)
}

// WriteSafetensors writes every module's tensors under the network's
// prefixes (see Prefixes): the embedding's and head's in F32, the
// recurrent model's as Model.WriteSafetensors writes them, with the
// simdrnn_network metadata that names the modules, the activation and the
// head input. ReadNetwork reads it back to the same bits; PyTorch's
// load_state_dict takes its tensors.
func (n *Network) WriteSafetensors(w io.Writer) error {
	emb, rnn, head := n.parts.EmbeddingPrefix, n.parts.RNNPrefix, n.parts.HeadPrefix
	meta, err := n.parts.RNN.metadata(rnn)
	if err != nil {
		return err
	}
	info := networkInfo{RNN: rnn, Activation: n.parts.Activation.String(), HeadInput: n.parts.HeadInput.String()}
	tensors := n.parts.RNN.tensors(rnn)
	if e := n.parts.Embedding; e != nil {
		info.Embedding = &emb
		tensors = append(tensors, safetensors.Tensor{Name: emb + "weight", Shape: []int{e.vocab, e.dim}, Data: e.weight})
	}
	if l := n.parts.Head; l != nil {
		info.Head = &head
		tensors = append(tensors, safetensors.Tensor{Name: head + "weight", Shape: []int{l.out, l.in}, Data: l.weight})
		if l.bias != nil {
			tensors = append(tensors, safetensors.Tensor{Name: head + "bias", Shape: []int{l.out}, Data: l.bias})
		}
	}
	text, err := json.Marshal(info)
	if err != nil {
		return err
	}
	meta[networkKey] = string(text)
	return safetensors.Write(w, tensors, meta)
}
