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
// converts one tensor to float32 on demand. ReadHeader reads and validates
// only the header, and Header.ReadData then streams the data section into
// the caller's float32 slices, converting as it goes, without holding the
// file in memory. Write produces F32 files.
//
// # Limits
//
// Besides the format's rules (see Read), the reader enforces limits that
// keep its time and memory linear in its input with a small constant, and
// rejects what exceeds them with an error naming the limit:
//
//   - the header is at most MaxHeaderSize (100,000,000) bytes, the limit of
//     the reference implementation;
//   - a shape has at most MaxRank (8) dimensions;
//   - there are at most MaxTensors (65,536) tensors, at most MaxEmptyTensors
//     (4096) of them zero-size, and no
//     more non-empty tensors than the data section has bytes (each needs one
//     at least; checked during the parse when the input's size is known, as
//     for a file (see Read), and against the data read otherwise);
//     every tensor also takes at least 49 bytes of header, so a header holds
//     at most about 2 million;
//   - data_offsets has exactly two values (an array of more is rejected at
//     its fourth value);
//   - "__metadata__" has at most MaxMetadataEntries (16384) keys.
//
// The header is parsed in one pass, without recursion, and its strings are
// decoded in place: for an input whose size is known, reading a header of n
// bytes allocates n bytes for it, a table of 32 bytes per tensor sized at
// once from n and the data size (at most 2 MiB, for MaxTensors), 4 bytes per
// tensor to order them by offset, and 16 per metadata key.
// BenchmarkAdversarialHeaders measures at most 1.02 n, and every 100 MB
// adversarial header read or rejected in 0.01 to 0.25 s. A plain stream
// costs n more to gather the header in chunks (released before the parse).
// MaxTensors is far above what a recurrent model (a few dozen tensors) or a
// checkpoint shard (hundreds) holds, and keeps the table, its sort and a
// stream's unverifiable entries small.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// MaxHeaderSize is the largest JSON header Read accepts, in bytes. It is the
// limit of the reference implementation (100 MB).
const MaxHeaderSize = 100_000_000

// MaxRank is the largest number of dimensions of a tensor's shape.
const MaxRank = 8

// MaxTensors is the largest number of tensors a header may describe.
const MaxTensors = 1 << 16

// MaxEmptyTensors is the largest number of zero-size tensors (a dimension
// of 0) a header may describe: they take no data, so unlike the others
// their number is not bounded by the file's size.
const MaxEmptyTensors = 4096

// MaxMetadataEntries is the largest number of keys of "__metadata__".
const MaxMetadataEntries = 16384

// metadataKey is the reserved header key holding the string→string metadata.
const metadataKey = "__metadata__"

// Tensor is a named tensor with its elements in row-major order: float32
// in Data (dtype F32), or for Write also binary16 or bfloat16 bits in Bits
// (DType "F16" or "BF16") or int8 values in Int8 (DType "I8"). The number
// of elements is the product of Shape (1 for a scalar, whose Shape is
// empty).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
	DType string // "" or "F32" for Data; "F16", "BF16" or "I8"
	Bits  []uint16
	Int8  []int8
}

// Header is a parsed and validated header: the tensors' names, dtypes,
// shapes and places in the data section, without the data.
type Header struct {
	buf          []byte      // the header's JSON, its strings decoded in place
	entries      []entry     // sorted by name
	order        []int32     // indices of entries in order of offset
	metadata     []metaEntry // sorted by key
	haveMetadata bool
	dataSize     int64
	last         int // the index of the entry that ends the data section, or -1
}

// entry describes one tensor of the header, already validated against its
// dtype and against the data section. Its shape is read again from the
// header when asked for, so that an entry takes 32 bytes.
type entry struct {
	name       span
	begin, end int64  // byte offsets into the data section
	shape      uint32 // offset in the header of the shape's '['
	dtype      uint8  // index into dtypeList
	rank       uint8
}

// File is a parsed and validated safetensors file held in memory.
type File struct {
	h    *Header
	data []byte // the data section, exactly covered by the entries
}

