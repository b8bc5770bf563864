// Command avx2 generates the AVX2+FMA kernels of package kernels.
//
// Run it through `go generate ./kernels` or `make generate` in the library
// module; it writes kernels/avx2_amd64.s and its Go declarations,
// kernels/avx2_stubs_amd64.go. The generated files must never be edited by
// hand: `make check-generated` regenerates them and fails on any difference.
//
// Conventions shared by every function here:
//   - lengths are checked in Go before the call; the assembly trusts them and
//     is only called with non-empty shapes;
//   - loads and stores never reach past the slices: vector loops stop at the
//     last whole vector and tails run one float32 at a time, loading each
//     with VMOVSS (qemu's x86 emulation reads 16 bytes for a scalar FMA's
//     memory operand, and the tests run there too);
//   - every function ends with VZEROUPPER so SSE code after it pays no
//     transition penalty;
//   - only X0–X15/Y0–Y15: avo's allocator also hands out X16–X31, which
//     need AVX-512's EVEX encoding (SIGILL on an AVX2-only CPU), so main
//     rejects an output that uses them (mind register pressure when a
//     body keeps many values live).
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/mmcloughlin/avo/gotypes"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// loadGP loads a Go argument into a new general-purpose register.
func loadGP(arg gotypes.Component) GPVirtual {
	r := GP64()
	Load(arg, r)
	return r
}

// vecBytes is the width of one YMM register in bytes; vecFloats in float32s.
const (
	vecBytes  = 32
	vecFloats = 8
)

func main() {
	ConstraintExpr("!purego")
	dot()
	axpy()
	scale()
	rank1Add()
	matTVecAdd()
	for batch := 1; batch <= maxBatch; batch++ {
		matVec(batch)
	}
	activationKernels()
	stepKernels()
	gemmKernels()
	Generate()
	out := flag.Lookup("out").Value.String()
	if _, err := cleanup(out); err != nil {
		fmt.Fprintln(os.Stderr, "avx2:", err)
		os.Exit(1)
	}
	if err := checkVEXRegisters(out); err != nil {
		fmt.Fprintln(os.Stderr, "avx2:", err)
		os.Exit(1)
	}
}

// evexRegister matches the vector registers only AVX-512 can encode.
var evexRegister = regexp.MustCompile(`\b([XYZ](1[6-9]|2[0-9]|3[01])|Z([0-9]|1[0-5])|K[0-7])\b`)

// checkVEXRegisters fails when the generated file uses a register beyond
// AVX2's sixteen, naming the function and the line.
func checkVEXRegisters(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	fn := ""
	for i, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "TEXT ") {
			fn = line
			continue
		}
		code, _, _ := strings.Cut(line, "//")
		if r := evexRegister.FindString(code); r != "" {
			return fmt.Errorf("%s:%d: %s uses %s, which needs AVX-512 (EVEX); too many values are live at once", path, i+1, fn, r)
		}
	}
	return nil
}

// reduceToScalar sums the eight lanes of v into the low lane of the result.
func reduceToScalar(v VecVirtual) VecVirtual {
	high := XMM()
	VEXTRACTF128(U8(1), v, high)
	sum := XMM()
	VADDPS(high, v.AsX(), sum)
	VHADDPS(sum, sum, sum)
	VHADDPS(sum, sum, sum)
	return sum
}

