package main

import "fmt"

// Go's arm64 assembler has no vector float arithmetic other than
// VFMLA/VFMLS, so the generator writes those instructions as WORD
// directives. Each word is assembled here from the fields of its encoding
// class in the Arm Architecture Reference Manual (section C4.1, "Advanced
// SIMD"), and carries the GNU syntax of the instruction exactly as
// aarch64-linux-gnu-objdump prints it, for the comment next to the WORD.
// TestEncoding checks both against GNU as; wordcheck checks the built
// binary against the comments.

// Word is one encoded instruction.
type Word struct {
	Bits uint32
	GNU  string // mnemonic and operands, as objdump prints them
}

// Arrangement is a vector arrangement of single-precision lanes.
type Arrangement struct {
	q    uint32 // the Q bit: 0 for 64-bit vectors, 1 for 128-bit
	name string // GNU arrangement specifier
}

// The arrangements of float32 lanes.
var (
	S2 = Arrangement{q: 0, name: "2s"}
	S4 = Arrangement{q: 1, name: "4s"}
)

// field checks that v fits in width bits and shifts it into place.
func field(v uint32, width, shift uint) uint32 {
	if v>>width != 0 {
		panic(fmt.Sprintf("encode: value %d does not fit in %d bits", v, width))
	}
	return v << shift
}

// reg checks a vector register number.
func reg(r V) uint32 {
	if r < 0 || r > 31 {
		panic(fmt.Sprintf("encode: no vector register V%d", int(r)))
	}
	return uint32(r)
}

// threeSame encodes the "Advanced SIMD three same" class:
//
//	0 | Q | U | 01110 | size:2 | 1 | Rm:5 | opcode:5 | 1 | Rn:5 | Rd:5
//
// For the single-precision float operations size is (a, 0): a is the high
// size bit that tells FADD from FSUB or FMAX from FMIN, the low one selects
// single precision.
func threeSame(u, sizeHigh, opcode uint32, arr Arrangement, d, n, m V) uint32 {
	return field(arr.q, 1, 30) | field(u, 1, 29) | field(0b01110, 5, 24) |
		field(sizeHigh, 1, 23) | field(0, 1, 22) | field(1, 1, 21) |
		field(reg(m), 5, 16) | field(opcode, 5, 11) | field(1, 1, 10) |
		field(reg(n), 5, 5) | field(reg(d), 5, 0)
}

// threeSameOp describes one float operation of the three-same class.
type threeSameOp struct {
	mnemonic         string
	u, sizeHigh, opc uint32
}

var (
	opFADD  = threeSameOp{"fadd", 0, 0, 0b11010}
	opFSUB  = threeSameOp{"fsub", 0, 1, 0b11010}
	opFADDP = threeSameOp{"faddp", 1, 0, 0b11010}
	opFMUL  = threeSameOp{"fmul", 1, 0, 0b11011}
	opFDIV  = threeSameOp{"fdiv", 1, 0, 0b11111}
	opFMAX  = threeSameOp{"fmax", 0, 0, 0b11110}
	opFMIN  = threeSameOp{"fmin", 0, 1, 0b11110}
)

func (op threeSameOp) encode(arr Arrangement, d, n, m V) Word {
	return Word{
		Bits: threeSame(op.u, op.sizeHigh, op.opc, arr, d, n, m),
		GNU: fmt.Sprintf("%s v%d.%s, v%d.%s, v%d.%s", op.mnemonic,
			int(d), arr.name, int(n), arr.name, int(m), arr.name),
	}
}

// FADD is fadd vd, vn, vm: d = n + m lane by lane.
func FADD(arr Arrangement, d, n, m V) Word { return opFADD.encode(arr, d, n, m) }

// FSUB is fsub vd, vn, vm: d = n − m.
func FSUB(arr Arrangement, d, n, m V) Word { return opFSUB.encode(arr, d, n, m) }

// FADDP is faddp vd, vn, vm: the sums of adjacent lane pairs of n, then of
// m, concatenated.
func FADDP(arr Arrangement, d, n, m V) Word { return opFADDP.encode(arr, d, n, m) }

