package safetensors

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// span is a string of the header, decoded in place: buf[off : off+n].
type span struct{ off, n uint32 }

// metaEntry is one "__metadata__" key and its value.
type metaEntry struct{ key, value span }

// minEntryBytes is the fewest header bytes a tensor takes:
// "":{"dtype":"U8","shape":[],"data_offsets":[0,1]}
const minEntryBytes = 49

// parser scans the header JSON in one pass over its bytes. The header's
// grammar is a small, fixed subset of JSON, so the parser never descends
// into values of unexpected structure: any value other than the expected
// string, number, array of numbers or object is an error at once, which
// bounds nesting to two objects and an array. Strings are unescaped in place
// (an escape is never shorter than what it encodes), so names cost no
// allocation. Every error names the byte offset in the header.
type parser struct {
	b     []byte
	i     int
	avail int64 // bytes of the data section when known, or -1

	entries      []entry
	metadata     []metaEntry
	haveMetadata bool
	empty        int // zero-size tensors
	nonEmpty     int64
}

// parseHeader parses and validates the JSON header, decoding its strings in
// place in buf, which the Header keeps. avail is the size of the data
// section when known from the input's size, or -1: with it, tensors ending
// beyond the data and more non-empty tensors than data bytes are rejected
// as soon as they are read.
func parseHeader(buf []byte, avail int64) (*Header, error) {
	p := &parser{b: buf, avail: avail}
	// Every tensor takes minEntryBytes of header, all but MaxEmptyTensors a
	// byte of data (when its size is known), and there are at most
	// MaxTensors: room for that many at once costs at most 32/49 of the
	// header, and 2 MiB, and saves growing the table.
	n := int64(len(buf)/minEntryBytes + 1)
	if avail >= 0 && avail < n-MaxEmptyTensors-1 {
		n = avail + MaxEmptyTensors + 1
	}
	p.entries = make([]entry, 0, min(n, MaxTensors))
	if err := p.object(); err != nil {
		return nil, err
	}
	h := &Header{buf: buf, entries: p.entries, haveMetadata: p.haveMetadata}
	slices.SortFunc(h.entries, func(a, b entry) int { return bytes.Compare(h.str(a.name), h.str(b.name)) })
	for i := 1; i < len(h.entries); i++ {
		if bytes.Equal(h.str(h.entries[i-1].name), h.str(h.entries[i].name)) {
			return nil, fmt.Errorf("safetensors: duplicate tensor name %q in header", h.str(h.entries[i].name))
		}
	}
	h.metadata = p.metadata
	slices.SortFunc(h.metadata, func(a, b metaEntry) int { return bytes.Compare(h.str(a.key), h.str(b.key)) })
	for i := 1; i < len(h.metadata); i++ {
		if k := h.str(h.metadata[i].key); bytes.Equal(h.str(h.metadata[i-1].key), k) {
			return nil, fmt.Errorf("safetensors: %s: duplicate key %q", metadataKey, k)
		}
	}
	if err := h.checkCoverage(); err != nil {
		return nil, err
	}
	return h, nil
}

// checkCoverage checks that the tensors tile the data section from byte 0
// without gaps or overlaps, and records its size, the order of the tensors
// in it and the last one's name.
func (h *Header) checkCoverage() error {
	h.order = make([]int32, len(h.entries))
	for i := range h.order {
		h.order[i] = int32(i)
	}
	slices.SortFunc(h.order, func(a, b int32) int {
		x, y := &h.entries[a], &h.entries[b]
		return cmp.Or(cmp.Compare(x.begin, y.begin), cmp.Compare(x.end, y.end), cmp.Compare(a, b))
	})
	pos, last := int64(0), -1
	for _, i := range h.order {
		e := &h.entries[i]
		switch {
		case e.begin > pos:
			return fmt.Errorf("safetensors: gap of %d bytes in the data section before tensor %q at [%d, %d)", e.begin-pos, h.str(e.name), e.begin, e.end)
		case e.begin < pos:
			return fmt.Errorf("safetensors: tensor %q at [%d, %d) overlaps tensor %q, which ends at %d", h.str(e.name), e.begin, e.end, h.str(h.entries[last].name), pos)
		}
		pos, last = e.end, int(i)
	}
	h.dataSize, h.last = pos, last
	return nil
}