func dot() {
	TEXT("dotSIMD", NOSPLIT, "func(x, y []float32) float32")
	Pragma("noescape")
	Doc("dotSIMD returns Σ x[i]·y[i]; len(y) ≥ len(x) > 0.")
	x := loadGP(Param("x").Base())
	y := loadGP(Param("y").Base())
	n := loadGP(Param("x").Len())

	const unroll = 4
	acc := make([]VecVirtual, unroll)
	for i := range acc {
		acc[i] = YMM()
		VXORPS(acc[i], acc[i], acc[i])
	}

	Label("dot_blocks")
	CMPQ(n, U8(unroll*vecFloats))
	JB(LabelRef("dot_vectors"))
	for u := 0; u < unroll; u++ {
		t := YMM()
		VMOVUPS(Mem{Base: x, Disp: u * vecBytes}, t)
		VFMADD231PS(Mem{Base: y, Disp: u * vecBytes}, t, acc[u])
	}
	ADDQ(U8(unroll*vecBytes), x)
	ADDQ(U8(unroll*vecBytes), y)
	SUBQ(U8(unroll*vecFloats), n)
	JMP(LabelRef("dot_blocks"))

	Label("dot_vectors")
	CMPQ(n, U8(vecFloats))
	JB(LabelRef("dot_tail"))
	t := YMM()
	VMOVUPS(Mem{Base: x}, t)
	VFMADD231PS(Mem{Base: y}, t, acc[0])
	ADDQ(U8(vecBytes), x)
	ADDQ(U8(vecBytes), y)
	SUBQ(U8(vecFloats), n)
	JMP(LabelRef("dot_vectors"))

	// Tail: one float at a time into lane 0 of an accumulator (VMOVSS zeroes
	// the other lanes, which then add 0·0).
	Label("dot_tail")
	TESTQ(n, n)
	JZ(LabelRef("dot_reduce"))
	xt, yt := XMM(), XMM()
	VMOVSS(Mem{Base: x}, xt)
	VMOVSS(Mem{Base: y}, yt)
	VFMADD231PS(yt.AsY(), xt.AsY(), acc[1])
	ADDQ(U8(4), x)
	ADDQ(U8(4), y)
	DECQ(n)
	JMP(LabelRef("dot_tail"))

	Label("dot_reduce")
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	sum := reduceToScalar(acc[0])
	VZEROUPPER()
	Store(sum, ReturnIndex(0))
	RET()
}

// elementwise emits the loops shared by axpy, scale and rank1Add over n
// floats: body handles one vector at the byte displacement given, scalar
// one float32; every pointer advances with them.
func elementwise(prefix string, n GPVirtual, pointers []GPVirtual, body func(disp int), scalar func()) {
	const unroll = 4
	Label(prefix + "_blocks")
	CMPQ(n, U8(unroll*vecFloats))
	JB(LabelRef(prefix + "_vectors"))
	for u := 0; u < unroll; u++ {
		body(u * vecBytes)
	}
	for _, p := range pointers {
		ADDQ(U8(unroll*vecBytes), p)
	}
	SUBQ(U8(unroll*vecFloats), n)
	JMP(LabelRef(prefix + "_blocks"))

	Label(prefix + "_vectors")
	CMPQ(n, U8(vecFloats))
	JB(LabelRef(prefix + "_tail"))
	body(0)
	for _, p := range pointers {
		ADDQ(U8(vecBytes), p)
	}
	SUBQ(U8(vecFloats), n)
	JMP(LabelRef(prefix + "_vectors"))

	Label(prefix + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(prefix + "_done"))
	scalar()
	for _, p := range pointers {
		ADDQ(U8(4), p)
	}
	DECQ(n)
	JMP(LabelRef(prefix + "_tail"))

	Label(prefix + "_done")
}

func axpy() {
	TEXT("axpySIMD", NOSPLIT, "func(alpha float32, x, y []float32)")
	Pragma("noescape")
	Doc("axpySIMD sets y[i] += alpha·x[i]; len(y) ≥ len(x) > 0.")
	alpha := YMM()
	VBROADCASTSS(NewParamAddr("alpha", 0), alpha)
	x := loadGP(Param("x").Base())
	y := loadGP(Param("y").Base())
	n := loadGP(Param("x").Len())
	elementwise("axpy", n, []GPVirtual{x, y},
		func(disp int) {
			t := YMM()
			VMOVUPS(Mem{Base: y, Disp: disp}, t)
			VFMADD231PS(Mem{Base: x, Disp: disp}, alpha, t)
			VMOVUPS(t, Mem{Base: y, Disp: disp})
		},
		func() {
			t := XMM()
			xs := XMM()
			VMOVSS(Mem{Base: y}, t)
			VMOVSS(Mem{Base: x}, xs)
			VFMADD231SS(xs, alpha.AsX(), t)
			VMOVSS(t, Mem{Base: y})
		})
	VZEROUPPER()
	RET()
}