// FMUL is fmul vd, vn, vm: d = n · m, one rounding.
func FMUL(arr Arrangement, d, n, m V) Word { return opFMUL.encode(arr, d, n, m) }

// FDIV is fdiv vd, vn, vm: d = n / m.
func FDIV(arr Arrangement, d, n, m V) Word { return opFDIV.encode(arr, d, n, m) }

// FMAX is fmax vd, vn, vm.
func FMAX(arr Arrangement, d, n, m V) Word { return opFMAX.encode(arr, d, n, m) }

// FMIN is fmin vd, vn, vm.
func FMIN(arr Arrangement, d, n, m V) Word { return opFMIN.encode(arr, d, n, m) }

// FADDPScalar is faddp sd, vn.2s: the sum of the two low lanes of n, in the
// "Advanced SIMD scalar pairwise" class:
//
//	01 | U | 11110 | size:2 | 11000 | opcode:5 | 10 | Rn:5 | Rd:5
//
// with U = 1, size = 00 (single precision), opcode = 01101.
func FADDPScalar(d, n V) Word {
	bits := field(0b01, 2, 30) | field(1, 1, 29) | field(0b11110, 5, 24) |
		field(0b00, 2, 22) | field(0b11000, 5, 17) | field(0b01101, 5, 12) |
		field(0b10, 2, 10) | field(reg(n), 5, 5) | field(reg(d), 5, 0)
	return Word{Bits: bits, GNU: fmt.Sprintf("faddp s%d, v%d.2s", int(d), int(n))}
}

// FMLAElem is fmla vd, vn, vm.s[index]: d += n · m[index], fused, in the
// "Advanced SIMD vector x indexed element" class:
//
//	0 | Q | U | 01111 | size:2 | L | M | Rm:4 | opcode:4 | H | 0 | Rn:5 | Rd:5
//
// with U = 0, size = 10 (single precision), opcode = 0001; the lane index
// is H:L and M:Rm is the whole register number of m.
func FMLAElem(arr Arrangement, d, n, m V, index int) Word {
	if index < 0 || index > 3 {
		panic(fmt.Sprintf("encode: lane index %d out of range", index))
	}
	i := uint32(index)
	bits := field(0, 1, 31) | field(arr.q, 1, 30) | field(0, 1, 29) | field(0b01111, 5, 24) |
		field(0b10, 2, 22) | field(i&1, 1, 21) | field(reg(m), 5, 16) |
		field(0b0001, 4, 12) | field(i>>1, 1, 11) | field(0, 1, 10) |
		field(reg(n), 5, 5) | field(reg(d), 5, 0)
	return Word{Bits: bits, GNU: fmt.Sprintf("fmla v%d.%s, v%d.%s, v%d.s[%d]",
		int(d), arr.name, int(n), arr.name, int(m), index)}
}

// BIC is bic vd.16b, vn.16b, vm.16b: d = n AND NOT m, in the three-same
// class with U = 0, size = 01, opcode = 00011 (logical operations ignore
// the arrangement, which GNU writes as bytes).
func BIC(arr Arrangement, d, n, m V) Word {
	bits := threeSame(0, 0, 0b00011, arr, d, n, m) | field(1, 1, 22)
	b := "8b"
	if arr.q == 1 {
		b = "16b"
	}
	return Word{Bits: bits, GNU: fmt.Sprintf("bic v%d.%s, v%d.%s, v%d.%s", int(d), b, int(n), b, int(m), b)}
}

// twoRegMisc encodes the "Advanced SIMD two-register miscellaneous" class:
//
//	0 | Q | U | 01110 | size:2 | 10000 | opcode:5 | 10 | Rn:5 | Rd:5
//
// For the single-precision float operations size is (a, 0), a telling
// apart pairs such as FRINTN/FRINTP.
func twoRegMisc(u, sizeHigh, opcode uint32, arr Arrangement, d, n V) uint32 {
	return field(arr.q, 1, 30) | field(u, 1, 29) | field(0b01110, 5, 24) |
		field(sizeHigh, 1, 23) | field(0, 1, 22) | field(0b10000, 5, 17) |
		field(opcode, 5, 12) | field(0b10, 2, 10) |
		field(reg(n), 5, 5) | field(reg(d), 5, 0)
}

