package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
)

// Write writes tensors as an F32 safetensors file, with metadata as its
// "__metadata__" object (omitted when metadata is empty).
//
// The output is deterministic: tensors are sorted by name and packed in that
// order from offset 0, metadata keys are sorted, the header is compact JSON
// padded with spaces to a multiple of 8 bytes (as the reference
// implementation pads it), and every float32 is written bit for bit, NaN
// payloads included.
//
// It returns an error, writing nothing, when two tensors share a name, a name
// is "__metadata__", a name or metadata string is not valid UTF-8, a
// dimension is negative, or len(Data) differs from the product of Shape.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	sorted := slices.Clone(tensors)
	slices.SortFunc(sorted, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })

	var header bytes.Buffer
	header.WriteByte('{')
	if len(metadata) > 0 {
		writeString(&header, metadataKey)
		header.WriteString(":{")
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if !utf8.ValidString(k) || !utf8.ValidString(metadata[k]) {
				return fmt.Errorf("safetensors: metadata key %q or its value is not valid UTF-8", k)
			}
			if i > 0 {
				header.WriteByte(',')
			}
			writeString(&header, k)
			header.WriteByte(':')
			writeString(&header, metadata[k])
		}
		header.WriteByte('}')
	}
	offset := uint64(0)
	for i, t := range sorted {
		if err := checkTensor(t); err != nil {
			return err
		}
		if i > 0 && t.Name == sorted[i-1].Name {
			return fmt.Errorf("safetensors: duplicate tensor name %q", t.Name)
		}
		if i > 0 || len(metadata) > 0 {
			header.WriteByte(',')
		}
		end := offset + 4*uint64(len(t.Data))
		writeString(&header, t.Name)
		header.WriteString(`:{"dtype":"F32","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				header.WriteByte(',')
			}
			fmt.Fprint(&header, d)
		}
		fmt.Fprintf(&header, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	header.WriteByte('}')
	for header.Len()%8 != 0 {
		header.WriteByte(' ')
	}

	var buf []byte
	buf = binary.LittleEndian.AppendUint64(buf, uint64(header.Len()))
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if _, err := w.Write(header.Bytes()); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	const chunk = 4096 // values encoded per Write call
	for _, t := range sorted {
		for start := 0; start < len(t.Data); start += chunk {
			buf = buf[:0]
			for _, v := range t.Data[start:min(start+chunk, len(t.Data))] {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("safetensors: %w", err)
			}
		}
	}
	return nil
}

// checkTensor checks that t can be written.
func checkTensor(t Tensor) error {
	if t.Name == metadataKey {
		return fmt.Errorf("safetensors: %q is reserved and cannot name a tensor", metadataKey)
	}
	if !utf8.ValidString(t.Name) {
		return fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", t.Name)
	}
	elements := uint64(1)
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("safetensors: tensor %q: negative dimension in shape %v", t.Name, t.Shape)
		}
		hi, lo := bits.Mul64(elements, uint64(d))
		if hi != 0 || lo > math.MaxInt {
			return fmt.Errorf("safetensors: tensor %q: element count of shape %v overflows", t.Name, t.Shape)
		}
		elements = lo
	}
	if uint64(len(t.Data)) != elements {
		return fmt.Errorf("safetensors: tensor %q: shape %v has %d elements, data has %d", t.Name, t.Shape, elements, len(t.Data))
	}
	return nil
}

// writeString writes s as a JSON string, leaving <, > and & unescaped (they
// are valid JSON as they are, and it keeps headers readable).
func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(errors.New("safetensors: encoding a string cannot fail: " + err.Error()))
	}
	buf.Truncate(buf.Len() - 1) // Encode appends a newline
}