func scale() {
	TEXT("scaleSIMD", NOSPLIT, "func(alpha float32, x []float32)")
	Pragma("noescape")
	Doc("scaleSIMD sets x[i] *= alpha; len(x) > 0.")
	alpha := YMM()
	VBROADCASTSS(NewParamAddr("alpha", 0), alpha)
	x := loadGP(Param("x").Base())
	n := loadGP(Param("x").Len())
	elementwise("scale", n, []GPVirtual{x},
		func(disp int) {
			t := YMM()
			VMULPS(Mem{Base: x, Disp: disp}, alpha, t)
			VMOVUPS(t, Mem{Base: x, Disp: disp})
		},
		func() {
			t := XMM()
			VMOVSS(Mem{Base: x}, t)
			VMULSS(t, alpha.AsX(), t)
			VMOVSS(t, Mem{Base: x})
		})
	VZEROUPPER()
	RET()
}

// rank1Add emits W += a·bᵀ: for each row i, an axpy of b scaled by a[i]
// into the row.
func rank1Add() {
	TEXT("rank1AddSIMD", NOSPLIT, "func(w, a, b []float32)")
	Pragma("noescape")
	Doc("rank1AddSIMD sets w[i*len(b)+j] += a[i]·b[j]; len(w) = len(a)·len(b) > 0.")
	row := loadGP(Param("w").Base())
	a := loadGP(Param("a").Base())
	rowsLeft := loadGP(Param("a").Len())

	Label("rank1_rows")
	scalar := YMM()
	VBROADCASTSS(Mem{Base: a}, scalar)
	b := loadGP(Param("b").Base())
	n := loadGP(Param("b").Len())
	w := GP64()
	MOVQ(row, w)

	elementwise("rank1", n, []GPVirtual{w, b},
		func(disp int) {
			t := YMM()
			VMOVUPS(Mem{Base: w, Disp: disp}, t)
			VFMADD231PS(Mem{Base: b, Disp: disp}, scalar, t)
			VMOVUPS(t, Mem{Base: w, Disp: disp})
		},
		func() {
			s, bs := XMM(), XMM()
			VMOVSS(Mem{Base: w}, s)
			VMOVSS(Mem{Base: b}, bs)
			VFMADD231SS(bs, scalar.AsX(), s)
			VMOVSS(s, Mem{Base: w})
		})

	Label("rank1_next")
	MOVQ(w, row)
	ADDQ(U8(4), a)
	DECQ(rowsLeft)
	JNZ(LabelRef("rank1_rows"))
	VZEROUPPER()
	RET()
}