// twoRegOp describes one float operation of the two-register class; zero
// marks the compares against #0.0, whose GNU syntax ends in ", #0.0".
type twoRegOp struct {
	mnemonic         string
	u, sizeHigh, opc uint32
	zero             bool
}

var (
	opFABS   = twoRegOp{"fabs", 0, 1, 0b01111, false}
	opFNEG   = twoRegOp{"fneg", 1, 1, 0b01111, false}
	opFRINTN = twoRegOp{"frintn", 0, 0, 0b11000, false}
	opFCVTZS = twoRegOp{"fcvtzs", 0, 1, 0b11011, false}
	opFRECPE = twoRegOp{"frecpe", 0, 1, 0b11101, false}
	opFCMLT0 = twoRegOp{"fcmlt", 0, 1, 0b01110, true}
	opFCMLE0 = twoRegOp{"fcmle", 1, 1, 0b01101, true}
)

func (op twoRegOp) encode(arr Arrangement, d, n V) Word {
	text := fmt.Sprintf("%s v%d.%s, v%d.%s", op.mnemonic, int(d), arr.name, int(n), arr.name)
	if op.zero {
		text += ", #0.0"
	}
	return Word{Bits: twoRegMisc(op.u, op.sizeHigh, op.opc, arr, d, n), GNU: text}
}

// FABS is fabs vd, vn: |n|.
func FABS(arr Arrangement, d, n V) Word { return opFABS.encode(arr, d, n) }

// FNEG is fneg vd, vn: −n.
func FNEG(arr Arrangement, d, n V) Word { return opFNEG.encode(arr, d, n) }

// FRINTN is frintn vd, vn: n rounded to an integral value, ties to even.
func FRINTN(arr Arrangement, d, n V) Word { return opFRINTN.encode(arr, d, n) }

// FCVTZS is fcvtzs vd, vn: n to signed int32, rounded towards zero (NaN
// gives 0).
func FCVTZS(arr Arrangement, d, n V) Word { return opFCVTZS.encode(arr, d, n) }

// FRECPE is frecpe vd, vn: an estimate of 1/n with 8 correct bits.
func FRECPE(arr Arrangement, d, n V) Word { return opFRECPE.encode(arr, d, n) }

// FCMLT0 is fcmlt vd, vn, #0.0: n < 0.
func FCMLT0(arr Arrangement, d, n V) Word { return opFCMLT0.encode(arr, d, n) }

// FCMLE0 is fcmle vd, vn, #0.0: n ≤ 0.
func FCMLE0(arr Arrangement, d, n V) Word { return opFCMLE0.encode(arr, d, n) }

// The reduced-precision kernels (matvec_lowp.go) need conversions between
// half-precision, bfloat16, int8, int16 and int32 lanes and integer
// arithmetic that Go's assembler also lacks. Their encoders take the half
// they read or write (high: the "2" forms, which read or write the upper
// 64 bits) instead of an Arrangement, since source and destination
// arrangements differ.

// q is the Q bit of a "2" form.
func q(high bool) uint32 {
	if high {
		return 1
	}
	return 0
}

// suffix is the mnemonic suffix of a "2" form.
func suffix(high bool) string {
	if high {
		return "2"
	}
	return ""
}

// pick returns lo or hi by the half.
func pick(high bool, lo, hi string) string {
	if high {
		return hi
	}
	return lo
}

// intTwoRegMisc is twoRegMisc with a whole two-bit size field, as the
// integer operations use it (size selects the element width).
func intTwoRegMisc(qBit, u, size, opcode uint32, d, n V) uint32 {
	return field(qBit, 1, 30) | field(u, 1, 29) | field(0b01110, 5, 24) |
		field(size, 2, 22) | field(0b10000, 5, 17) | field(opcode, 5, 12) |
		field(0b10, 2, 10) | field(reg(n), 5, 5) | field(reg(d), 5, 0)
}