// object parses the header's top-level object.
func (p *parser) object() error {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return fmt.Errorf("safetensors: header is not a JSON object: %w", p.unexpected(`"{"`))
	}
	p.i++
	for first := true; ; first = false {
		more, err := p.more(first, '}')
		if err != nil {
			return fmt.Errorf("safetensors: %w", err)
		}
		if !more {
			break
		}
		at := p.i
		key, err := p.key()
		if err != nil {
			return fmt.Errorf("safetensors: %w", err)
		}
		if string(p.str(key)) == metadataKey {
			if p.haveMetadata {
				return fmt.Errorf("safetensors: duplicate %q in header (byte %d)", metadataKey, at)
			}
			p.haveMetadata = true
			if err := p.metadataObject(); err != nil {
				return fmt.Errorf("safetensors: %s: %w", metadataKey, err)
			}
			continue
		}
		e, err := p.entry()
		if err != nil {
			return fmt.Errorf("safetensors: tensor %q: %w", p.str(key), err)
		}
		e.name = key
		if len(p.entries) == MaxTensors {
			return fmt.Errorf("safetensors: tensor %q: more than %d tensors (MaxTensors)", p.str(key), MaxTensors)
		}
		if e.end > e.begin {
			p.nonEmpty++
			if p.avail >= 0 && p.nonEmpty > p.avail {
				return fmt.Errorf("safetensors: tensor %q: more non-empty tensors than the %d bytes of the data section can hold", p.str(key), p.avail)
			}
		} else if p.empty++; p.empty > MaxEmptyTensors {
			return fmt.Errorf("safetensors: tensor %q: more than %d zero-size tensors (MaxEmptyTensors)", p.str(key), MaxEmptyTensors)
		}
		if len(p.entries) == cap(p.entries) {
			// Double, where append would grow a large slice by 1.25: the
			// allocations then sum to at most twice the final capacity,
			// not five times.
			p.entries = append(make([]entry, 0, max(64, 2*cap(p.entries))), p.entries...)
		}
		p.entries = append(p.entries, e)
	}
	p.ws()
	if p.i < len(p.b) {
		return fmt.Errorf("safetensors: trailing data after the header's JSON object at byte %d: %s", p.i, p.describe())
	}
	return nil
}

// metadataObject parses the "__metadata__" object of string values.
func (p *parser) metadataObject() error {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return fmt.Errorf("not a JSON object: %w", p.unexpected(`"{"`))
	}
	p.i++
	for first := true; ; first = false {
		more, err := p.more(first, '}')
		if err != nil || !more {
			return err
		}
		key, err := p.key()
		if err != nil {
			return err
		}
		if len(p.metadata) == MaxMetadataEntries {
			return fmt.Errorf("more than %d keys (MaxMetadataEntries) at byte %d", MaxMetadataEntries, key.off)
		}
		value, err := p.string()
		if err != nil {
			return fmt.Errorf("key %q: value must be a string: %w", p.str(key), err)
		}
		p.metadata = append(p.metadata, metaEntry{key, value})
	}
}

