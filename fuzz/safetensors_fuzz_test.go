package fuzz

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"testing/iotest"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/cells/safetensors"
)

// FuzzSafetensorsRead feeds arbitrary bytes to safetensors.Read. Read must
// never panic, and must accept or reject an input alike from a seekable
// reader and from a stream. When it succeeds, encoding/json must find the
// header valid JSON with the same tensor names and metadata (a reference
// for the hand-written parser); every tensor must either convert or fail
// with an error, and convert the same through Header.ReadData; and the
// tensors that convert, written back with Write, must read back bit for
// bit, and Write must reproduce its own output.
func FuzzSafetensorsRead(f *testing.F) {
	var valid bytes.Buffer
	err := safetensors.Write(&valid, []safetensors.Tensor{
		{Name: "weight_ih_l0", Shape: []int{4, 2}, Data: []float32{1, 2, 3, 4, 5, 6, 7, float32(math.NaN())}},
		{Name: "bias_ih_l0", Shape: []int{4}, Data: []float32{-1, 0, float32(math.Inf(1)), 1e-40}},
		{Name: "scalar", Shape: []int{}, Data: []float32{0.5}},
	}, map[string]string{"format": "pt"})
	if err != nil {
		f.Fatal(err)
	}
	for _, n := range []int{len(valid.Bytes()), 0, 5, 8, 20, 60, len(valid.Bytes()) - 1} {
		f.Add(valid.Bytes()[:n])
	}
	f.Add(append(bytes.Clone(valid.Bytes()), 0))
	half := `{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},` +
		`"b":{"dtype":"BF16","shape":[1,1],"data_offsets":[4,6]},` +
		`"d":{"dtype":"F64","shape":[1],"data_offsets":[6,14]},` +
		`"i":{"dtype":"I64","shape":[],"data_offsets":[14,22]}}`
	data := []byte{0x01, 0x00, 0x00, 0xfc, 0x80, 0x3f, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 7, 0, 0, 0, 0, 0, 0, 0}
	f.Add(append(binary.LittleEndian.AppendUint64(nil, uint64(len(half))), append([]byte(half), data...)...))
	f.Add(binary.LittleEndian.AppendUint64(nil, 1<<63))
	for _, header := range []string{
		`{"__metadata__":{"k":"v\u00e9","":""},"z":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`,
		`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`,
		`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}  `,
		// The limits: 8 dimensions pass, 9 do not.
		`{"a":{"dtype":"U8","shape":[1,1,1,1,1,1,1,8],"data_offsets":[0,8]}}`,
		`{"a":{"dtype":"U8","shape":[1,1,1,1,1,1,1,1,8],"data_offsets":[0,8]}}`,
		// Escapes, surrogate pairs and an unpaired one.
		`{"\u00e9\ud83d\ude00\n\"":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"__metadata__":{"\/":"\t"}}`,
		`{"\ud83d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`,
		// Two spellings of one name; data_offsets of three values.
		`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"\u0061":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}`,
		`{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8,8]}}`,
	} {
		f.Add(append(binary.LittleEndian.AppendUint64(nil, uint64(len(header))), append([]byte(header), make([]byte, 8)...)...))
	}

	f.Fuzz(func(t *testing.T, input []byte) {
		file, err := safetensors.Read(bytes.NewReader(input))
		if _, errStream := safetensors.Read(iotest.HalfReader(bytes.NewReader(input))); (err == nil) != (errStream == nil) {
			t.Fatalf("Read of a bytes.Reader: %v; of a stream: %v", err, errStream)
		}
		if err != nil {
			return
		}
		checkAgainstJSON(t, input, file)
		var (
			tensors []safetensors.Tensor
			dst     = map[string][]float32{}
		)
		for _, name := range file.Names() {
			tensor, err := file.Tensor(name)
			if err != nil {
				continue // a dtype Tensor does not convert
			}
			if tensor.Name != name {
				t.Fatalf("tensor %q came back named %q", name, tensor.Name)
			}
			tensors = append(tensors, tensor)
			dst[name] = make([]float32, len(tensor.Data))
		}
		r := iotest.OneByteReader(bytes.NewReader(input))
		header, err := safetensors.ReadHeader(r)
		if err != nil {
			t.Fatalf("ReadHeader of a file Read accepts: %v", err)
		}
		if err := header.ReadData(r, dst); err != nil {
			t.Fatalf("ReadData of a file Read accepts: %v", err)
		}
		for _, tensor := range tensors {
			if !sameTensor(tensor, safetensors.Tensor{Name: tensor.Name, Shape: tensor.Shape, Data: dst[tensor.Name]}) {
				t.Fatalf("tensor %q: Tensor gives %v, ReadData %v", tensor.Name, tensor.Data, dst[tensor.Name])
			}
		}
		var written bytes.Buffer
		if err := safetensors.Write(&written, tensors, file.Metadata()); err != nil {
			t.Fatalf("Write of tensors Read returned: %v", err)
		}
		back, err := safetensors.Read(bytes.NewReader(written.Bytes()))
		if err != nil {
			t.Fatalf("Read of Write's output: %v", err)
		}
		if len(back.Names()) != len(tensors) {
			t.Fatalf("wrote %d tensors, read back %d", len(tensors), len(back.Names()))
		}
		var again []safetensors.Tensor
		for _, want := range tensors {
			got, err := back.Tensor(want.Name)
			if err != nil {
				t.Fatalf("tensor %q: %v", want.Name, err)
			}
			if !sameTensor(want, got) {
				t.Fatalf("tensor %q: wrote shape %v data %v, read back shape %v data %v", want.Name, want.Shape, want.Data, got.Shape, got.Data)
			}
			again = append(again, got)
		}
		if !sameMetadata(file.Metadata(), back.Metadata()) {
			t.Fatalf("metadata %v read back as %v", file.Metadata(), back.Metadata())
		}
		var rewritten bytes.Buffer
		if err := safetensors.Write(&rewritten, again, back.Metadata()); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(written.Bytes(), rewritten.Bytes()) {
			t.Fatalf("Write is not deterministic:\n%q\n%q", written.Bytes(), rewritten.Bytes())
		}
	})
}

