package cells

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/simdrnn/simdrnn/cells/safetensors"
)

// modulesKey is the safetensors metadata key in which
// export/simdrnn_export.py and WriteSafetensors describe recurrent modules.
const modulesKey = "simdrnn_modules"

// moduleInfo is one entry of the modulesKey metadata.
type moduleInfo struct {
	Prefix        string `json:"prefix"`
	Mode          string `json:"mode"` // lstm, gru, gru_reset_before, rnn_tanh, rnn_relu
	InputSize     int    `json:"input_size"`
	HiddenSize    int    `json:"hidden_size"`
	NumLayers     int    `json:"num_layers"`
	Bidirectional bool   `json:"bidirectional"`
	BatchFirst    bool   `json:"batch_first"`
	Bias          bool   `json:"bias"`
}

var modeNames = map[string]Mode{"lstm": LSTM, "gru": GRU, "gru_reset_before": GRUResetBefore, "rnn_tanh": RNNTanh, "rnn_relu": RNNReLU}

// metadataName is the modulesKey name of m.
func (m Mode) metadataName() string {
	for name, mode := range modeNames {
		if mode == m {
			return name
		}
	}
	return ""
}

// ConfigFromSafetensors reads the header of the safetensors file at path
// and returns the Config of the recurrent model whose tensors have the
// given prefix ("rnn." for a module's state_dict inside a bigger model, ""
// for a bare nn.LSTM), so that LoadSafetensors(path, cfg, prefix) loads it
// without a hand-typed Config. The tensors give the sizes, the number of
// layers, the directions, the bias and the number of gate blocks: 4 is an
// LSTM, 3 a GRU, 1 a plain RNN. What they cannot tell — a GRU's reset
// before or after the product, an RNN's tanh or ReLU — comes from the
// "simdrnn_modules" metadata that export/simdrnn_export.py and
// WriteSafetensors write; a GRU without it is PyTorch's (reset after), an
// RNN without it is an error. The metadata, when present, must agree with
// the tensors; a contradiction is an error naming the tensor. Precision is
// F32 (set it before loading to load at another).
func ConfigFromSafetensors(path, prefix string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, err
	}
	defer f.Close()
	h, err := safetensors.ReadHeader(f)
	if err != nil {
		return Config{}, err
	}
	return configFromHeader(h, prefix, "")
}