// matTVecAdd emits y += Wᵀ·x four rows of W at a time, so each element of
// y is loaded and stored once per four rows; y[j] is updated row after row
// with one FMA per row, the order of the reference loop.
func matTVecAdd() {
	TEXT("matTVecAddSIMD", NOSPLIT, "func(y, w, x []float32)")
	Pragma("noescape")
	Doc("matTVecAddSIMD sets y[j] += Σ_i w[i*len(y)+j]·x[i]; len(w) = len(x)·len(y) > 0.")
	const rowsPerBlock = 4
	rowBytes := AllocLocal(8)
	cols := loadGP(Param("y").Len())
	SHLQ(U8(2), cols)
	MOVQ(cols, rowBytes)
	w0 := loadGP(Param("w").Base())
	x := loadGP(Param("x").Base())
	rowsLeft := loadGP(Param("x").Len())

	// One block of rows: broadcast x[i..i+rows-1], walk the columns.
	block := func(prefix string, rows int) {
		scalars := make([]VecVirtual, rows)
		for r := range scalars {
			scalars[r] = YMM()
			VBROADCASTSS(Mem{Base: x, Disp: 4 * r}, scalars[r])
		}
		wr := make([]GPVirtual, rows)
		wr[0] = w0
		stride := GP64()
		MOVQ(rowBytes, stride)
		for r := 1; r < rows; r++ {
			wr[r] = GP64()
			LEAQ(Mem{Base: wr[r-1], Index: stride, Scale: 1}, wr[r])
		}
		y := loadGP(Param("y").Base())
		j := GP64()
		XORQ(j, j)
		end := GP64()
		MOVQ(rowBytes, end)
		SUBQ(U8(2*vecBytes), end)

		Label(prefix + "_pairs")
		CMPQ(j, end)
		JG(LabelRef(prefix + "_vectors"))
		for u := 0; u < 2; u++ {
			t := YMM()
			VMOVUPS(Mem{Base: y, Index: j, Scale: 1, Disp: u * vecBytes}, t)
			for r := 0; r < rows; r++ {
				VFMADD231PS(Mem{Base: wr[r], Index: j, Scale: 1, Disp: u * vecBytes}, scalars[r], t)
			}
			VMOVUPS(t, Mem{Base: y, Index: j, Scale: 1, Disp: u * vecBytes})
		}
		ADDQ(U8(2*vecBytes), j)
		JMP(LabelRef(prefix + "_pairs"))

		Label(prefix + "_vectors")
		ADDQ(U8(vecBytes), end)
		CMPQ(j, end)
		JG(LabelRef(prefix + "_tail"))
		t := YMM()
		VMOVUPS(Mem{Base: y, Index: j, Scale: 1}, t)
		for r := 0; r < rows; r++ {
			VFMADD231PS(Mem{Base: wr[r], Index: j, Scale: 1}, scalars[r], t)
		}
		VMOVUPS(t, Mem{Base: y, Index: j, Scale: 1})
		ADDQ(U8(vecBytes), j)

		Label(prefix + "_tail")
		CMPQ(j, rowBytes)
		JAE(LabelRef(prefix + "_next"))
		s := XMM()
		VMOVSS(Mem{Base: y, Index: j, Scale: 1}, s)
		for r := 0; r < rows; r++ {
			ws := XMM()
			VMOVSS(Mem{Base: wr[r], Index: j, Scale: 1}, ws)
			VFMADD231SS(ws, scalars[r].AsX(), s)
		}
		VMOVSS(s, Mem{Base: y, Index: j, Scale: 1})
		ADDQ(U8(4), j)
		JMP(LabelRef(prefix + "_tail"))

		Label(prefix + "_next")
		MOVQ(rowBytes, stride)
		LEAQ(Mem{Base: wr[rows-1], Index: stride, Scale: 1}, w0)
		ADDQ(U8(4*rows), x)
		SUBQ(U8(rows), rowsLeft)
	}

	Label("mattvec_blocks")
	CMPQ(rowsLeft, U8(rowsPerBlock))
	JB(LabelRef("mattvec_rows"))
	block("mattvec4", rowsPerBlock)
	JMP(LabelRef("mattvec_blocks"))

	Label("mattvec_rows")
	TESTQ(rowsLeft, rowsLeft)
	JZ(LabelRef("mattvec_done"))
	block("mattvec1", 1)
	JMP(LabelRef("mattvec_rows"))

	Label("mattvec_done")
	VZEROUPPER()
	RET()
}

// maxBatch is the largest batch one matVec function serves with one pass
// over W; larger batches are split in Go.
const maxBatch = 8

// mvPlan is the register blocking of one row loop of matVec: rows of W per
// block, vectors of columns per iteration, and whether the x vectors are
// held in registers (each W vector then loaded once per block row) or read
// as FMA memory operands (W held in a register, reused across the batch).
type mvPlan struct {
	rows, unroll int
	xInRegs      bool
}

