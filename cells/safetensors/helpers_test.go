package safetensors

import (
	"encoding/binary"
)

// rawFile assembles a file from a header (not padded) and a data section.
func rawFile(header string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, data...)
}

// le16 encodes 16-bit values little-endian.
func le16(values ...uint16) []byte {
	var out []byte
	for _, v := range values {
		out = binary.LittleEndian.AppendUint16(out, v)
	}
	return out
}
