package cells

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unsafe"

	"github.com/simdrnn/simdrnn/cells/safetensors"
	"github.com/simdrnn/simdrnn/internal/engine"
	"github.com/simdrnn/simdrnn/kernels"
)

// LoadSafetensors reads a model's parameters from a safetensors file, the
// format PyTorch users save state_dicts in, and returns the model for cfg,
// its weights kept at cfg.Precision.
//
// Tensors are found by PyTorch name after prefix (e.g. "rnn." for a module's
// state_dict saved from a bigger model, or "" for a bare nn.LSTM). Tensors
// outside the prefix are ignored (skipped, not read); a missing tensor, a
// tensor of the wrong shape or dtype, or an unexpected tensor under the
// prefix is an error naming it. Malformed or truncated files return errors
// too, never a panic; the header's limits are those of package safetensors.
//
// Dtypes: F32, F16, BF16 and F64 tensors load at any precision (converted
// as Model.WithPrecision converts); an F16 or BF16 weight loads into a model
// of the same precision bit for bit, without a float32 copy. Int8 weights,
// as WriteSafetensors writes them (an I8 tensor and its F32 row scales
// "<name>_scale"), load only at Int8, bit for bit; values of −128 or
// scales that are negative or not finite are errors.
//
// The data is read straight into the model's buffers through a 64 KiB
// buffer, converting as it goes: loading an F32 file takes about the file's
// size in memory, plus the header and a few small slices per layer; loading
// it at a reduced precision adds one float32 buffer of the largest weight
// tensor, not a copy of the model.
func LoadSafetensors(path string, cfg Config, prefix string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadSafetensors(f, cfg, prefix)
}

// scaleSuffix names the row scales of an int8 weight tensor.
const scaleSuffix = "_scale"

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
	expected := modelTensors(header, cfg, prefix)
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
	dst := map[string]safetensors.Dest{}
	m, finish, err := modelDests(header, cfg, prefix, dst)
	if err != nil {
		return nil, err
	}
	if err := header.ReadTensors(r, dst); err != nil {
		return nil, err
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return m, nil
}

// modelTensors returns the names, after prefix, of the tensors a model of
// cfg reads from header: its parameters and, for I8 weights, their scales.
func modelTensors(header *safetensors.Header, cfg Config, prefix string) map[string]bool {
	specs := cfg.Params()
	expected := make(map[string]bool, len(specs))
	for _, spec := range specs {
		expected[spec.Name] = true
		if dtype, _, _ := header.Info(prefix + spec.Name); dtype == "I8" && strings.HasPrefix(spec.Name, "weight_") {
			expected[spec.Name+scaleSuffix] = true
		}
	}
	return expected
}

// modelDests checks header's tensors for the model cfg under prefix (each
// one present, of its shape and of a dtype the precision loads), allocates
// the model, and adds the destinations of its tensors to dst; finish checks
// int8 tensors and completes the model once ReadTensors has filled them.
func modelDests(header *safetensors.Header, cfg Config, prefix string, dst map[string]safetensors.Dest) (m *Model, finish func() error, err error) {
	specs := cfg.Params()
	isWeight := func(spec ParamSpec) bool { return strings.HasPrefix(spec.Name, "weight_") }
	largest := 0
	for _, spec := range specs {
		name := prefix + spec.Name
		dtype, shape, ok := header.Info(name)
		if !ok {
			return nil, nil, fmt.Errorf("cells: tensor %s (shape %v) is missing from the file", name, spec.Shape)
		}
		if !slices.Equal(shape, spec.Shape) {
			return nil, nil, fmt.Errorf("cells: tensor %s has shape %v (%s); want %v", name, shape, dtype, spec.Shape)
		}
		switch {
		case dtype == "I8" && isWeight(spec):
			if cfg.Precision != Int8 {
				return nil, nil, fmt.Errorf("cells: tensor %s is int8 (I8): load it with Config.Precision = Int8, then convert with Model.WithPrecision", name)
			}
			sdtype, sshape, ok := header.Info(name + scaleSuffix)
			if !ok || sdtype != "F32" || !slices.Equal(sshape, spec.Shape[:1]) {
				return nil, nil, fmt.Errorf("cells: int8 tensor %s needs its row scales %s, F32 of shape %v (found: %v, %s %v)", name, name+scaleSuffix, spec.Shape[:1], ok, sdtype, sshape)
			}
		case dtype == "F32" || dtype == "F16" || dtype == "BF16" || dtype == "F64":
			if isWeight(spec) && cfg.Precision.reduced() && dtype != cfg.Precision.dtype() {
				largest = max(largest, spec.Size())
			}
		default:
			// The message safetensors.File.Tensor gives.
			return nil, nil, fmt.Errorf("safetensors: tensor %q: dtype %s cannot be converted to float32 (F32, F16, BF16 and F64 can)", name, dtype)
		}
	}
	m = allocate(cfg)
	for name, buf := range m.paramBuffers() {
		dst[prefix+name] = safetensors.Dest{F32: buf}
	}
	temp := make([]float32, largest) // shared: each tensor is converted when complete
	var int8Checks []func() error
	for name, low := range m.lowBuffers() {
		full := prefix + name
		dtype, _, _ := header.Info(full)
		switch {
		case dtype == "I8":
			dst[full] = safetensors.Dest{Int8: low.Q}
			dst[full+scaleSuffix] = safetensors.Dest{F32: low.Scales}
			int8Checks = append(int8Checks, func() error { return checkInt8(full, low) })
		case dtype == cfg.Precision.dtype() && low.F16 != nil:
			dst[full] = safetensors.Dest{Bits: halfBits(low.F16), DType: dtype}
		case dtype == cfg.Precision.dtype() && low.BF16 != nil:
			dst[full] = safetensors.Dest{Bits: halfBits(low.BF16), DType: dtype}
		default:
			buf := temp[:len(low.F16)+len(low.BF16)+len(low.Q)]
			dst[full] = safetensors.Dest{F32: buf, Done: func() error { return setLow(low, full, buf) }}
		}
	}
	finish = func() error {
		for _, check := range int8Checks {
			if err := check(); err != nil {
				return err
			}
		}
		m.finish()
		return nil
	}
	return m, finish, nil
}