// Read reads a whole safetensors file from r and validates it. Every
// malformed input gives an error, never a panic: a short length prefix; a
// header length above MaxHeaderSize or beyond the end of the input; a header
// that is not valid UTF-8, not valid JSON, or not an object; entries that are
// not objects, lack a field, repeat a field, have an unknown field or a field
// of the wrong type; an unknown dtype; shape dimensions or offsets that are
// not non-negative JSON integers; a shape of more than MaxRank dimensions or
// whose element count overflows; data_offsets that are not [begin, end] with
// begin ≤ end; a byte size other than the element count times the dtype
// size; duplicate tensor names or metadata keys (also when spelled with
// different escapes); a string with an unpaired UTF-16 surrogate escape;
// more tensors or metadata keys than the limits of the package doc allow;
// tensors that overlap, leave a gap, or lie outside the data section; and
// bytes after the last tensor. The data section must be covered exactly, as
// the format requires.
//
// Memory grows only with the bytes actually read, never with a length taken
// from the input, so a lying header cannot force a large allocation. When r
// is a regular *os.File, a *bytes.Reader, a *strings.Reader or an
// *io.SectionReader, whose sizes can be trusted, its size is checked against
// the header's length and the tensors' offsets before anything is
// allocated, and the header and the data are read into buffers of exactly
// their size; r is left at its end. Any other reader is read as a stream.
func Read(r io.Reader) (*File, error) {
	size, err := remainingSize(r)
	if err != nil {
		return nil, err
	}
	h, err := readHeader(r, size)
	if err != nil {
		return nil, err
	}
	var data []byte
	if size >= 0 {
		// readHeader checked the size: the data is there.
		data = make([]byte, h.dataSize)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, fmt.Errorf("safetensors: reading %d bytes of data: %w", h.dataSize, err)
		}
	} else {
		// One byte more than needed tells trailing bytes apart.
		data, err = readAtMost(r, h.dataSize+1)
		if err != nil {
			return nil, fmt.Errorf("safetensors: reading data: %w", err)
		}
		if err := h.checkDataSize(int64(len(data))); err != nil {
			return nil, err
		}
	}
	return &File{h: h, data: data}, nil
}

// ReadFile reads and validates the safetensors file at path, as Read does.
// It checks the file's size against the header before reading the data.
func ReadFile(path string) (*File, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer file.Close()
	f, err := Read(file)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return f, nil
}

// ReadHeader reads the length prefix and the header from r and validates
// the header as Read does, leaving r at the start of the data section. When
// r's size is known (see Read), it also checks that the data section has
// exactly the size the tensors cover; otherwise Header.ReadData checks it.
func ReadHeader(r io.Reader) (*Header, error) {
	size, err := remainingSize(r)
	if err != nil {
		return nil, err
	}
	return readHeader(r, size)
}

// remainingSize returns the number of bytes r holds from its current
// position to its end, or -1 when r is not a reader whose size can be
// trusted: a regular file, a bytes.Reader, strings.Reader or SectionReader.
// (An arbitrary io.Seeker could claim any size, and the data buffer is
// allocated from it.) It leaves r where it was.
func remainingSize(r io.Reader) (int64, error) {
	switch r := r.(type) {
	case *os.File:
		if info, err := r.Stat(); err != nil || !info.Mode().IsRegular() {
			return -1, nil
		}
	case *bytes.Reader, *strings.Reader, *io.SectionReader:
	default:
		return -1, nil
	}
	s := r.(io.Seeker)
	cur, err := s.Seek(0, io.SeekCurrent)
	if err != nil {
		return -1, nil
	}
	end, err := s.Seek(0, io.SeekEnd)
	if err != nil {
		return -1, nil
	}
	if _, err := s.Seek(cur, io.SeekStart); err != nil {
		return 0, fmt.Errorf("safetensors: seeking back to the start: %w", err)
	}
	if end < cur {
		return 0, nil
	}
	return end - cur, nil
}