// entry parses and checks one {"dtype", "shape", "data_offsets"} object.
func (p *parser) entry() (entry, error) {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return entry{}, fmt.Errorf("not a JSON object: %w", p.unexpected(`"{"`))
	}
	p.i++
	var (
		e                    entry
		shape                [MaxRank]uint64
		rank, nOffsets       int
		offsets              [2]uint64
		haveDtype, haveShape bool
	)
	for first := true; ; first = false {
		more, err := p.more(first, '}')
		if err != nil {
			return entry{}, err
		}
		if !more {
			break
		}
		key, err := p.key()
		if err != nil {
			return entry{}, err
		}
		switch k := p.str(key); string(k) {
		case "dtype":
			if haveDtype {
				return entry{}, errors.New(`duplicate field "dtype"`)
			}
			haveDtype = true
			name, err := p.string()
			if err != nil {
				return entry{}, fmt.Errorf("dtype: %w", err)
			}
			d, ok := dtypeIndex[string(p.str(name))]
			if !ok {
				return entry{}, fmt.Errorf("unknown dtype %q", p.str(name))
			}
			e.dtype = d
		case "shape":
			if haveShape {
				return entry{}, errors.New(`duplicate field "shape"`)
			}
			haveShape = true
			p.ws()
			e.shape = uint32(p.i)
			n, err := p.uintArray(shape[:])
			if errors.Is(err, errTooMany) {
				err = fmt.Errorf("more than %d dimensions (MaxRank) at byte %d", MaxRank, p.i)
			}
			if err != nil {
				return entry{}, fmt.Errorf("shape: %w", err)
			}
			rank = n
			e.rank = uint8(rank)
		case "data_offsets":
			if nOffsets > 0 {
				return entry{}, errors.New(`duplicate field "data_offsets"`)
			}
			n, err := p.uintArray(offsets[:])
			if err != nil && !errors.Is(err, errTooMany) {
				return entry{}, fmt.Errorf("data_offsets: %w", err)
			}
			if nOffsets = n; err != nil {
				// Three values or more: tell which, reading at most one.
				if _, err := p.uint(); err != nil {
					return entry{}, fmt.Errorf("data_offsets: %w", err)
				}
				more, err := p.more(false, ']')
				if err != nil {
					return entry{}, fmt.Errorf("data_offsets: %w", err)
				}
				if more {
					return entry{}, errors.New("data_offsets has more than 3 values, want [begin, end]")
				}
				nOffsets = 3
			}
			if nOffsets != 2 {
				return entry{}, fmt.Errorf("data_offsets has %d values, want [begin, end]", nOffsets)
			}
		default:
			return entry{}, fmt.Errorf("unknown field %q", k)
		}
	}
	switch {
	case !haveDtype:
		return entry{}, errors.New(`missing field "dtype"`)
	case !haveShape:
		return entry{}, errors.New(`missing field "shape"`)
	case nOffsets == 0:
		return entry{}, errors.New(`missing field "data_offsets"`)
	}

	// Element count and byte size, with every product checked for overflow.
	dims := shape[:rank]
	// Error messages print a copy of dims, which keeps shape off the heap.
	shown := func() []uint64 { return append([]uint64(nil), dims...) }
	d := dtypeList[e.dtype]
	elements := uint64(1)
	for _, n := range dims {
		hi, lo := bits.Mul64(elements, n)
		if hi != 0 || lo > math.MaxInt {
			return entry{}, fmt.Errorf("shape %v: element count overflows", shown())
		}
		elements = lo
	}
	// size = elements·bits/8, computed so that the bit count cannot overflow.
	hi, size := bits.Mul64(elements/8, d.bits)
	remBits := elements % 8 * d.bits
	if remBits%8 != 0 {
		return entry{}, fmt.Errorf("shape %v of %s: %d elements of %d bits are not a whole number of bytes", shown(), d.name, elements, d.bits)
	}
	size, carry := bits.Add64(size, remBits/8, 0)
	if hi != 0 || carry != 0 {
		return entry{}, fmt.Errorf("shape %v of %s: byte size overflows", shown(), d.name)
	}
	begin, end := offsets[0], offsets[1]
	if begin > end {
		return entry{}, fmt.Errorf("data_offsets [%d, %d]: begin is after end", begin, end)
	}
	if end >= math.MaxInt { // keeps dataSize+1 (see read) from overflowing
		return entry{}, fmt.Errorf("data_offsets [%d, %d]: offset too large", begin, end)
	}
	if end-begin != size {
		return entry{}, fmt.Errorf("data_offsets [%d, %d] span %d bytes, but shape %v of %s needs %d", begin, end, end-begin, shown(), d.name, size)
	}
	if p.avail >= 0 && end > uint64(p.avail) {
		return entry{}, fmt.Errorf("ends at byte %d of the data section, which has only %d bytes", end, p.avail)
	}
	e.begin, e.end = int64(begin), int64(end)
	return e, nil
}

// errTooMany reports an array longer than the caller's.
var errTooMany = errors.New("too many values")

