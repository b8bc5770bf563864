// Package safetensors reads and writes the safetensors format, in which
// PyTorch users commonly save a model's state_dict, so that weights trained
// there can be loaded into simdrnn's cells.
//
// A file is an 8-byte little-endian unsigned header length N, then N bytes of
// a UTF-8 JSON object, then the data section. The JSON object maps each
// tensor name to {"dtype": "F32", "shape": [4, 3], "data_offsets": [begin,
// end]}, with offsets in bytes relative to the start of the data section, and
// may hold a "__metadata__" object of string keys and string values. Tensor
// bytes are little-endian and row-major.
//
// Read validates the whole file before returning (see Read); Tensor then
// converts one tensor to float32 on demand. Write produces F32 files.
package safetensors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// MaxHeaderSize is the largest JSON header Read accepts, in bytes. It is the
// limit of the reference implementation (100 MB).
const MaxHeaderSize = 100_000_000

// metadataKey is the reserved header key holding the string→string metadata.
const metadataKey = "__metadata__"

// Tensor is a named tensor with float32 elements in row-major order.
// len(Data) is the product of Shape (1 for a scalar, whose Shape is empty).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// File is a parsed and validated safetensors file held in memory.
type File struct {
	entries  map[string]entry
	names    []string // sorted
	metadata map[string]string
	data     []byte // the data section, exactly covered by the entries
}

// entry describes one tensor of the header, already validated against its
// dtype and against the data section.
type entry struct {
	dtype      dtype
	shape      []int
	begin, end int // byte offsets into File.data
}

// Read reads a whole safetensors file from r and validates it. Every
// malformed input gives an error, never a panic: a short length prefix; a
// header length above MaxHeaderSize or beyond the end of the input; a header
// that is not valid UTF-8, not valid JSON, or not an object; entries that are
// not objects, lack a field, repeat a field, have an unknown field or a field
// of the wrong type; an unknown dtype; shape dimensions or offsets that are
// not non-negative JSON integers; a shape whose element count overflows;
// data_offsets that are not [begin, end] with begin ≤ end; a byte size other
// than the element count times the dtype size; duplicate tensor names or
// metadata keys (which encoding/json alone would silently merge); tensors
// that overlap, leave a gap, or lie outside the data section; and bytes after
// the last tensor. The data section must be covered exactly, as the format
// requires.
//
// Memory grows only with the bytes actually read, never with a length taken
// from the input, so a lying header cannot force a large allocation.
func Read(r io.Reader) (*File, error) {
	return read(r, -1)
}

// ReadFile reads and validates the safetensors file at path, as Read does.
// It checks the file's size against the header before reading the data.
func ReadFile(path string) (*File, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer file.Close()
	size := int64(-1)
	if info, err := file.Stat(); err == nil && info.Mode().IsRegular() {
		size = info.Size()
	}
	f, err := read(file, size)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return f, nil
}

// read reads a file from r; size is the total byte count of the input when
// known, or -1.
func read(r io.Reader, size int64) (*File, error) {
	var prefix [8]byte
	if n, err := io.ReadFull(r, prefix[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("safetensors: truncated length prefix: %d of 8 bytes", n)
		}
		return nil, fmt.Errorf("safetensors: reading length prefix: %w", err)
	}
	headerLen := binary.LittleEndian.Uint64(prefix[:])
	if headerLen > MaxHeaderSize {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the limit of %d bytes", headerLen, MaxHeaderSize)
	}
	if size >= 0 && headerLen > uint64(size-8) {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the %d bytes after the length prefix", headerLen, size-8)
	}
	header, err := readAtMost(r, int64(headerLen))
	if err != nil {
		return nil, fmt.Errorf("safetensors: reading header: %w", err)
	}
	if uint64(len(header)) < headerLen {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the %d bytes after the length prefix", headerLen, len(header))
	}
	f, dataSize, last, err := parseHeader(header)
	if err != nil {
		return nil, err
	}

	var data []byte
	if size >= 0 {
		// The size is known: check it before allocating anything.
		have := size - 8 - int64(headerLen)
		if err := checkDataSize(dataSize, have, last); err != nil {
			return nil, err
		}
		data = make([]byte, dataSize)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, fmt.Errorf("safetensors: reading %d bytes of data: %w", dataSize, err)
		}
	} else {
		// One byte more than needed tells trailing bytes apart.
		data, err = readAtMost(r, dataSize+1)
		if err != nil {
			return nil, fmt.Errorf("safetensors: reading data: %w", err)
		}
		if err := checkDataSize(dataSize, int64(len(data)), last); err != nil {
			return nil, err
		}
	}
	f.data = data
	return f, nil
}

// checkDataSize compares the data section the header describes (want bytes,
// ending with tensor last) with the have bytes present. When reading a
// stream, have is at most want+1.
func checkDataSize(want, have int64, last string) error {
	switch {
	case have < want:
		return fmt.Errorf("safetensors: tensor %q ends at byte %d of the data section, which has only %d bytes", last, want, have)
	case have > want:
		return fmt.Errorf("safetensors: trailing bytes after the data section: the tensors cover %d bytes, the file has more", want)
	}
	return nil
}

// readAtMost reads up to n bytes of r, growing its buffer only as bytes arrive.
func readAtMost(r io.Reader, n int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, n))
}

// Names returns the names of the tensors in the file, sorted.
func (f *File) Names() []string {
	return slices.Clone(f.names)
}

// Metadata returns a copy of the file's "__metadata__" object, or nil when the
// file has none.
func (f *File) Metadata() map[string]string {
	if f.metadata == nil {
		return nil
	}
	m := make(map[string]string, len(f.metadata))
	for k, v := range f.metadata {
		m[k] = v
	}
	return m
}

// Info returns the dtype name ("F32", "BF16", "I64", ...) and shape of the
// tensor called name, and whether it exists, without converting its data.
// It lets a caller skip tensors Tensor cannot convert, such as the I64
// num_batches_tracked of a batch norm.
func (f *File) Info(name string) (dtypeName string, shape []int, ok bool) {
	e, ok := f.entries[name]
	if !ok {
		return "", nil, false
	}
	return e.dtype.name, slices.Clone(e.shape), true
}

// Tensor returns the tensor called name converted to float32: F32 as stored,
// F16 and BF16 exactly (every half-precision value, including subnormals,
// ±Inf, NaN and −0, is a float32), and F64 rounded to nearest float32 (values
// beyond float32's range become ±Inf). Any other dtype is an error naming the
// tensor and its dtype. The result shares no memory with the File.
func (f *File) Tensor(name string) (Tensor, error) {
	e, ok := f.entries[name]
	if !ok {
		return Tensor{}, fmt.Errorf("safetensors: no tensor %q", name)
	}
	data, err := e.dtype.toFloat32(f.data[e.begin:e.end])
	if err != nil {
		return Tensor{}, fmt.Errorf("safetensors: tensor %q: %w", name, err)
	}
	return Tensor{Name: name, Shape: slices.Clone(e.shape), Data: data}, nil
}