// configFromHeader is ConfigFromSafetensors on a header read. cell, if not
// empty, names the mode (a modulesKey mode name) and overrides the
// metadata's; it must agree with the tensors' gate blocks.
func configFromHeader(h *safetensors.Header, prefix, cell string) (Config, error) {
	shapeOf := func(name string) ([]int, bool) {
		_, s, ok := h.Info(prefix + name)
		return s, ok
	}
	ih, ok := shapeOf("weight_ih_l0")
	if !ok {
		var near []string
		for _, n := range h.Names() {
			if strings.HasSuffix(n, "weight_ih_l0") {
				near = append(near, strings.TrimSuffix(n, "weight_ih_l0"))
			}
		}
		sort.Strings(near)
		return Config{}, fmt.Errorf("cells: no tensor %sweight_ih_l0: not a recurrent layer under prefix %q (prefixes with one: %q)", prefix, prefix, near)
	}
	hh, ok := shapeOf("weight_hh_l0")
	if !ok {
		return Config{}, fmt.Errorf("cells: tensor %sweight_hh_l0 is missing from the file (its weight_ih_l0 is %v)", prefix, ih)
	}
	if len(hh) != 2 || len(ih) != 2 || hh[1] < 1 || hh[0]%hh[1] != 0 || ih[0] != hh[0] {
		return Config{}, fmt.Errorf("cells: tensors %sweight_ih_l0 %v and %sweight_hh_l0 %v are not the weights of a recurrent layer (want [G·H, I] and [G·H, H], G = 4, 3 or 1)", prefix, ih, prefix, hh)
	}
	cfg := Config{InputSize: ih[1], HiddenSize: hh[1], NumLayers: 1}
	switch gates := hh[0] / hh[1]; gates {
	case 4:
		cfg.Mode = LSTM
	case 3:
		cfg.Mode = GRU
	case 1:
		cfg.Mode = -1 // tanh or ReLU: from the metadata
	default:
		return Config{}, fmt.Errorf("cells: tensor %sweight_hh_l0 %v has %d gate blocks of %d rows; want 4 (LSTM), 3 (GRU) or 1 (RNN)", prefix, hh, gates, hh[1])
	}
	for {
		if _, ok := shapeOf(fmt.Sprintf("weight_ih_l%d", cfg.NumLayers)); !ok {
			break
		}
		cfg.NumLayers++
	}
	_, cfg.Bidirectional = shapeOf("weight_ih_l0_reverse")
	_, bias := shapeOf("bias_ih_l0")
	cfg.NoBias = !bias

	if meta, ok := h.Metadata()[modulesKey]; ok {
		var mods []moduleInfo
		if err := json.Unmarshal([]byte(meta), &mods); err != nil {
			return Config{}, fmt.Errorf("cells: metadata %s is not a JSON list of modules: %v", modulesKey, err)
		}
		i := slices.IndexFunc(mods, func(m moduleInfo) bool { return m.Prefix == prefix })
		if i >= 0 {
			m := mods[i]
			mode, known := modeNames[m.Mode]
			switch {
			case !known:
				return Config{}, fmt.Errorf("cells: metadata %s gives module %q the unknown mode %q", modulesKey, prefix, m.Mode)
			case cfg.Mode == -1 && mode != RNNTanh && mode != RNNReLU,
				cfg.Mode == LSTM && mode != LSTM,
				cfg.Mode == GRU && mode != GRU && mode != GRUResetBefore:
				return Config{}, fmt.Errorf("cells: metadata %s says module %q is %s, but tensor %sweight_hh_l0 %v has %d gate blocks", modulesKey, prefix, m.Mode, prefix, hh, hh[0]/hh[1])
			case m.InputSize != cfg.InputSize || m.HiddenSize != cfg.HiddenSize:
				return Config{}, fmt.Errorf("cells: metadata %s says module %q has input %d and hidden %d, but tensor %sweight_ih_l0 is %v and %sweight_hh_l0 %v", modulesKey, prefix, m.InputSize, m.HiddenSize, prefix, ih, prefix, hh)
			case m.NumLayers != cfg.NumLayers || m.Bidirectional != cfg.Bidirectional || m.Bias == cfg.NoBias:
				return Config{}, fmt.Errorf("cells: metadata %s says module %q has %d layers, bidirectional %v, bias %v, but its tensors (%sweight_ih_l…) have %d, %v, %v", modulesKey, prefix, m.NumLayers, m.Bidirectional, m.Bias, prefix, cfg.NumLayers, cfg.Bidirectional, !cfg.NoBias)
			}
			cfg.Mode = mode
		}
	}
	if cell != "" {
		mode, known := modeNames[cell]
		gates := hh[0] / hh[1]
		if !known || mode.Gates() != gates {
			return Config{}, fmt.Errorf("cells: cell %q does not fit tensor %sweight_hh_l0 %v (%d gate blocks; want lstm, gru, gru_reset_before, rnn_tanh or rnn_relu with as many)", cell, prefix, hh, gates)
		}
		cfg.Mode = mode
	}
	if cfg.Mode == -1 {
		return Config{}, fmt.Errorf("cells: tensor %sweight_hh_l0 %v is a plain RNN's, and nothing says whether tanh or ReLU: the file has no %s metadata for prefix %q (export with export/simdrnn_export.py, or set Config.Mode)", prefix, hh, modulesKey, prefix)
	}
	// Every tensor the Config implies must be there with its shape (and
	// no other under the prefix), as LoadSafetensors will check.
	for _, spec := range cfg.Params() {
		s, ok := shapeOf(spec.Name)
		if dtype, _, _ := h.Info(prefix + spec.Name); ok && dtype == "I8" {
			continue // int8 weights: LoadSafetensors checks them with their scales
		}
		if !ok || !slices.Equal(s, spec.Shape) {
			return Config{}, fmt.Errorf("cells: a %d-layer %v of input %d and hidden %d needs tensor %s%s of shape %v; the file has %v (present: %v)", cfg.NumLayers, cfg.Mode, cfg.InputSize, cfg.HiddenSize, prefix, spec.Name, spec.Shape, s, ok)
		}
	}
	return cfg, cfg.Validate()
}