// FCVTL is fcvtl vd.4s, vn.4h (high: fcvtl2 vd.4s, vn.8h): four
// half-precision lanes widened exactly to single precision, in the
// two-register class with U = 0, size = 00 (sz = 0: from half precision),
// opcode = 10111.
func FCVTL(d, n V, high bool) Word {
	return Word{
		Bits: intTwoRegMisc(q(high), 0, 0b00, 0b10111, d, n),
		GNU:  fmt.Sprintf("fcvtl%s v%d.4s, v%d.%s", suffix(high), int(d), int(n), pick(high, "4h", "8h")),
	}
}

// SHLL16 is shll vd.4s, vn.4h, #16 (high: shll2 vd.4s, vn.8h, #16): four
// 16-bit lanes widened to 32 bits and shifted left by 16, which turns
// bfloat16 bits into the float32 they stand for. Two-register class, U = 1,
// size = 01 (halfwords), opcode = 10011.
func SHLL16(d, n V, high bool) Word {
	return Word{
		Bits: intTwoRegMisc(q(high), 1, 0b01, 0b10011, d, n),
		GNU:  fmt.Sprintf("shll%s v%d.4s, v%d.%s, #16", suffix(high), int(d), int(n), pick(high, "4h", "8h")),
	}
}

// threeDifferent encodes the "Advanced SIMD three different" class:
//
//	0 | Q | U | 01110 | size:2 | 1 | Rm:5 | opcode:4 | 00 | Rn:5 | Rd:5
func threeDifferent(qBit, u, size, opcode uint32, d, n, m V) uint32 {
	return field(qBit, 1, 30) | field(u, 1, 29) | field(0b01110, 5, 24) |
		field(size, 2, 22) | field(1, 1, 21) | field(reg(m), 5, 16) |
		field(opcode, 4, 12) | field(reg(n), 5, 5) | field(reg(d), 5, 0)
}

func byteProduct(mnemonic string, opcode uint32, d, n, m V, high bool) Word {
	src := pick(high, "8b", "16b")
	return Word{
		Bits: threeDifferent(q(high), 0, 0b00, opcode, d, n, m),
		GNU: fmt.Sprintf("%s%s v%d.8h, v%d.%s, v%d.%s", mnemonic, suffix(high),
			int(d), int(n), src, int(m), src),
	}
}

// SMULL is smull vd.8h, vn.8b, vm.8b (high: smull2 of the upper eight
// bytes): the exact 16-bit products of signed bytes (three-different class,
// U = 0, size = 00, opcode = 1100).
func SMULL(d, n, m V, high bool) Word { return byteProduct("smull", 0b1100, d, n, m, high) }

// SMLAL is smlal vd.8h, vn.8b, vm.8b (high: smlal2): d += the 16-bit
// products of signed bytes, wrapping (opcode 1000).
func SMLAL(d, n, m V, high bool) Word { return byteProduct("smlal", 0b1000, d, n, m, high) }

// SADALP is sadalp vd.4s, vn.8h: d[i] += n[2i] + n[2i+1], signed halfwords
// into words (two-register class, U = 0, size = 01, opcode = 00110).
func SADALP(d, n V) Word {
	return Word{
		Bits: intTwoRegMisc(1, 0, 0b01, 0b00110, d, n),
		GNU:  fmt.Sprintf("sadalp v%d.4s, v%d.8h", int(d), int(n)),
	}
}