// readHeader reads the prefix and the header from r; size is the number of
// bytes left in r when known, or -1.
func readHeader(r io.Reader, size int64) (*Header, error) {
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
	avail := int64(-1)
	var buf []byte
	if size >= 0 {
		if headerLen > uint64(size-8) {
			return nil, fmt.Errorf("safetensors: header length %d exceeds the %d bytes after the length prefix", headerLen, size-8)
		}
		avail = size - 8 - int64(headerLen)
		buf = make([]byte, headerLen)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("safetensors: reading header: %w", err)
		}
	} else {
		var err error
		if buf, err = readChunked(r, int(headerLen)); err != nil {
			return nil, err
		}
	}
	h, err := parseHeader(buf, avail)
	if err != nil {
		return nil, err
	}
	if avail >= 0 {
		if err := h.checkDataSize(avail); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// readChunked reads the n bytes of a header from a stream of unknown size:
// in chunks that grow with the bytes received (64 KiB, then up to 1 MiB),
// so that a lying length cannot force a large allocation, then joined into
// one buffer.
func readChunked(r io.Reader, n int) ([]byte, error) {
	var chunks [][]byte
	for got := 0; got < n || len(chunks) == 0; {
		c := make([]byte, min(n-got, max(64<<10, min(got, 1<<20))))
		m, err := io.ReadFull(r, c)
		got += m
		if err != nil {
			return nil, headerReadError(n, got, err)
		}
		chunks = append(chunks, c)
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	return bytes.Join(chunks, nil), nil
}

func headerReadError(want, got int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("safetensors: header length %d exceeds the %d bytes after the length prefix", want, got)
	}
	return fmt.Errorf("safetensors: reading header: %w", err)
}

// checkDataSize compares the data section the header describes with the
// have bytes present. When reading a stream, have is at most one more.
func (h *Header) checkDataSize(have int64) error {
	switch {
	case have < h.dataSize:
		return fmt.Errorf("safetensors: tensor %q ends at byte %d of the data section, which has only %d bytes", h.str(h.entries[h.last].name), h.dataSize, have)
	case have > h.dataSize:
		return fmt.Errorf("safetensors: trailing bytes after the data section: the tensors cover %d bytes, the file has more", h.dataSize)
	}
	return nil
}

// readAtMost reads up to n bytes of r, growing its buffer only as bytes arrive.
func readAtMost(r io.Reader, n int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, n))
}

// str returns the decoded bytes of a string of the header.
func (h *Header) str(s span) []byte { return h.buf[s.off : s.off+s.n] }

// find returns the entry of the tensor called name.
func (h *Header) find(name string) (*entry, bool) {
	i, ok := slices.BinarySearchFunc(h.entries, name, func(e entry, name string) int {
		switch s := h.str(e.name); { // string(s) in a comparison does not allocate
		case string(s) < name:
			return -1
		case string(s) > name:
			return 1
		}
		return 0
	})
	if !ok {
		return nil, false
	}
	return &h.entries[i], true
}

// shape reads the shape of e again from the header (the parse validated it).
func (h *Header) shape(e *entry) []int {
	shape := make([]int, 0, e.rank)
	for i, v := int(e.shape)+1, 0; len(shape) < int(e.rank); i++ {
		switch c := h.buf[i]; {
		case c >= '0' && c <= '9':
			v = v*10 + int(c-'0')
			if d := h.buf[i+1]; d < '0' || d > '9' {
				shape, v = append(shape, v), 0
			}
		}
	}
	return shape
}

// elements returns the element count of a tensor of a convertible dtype.
func (e *entry) elements() int64 {
	return (e.end - e.begin) / int64(dtypeList[e.dtype].bits/8)
}

// Names returns the names of the tensors in the header, sorted.
func (h *Header) Names() []string {
	names := make([]string, len(h.entries))
	for i := range h.entries {
		names[i] = string(h.str(h.entries[i].name))
	}
	return names
}

// Metadata returns a copy of the header's "__metadata__" object, or nil
// when it has none.
func (h *Header) Metadata() map[string]string {
	if !h.haveMetadata {
		return nil
	}
	m := make(map[string]string, len(h.metadata))
	for _, kv := range h.metadata {
		m[string(h.str(kv.key))] = string(h.str(kv.value))
	}
	return m
}