// uintArray parses a JSON array of non-negative integers into dst and
// returns their count. At a value beyond len(dst) it stops, with p.i at
// that value, and returns errTooMany.
func (p *parser) uintArray(dst []uint64) (int, error) {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '[' {
		return 0, fmt.Errorf("not a JSON array: %w", p.unexpected(`"["`))
	}
	p.i++
	for n := 0; ; n++ {
		more, err := p.more(n == 0, ']')
		if err != nil || !more {
			return n, err
		}
		if n == len(dst) {
			p.ws()
			return n, errTooMany
		}
		if dst[n], err = p.uint(); err != nil {
			return n, err
		}
	}
}

// uint parses a JSON number that must be what serde accepts for usize:
// decimal digits with no sign, fraction or exponent, at most math.MaxInt.
func (p *parser) uint() (uint64, error) {
	p.ws()
	if p.i >= len(p.b) {
		return 0, p.eof()
	}
	if c := p.b[p.i]; c != '-' && (c < '0' || c > '9') {
		return 0, fmt.Errorf("%s is not a number (byte %d)", p.describe(), p.i)
	}
	start := p.i
	end, integer := scanNumber(p.b, start)
	if end < 0 {
		return 0, p.syntax(start, "invalid number")
	}
	p.i = end
	text := p.b[start:end]
	if !integer {
		return 0, fmt.Errorf("%s is not a non-negative integer (byte %d)", shorten(text), start)
	}
	var v uint64
	for _, c := range text {
		if v > (math.MaxInt-uint64(c-'0'))/10 {
			return 0, fmt.Errorf("%s is too large (byte %d)", shorten(text), start)
		}
		v = v*10 + uint64(c-'0')
	}
	return v, nil
}

// scanNumber returns the end of the JSON number starting at b[i], or -1 if
// it is not one, and whether it is a plain non-negative integer.
func scanNumber(b []byte, i int) (end int, integer bool) {
	integer = true
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	if b[i] == '-' {
		integer = false
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return -1, false
	}
	if i < len(b) && b[i] == '.' {
		integer = false
		i++
		if !digits() {
			return -1, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return -1, false
		}
	}
	return i, integer
}

// more is called before each member of an object or element of an array
// that closes with close: it consumes the separating comma (or the closing
// byte) and reports whether a member follows.
func (p *parser) more(first bool, close byte) (bool, error) {
	p.ws()
	if p.i >= len(p.b) {
		return false, p.eof()
	}
	switch c := p.b[p.i]; {
	case c == close:
		p.i++
		return false, nil
	case first:
		return true, nil
	case c == ',':
		p.i++
		return true, nil
	}
	return false, p.syntax(p.i, "found %s where ',' or '%c' was expected", p.describe(), close)
}

// key parses an object key and the colon after it.
func (p *parser) key() (span, error) {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] != '"' {
		return span{}, p.syntax(p.i, "found %s where a key was expected", p.describe())
	}
	key, err := p.string()
	if err != nil {
		return span{}, err
	}
	p.ws()
	if p.i >= len(p.b) {
		return span{}, p.eof()
	}
	if p.b[p.i] != ':' {
		return span{}, p.syntax(p.i, "found %s where ':' was expected", p.describe())
	}
	p.i++
	return key, nil
}