// mvPlans gives, per batch size, the plan of the main row loop and of the
// loop over the rows left over (one row at a time). Each keeps the
// accumulators, x registers and W temporaries within the 16
// YMM registers.
var mvPlans = map[int][2]mvPlan{
	1: {{8, 1, true}, {1, 4, true}},
	2: {{4, 1, true}, {1, 2, true}},
	3: {{2, 1, true}, {1, 2, true}},
	4: {{2, 1, true}, {1, 1, true}},
	5: {{1, 1, false}, {1, 1, false}},
	6: {{1, 1, false}, {1, 1, false}},
	7: {{1, 1, false}, {1, 1, false}},
	8: {{1, 1, false}, {1, 1, false}},
}

// matVec emits matVecB<batch>AVX2: y[b] (+)= W·x[b] for batch vectors with
// one pass over W.
//
// Column loops count a negative byte index j up to zero against row and x
// pointers advanced past the whole vectors of their row, so each vector step
// costs one ADDQ and one branch. The tail of fewer than eight columns
// follows at j = 0.
func matVec(batch int) {
	name := fmt.Sprintf("matVecB%dSIMD", batch)
	TEXT(name, NOSPLIT, "func(y, w, x []float32, rows, cols int, add bool)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets y[b*rows+i] (+)= Σ_j w[i*cols+j]·x[b*cols+j] for b < %d; rows, cols ≥ 1.", name, batch))

	f := mvFrame{
		colBytes:  AllocLocal(8),
		negWhole:  AllocLocal(8),
		tailBytes: AllocLocal(8),
		outBytes:  AllocLocal(8),
		yNext:     AllocLocal(8),
		rowsLeft:  AllocLocal(8),
	}
	splitColumns("cols", f.colBytes, f.negWhole, f.tailBytes)

	t := loadGP(Param("rows"))
	MOVQ(t, f.rowsLeft)
	SHLQ(U8(2), t)
	MOVQ(t, f.outBytes)
	t = loadGP(Param("y").Base())
	MOVQ(t, f.yNext)

	// x pointers and the first row pointer, advanced past the whole vectors.
	xb := make([]GPVirtual, batch)
	xb[0] = loadGP(Param("x").Base())
	SUBQ(f.negWhole, xb[0])
	for b := 1; b < batch; b++ {
		xb[b] = GP64()
		MOVQ(xb[b-1], xb[b])
		ADDQ(f.colBytes, xb[b])
	}
	w := loadGP(Param("w").Base())
	SUBQ(f.negWhole, w)

	plans := mvPlans[batch]
	prefix := fmt.Sprintf("mvb%d", batch)
	for k, plan := range plans {
		if k == 1 && plans[0].rows == 1 {
			break // the main loop already goes one row at a time
		}
		loop := fmt.Sprintf("%s_r%d", prefix, plan.rows)
		Label(loop)
		CMPQ(f.rowsLeft, U8(plan.rows))
		JB(LabelRef(loop + "_end"))
		mvBlock(loop, batch, plan, w, xb, f)
		SUBQ(U8(plan.rows), f.rowsLeft)
		JMP(LabelRef(loop))
		Label(loop + "_end")
	}
	VZEROUPPER()
	RET()
}

// splitColumns stores, for the column count in the named parameter, the
// bytes of a row, minus the bytes of its whole vectors (the start of the
// negative column index) and the bytes of its last partial vector.
func splitColumns(param string, rowBytes, negWhole, tailBytes Mem) {
	cols := loadGP(Param(param))
	SHLQ(U8(2), cols)
	MOVQ(cols, rowBytes)
	whole := GP64()
	MOVQ(cols, whole)
	ANDQ(I8(-vecBytes), whole)
	SUBQ(whole, cols)
	MOVQ(cols, tailBytes)
	neg := GP64()
	XORQ(neg, neg)
	SUBQ(whole, neg)
	MOVQ(neg, negWhole)
}

// mvFrame holds matVec's values kept on the stack.
type mvFrame struct {
	colBytes  Mem // cols·4: distance between rows of W and vectors of x
	negWhole  Mem // −(bytes of whole vectors in a row)
	tailBytes Mem // bytes of the last partial vector of a row (0…28)
	outBytes  Mem // rows·4: distance between vectors of y
	yNext     Mem // &y[i] for the current block of rows
	rowsLeft  Mem
}

