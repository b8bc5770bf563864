package safetensors

import (
	"bytes"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// adversarial is a header built to cost a naive parser time or memory.
type adversarial struct {
	name   string
	build  func(size int) (header string, data []byte)
	accept bool // a valid file: Read must return it
}

// repeatTo repeats unit until the result has at least size bytes.
func repeatTo(unit string, size int) string {
	return strings.Repeat(unit, max(1, size/len(unit)))
}

// numberedEntries writes entries "<prefix><i>":<body> until the header has
// about size bytes.
func numberedEntries(size int, body string) string {
	var b strings.Builder
	b.Grow(size + 64)
	b.WriteByte('{')
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"t`)
		b.WriteString(strconv.Itoa(i))
		b.WriteString(`":`)
		b.WriteString(body)
	}
	b.WriteByte('}')
	return b.String()
}

// adversarialHeaders are the headers of issue 13, item 4, each of about
// size bytes.
var adversarialHeaders = []adversarial{
	{name: "one shape of millions of dimensions", build: func(size int) (string, []byte) {
		return `{"t":{"dtype":"F32","shape":[` + repeatTo("1,", size) + `1],"data_offsets":[0,4]}}`, make([]byte, 4)
	}},
	{name: "millions of zero-size tensors", build: func(size int) (string, []byte) {
		return numberedEntries(size, `{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`), nil
	}},
	{name: "millions of one-byte tensors without their data", build: func(size int) (string, []byte) {
		var b strings.Builder
		b.WriteByte('{')
		for i := 0; b.Len() < size; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"t` + strconv.Itoa(i) + `":{"dtype":"U8","shape":[],"data_offsets":[` + strconv.Itoa(i) + `,` + strconv.Itoa(i+1) + `]}`)
		}
		b.WriteByte('}')
		return b.String(), make([]byte, 16)
	}},
	{name: "millions of one-byte tensors", build: func(size int) (string, []byte) {
		var b strings.Builder
		b.WriteByte('{')
		n := 0
		for ; b.Len() < size; n++ {
			if n > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"t` + strconv.Itoa(n) + `":{"dtype":"U8","shape":[],"data_offsets":[` + strconv.Itoa(n) + `,` + strconv.Itoa(n+1) + `]}`)
		}
		b.WriteByte('}')
		return b.String(), make([]byte, n)
	}},
	{name: "MaxTensors one-byte tensors", accept: true, build: func(int) (string, []byte) {
		var b strings.Builder
		b.WriteByte('{')
		for n := 0; n < MaxTensors; n++ {
			if n > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"t` + strconv.Itoa(n) + `":{"dtype":"U8","shape":[],"data_offsets":[` + strconv.Itoa(n) + `,` + strconv.Itoa(n+1) + `]}`)
		}
		b.WriteByte('}')
		return b.String(), make([]byte, MaxTensors)
	}},
	{name: "millions of metadata pairs", build: func(size int) (string, []byte) {
		var b strings.Builder
		b.WriteString(`{"__metadata__":{`)
		for i := 0; b.Len() < size; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"k` + strconv.Itoa(i) + `":"v"`)
		}
		b.WriteString(`}}`)
		return b.String(), nil
	}},
	{name: "one huge metadata value", accept: true, build: func(size int) (string, []byte) {
		return `{"__metadata__":{"k":"` + repeatTo("abcdefgh", size) + `"}}`, nil
	}},
	{name: "one huge escaped metadata value", accept: true, build: func(size int) (string, []byte) {
		return `{"__metadata__":{"k":"` + repeatTo(`\u00e9\ud83d\ude00\n`, size) + `"}}`, nil
	}},
	{name: "one huge tensor name", accept: true, build: func(size int) (string, []byte) {
		return `{"` + repeatTo("layer.", size) + `":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)
	}},
	{name: "deeply nested arrays", build: func(size int) (string, []byte) {
		return `{"t":{"dtype":"F32","shape":` + repeatTo("[", size) + `}}`, nil
	}},
	{name: "deeply nested objects", build: func(size int) (string, []byte) {
		return `{"__metadata__":{"k":` + repeatTo(`{"k":`, size) + `}}`, nil
	}},
	{name: "millions of data_offsets", build: func(size int) (string, []byte) {
		return `{"t":{"dtype":"F32","shape":[0],"data_offsets":[` + repeatTo("0,", size) + `0]}}`, nil
	}},
	{name: "one huge number", build: func(size int) (string, []byte) {
		return `{"t":{"dtype":"F32","shape":[` + repeatTo("9", size) + `],"data_offsets":[0,4]}}`, make([]byte, 4)
	}},
	{name: "millions of duplicate tensors", build: func(size int) (string, []byte) {
		var b strings.Builder
		b.WriteByte('{')
		for b.Len() < size {
			if b.Len() > 1 {
				b.WriteByte(',')
			}
			b.WriteString(`"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}`)
		}
		b.WriteByte('}')
		return b.String(), []byte{1}
	}},
	{name: "millions of duplicate metadata keys", build: func(size int) (string, []byte) {
		return `{"__metadata__":{"k":"v"` + repeatTo(`,"k":"v"`, size) + `}}`, nil
	}},
}

