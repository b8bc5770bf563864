package safetensors

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
	"unicode/utf8"
)

// parseHeader parses and validates the JSON header. It returns the File
// without its data, the size in bytes of the data section the tensors cover,
// and the name of the tensor that ends it (for messages).
//
// The header is walked token by token rather than unmarshalled: that detects
// duplicate keys (which encoding/json would silently merge, keeping the last),
// tells JSON strings from numbers exactly, and never descends into values of
// unexpected structure, so nesting depth cannot be abused.
func parseHeader(header []byte) (f *File, dataSize int64, last string, err error) {
	if !utf8.Valid(header) {
		return nil, 0, "", errors.New("safetensors: header is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return nil, 0, "", fmt.Errorf("safetensors: header is not a JSON object: %w", err)
	}
	f = &File{entries: map[string]entry{}}
	seenMetadata := false
	for dec.More() {
		key, err := stringToken(dec)
		if err != nil {
			return nil, 0, "", fmt.Errorf("safetensors: invalid header JSON: %w", err)
		}
		if key == metadataKey {
			if seenMetadata {
				return nil, 0, "", fmt.Errorf("safetensors: duplicate %q in header", metadataKey)
			}
			seenMetadata = true
			if f.metadata, err = parseMetadata(dec); err != nil {
				return nil, 0, "", fmt.Errorf("safetensors: %s: %w", metadataKey, err)
			}
			continue
		}
		if _, dup := f.entries[key]; dup {
			return nil, 0, "", fmt.Errorf("safetensors: duplicate tensor name %q in header", key)
		}
		e, err := parseEntry(dec)
		if err != nil {
			return nil, 0, "", fmt.Errorf("safetensors: tensor %q: %w", key, err)
		}
		f.entries[key] = e
		f.names = append(f.names, key)
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, 0, "", fmt.Errorf("safetensors: invalid header JSON: %w", err)
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("unexpected %v", tok)
		}
		return nil, 0, "", fmt.Errorf("safetensors: trailing data after the header's JSON object: %w", err)
	}
	slices.Sort(f.names)
	dataSize, last, err = checkCoverage(f.entries)
	if err != nil {
		return nil, 0, "", err
	}
	return f, dataSize, last, nil
}

// checkCoverage checks that the tensors tile the data section from byte 0
// without gaps or overlaps, and returns its size and the last tensor's name.
func checkCoverage(entries map[string]entry) (int64, string, error) {
	type span struct {
		name       string
		begin, end int
	}
	spans := make([]span, 0, len(entries))
	for name, e := range entries {
		spans = append(spans, span{name, e.begin, e.end})
	}
	slices.SortFunc(spans, func(a, b span) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), cmp.Compare(a.name, b.name))
	})
	pos, last := 0, ""
	for _, s := range spans {
		switch {
		case s.begin > pos:
			return 0, "", fmt.Errorf("safetensors: gap of %d bytes in the data section before tensor %q at [%d, %d)", s.begin-pos, s.name, s.begin, s.end)
		case s.begin < pos:
			return 0, "", fmt.Errorf("safetensors: tensor %q at [%d, %d) overlaps tensor %q, which ends at %d", s.name, s.begin, s.end, last, pos)
		}
		pos, last = s.end, s.name
	}
	return int64(pos), last, nil
}