// Info returns the dtype name ("F32", "BF16", "I64", ...) and shape of the
// tensor called name, and whether it exists.
func (h *Header) Info(name string) (dtypeName string, shape []int, ok bool) {
	e, ok := h.find(name)
	if !ok {
		return "", nil, false
	}
	return dtypeList[e.dtype].name, h.shape(e), true
}

// DataSize returns the size in bytes of the data section the tensors cover.
func (h *Header) DataSize() int64 { return h.dataSize }

// dataChunk is the size of ReadData's buffer: a multiple of every element
// size.
const dataChunk = 64 << 10

// ReadData reads the data section from r, which must be positioned at its
// start, as ReadHeader leaves it. It converts each tensor named in dst into
// dst[name], whose length must be the tensor's element count, as Tensor
// converts it; it skips the others, seeking when r's size is known (see
// Read), which it then checks first. It reads
// the tensors in order of offset through one 64 KiB buffer, so memory does
// not grow with the file.
//
// It returns an error, before reading anything, when a name in dst is not a
// tensor of the header, its dtype cannot be converted, or the length of its
// slice is wrong; and an error naming the tensor when the data section ends
// early, or when bytes follow it. On error, the slices may hold part of the
// data.
func (h *Header) ReadData(r io.Reader, dst map[string][]float32) error {
	dests := make(map[string]Dest, len(dst))
	for name, out := range dst {
		dests[name] = Dest{F32: out}
	}
	return h.ReadTensors(r, dests)
}

// Dest is where ReadTensors puts one tensor: set exactly one of F32 (any
// dtype Tensor converts, converted to float32), Bits (an F16 or BF16
// tensor's elements as stored; the tensor's dtype must be DType) or Int8
// (an I8 tensor's elements). Done, if set, runs once the tensor is
// complete, before the next one is read, so that Dests may share one
// buffer that Done converts into its final form (loading a large model
// into another format without a copy of all of it); an error from Done
// stops the read and is returned.
type Dest struct {
	F32   []float32
	Bits  []uint16
	DType string // "F16" or "BF16", with Bits
	Int8  []int8
	Done  func() error
}

// check validates d, the destination of the tensor name (entry e): the
// kind of destination the dtype allows, and its length. A Dest with no
// slice set is an F32 destination of length 0.
func (d Dest) check(name string, e *entry) error {
	dt := dtypeList[e.dtype]
	var n int
	switch {
	case d.Bits != nil && d.F32 == nil && d.Int8 == nil:
		if (d.DType != "F16" && d.DType != "BF16") || dt.name != d.DType {
			return fmt.Errorf("safetensors: tensor %q: dtype %s, but its destination holds %q bits", name, dt.name, d.DType)
		}
		n = len(d.Bits)
	case d.Int8 != nil && d.F32 == nil && d.Bits == nil:
		if dt.name != "I8" {
			return fmt.Errorf("safetensors: tensor %q: dtype %s, but its destination holds I8 values", name, dt.name)
		}
		n = len(d.Int8)
	case d.Bits == nil && d.Int8 == nil:
		if !dt.convertible() {
			return fmt.Errorf("safetensors: tensor %q: %w", name, dt.errNotConvertible())
		}
		n = len(d.F32)
	default:
		return fmt.Errorf("safetensors: tensor %q: the destination sets more than one of F32, Bits and Int8", name)
	}
	if want := (e.end - e.begin) / int64(dt.bits/8); int64(n) != want {
		return fmt.Errorf("safetensors: tensor %q has %d elements, the destination %d", name, want, n)
	}
	return nil
}

// decode stores the little-endian elements of src, which start at element
// at of the tensor, into d.
func (d Dest) decode(dt dtype, at int64, src []byte) {
	switch {
	case d.Bits != nil:
		out := d.Bits[at : at+int64(len(src)/2)]
		for i := range out {
			out[i] = binary.LittleEndian.Uint16(src[2*i:])
		}
	case d.Int8 != nil:
		out := d.Int8[at : at+int64(len(src))]
		for i := range out {
			out[i] = int8(src[i])
		}
	default:
		dt.toFloat32(d.F32[at:], src)
	}
}