// checkAgainstJSON checks a header Read accepted with encoding/json: it must
// be valid JSON, and its tensor names and metadata must be those Read found.
func checkAgainstJSON(t *testing.T, input []byte, file *safetensors.File) {
	header := input[8 : 8+binary.LittleEndian.Uint64(input)]
	if !json.Valid(header) {
		t.Fatalf("Read accepted a header encoding/json rejects: %q", header)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(header, &top); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	var names []string
	for name := range top {
		if name != "__metadata__" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, file.Names()) {
		t.Fatalf("encoding/json finds tensors %q, Read %q", names, file.Names())
	}
	if raw, ok := top["__metadata__"]; ok {
		var metadata map[string]string
		if err := json.Unmarshal(raw, &metadata); err != nil {
			t.Fatalf("encoding/json: __metadata__: %v", err)
		}
		if !sameMetadata(metadata, file.Metadata()) || file.Metadata() == nil {
			t.Fatalf("encoding/json finds metadata %q, Read %q", metadata, file.Metadata())
		}
	} else if file.Metadata() != nil {
		t.Fatalf("Read finds metadata %q, encoding/json none", file.Metadata())
	}
}

// sameTensor compares shapes and the bits of every value.
func sameTensor(a, b safetensors.Tensor) bool {
	if a.Name != b.Name || len(a.Shape) != len(b.Shape) || len(a.Data) != len(b.Data) {
		return false
	}
	for i := range a.Shape {
		if a.Shape[i] != b.Shape[i] {
			return false
		}
	}
	for i := range a.Data {
		if math.Float32bits(a.Data[i]) != math.Float32bits(b.Data[i]) {
			return false
		}
	}
	return true
}

// sameMetadata compares metadata, an empty map being the same as none.
func sameMetadata(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// FuzzReadSafetensors feeds arbitrary bytes to cells.ReadSafetensors for a
// small GRU, from a bytes.Reader and a stream, under the prefix "rnn.". It
// must never panic, must accept or reject alike from both readers, and a
// model it returns must hold what safetensors.Read and File.Tensor (the
// in-memory path, the reference here) find in the file.
func FuzzReadSafetensors(f *testing.F) {
	cfg := cells.Config{Mode: cells.GRU, InputSize: 2, HiddenSize: 1, NumLayers: 1}
	params := map[string][]float32{}
	for i, spec := range cfg.Params() {
		params[spec.Name] = make([]float32, spec.Size())
		for j := range params[spec.Name] {
			params[spec.Name][j] = float32(i) + float32(j)/4
		}
	}
	model, err := cells.New(cfg, params)
	if err != nil {
		f.Fatal(err)
	}
	var valid bytes.Buffer
	if err := model.WriteSafetensors(&valid, "rnn."); err != nil {
		f.Fatal(err)
	}
	f.Add(valid.Bytes())
	f.Add(valid.Bytes()[:len(valid.Bytes())-3])
	f.Fuzz(func(t *testing.T, input []byte) {
		m, err := cells.ReadSafetensors(bytes.NewReader(input), cfg, "rnn.")
		_, errStream := cells.ReadSafetensors(iotest.HalfReader(bytes.NewReader(input)), cfg, "rnn.")
		if (err == nil) != (errStream == nil) {
			t.Fatalf("ReadSafetensors of a bytes.Reader: %v; of a stream: %v", err, errStream)
		}
		if err != nil {
			return
		}
		file, err := safetensors.Read(bytes.NewReader(input))
		if err != nil {
			t.Fatalf("safetensors.Read rejects a file ReadSafetensors accepts: %v", err)
		}
		for name, got := range m.Parameters() {
			want, err := file.Tensor("rnn." + name)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !sameTensor(want, safetensors.Tensor{Name: want.Name, Shape: want.Shape, Data: got}) {
				t.Fatalf("%s: loaded %v, the file holds %v", name, got, want.Data)
			}
		}
	})
}
