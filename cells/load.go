package cells

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/simdrnn/simdrnn/cells/safetensors"
)

// LoadSafetensors reads a model's parameters from a safetensors file, the
// format PyTorch users save state_dicts in (F32, or F16, BF16 and F64
// converted to float32 on load), and returns the model for cfg.
//
// Tensors are found by PyTorch name after prefix (e.g. "rnn." for a module's
// state_dict saved from a bigger model, or "" for a bare nn.LSTM). Tensors
// outside the prefix are ignored (skipped, not read); a missing tensor, a
// tensor of the wrong shape or dtype, or an unexpected tensor under the
// prefix is an error naming it. Malformed or truncated files return errors
// too, never a panic; the header's limits are those of package safetensors.
//
// The data is read straight into the model's buffers through a 64 KiB
// buffer, converting as it goes: loading an F32 file takes about the file's
// size in memory, plus the header and a few small slices per layer.
func LoadSafetensors(path string, cfg Config, prefix string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadSafetensors(f, cfg, prefix)
}

// ReadSafetensors is LoadSafetensors from a reader. When r's size is known
// (a file, a bytes.Reader: see safetensors.Read), the data section's size is
// checked against the header before the model is allocated, and the tensors
// outside prefix are skipped by seeking; otherwise they are read and
// discarded, and a truncated input is found when its end is reached (the
// model, of the size cfg asks for, is allocated first).
func ReadSafetensors(r io.Reader, cfg Config, prefix string) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	header, err := safetensors.ReadHeader(r)
	if err != nil {
		return nil, err
	}
	specs := cfg.Params()
	expected := make(map[string]bool, len(specs))
	for _, spec := range specs {
		expected[spec.Name] = true
	}
	var unexpected []string
	for _, name := range header.Names() {
		if rest, ok := strings.CutPrefix(name, prefix); ok && !expected[rest] {
			unexpected = append(unexpected, name)
		}
	}
	if len(unexpected) > 0 {
		sort.Strings(unexpected)
		return nil, fmt.Errorf("cells: unexpected tensors for a %d-layer %v: %s", cfg.NumLayers, cfg.Mode, strings.Join(unexpected, ", "))
	}
	for _, spec := range specs {
		name := prefix + spec.Name
		dtype, shape, ok := header.Info(name)
		if !ok {
			return nil, fmt.Errorf("cells: tensor %s (shape %v) is missing from the file", name, spec.Shape)
		}
		if !slices.Equal(shape, spec.Shape) {
			return nil, fmt.Errorf("cells: tensor %s has shape %v (%s); want %v", name, shape, dtype, spec.Shape)
		}
		switch dtype {
		case "F32", "F16", "BF16", "F64":
		default:
			// The message safetensors.File.Tensor gives.
			return nil, fmt.Errorf("safetensors: tensor %q: dtype %s cannot be converted to float32 (F32, F16, BF16 and F64 can)", name, dtype)
		}
	}
	m := allocate(cfg)
	params := m.paramBuffers()
	dst := make(map[string][]float32, len(params))
	for name, buf := range params {
		dst[prefix+name] = buf
	}
	if err := header.ReadData(r, dst); err != nil {
		return nil, err
	}
	m.finish()
	return m, nil
}

// WriteSafetensors writes the model's parameters under PyTorch's names
// (after prefix) as F32 tensors with their PyTorch shapes; PyTorch's
// safetensors.torch.load_file reads the file back.
func (m *Model) WriteSafetensors(w io.Writer, prefix string) error {
	params := m.Parameters()
	var tensors []safetensors.Tensor
	for _, spec := range m.cfg.Params() {
		tensors = append(tensors, safetensors.Tensor{Name: prefix + spec.Name, Shape: spec.Shape, Data: params[spec.Name]})
	}
	return safetensors.Write(w, tensors, map[string]string{"format": "pt", "producer": "simdrnn"})
}