// adversarialSize is the size of the adversarial headers: close to
// MaxHeaderSize in the benchmark, which times them; a tenth of it in the
// test (a twentieth with -short: still more than MaxTensors entries), which
// checks what they allocate per header byte — the parse is linear, so the
// ratio does not depend on the size.
func adversarialSize(bench bool) int {
	switch {
	case bench:
		return MaxHeaderSize - 1000
	case testing.Short():
		return MaxHeaderSize / 20
	}
	return MaxHeaderSize / 10
}

// TestAdversarialHeaders checks that each adversarial header is rejected
// (or, when valid, read) with total allocations of at most 1.1 times the
// header from a reader of known size, and at most 2.1 times from a plain
// stream (which gathers the header in chunks, then joins them; the chunks
// are garbage before the parse allocates its table), plus the tables at
// their largest (36 bytes per tensor up to MaxTensors, twice 16 per metadata
// key up to MaxMetadataEntries) and 64 KiB. Time is measured by
// BenchmarkAdversarialHeaders, not asserted.
func TestAdversarialHeaders(t *testing.T) {
	size := adversarialSize(false)
	for _, c := range adversarialHeaders {
		header, data := c.build(size)
		require.LessOrEqual(t, len(header), MaxHeaderSize)
		input := rawFile(header, data)
		headerLen := len(header)
		header = ""
		for _, stream := range []bool{false, true} {
			name, limit := c.name, 1.1
			if stream {
				name, limit = name+", stream", 2.1
			}
			t.Run(name, func(t *testing.T) {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				f, err := Read(iotestReader(input, stream))
				runtime.ReadMemStats(&after)
				allocated := after.TotalAlloc - before.TotalAlloc
				t.Logf("header %d bytes, allocated %d bytes (%.3f per header byte), error: %v",
					headerLen, allocated, float64(allocated)/float64(headerLen), err)
				if c.accept {
					require.NoError(t, err)
					assert.NotNil(t, f)
				} else {
					require.Error(t, err)
				}
				tables := 36*MaxTensors + 2*16*MaxMetadataEntries // at their largest, grown by doubling
				assert.LessOrEqual(t, float64(allocated), limit*float64(headerLen)+float64(tables+64<<10), "bytes allocated")
			})
		}
	}
}

// BenchmarkAdversarialHeaders reads each adversarial header: MB/s of header,
// and bytes allocated per header byte.
func BenchmarkAdversarialHeaders(b *testing.B) {
	size := adversarialSize(true)
	for _, c := range adversarialHeaders {
		header, data := c.build(size)
		input := rawFile(header, data)
		headerLen := len(header)
		header = ""
		for _, stream := range []bool{false, true} {
			name := c.name
			if stream {
				name += ", stream"
			}
			b.Run(name, func(b *testing.B) {
				b.SetBytes(int64(headerLen))
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				for b.Loop() {
					var r = iotestReader(input, stream)
					_, _ = Read(r) // TestAdversarialHeaders checks the outcome
				}
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(headerLen), "alloc-B/header-B")
			})
		}
	}
}

// iotestReader returns a reader of input: a bytes.Reader (seekable, of
// known size) or, when stream is set, a plain io.Reader.
func iotestReader(input []byte, stream bool) interface{ Read([]byte) (int, error) } {
	if stream {
		return iotest.HalfReader(bytes.NewReader(input))
	}
	return bytes.NewReader(input)
}

// TestLimits checks each documented limit at its boundary: the limit itself
// is accepted, one more is rejected with a message naming the limit.
func TestLimits(t *testing.T) {
	shape := func(rank int) string {
		return `{"t":{"dtype":"F32","shape":[` + strings.TrimSuffix(strings.Repeat("1,", rank), ",") + `],"data_offsets":[0,4]}}`
	}
	zeros := func(n int) string {
		var b strings.Builder
		b.WriteByte('{')
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"z` + strconv.Itoa(i) + `":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`)
		}
		b.WriteByte('}')
		return b.String()
	}
	metadata := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"__metadata__":{`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"k` + strconv.Itoa(i) + `":""`)
		}
		b.WriteString(`}}`)
		return b.String()
	}
	ok := func(header string, data []byte) {
		t.Helper()
		_, err := Read(bytes.NewReader(rawFile(header, data)))
		assert.NoError(t, err)
	}
	fails := func(header string, data []byte, want ...string) {
		t.Helper()
		_, err := Read(bytes.NewReader(rawFile(header, data)))
		require.Error(t, err)
		for _, w := range want {
			assert.Contains(t, err.Error(), w)
		}
		// The same through a plain stream, whose size Read cannot know.
		_, err = Read(iotest.HalfReader(bytes.NewReader(rawFile(header, data))))
		require.Error(t, err)
		for _, w := range want {
			assert.Contains(t, err.Error(), w)
		}
	}
	four := make([]byte, 4)
	ok(shape(8), four)
	fails(shape(9), four, `"t"`, "more than 8 dimensions")
	ok(zeros(4096), nil)
	fails(zeros(4097), nil, "4096 zero-size tensors")
	tensors := func(n int) string {
		var b strings.Builder
		b.WriteByte('{')
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"u` + strconv.Itoa(i) + `":{"dtype":"U8","shape":[1],"data_offsets":[` + strconv.Itoa(i) + `,` + strconv.Itoa(i+1) + `]}`)
		}
		b.WriteByte('}')
		return b.String()
	}
	ok(tensors(MaxTensors), make([]byte, MaxTensors))
	fails(tensors(MaxTensors+1), make([]byte, MaxTensors+1), "more than 65536 tensors (MaxTensors)")
	ok(metadata(16384), nil)
	fails(metadata(16385), nil, "16384")
	fails(`{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8,12]}}`, four, "data_offsets has more than 3 values")
	// Non-empty tensors need a byte of data each: with the size known,
	// the second one-byte tensor is one too many for a 1-byte section.
	one := `"dtype":"U8","shape":[1],"data_offsets":[0,1]`
	_, err := Read(bytes.NewReader(rawFile(`{"a":{`+one+`},"b":{`+one+`}}`, []byte{7})))
	assert.ErrorContains(t, err, "1 bytes")
}

