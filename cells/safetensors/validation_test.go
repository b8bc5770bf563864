package safetensors

import (
	"bytes"
	"encoding/binary"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entry8 is a valid 8-byte F32 tensor entry at [begin, begin+8).
const entry8 = `{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`

// TestReadRejects has one case per way a file can be malformed. Each must
// give an error (never a panic) whose message contains the listed parts.
func TestReadRejects(t *testing.T) {
	eight := make([]byte, 8)
	withLength := func(n uint64, rest string) []byte {
		return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
	}
	tensor := func(fields string) []byte { return rawFile(`{"t":{`+fields+`}}`, eight) }

	cases := []struct {
		name  string
		input []byte
		want  []string // substrings of the error message
	}{
		{"empty input", nil, []string{"truncated length prefix", "0 of 8"}},
		{"truncated length prefix", []byte{8, 0, 0}, []string{"truncated length prefix", "3 of 8"}},
		{"header length above the cap", withLength(MaxHeaderSize+1, "{}"), []string{"100000001", "limit"}},
		{"header length 2⁶⁴−1", withLength(1<<64-1, "{}"), []string{"18446744073709551615", "limit"}},
		{"header length beyond the input", withLength(100, "{}"), []string{"100", "2 bytes"}},
		{"empty header", withLength(0, ""), []string{"not a JSON object"}},
		{"header not UTF-8", rawFile("{\"\xff\":1}", nil), []string{"UTF-8"}},
		{"invalid JSON", rawFile(`{"t":`, nil), []string{"JSON"}},
		{"invalid JSON, missing comma", rawFile(`{"a":`+entry8+` "b":`+entry8+`}`, eight), []string{"JSON"}},
		{"header is an array", rawFile(`[]`, nil), []string{"not a JSON object"}},
		{"header is a string", rawFile(`"x"`, nil), []string{"not a JSON object"}},
		{"trailing JSON after the header object", rawFile(`{} x`, nil), []string{"trailing data after the header"}},
		{"second object in the header", rawFile(`{}{}`, nil), []string{"trailing data after the header"}},
		{"entry is an array", rawFile(`{"t":[1]}`, nil), []string{`"t"`, "not a JSON object"}},
		{"entry is a string", rawFile(`{"t":"F32"}`, nil), []string{`"t"`, "not a JSON object"}},
		{"entry is null", rawFile(`{"t":null}`, nil), []string{`"t"`, "not a JSON object"}},
		{"missing dtype", tensor(`"shape":[2],"data_offsets":[0,8]`), []string{`"t"`, `missing field "dtype"`}},
		{"missing shape", tensor(`"dtype":"F32","data_offsets":[0,8]`), []string{`"t"`, `missing field "shape"`}},
		{"missing data_offsets", tensor(`"dtype":"F32","shape":[2]`), []string{`"t"`, `missing field "data_offsets"`}},
		{"extra field", tensor(`"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1`), []string{`"t"`, `unknown field "extra"`}},
		{"duplicate field", tensor(`"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]`), []string{`"t"`, `duplicate field "dtype"`}},
		{"duplicate shape", tensor(`"dtype":"F32","shape":[2],"shape":[2],"data_offsets":[0,8]`), []string{`duplicate field "shape"`}},
		{"duplicate data_offsets", tensor(`"dtype":"F32","shape":[2],"data_offsets":[0,8],"data_offsets":[0,8]`), []string{`duplicate field "data_offsets"`}},
		{"dtype not a string", tensor(`"dtype":32,"shape":[2],"data_offsets":[0,8]`), []string{`"t"`, "dtype", "not a string"}},
		{"unknown dtype", tensor(`"dtype":"F99","shape":[2],"data_offsets":[0,8]`), []string{`"t"`, `unknown dtype "F99"`}},
		{"lower-case dtype", tensor(`"dtype":"f32","shape":[2],"data_offsets":[0,8]`), []string{`unknown dtype "f32"`}},
		{"shape not an array", tensor(`"dtype":"F32","shape":2,"data_offsets":[0,8]`), []string{`"t"`, "shape", "not a JSON array"}},
		{"shape null", tensor(`"dtype":"F32","shape":null,"data_offsets":[0,8]`), []string{"shape", "not a JSON array"}},
		{"shape nested", tensor(`"dtype":"F32","shape":[[2]],"data_offsets":[0,8]`), []string{"shape", "not a number"}},
		{"shape dim a string", tensor(`"dtype":"F32","shape":["2"],"data_offsets":[0,8]`), []string{"shape", `string "2" is not a number`}},
		{"shape dim null", tensor(`"dtype":"F32","shape":[null],"data_offsets":[0,8]`), []string{"shape", "null is not a number"}},
		{"shape dim negative", tensor(`"dtype":"F32","shape":[-2],"data_offsets":[0,8]`), []string{"shape", "-2 is not a non-negative integer"}},
		{"shape dim fractional", tensor(`"dtype":"F32","shape":[2.5],"data_offsets":[0,8]`), []string{"2.5 is not"}},
		{"shape dim 2.0", tensor(`"dtype":"F32","shape":[2.0],"data_offsets":[0,8]`), []string{"2.0 is not"}},
		{"shape dim exponent", tensor(`"dtype":"F32","shape":[2e0],"data_offsets":[0,8]`), []string{"2e0 is not"}},
		{"shape dim too large", tensor(`"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]`), []string{"99999999999999999999 is too large"}},
		{"shape element count overflows", tensor(`"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]`), []string{`"t"`, "element count overflows"}},
		{"shape element count above MaxInt", tensor(`"dtype":"U8","shape":[3037000500,3037000500],"data_offsets":[0,8]`), []string{"element count overflows"}},
		{"shape byte size overflows", tensor(`"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]`), []string{`"t"`, "byte size overflows"}},
		{"data_offsets not an array", tensor(`"dtype":"F32","shape":[2],"data_offsets":{"begin":0}`), []string{"data_offsets", "not a JSON array"}},
		{"data_offsets one value", tensor(`"dtype":"F32","shape":[2],"data_offsets":[8]`), []string{`"t"`, "data_offsets has 1 values"}},
		{"data_offsets three values", tensor(`"dtype":"F32","shape":[2],"data_offsets":[0,4,8]`), []string{"data_offsets has 3 values"}},
		{"data_offsets negative", tensor(`"dtype":"F32","shape":[2],"data_offsets":[-8,0]`), []string{"data_offsets", "-8 is not"}},
		{"data_offsets fractional", tensor(`"dtype":"F32","shape":[2],"data_offsets":[0,8.0]`), []string{"data_offsets", "8.0 is not"}},
		{"data_offsets begin after end", rawFile(`{"t":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, eight), []string{`"t"`, "[8, 0]", "begin is after end"}},
		{"data_offsets too large", rawFile(`{"t":{"dtype":"U8","shape":[0],"data_offsets":[9223372036854775807,9223372036854775807]}}`, nil), []string{`"t"`, "offset too large"}},
		{"byte size too small", tensor(`"dtype":"F32","shape":[3],"data_offsets":[0,8]`), []string{`"t"`, "span 8 bytes", "needs 12"}},
		{"byte size too large", tensor(`"dtype":"F32","shape":[1],"data_offsets":[0,8]`), []string{`"t"`, "span 8 bytes", "needs 4"}},
		{"dtype size mismatch", tensor(`"dtype":"F16","shape":[2],"data_offsets":[0,8]`), []string{"F16", "needs 4"}},
		{"tensor beyond the data section", rawFile(`{"t":`+entry8+`}`, eight[:6]), []string{`"t"`, "ends at byte 8", "only 6 bytes"}},
		{"tensor far beyond the data section", rawFile(`{"t":{"dtype":"U8","shape":[4611686018427387904],"data_offsets":[0,4611686018427387904]}}`, eight), []string{`"t"`, "only 8 bytes"}},
		{"overlapping tensors", rawFile(`{"a":`+entry8+`,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), []string{`"b"`, `"a"`, "overlaps", "[4, 8)"}},
		{"identical offsets", rawFile(`{"a":`+entry8+`,"b":`+entry8+`}`, eight), []string{"overlaps"}},
		{"gap between tensors", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, make([]byte, 12)), []string{"gap of 4 bytes", `"b"`}},
		{"gap at the start", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), []string{"gap of 4 bytes", `"a"`}},
		{"data without tensors", rawFile(`{}`, eight), []string{"trailing bytes"}},
		{"trailing bytes after the data", rawFile(`{"t":`+entry8+`}`, append(eight, 0)), []string{"trailing bytes", "8 bytes"}},
		{"duplicate tensor name", rawFile(`{"t":`+entry8+`,"t":`+entry8+`}`, eight), []string{`duplicate tensor name "t"`}},
		{"duplicate __metadata__", rawFile(`{"__metadata__":{},"__metadata__":{}}`, nil), []string{`duplicate "__metadata__"`}},
		{"duplicate metadata key", rawFile(`{"__metadata__":{"k":"a","k":"b"}}`, nil), []string{`duplicate key "k"`}},
		{"metadata not an object", rawFile(`{"__metadata__":"pt"}`, nil), []string{"__metadata__", "not a JSON object"}},
		{"metadata value a number", rawFile(`{"__metadata__":{"k":1}}`, nil), []string{`key "k"`, "must be a string"}},
		{"metadata value an object", rawFile(`{"__metadata__":{"k":{}}}`, nil), []string{`key "k"`, "must be a string"}},
		{"metadata value null", rawFile(`{"__metadata__":{"k":null}}`, nil), []string{`key "k"`, "must be a string"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { _, err = Read(bytes.NewReader(c.input)) })
			require.Error(t, err)
			if strconv.IntSize < 64 && int64Sized[c.name] {
				return // rejected earlier, as a dimension or offset above math.MaxInt
			}
			for _, want := range c.want {
				assert.Contains(t, err.Error(), want)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "safetensors: "), err.Error())
		})
	}
}