// mvBlock emits one block of plan.rows rows of W against every x vector:
// zero the accumulators, walk the columns, reduce, store, advance w and
// yNext. w and xb point past the whole vectors of their rows.
func mvBlock(prefix string, batch int, plan mvPlan, w GPVirtual, xb []GPVirtual, f mvFrame) {
	rows, unroll := plan.rows, plan.unroll
	acc := zeroAccumulators(rows, batch, unroll)
	wr := rowPointers(w, rows, f.colBytes)
	walkColumns(prefix, plan, acc, wr, xb, f.negWhole, f.tailBytes)
	for r := range acc {
		for b := range acc[r] {
			for u := 1; u < unroll; u++ {
				VADDPS(acc[r][b][u], acc[r][b][0], acc[r][b][0])
			}
		}
	}
	y := GP64()
	MOVQ(f.yNext, y)
	for b := 0; b < batch; b++ {
		for r0 := 0; r0 < rows; r0 += 4 {
			group := min(4, rows-r0)
			vs := make([]VecVirtual, group)
			for g := range vs {
				vs[g] = acc[r0+g][b][0]
			}
			storeRowSums(fmt.Sprintf("%s_b%d_g%d", prefix, b, r0), vs, Mem{Base: y, Disp: 4 * r0})
		}
		if b+1 < batch {
			ADDQ(f.outBytes, y)
		}
	}

	// Advance to the next block of rows.
	stride := GP64()
	MOVQ(f.colBytes, stride)
	LEAQ(Mem{Base: wr[rows-1], Index: stride, Scale: 1}, w)
	ADDQ(U8(4*rows), f.yNext)
}

// zeroAccumulators returns rows × batch × unroll zeroed accumulators.
func zeroAccumulators(rows, batch, unroll int) [][][]VecVirtual {
	acc := make([][][]VecVirtual, rows)
	for r := range acc {
		acc[r] = make([][]VecVirtual, batch)
		for b := range acc[r] {
			acc[r][b] = make([]VecVirtual, unroll)
			for u := range acc[r][b] {
				acc[r][b][u] = YMM()
				VXORPS(acc[r][b][u], acc[r][b][u], acc[r][b][u])
			}
		}
	}
	return acc
}

// rowPointers returns pointers to rows consecutive rows of W, the first at
// w, rowBytes apart.
func rowPointers(w GPVirtual, rows int, rowBytes Mem) []GPVirtual {
	wr := make([]GPVirtual, rows)
	wr[0] = w
	if rows > 1 {
		stride := GP64()
		MOVQ(rowBytes, stride)
		for r := 1; r < rows; r++ {
			wr[r] = GP64()
			LEAQ(Mem{Base: wr[r-1], Index: stride, Scale: 1}, wr[r])
		}
	}
	return wr
}

