// Package npy reads and writes NumPy's .npy files, the arrays the
// command-line tool takes and gives (float32 inputs and outputs, int64
// token ids): format versions 1.0, 2.0 and 3.0, little-endian, C order.
// Anything else — another dtype, Fortran order, big-endian data, a
// malformed header, a truncated or overlong file — is an error naming what
// is wrong, never a panic, and memory grows only with the bytes actually
// read, never with a size taken from the header.
package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/simdrnn/simdrnn/internal/shape"
)

// MaxHeaderSize is the largest header Read accepts, in bytes (NumPy's own
// reader refuses headers over 10,000 bytes unless told otherwise).
const MaxHeaderSize = 1 << 16

// MaxRank is the largest number of dimensions Read accepts.
const MaxRank = 8

// magic starts every .npy file.
const magic = "\x93NUMPY"

// Array is an array read from a .npy file: its shape (empty for a 0-d
// array) and its elements in C order, in F32 (dtype '<f4') or I64 ('<i8').
type Array struct {
	Shape []int
	F32   []float32
	I64   []int64
}

// Len returns the number of elements.
func (a *Array) Len() int { return len(a.F32) + len(a.I64) }

// chunk is how many bytes Read takes from the input at a time.
const chunk = 1 << 20

// Read reads one .npy array from r: the magic string, the version (1.0,
// 2.0 or 3.0), the header (a Python dict literal with exactly the keys
// 'descr', 'fortran_order' and 'shape'), then the data, which must end the
// input. Supported dtypes are '<f4' (float32) and '<i8' (int64).
func Read(r io.Reader) (*Array, error) {
	var pre [10]byte
	if n, err := io.ReadFull(r, pre[:8]); err != nil {
		return nil, fmt.Errorf("npy: %d bytes: not a .npy file (it starts with the 6-byte magic \\x93NUMPY and a 2-byte version)", n)
	}
	if string(pre[:6]) != magic {
		return nil, fmt.Errorf("npy: not a .npy file: it starts with %q, not \\x93NUMPY", pre[:6])
	}
	major, minor := pre[6], pre[7]
	var headerLen int
	switch {
	case major == 1 && minor == 0:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return nil, errors.New("npy: the file ends inside the header length")
		}
		headerLen = int(binary.LittleEndian.Uint16(pre[8:10]))
	case (major == 2 || major == 3) && minor == 0:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, errors.New("npy: the file ends inside the header length")
		}
		n := binary.LittleEndian.Uint32(l[:])
		if n > MaxHeaderSize {
			return nil, fmt.Errorf("npy: a header of %d bytes; at most %d are accepted", n, MaxHeaderSize)
		}
		headerLen = int(n)
	default:
		return nil, fmt.Errorf("npy: format version %d.%d; 1.0, 2.0 and 3.0 are supported", major, minor)
	}
	header := make([]byte, headerLen)
	if n, err := io.ReadFull(r, header); err != nil {
		return nil, fmt.Errorf("npy: the header is %d bytes, the file ends after %d", headerLen, n)
	}
	descr, fortran, dims, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	if fortran {
		return nil, errors.New("npy: the array is in Fortran order; only C order is supported (numpy.ascontiguousarray)")
	}
	if len(dims) > MaxRank {
		return nil, fmt.Errorf("npy: %d dimensions; at most %d are supported", len(dims), MaxRank)
	}
	n, ok := shape.Prod(dims...)
	if !ok {
		return nil, fmt.Errorf("npy: shape %v: the number of elements does not fit in an int", dims)
	}
	a := &Array{Shape: dims}
	switch descr {
	case "<f4":
		a.F32, err = readElements(r, n, 4, math.Float32frombits)
	case "<i8":
		a.I64, err = readElements(r, n, 8, func(v uint64) int64 { return int64(v) })
	case ">f4", ">i8":
		return nil, fmt.Errorf("npy: dtype %q is big-endian; only little-endian data is supported (array.astype('<f4'))", descr)
	default:
		return nil, fmt.Errorf("npy: dtype %q; only '<f4' (float32) and '<i8' (int64) are supported", descr)
	}
	if err != nil {
		return nil, err
	}
	var one [1]byte
	if m, _ := io.ReadFull(r, one[:]); m > 0 {
		return nil, fmt.Errorf("npy: bytes follow the data of shape %v", dims)
	}
	return a, nil
}

// readElements reads n little-endian elements of size bytes, growing the
// slice only as the bytes arrive.
func readElements[E any, B uint32 | uint64](r io.Reader, n, size int, conv func(B) E) ([]E, error) {
	var out []E
	bufLen := chunk
	if n < chunk/size {
		bufLen = max(size, n*size)
	}
	buf := make([]byte, bufLen)
	for len(out) < n {
		want := min(len(buf)/size, n-len(out)) * size
		got, err := io.ReadFull(r, buf[:want])
		if err != nil {
			return nil, fmt.Errorf("npy: the data ends after %d of %d elements", len(out)+got/size, n)
		}
		for i := 0; i < want; i += size {
			var v B
			if size == 4 {
				v = B(binary.LittleEndian.Uint32(buf[i:]))
			} else {
				v = B(binary.LittleEndian.Uint64(buf[i:]))
			}
			out = append(out, conv(v))
		}
	}
	if out == nil {
		out = []E{}
	}
	return out, nil
}