// int64Sized names the cases whose message assumes a 64-bit int.
var int64Sized = map[string]bool{
	"shape element count overflows":      true,
	"shape element count above MaxInt":   true,
	"shape byte size overflows":          true,
	"data_offsets too large":             true,
	"tensor far beyond the data section": true,
}

// TestReadAcceptsEdgeCases covers valid files that a too strict reader
// might reject.
func TestReadAcceptsEdgeCases(t *testing.T) {
	for name, input := range map[string][]byte{
		"empty header object":          rawFile(`{}`, nil),
		"whitespace around the object": rawFile(" \n{ } \t ", nil),
		"zero-size tensors anywhere": rawFile(`{"z0":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},`+
			`"t":`+entry8+`,"z8":{"dtype":"BF16","shape":[3,0],"data_offsets":[8,8]},"z8b":{"dtype":"F16","shape":[0],"data_offsets":[8,8]}}`, make([]byte, 8)),
		"tensors out of order": rawFile(`{"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)),
		"escaped names":        rawFile(`{"\u0074":`+entry8+`,"__metadata__":{"\"k\"":"\u00e9"}}`, make([]byte, 8)),
		"scalar":               rawFile(`{"s":{"data_offsets":[0,4],"shape":[],"dtype":"F32"}}`, make([]byte, 4)),
	} {
		t.Run(name, func(t *testing.T) {
			f, err := Read(bytes.NewReader(input))
			require.NoError(t, err)
			for _, n := range f.Names() {
				_, err := f.Tensor(n)
				assert.NoError(t, err, n)
			}
		})
	}
}

// TestReadBoundedAllocation checks that lengths claimed by a tiny input do
// not turn into large allocations.
func TestReadBoundedAllocation(t *testing.T) {
	for name, input := range map[string][]byte{
		"header length at the cap": append(binary.LittleEndian.AppendUint64(nil, MaxHeaderSize), "{}"...),
		"huge tensor, no data": rawFile(`{"t":{"dtype":"U8","shape":[4611686018427387904],`+
			`"data_offsets":[0,4611686018427387904]}}`, []byte{1, 2, 3}),
	} {
		t.Run(name, func(t *testing.T) {
			for _, r := range []io.Reader{bytes.NewReader(input), iotest.HalfReader(bytes.NewReader(input))} {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				_, err := Read(r)
				runtime.ReadMemStats(&after)
				require.Error(t, err)
				assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(256<<10), "bytes allocated")
			}
		})
	}
}