// string parses a JSON string, decoding it in place: \uXXXX escapes,
// surrogate pairs included, become UTF-8. Raw bytes must be valid UTF-8
// without control characters, and a surrogate must be half of a pair, as
// the reference implementation (serde_json) requires.
func (p *parser) string() (span, error) {
	p.ws()
	if p.i >= len(p.b) {
		return span{}, p.eof()
	}
	if p.b[p.i] != '"' {
		return span{}, fmt.Errorf("%s is not a string (byte %d)", p.describe(), p.i)
	}
	b := p.b
	start := p.i + 1
	j := start
	for j < len(b) { // the common case: nothing to decode
		if c := b[j]; c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		j++
	}
	w := j // write and read positions, w ≤ j
	for j < len(b) {
		c := b[j]
		switch {
		case c == '"':
			p.i = j + 1
			return span{uint32(start), uint32(w - start)}, nil
		case c < 0x20:
			return span{}, p.syntax(j, "control character %#02x in a string", c)
		case c < utf8.RuneSelf && c != '\\':
			b[w] = c
			w, j = w+1, j+1
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && n == 1 {
				return span{}, p.syntax(j, "string is not valid UTF-8")
			}
			copy(b[w:], b[j:j+n])
			w, j = w+n, j+n
		default: // an escape
			if j+1 >= len(b) {
				return span{}, p.eof()
			}
			if e := b[j+1]; e != 'u' {
				dec, ok := escapes[e]
				if !ok {
					return span{}, p.syntax(j, "invalid escape %q in a string", b[j:j+2])
				}
				b[w] = dec
				w, j = w+1, j+2
				continue
			}
			r, err := p.hex4(j)
			if err != nil {
				return span{}, err
			}
			j += 6
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if r < 0xdc00 && (j == len(b) || j+1 == len(b) && b[j] == '\\') {
					return span{}, p.eof()
				}
				if r < 0xdc00 && j+1 < len(b) && b[j] == '\\' && b[j+1] == 'u' {
					if r2, err = p.hex4(j); err != nil {
						return span{}, err
					}
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return span{}, p.syntax(j-6, "unpaired UTF-16 surrogate escape in a string")
				}
				j += 6
			}
			w += utf8.EncodeRune(b[w:], r) // at most 4 bytes for 6 or 12 read
		}
	}
	return span{}, p.eof()
}

// escapes maps the single-character JSON escapes to what they encode.
var escapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hex4 decodes the \uXXXX escape at b[j].
func (p *parser) hex4(j int) (rune, error) {
	if j+6 > len(p.b) {
		if bytes.IndexFunc(p.b[j+2:], func(r rune) bool { return !isHex(r) }) < 0 {
			return 0, p.eof()
		}
		return 0, p.syntax(j, "invalid escape %q in a string", p.b[j:])
	}
	r := rune(0)
	for _, c := range p.b[j+2 : j+6] {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, p.syntax(j, "invalid escape %q in a string", p.b[j:j+6])
		}
		r = r<<4 | rune(v)
	}
	return r, nil
}

func isHex(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}

// ws skips JSON whitespace.
func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// str returns the decoded bytes of a string of the header.
func (p *parser) str(s span) []byte { return p.b[s.off : s.off+s.n] }

// eof is the error of a header that ends too early.
func (p *parser) eof() error {
	return fmt.Errorf("unexpected end of the header JSON at byte %d", len(p.b))
}

// syntax is an error of JSON syntax at byte at.
func (p *parser) syntax(at int, format string, args ...any) error {
	return fmt.Errorf("invalid header JSON at byte %d: %s", at, fmt.Sprintf(format, args...))
}

// unexpected describes what was found where want was expected.
func (p *parser) unexpected(want string) error {
	if p.i >= len(p.b) {
		return p.eof()
	}
	return fmt.Errorf("found %s where %s was expected (byte %d)", p.describe(), want, p.i)
}

// describe names the JSON value or byte at p.i for an error message,
// without consuming it and reading at most a few dozen bytes of it.
func (p *parser) describe() string {
	b := p.b[p.i:]
	switch c := b[0]; {
	case c == '"':
		end := bytes.IndexByte(b[1:min(len(b), 42)], '"')
		if end < 0 {
			return fmt.Sprintf("string %q…", b[1:min(len(b), 41)])
		}
		return fmt.Sprintf("string %q", b[1:1+end])
	case bytes.ContainsRune([]byte("{}[],:"), rune(c)):
		return fmt.Sprintf("%q", string(c))
	case c == '-' || c >= '0' && c <= '9':
		if end, _ := scanNumber(b, 0); end > 0 {
			return string(shorten(b[:end]))
		}
	}
	for _, literal := range []string{"null", "true", "false"} {
		if bytes.HasPrefix(b, []byte(literal)) {
			return literal
		}
	}
	r, _ := utf8.DecodeRune(b)
	return "invalid character " + strconv.QuoteRune(r)
}

// shorten cuts a long token for an error message.
func shorten(text []byte) []byte {
	if len(text) > 40 {
		return append(text[:40:40], "…"...)
	}
	return text
}