// parseHeader parses the header's dict literal.
func parseHeader(h []byte) (descr string, fortran bool, dims []int, err error) {
	p := &parser{b: h}
	p.space()
	if !p.eat('{') {
		return "", false, nil, p.fail("the header is not a dict: want '{'")
	}
	seen := map[string]bool{}
	for {
		p.space()
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok {
			return "", false, nil, p.fail("want a quoted key")
		}
		if seen[key] {
			return "", false, nil, p.fail(fmt.Sprintf("key %q repeated", key))
		}
		seen[key] = true
		p.space()
		if !p.eat(':') {
			return "", false, nil, p.fail("want ':'")
		}
		p.space()
		switch key {
		case "descr":
			if descr, ok = p.str(); !ok {
				return "", false, nil, p.fail("'descr' is not a string (structured dtypes are not supported)")
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				fortran = true
			case p.word("False"):
			default:
				return "", false, nil, p.fail("'fortran_order' is not True or False")
			}
		case "shape":
			if dims, ok = p.tuple(); !ok {
				return "", false, nil, p.fail("'shape' is not a tuple of non-negative integers")
			}
		default:
			return "", false, nil, p.fail(fmt.Sprintf("unknown key %q", key))
		}
		p.space()
		if p.eat('}') {
			break
		}
		if !p.eat(',') {
			return "", false, nil, p.fail("want ',' or '}'")
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return "", false, nil, fmt.Errorf("npy: the header has no %q", k)
		}
	}
	p.space()
	if p.i != len(p.b) {
		return "", false, nil, p.fail("text after the dict")
	}
	return descr, fortran, dims, nil
}

// parser reads a header literal.
type parser struct {
	b []byte
	i int
}

func (p *parser) fail(what string) error {
	return fmt.Errorf("npy: malformed header at byte %d: %s", p.i, what)
}

func (p *parser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n' || p.b[p.i] == '\t') {
		p.i++
	}
}

func (p *parser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) word(w string) bool {
	if bytes.HasPrefix(p.b[p.i:], []byte(w)) {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a quoted string without escapes (all the header's strings).
func (p *parser) str() (string, bool) {
	if p.i >= len(p.b) || (p.b[p.i] != '\'' && p.b[p.i] != '"') {
		return "", false
	}
	q := p.b[p.i]
	end := bytes.IndexByte(p.b[p.i+1:], q)
	if end < 0 || bytes.IndexByte(p.b[p.i+1:p.i+1+end], '\\') >= 0 {
		return "", false
	}
	s := string(p.b[p.i+1 : p.i+1+end])
	p.i += end + 2
	return s, true
}

// tuple reads (), (n,) or (n, m, …) of non-negative ints; (n) is an int
// in Python, not a tuple.
func (p *parser) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	dims := []int{}
	for {
		p.space()
		if p.eat(')') {
			return dims, true // () or a trailing comma
		}
		start := p.i
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
		}
		v, err := strconv.Atoi(string(p.b[start:p.i]))
		if err != nil || len(dims) > MaxRank {
			return nil, false
		}
		dims = append(dims, v)
		p.space()
		if p.eat(')') {
			return dims, len(dims) > 1
		}
		if !p.eat(',') {
			return nil, false
		}
	}
}

// WriteF32 writes data, of the given shape in C order, as a '<f4' .npy
// file (version 1.0, or 2.0 when the header needs it). It returns an error
// if the shape has a negative dimension or does not hold len(data)
// elements.
func WriteF32(w io.Writer, dims []int, data []float32) error {
	return write(w, "<f4", dims, data, 4, func(b []byte, v float32) []byte {
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	})
}

// WriteI64 writes data, of the given shape in C order, as a '<i8' .npy
// file (token ids), as WriteF32 writes float32s.
func WriteI64(w io.Writer, dims []int, data []int64) error {
	return write(w, "<i8", dims, data, 8, func(b []byte, v int64) []byte {
		return binary.LittleEndian.AppendUint64(b, uint64(v))
	})
}

// write writes the header of dtype descr and shape dims, then data, size
// bytes an element, through appendElem, a chunk at a time.
func write[E any](w io.Writer, descr string, dims []int, data []E, size int, appendElem func([]byte, E) []byte) error {
	for _, d := range dims {
		if d < 0 {
			return fmt.Errorf("npy: negative dimension in shape %v", dims)
		}
	}
	if n, ok := shape.Prod(dims...); !ok || n != len(data) {
		return fmt.Errorf("npy: shape %v does not hold %d elements", dims, len(data))
	}
	var text bytes.Buffer
	text.WriteString("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (")
	for i, d := range dims {
		if i > 0 {
			text.WriteString(", ")
		}
		text.WriteString(strconv.Itoa(d))
	}
	if len(dims) == 1 {
		text.WriteByte(',')
	}
	text.WriteString("), }")
	// Pad with spaces and a newline so the data starts 64-byte aligned.
	prefix, lenBytes, version := 10, 2, byte(1)
	if text.Len()+1+prefix > math.MaxUint16 {
		prefix, lenBytes, version = 12, 4, 2
	}
	for (prefix+text.Len()+1)%64 != 0 {
		text.WriteByte(' ')
	}
	text.WriteByte('\n')
	out := append([]byte(magic), version, 0)
	if lenBytes == 2 {
		out = binary.LittleEndian.AppendUint16(out, uint16(text.Len()))
	} else {
		out = binary.LittleEndian.AppendUint32(out, uint32(text.Len()))
	}
	out = append(out, text.Bytes()...)
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	perChunk := chunk / size
	buf := make([]byte, 0, min(chunk, size*len(data)))
	for start := 0; start < len(data); start += perChunk {
		buf = buf[:0]
		for _, v := range data[start:min(start+perChunk, len(data))] {
			buf = appendElem(buf, v)
		}
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("npy: %w", err)
		}
	}
	return nil
}