// ReadTensors is ReadData with a Dest per tensor: converted to float32,
// or F16, BF16 and I8 elements as stored, with an optional Done callback.
// The checks and errors are ReadData's, and a destination of the wrong
// kind for the tensor's dtype is an error naming both before anything is
// read.
func (h *Header) ReadTensors(r io.Reader, dst map[string]Dest) error {
	for name, d := range dst {
		e, ok := h.find(name)
		if !ok {
			return fmt.Errorf("safetensors: no tensor %q", name)
		}
		if err := d.check(name, e); err != nil {
			return err
		}
	}
	size, err := remainingSize(r)
	if err != nil {
		return err
	}
	var seeker io.Seeker
	if size >= 0 {
		if err := h.checkDataSize(size); err != nil {
			return err
		}
		seeker = r.(io.Seeker)
	}
	var buf []byte
	for _, i := range h.order {
		e := &h.entries[i]
		n := e.end - e.begin
		out, want := dst[string(h.str(e.name))]
		if !want {
			if n == 0 {
				continue
			}
			if seeker != nil {
				if _, err := seeker.Seek(n, io.SeekCurrent); err != nil {
					return fmt.Errorf("safetensors: skipping tensor %q: %w", h.str(e.name), err)
				}
				continue
			}
			skipped, err := io.CopyN(io.Discard, r, n)
			if err != nil {
				return h.dataError(e, e.begin+skipped, err)
			}
			continue
		}
		if buf == nil && n > 0 {
			buf = make([]byte, dataChunk)
		}
		d := dtypeList[e.dtype]
		width := int64(d.bits / 8)
		for done := int64(0); done < n; {
			chunk := buf[:min(n-done, dataChunk)]
			if got, err := io.ReadFull(r, chunk); err != nil {
				return h.dataError(e, e.begin+done+int64(got), err)
			}
			out.decode(d, done/width, chunk)
			done += int64(len(chunk))
		}
		if out.Done != nil {
			if err := out.Done(); err != nil {
				return err
			}
		}
	}
	if seeker == nil {
		var one [1]byte
		if n, err := io.ReadFull(r, one[:]); n > 0 {
			return h.checkDataSize(h.dataSize + 1)
		} else if err != io.EOF {
			return fmt.Errorf("safetensors: reading after the data section: %w", err)
		}
	}
	return nil
}

// dataError is the error of a read that failed at byte have of the data
// section, inside tensor e.
func (h *Header) dataError(e *entry, have int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("safetensors: tensor %q ends at byte %d of the data section, which has only %d bytes", h.str(e.name), e.end, have)
	}
	return fmt.Errorf("safetensors: reading tensor %q: %w", h.str(e.name), err)
}

// Names returns the names of the tensors in the file, sorted.
func (f *File) Names() []string { return f.h.Names() }

// Metadata returns a copy of the file's "__metadata__" object, or nil when the
// file has none.
func (f *File) Metadata() map[string]string { return f.h.Metadata() }

// Info returns the dtype name ("F32", "BF16", "I64", ...) and shape of the
// tensor called name, and whether it exists, without converting its data.
// It lets a caller skip tensors Tensor cannot convert, such as the I64
// num_batches_tracked of a batch norm.
func (f *File) Info(name string) (dtypeName string, shape []int, ok bool) {
	return f.h.Info(name)
}

// Tensor returns the tensor called name converted to float32: F32 as stored,
// F16 and BF16 exactly (every half-precision value, including subnormals,
// ±Inf, NaN and −0, is a float32), and F64 rounded to nearest float32 (values
// beyond float32's range become ±Inf). Any other dtype is an error naming the
// tensor and its dtype. The result shares no memory with the File.
func (f *File) Tensor(name string) (Tensor, error) {
	e, ok := f.h.find(name)
	if !ok {
		return Tensor{}, fmt.Errorf("safetensors: no tensor %q", name)
	}
	d := dtypeList[e.dtype]
	if !d.convertible() {
		return Tensor{}, fmt.Errorf("safetensors: tensor %q: %w", name, d.errNotConvertible())
	}
	data := make([]float32, e.elements())
	d.toFloat32(data, f.data[e.begin:e.end])
	return Tensor{Name: name, Shape: f.h.shape(e), Data: data}, nil
}