// walkColumns emits the column walk of a block of rows (the pointers wr)
// against the x vectors (xb), both advanced past the whole vectors of
// their rows: a loop over the whole vectors with a negative byte index
// counting up from negWhole to zero, then the tail of tailBytes, into
// acc[r][b][u]. It ends at the label prefix_reduce. The matVec kernels and
// the step kernels walk their rows through it, so they sum in one order.
func walkColumns(prefix string, plan mvPlan, acc [][][]VecVirtual, wr, xb []GPVirtual, negWhole, tailBytes Mem) {
	rows, unroll, batch := plan.rows, plan.unroll, len(xb)
	j := GP64()
	MOVQ(negWhole, j)
	TESTQ(j, j)
	JZ(LabelRef(prefix + "_tail"))

	// step emits the FMAs for one vector of columns at j into accumulator
	// set u.
	step := func(u int) {
		if plan.xInRegs {
			xv := make([]VecVirtual, batch)
			for b := range xv {
				xv[b] = YMM()
				VMOVUPS(Mem{Base: xb[b], Index: j, Scale: 1}, xv[b])
			}
			for r := 0; r < rows; r++ {
				wm := Mem{Base: wr[r], Index: j, Scale: 1}
				if batch == 1 {
					VFMADD231PS(wm, xv[0], acc[r][0][u])
					continue
				}
				wv := YMM()
				VMOVUPS(wm, wv)
				for b := 0; b < batch; b++ {
					VFMADD231PS(xv[b], wv, acc[r][b][u])
				}
			}
			return
		}
		for r := 0; r < rows; r++ {
			wv := YMM()
			VMOVUPS(Mem{Base: wr[r], Index: j, Scale: 1}, wv)
			for b := 0; b < batch; b++ {
				VFMADD231PS(Mem{Base: xb[b], Index: j, Scale: 1}, wv, acc[r][b][u])
			}
		}
	}

	// The loop body holds max(unroll, 2) steps with an exit test after each,
	// so any number of whole vectors works without a remainder loop.
	copies := max(unroll, 2)
	Label(prefix + "_loop")
	for c := 0; c < copies; c++ {
		step(c % unroll)
		ADDQ(U8(vecBytes), j)
		if c+1 < copies {
			JZ(LabelRef(prefix + "_tail"))
		} else {
			JNZ(LabelRef(prefix + "_loop"))
		}
	}

	// Tail: fewer than eight columns left, at j = 0, one column at a time
	// into lane 0 of the accumulators (VMOVSS zeroes the other lanes, which
	// then add 0·0). Masked loads would be shorter, but not every x86
	// implementation (qemu's among them) suppresses their faults on
	// masked-off lanes past the end of a slice.
	Label(prefix + "_tail")
	CMPQ(j, tailBytes)
	JAE(LabelRef(prefix + "_reduce"))
	for b := 0; b < batch; b++ {
		xs := XMM()
		VMOVSS(Mem{Base: xb[b], Index: j, Scale: 1}, xs)
		for r := 0; r < rows; r++ {
			ws := XMM()
			VMOVSS(Mem{Base: wr[r], Index: j, Scale: 1}, ws)
			VFMADD231PS(ws.AsY(), xs.AsY(), acc[r][b][0])
		}
	}
	ADDQ(U8(4), j)
	JMP(LabelRef(prefix + "_tail"))
	Label(prefix + "_reduce")
}

// storeRowSums reduces 1, 2 or 4 accumulators (consecutive rows) and stores
// their sums to dst, adding the old values first when the add parameter is
// set. The sum of each accumulator is formed before y is added.
func storeRowSums(prefix string, vs []VecVirtual, dst Mem) {
	var sums VecVirtual
	switch len(vs) {
	case 4:
		h01, h23 := YMM(), YMM()
		VHADDPS(vs[1], vs[0], h01)
		VHADDPS(vs[3], vs[2], h23)
		VHADDPS(h23, h01, h01)
		high := XMM()
		VEXTRACTF128(U8(1), h01, high)
		sums = XMM()
		VADDPS(high, h01.AsX(), sums)
	case 2:
		h := YMM()
		VHADDPS(vs[1], vs[0], h)
		high := XMM()
		VEXTRACTF128(U8(1), h, high)
		sums = XMM()
		VADDPS(high, h.AsX(), sums)
		VHADDPS(sums, sums, sums)
	case 1:
		sums = reduceToScalar(vs[0])
	default:
		panic("storeRowSums: group of " + fmt.Sprint(len(vs)))
	}
	add, err := Param("add").Resolve()
	if err != nil {
		panic(err)
	}
	CMPB(add.Addr, U8(0))
	JE(LabelRef(prefix + "_store"))
	old := XMM()
	switch len(vs) {
	case 4:
		VMOVUPS(dst, old)
	case 2:
		VMOVSD(dst, old)
	case 1:
		VMOVSS(dst, old)
	}
	VADDPS(sums, old, sums)
	Label(prefix + "_store")
	switch len(vs) {
	case 4:
		VMOVUPS(sums, dst)
	case 2:
		VMOVSD(sums, dst)
	case 1:
		VMOVSS(sums, dst)
	}
}
