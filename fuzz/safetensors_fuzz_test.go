package fuzz

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/simdrnn/simdrnn/cells/safetensors"
)

// FuzzSafetensorsRead feeds arbitrary bytes to safetensors.Read. Read must
// never panic; when it succeeds, every tensor must either convert or fail
// with an error, and the tensors that convert, written back with Write, must
// read back bit for bit, and Write must reproduce its own output.
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
	} {
		f.Add(append(binary.LittleEndian.AppendUint64(nil, uint64(len(header))), append([]byte(header), make([]byte, 8)...)...))
	}

	f.Fuzz(func(t *testing.T, input []byte) {
		file, err := safetensors.Read(bytes.NewReader(input))
		if err != nil {
			return
		}
		var tensors []safetensors.Tensor
		for _, name := range file.Names() {
			tensor, err := file.Tensor(name)
			if err != nil {
				continue // a dtype Tensor does not convert
			}
			if tensor.Name != name {
				t.Fatalf("tensor %q came back named %q", name, tensor.Name)
			}
			tensors = append(tensors, tensor)
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