// checkInt8 checks an int8 weight tensor read from a file: values in
// [−127, 127] and finite, non-negative scales.
func checkInt8(name string, low *engine.LowMatrix) error {
	for i, q := range low.Q {
		if q < -kernels.Int8Max {
			return fmt.Errorf("cells: int8 tensor %s holds %d at %d; int8 weights lie in [−127, 127]", name, q, i)
		}
	}
	for i, s := range low.Scales {
		if !(s >= 0) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("cells: %s%s[%d] = %v; scales must be finite and ≥ 0", name, scaleSuffix, i, s)
		}
	}
	return nil
}

// dtype names p's safetensors dtype.
func (p Precision) dtype() string {
	switch p {
	case F16:
		return "F16"
	case BF16:
		return "BF16"
	case Int8:
		return "I8"
	}
	return "F32"
}

// halfBits views F16 or BF16 values as their bits.
func halfBits[H kernels.F16 | kernels.BF16](s []H) []uint16 {
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// SaveSafetensors writes the model to the file at path as WriteSafetensors
// writes it (LoadSafetensors reads it back): into a temporary file in the
// same directory, synced, then renamed over path, so that a failed write
// never leaves a truncated model behind.
func (m *Model) SaveSafetensors(path, prefix string) error {
	return saveFile(path, func(w io.Writer) error { return m.WriteSafetensors(w, prefix) })
}

// saveFile runs write into a temporary file in path's directory, syncs it
// and renames it over path; on an error the temporary file is removed.
func saveFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if err = write(w); err != nil {
		return err
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// WriteSafetensors writes the model's parameters under PyTorch's names
// (after prefix) with their PyTorch shapes, the weights in the model's
// precision: F32, F16 or BF16 tensors as stored, or at Int8 an I8 tensor
// per weight with its F32 row scales "<name>_scale" (weight = scale·q); the
// metadata key "simdrnn_precision" names the precision and
// "simdrnn_modules" the configuration (see ConfigFromSafetensors). Reading the file
// back at the same precision gives the same bits. PyTorch's
// safetensors.torch.load_file reads every dtype here.
func (m *Model) WriteSafetensors(w io.Writer, prefix string) error {
	meta, err := m.metadata(prefix)
	if err != nil {
		return err
	}
	return safetensors.Write(w, m.tensors(prefix), meta)
}

// tensors returns the model's tensors as WriteSafetensors writes them.
func (m *Model) tensors(prefix string) []safetensors.Tensor {
	params := m.paramBuffers()
	low := m.lowBuffers()
	var tensors []safetensors.Tensor
	for _, spec := range m.cfg.Params() {
		name := prefix + spec.Name
		l, ok := low[spec.Name]
		switch {
		case !ok:
			tensors = append(tensors, safetensors.Tensor{Name: name, Shape: spec.Shape, Data: params[spec.Name]})
		case l.F16 != nil:
			tensors = append(tensors, safetensors.Tensor{Name: name, Shape: spec.Shape, DType: "F16", Bits: halfBits(l.F16)})
		case l.BF16 != nil:
			tensors = append(tensors, safetensors.Tensor{Name: name, Shape: spec.Shape, DType: "BF16", Bits: halfBits(l.BF16)})
		default:
			tensors = append(tensors,
				safetensors.Tensor{Name: name, Shape: spec.Shape, DType: "I8", Int8: l.Q},
				safetensors.Tensor{Name: name + scaleSuffix, Shape: spec.Shape[:1], Data: l.Scales})
		}
	}
	return tensors
}

// metadata returns the metadata WriteSafetensors writes for the model
// under prefix.
func (m *Model) metadata(prefix string) (map[string]string, error) {
	c := m.cfg
	modules, err := json.Marshal([]moduleInfo{{Prefix: prefix, Mode: c.Mode.metadataName(), InputSize: c.InputSize, HiddenSize: c.HiddenSize,
		NumLayers: c.NumLayers, Bidirectional: c.Bidirectional, Bias: !c.NoBias}})
	if err != nil {
		return nil, err
	}
	return map[string]string{"format": "pt", "producer": "simdrnn",
		"simdrnn_precision": c.Precision.String(), modulesKey: string(modules)}, nil
}