// parseMetadata parses the "__metadata__" object of string values.
func parseMetadata(dec *json.Decoder) (map[string]string, error) {
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	m := map[string]string{}
	for dec.More() {
		key, err := stringToken(dec)
		if err != nil {
			return nil, err
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		value, err := stringToken(dec)
		if err != nil {
			return nil, fmt.Errorf("key %q: value must be a string: %w", key, err)
		}
		m[key] = value
	}
	return m, expectDelim(dec, '}')
}

// parseEntry parses and checks one {"dtype", "shape", "data_offsets"} object.
func parseEntry(dec *json.Decoder) (entry, error) {
	if err := expectDelim(dec, '{'); err != nil {
		return entry{}, fmt.Errorf("not a JSON object: %w", err)
	}
	var (
		e                        entry
		offsets                  []uint64
		shape                    []uint64
		haveDtype, haveShape, ok bool
	)
	for dec.More() {
		key, err := stringToken(dec)
		if err != nil {
			return entry{}, err
		}
		switch key {
		case "dtype":
			if haveDtype {
				return entry{}, errors.New(`duplicate field "dtype"`)
			}
			haveDtype = true
			name, err := stringToken(dec)
			if err != nil {
				return entry{}, fmt.Errorf("dtype: %w", err)
			}
			if e.dtype, ok = dtypes[name]; !ok {
				return entry{}, fmt.Errorf("unknown dtype %q", name)
			}
		case "shape":
			if haveShape {
				return entry{}, errors.New(`duplicate field "shape"`)
			}
			haveShape = true
			if shape, err = uintArray(dec); err != nil {
				return entry{}, fmt.Errorf("shape: %w", err)
			}
		case "data_offsets":
			if offsets != nil {
				return entry{}, errors.New(`duplicate field "data_offsets"`)
			}
			if offsets, err = uintArray(dec); err != nil {
				return entry{}, fmt.Errorf("data_offsets: %w", err)
			}
			if len(offsets) != 2 {
				return entry{}, fmt.Errorf("data_offsets has %d values, want [begin, end]", len(offsets))
			}
		default:
			return entry{}, fmt.Errorf("unknown field %q", key)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return entry{}, err
	}
	switch {
	case !haveDtype:
		return entry{}, errors.New(`missing field "dtype"`)
	case !haveShape:
		return entry{}, errors.New(`missing field "shape"`)
	case offsets == nil:
		return entry{}, errors.New(`missing field "data_offsets"`)
	}

	// Element count and byte size, with every product checked for overflow.
	elements := uint64(1)
	for _, d := range shape {
		hi, lo := bits.Mul64(elements, d)
		if hi != 0 || lo > math.MaxInt {
			return entry{}, fmt.Errorf("shape %v: element count overflows", shape)
		}
		elements = lo
	}
	// size = elements·bits/8, computed so that the bit count cannot overflow.
	hi, size := bits.Mul64(elements/8, e.dtype.bits)
	remBits := elements % 8 * e.dtype.bits
	if remBits%8 != 0 {
		return entry{}, fmt.Errorf("shape %v of %s: %d elements of %d bits are not a whole number of bytes", shape, e.dtype.name, elements, e.dtype.bits)
	}
	size, carry := bits.Add64(size, remBits/8, 0)
	if hi != 0 || carry != 0 {
		return entry{}, fmt.Errorf("shape %v of %s: byte size overflows", shape, e.dtype.name)
	}
	begin, end := offsets[0], offsets[1]
	if begin > end {
		return entry{}, fmt.Errorf("data_offsets [%d, %d]: begin is after end", begin, end)
	}
	if end >= math.MaxInt { // keeps dataSize+1 (see read) from overflowing
		return entry{}, fmt.Errorf("data_offsets [%d, %d]: offset too large", begin, end)
	}
	if end-begin != size {
		return entry{}, fmt.Errorf("data_offsets [%d, %d] span %d bytes, but shape %v of %s needs %d", begin, end, end-begin, shape, e.dtype.name, size)
	}
	e.begin, e.end = int(begin), int(end)
	e.shape = make([]int, len(shape))
	for i, d := range shape {
		e.shape[i] = int(d) // parseUint bounds d by math.MaxInt
	}
	return e, nil
}

// uintArray parses a JSON array of non-negative integers written without
// fraction, exponent or sign, each at most math.MaxInt.
func uintArray(dec *json.Decoder) ([]uint64, error) {
	if err := expectDelim(dec, '['); err != nil {
		return nil, fmt.Errorf("not a JSON array: %w", err)
	}
	values := []uint64{}
	for dec.More() {
		tok, err := token(dec)
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s is not a number", describe(tok))
		}
		v, err := parseUint(string(num))
		if err != nil {
			return nil, err
		}
		values = append(values, v)
	}
	return values, expectDelim(dec, ']')
}

// parseUint accepts only what serde accepts for usize: decimal digits with no
// sign, fraction or exponent, at most math.MaxInt.
func parseUint(s string) (uint64, error) {
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%s is not a non-negative integer", s)
		}
		if v > (math.MaxInt-uint64(c-'0'))/10 {
			return 0, fmt.Errorf("%s is too large", s)
		}
		v = v*10 + uint64(c-'0')
	}
	if len(s) == 0 {
		return 0, errors.New("empty number")
	}
	return v, nil
}

// token reads the next token, reporting the end of the header as an error.
func token(dec *json.Decoder) (json.Token, error) {
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, errors.New("unexpected end of the header JSON")
	}
	return tok, err
}

// stringToken reads a token that must be a JSON string.
func stringToken(dec *json.Decoder) (string, error) {
	tok, err := token(dec)
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("%s is not a string", describe(tok))
	}
	return s, nil
}

// expectDelim reads a token that must be the delimiter want.
func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := token(dec)
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("found %s where %q was expected", describe(tok), string(want))
	}
	return nil
}

// describe names a JSON token for an error message.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("string %q", v)
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	default:
		return fmt.Sprintf("%v", v)
	}
}