// TestHeaderStrings covers JSON string escapes in names and metadata.
func TestHeaderStrings(t *testing.T) {
	entry := `{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`
	for raw, want := range map[string]string{
		`"a"`:                        "a",
		`"\u0061\u00e9\u20ac"`:       "aé€",
		`"\ud83d\ude00"`:             "😀",
		`"\"\\\/\b\f\n\r\t"`:         "\"\\/\b\f\n\r\t",
		`"x\u0000y"`:                 "x\x00y",
		`"é€😀"`:                      "é€😀",
		`"\uD83D\uDE00!"`:            "😀!",
		`"pre\nfix` + "\u00e9" + `"`: "pre\nfixé",
	} {
		f, err := Read(bytes.NewReader(rawFile(`{`+raw+`:`+entry+`,"__metadata__":{`+raw+`:`+raw+`}}`, nil)))
		require.NoError(t, err, raw)
		assert.Equal(t, []string{want}, f.Names(), raw)
		assert.Equal(t, map[string]string{want: want}, f.Metadata(), raw)
	}
	for raw, msg := range map[string]string{
		`"\ud83d"`:         "surrogate",
		`"\ude00"`:         "surrogate",
		`"\ud83d\u0041"`:   "surrogate",
		`"\ud83dx"`:        "surrogate",
		`"\x"`:             "escape",
		`"\u12"`:           "escape",
		`"\u12g4"`:         "escape",
		"\"a\nb\"":         "control character",
		"\"\xc3\"":         "UTF-8",
		"\"\xed\xa0\x80\"": "UTF-8", // an encoded surrogate
	} {
		_, err := Read(bytes.NewReader(rawFile(`{`+raw+`:`+entry+`}`, nil)))
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), msg, raw)
		assert.Contains(t, err.Error(), "byte ", raw)
	}
	for _, header := range []string{`{"abc`, `{"abc\`, `{"\u12`, `{"\ud83d`, `{"a":{"dtype":"F32","shape":[`} {
		_, err := Read(bytes.NewReader(rawFile(header, nil)))
		assert.ErrorContains(t, err, "unexpected end of the header JSON at byte", header)
	}
	// Two spellings of one name are duplicates.
	_, err := Read(bytes.NewReader(rawFile(`{"a":`+entry+`,"\u0061":`+entry+`}`, nil)))
	assert.ErrorContains(t, err, `duplicate tensor name "a"`)
	_, err = Read(bytes.NewReader(rawFile(`{"__metadata__":{"a":"","\u0061":""}}`, nil)))
	assert.ErrorContains(t, err, `duplicate key "a"`)
}

// lyingSeeker claims an end far beyond its data.
type lyingSeeker struct{ *bytes.Reader }

func (l lyingSeeker) Seek(offset int64, whence int) (int64, error) {
	if whence == io.SeekEnd {
		return 1 << 40, nil
	}
	return l.Reader.Seek(offset, whence)
}

// TestReadLyingSeeker checks that the size of an arbitrary io.Seeker is not
// trusted: a header describing 1 TB of data, with a Seeker claiming it is
// there, costs no large allocation.
func TestReadLyingSeeker(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("1 TB offsets need a 64-bit int")
	}
	input := rawFile(`{"t":{"dtype":"U8","shape":[1099511627000],"data_offsets":[0,1099511627000]}}`, []byte{1, 2})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Read(lyingSeeker{bytes.NewReader(input)})
	runtime.ReadMemStats(&after)
	assert.ErrorContains(t, err, "only 2 bytes")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "bytes allocated")

	h, err := ReadHeader(lyingSeeker{bytes.NewReader(input)})
	require.NoError(t, err)
	r := lyingSeeker{bytes.NewReader(input[len(input)-2:])}
	assert.ErrorContains(t, h.ReadData(r, nil), "only 2 bytes")
}
