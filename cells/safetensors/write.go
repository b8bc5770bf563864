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

// Write writes tensors as a safetensors file, each in its DType (F32 by
// default; F16, BF16 and I8 from Bits and Int8), with metadata as its
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
// dimension is negative, the DType is not one of those above or its slice
// is not the one set, or the slice's length differs from the product of
// Shape.
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
		dtype, n, width := t.kind()
		end := offset + width*uint64(n)
		writeString(&header, t.Name)
		fmt.Fprintf(&header, `:{"dtype":"%s","shape":[`, dtype)
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
		_, n, _ := t.kind()
		for start := 0; start < n; start += chunk {
			buf = buf[:0]
			stop := min(start+chunk, n)
			switch {
			case t.Bits != nil:
				for _, v := range t.Bits[start:stop] {
					buf = binary.LittleEndian.AppendUint16(buf, v)
				}
			case t.Int8 != nil:
				for _, v := range t.Int8[start:stop] {
					buf = append(buf, byte(v))
				}
			default:
				for _, v := range t.Data[start:stop] {
					buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
				}
			}
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("safetensors: %w", err)
			}
		}
	}
	return nil
}

// kind returns the dtype a checked t is written as, its element count and
// the bytes per element.
func (t Tensor) kind() (dtype string, n int, width uint64) {
	switch t.DType {
	case "F16", "BF16":
		return t.DType, len(t.Bits), 2
	case "I8":
		return "I8", len(t.Int8), 1
	}
	return "F32", len(t.Data), 4
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
	switch {
	case (t.DType == "" || t.DType == "F32") && t.Bits == nil && t.Int8 == nil,
		(t.DType == "F16" || t.DType == "BF16") && t.Data == nil && t.Int8 == nil,
		t.DType == "I8" && t.Data == nil && t.Bits == nil:
	default:
		return fmt.Errorf("safetensors: tensor %q: dtype %q with Data, Bits and Int8 of %d, %d and %d elements; want F32 (Data), F16 or BF16 (Bits) or I8 (Int8), and only that slice", t.Name, t.DType, len(t.Data), len(t.Bits), len(t.Int8))
	}
	if _, n, _ := t.kind(); uint64(n) != elements {
		return fmt.Errorf("safetensors: tensor %q: shape %v has %d elements, data has %d", t.Name, t.Shape, elements, n)
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
