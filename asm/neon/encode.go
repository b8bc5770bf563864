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