// SDOT is sdot vd.4s, vn.16b, vm.16b (ARMv8.2 dot product): d[i] += the
// sum of the four products of signed bytes 4i…4i+3, in the "three same
// (extra)" class:
//
//	0 | Q | U | 01110 | size:2 | 0 | Rm:5 | 1 | opcode:4 | 1 | Rn:5 | Rd:5
//
// with Q = 1, U = 0, size = 10, opcode = 0010.
func SDOT(d, n, m V) Word {
	bits := field(1, 1, 30) | field(0, 1, 29) | field(0b01110, 5, 24) |
		field(0b10, 2, 22) | field(0, 1, 21) | field(reg(m), 5, 16) |
		field(1, 1, 15) | field(0b0010, 4, 11) | field(1, 1, 10) |
		field(reg(n), 5, 5) | field(reg(d), 5, 0)
	return Word{Bits: bits, GNU: fmt.Sprintf("sdot v%d.4s, v%d.16b, v%d.16b", int(d), int(n), int(m))}
}

var (
	opSCVTF  = twoRegOp{"scvtf", 0, 0, 0b11101, false}
	opFCVTNS = twoRegOp{"fcvtns", 0, 0, 0b11010, false}
)

// SCVTF is scvtf vd, vn: signed int32 lanes to float32, rounded to nearest
// even.
func SCVTF(arr Arrangement, d, n V) Word { return opSCVTF.encode(arr, d, n) }

// FCVTNS is fcvtns vd, vn: float32 to signed int32, rounded to nearest
// with ties to even, saturating.
func FCVTNS(arr Arrangement, d, n V) Word { return opFCVTNS.encode(arr, d, n) }

// SQXTNH is sqxtn vd.4h, vn.4s (high: sqxtn2 vd.8h, vn.4s, which fills the
// upper half and keeps the lower): int32 lanes narrowed to int16,
// saturating (two-register class, U = 0, opcode = 10100, size = 01 for
// the halfword result).
func SQXTNH(d, n V, high bool) Word {
	return Word{
		Bits: intTwoRegMisc(q(high), 0, 0b01, 0b10100, d, n),
		GNU:  fmt.Sprintf("sqxtn%s v%d.%s, v%d.4s", suffix(high), int(d), pick(high, "4h", "8h"), int(n)),
	}
}

// SQXTNB is sqxtn vd.8b, vn.8h (high: sqxtn2 vd.16b, vn.8h): int16 lanes
// narrowed to int8, saturating (size = 00).
func SQXTNB(d, n V, high bool) Word {
	return Word{
		Bits: intTwoRegMisc(q(high), 0, 0b00, 0b10100, d, n),
		GNU:  fmt.Sprintf("sqxtn%s v%d.%s, v%d.8h", suffix(high), int(d), pick(high, "8b", "16b"), int(n)),
	}
}

// SMAXB is smax vd.16b, vn.16b, vm.16b (wide false: the .8b form): the
// larger signed byte of each lane (three-same class, U = 0, size = 00,
// opcode = 01100).
func SMAXB(d, n, m V, wide bool) Word {
	arr := pick(wide, "8b", "16b")
	bits := field(q(wide), 1, 30) | field(0b01110, 5, 24) | field(1, 1, 21) |
		field(reg(m), 5, 16) | field(0b01100, 5, 11) | field(1, 1, 10) |
		field(reg(n), 5, 5) | field(reg(d), 5, 0)
	return Word{Bits: bits, GNU: fmt.Sprintf("smax v%d.%s, v%d.%s, v%d.%s", int(d), arr, int(n), arr, int(m), arr)}
}

// UMAXV is umaxv sd, vn.4s: the largest of the four lanes as unsigned
// words, in the "Advanced SIMD across lanes" class:
//
//	0 | Q | U | 01110 | size:2 | 11000 | opcode:5 | 10 | Rn:5 | Rd:5
//
// with Q = 1, U = 1, size = 10, opcode = 01010.
func UMAXV(d, n V) Word {
	bits := field(1, 1, 30) | field(1, 1, 29) | field(0b01110, 5, 24) |
		field(0b10, 2, 22) | field(0b11000, 5, 17) | field(0b01010, 5, 12) |
		field(0b10, 2, 10) | field(reg(n), 5, 5) | field(reg(d), 5, 0)
	return Word{Bits: bits, GNU: fmt.Sprintf("umaxv s%d, v%d.4s", int(d), int(n))}
}
