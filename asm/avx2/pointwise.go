package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// This file holds the loop framework of the pointwise kernels (the flat
// activations and the fused LSTM, GRU and RNN steps). Every kernel is one pass over rows of hidden
// units: the body is written once against load/store callbacks and emitted
// twice, for whole vectors of eight units (VMOVUPS) and for the tail one
// unit at a time (VMOVSS into lane 0; the other lanes hold zeros, which
// every body maps to finite values and which are never stored).

// pwOperand is one slice argument of a pointwise kernel: blocks is its row
// length in units of the hidden size (1 for B×H, 4 for the LSTM's B×4H).
type pwOperand struct {
	param  string
	blocks int
}

// pwIO gives a kernel body access to its operands at the current unit.
type pwIO struct {
	vector  bool
	disp    int // byte offset of the current vector within an unrolled step
	ptr     map[string]GPVirtual
	hb, hb3 GPVirtual // hidden·4 and 3·hidden·4 bytes
}

func (io *pwIO) mem(param string, block int) Mem {
	p, ok := io.ptr[param]
	if !ok {
		panic("no operand " + param)
	}
	switch block {
	case 0:
		return Mem{Base: p, Disp: io.disp}
	case 1:
		return Mem{Base: p, Index: io.hb, Scale: 1, Disp: io.disp}
	case 2:
		return Mem{Base: p, Index: io.hb, Scale: 2, Disp: io.disp}
	case 3:
		return Mem{Base: p, Index: io.hb3, Scale: 1, Disp: io.disp}
	}
	panic(fmt.Sprint("block ", block))
}

// load returns block of param at the current unit: eight lanes, or one in
// lane 0 with zeros above.
func (io *pwIO) load(param string, block int) VecVirtual {
	if io.vector {
		v := YMM()
		VMOVUPS(io.mem(param, block), v)
		return v
	}
	v := XMM()
	VMOVSS(io.mem(param, block), v)
	return v.AsY().(VecVirtual)
}

// args returns block of param at the current unit and the n−1 vectors
// after it as operands for vecIn: memory for whole vectors, and in the tail
// (n = 1) one unit loaded into lane 0 of a register.
func (io *pwIO) args(param string, block, n int) []Op {
	v := make([]Op, n)
	if !io.vector {
		v[0] = io.load(param, block)
		return v[:1]
	}
	for u := range v {
		m := io.mem(param, block)
		m.Disp += u * vecBytes
		v[u] = m
	}
	return v
}

// stores stores v to block of param at the current unit and after it.
func (io *pwIO) stores(param string, block int, v []VecVirtual) {
	disp := io.disp
	for u := range v {
		io.disp = disp + u*vecBytes
		io.store(param, block, v[u])
	}
	io.disp = disp
}

func (io *pwIO) store(param string, block int, v VecVirtual) {
	Comment(fmt.Sprintf("store %s, block %d", param, block))
	if io.vector {
		VMOVUPS(v, io.mem(param, block))
		return
	}
	VMOVSS(v.AsX(), io.mem(param, block))
}

// pointwise emits one kernel with signature sig, which must end in
// "hidden, batch int": for each of batch rows, body runs for units 0 …
// hidden−1 of every operand. hidden, batch ≥ 1.
func pointwise(name, sig, doc string, ops []pwOperand, body func(io *pwIO)) {
	pointwise2(name, sig, doc, ops, body, nil, nil)
}

// pointwise2 is pointwise with an optional main loop over pairs of vectors
// whose body is split in two phases, emitted as first(0), first(1),
// second(0), second(1): the second phase of a vector (a long dependent
// chain) then overlaps the first phase of the other instead of waiting for
// it. first returns the registers second needs.
func pointwise2(name, sig, doc string, ops []pwOperand, body func(io *pwIO),
	first func(io *pwIO) []VecVirtual, second func(io *pwIO, state []VecVirtual)) {
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(doc)
	io := &pwIO{ptr: map[string]GPVirtual{}}
	io.hb = loadGP(Param("hidden"))
	SHLQ(U8(2), io.hb)
	maxBlocks := 1
	for _, op := range ops {
		maxBlocks = max(maxBlocks, op.blocks)
		io.ptr[op.param] = loadGP(Param(op.param).Base())
	}
	if maxBlocks == 4 {
		io.hb3 = GP64()
		LEAQ(Mem{Base: io.hb, Index: io.hb, Scale: 2}, io.hb3)
	}
	rows := loadGP(Param("batch"))

	Comment("one row of hidden units per pass")
	Label(name + "_row")
	n := loadGP(Param("hidden"))
	if first != nil {
		Comment("two vectors of eight units, their phases interleaved")
		Label(name + "_pairs")
		CMPQ(n, U8(2*vecFloats))
		JB(LabelRef(name + "_vectors"))
		io.vector = true
		var states [2][]VecVirtual
		for u := 0; u < 2; u++ {
			io.disp = u * vecBytes
			states[u] = first(io)
		}
		for u := 0; u < 2; u++ {
			io.disp = u * vecBytes
			second(io, states[u])
		}
		io.disp = 0
		for _, op := range ops {
			ADDQ(U8(2*vecBytes), io.ptr[op.param])
		}
		SUBQ(U8(2*vecFloats), n)
		JMP(LabelRef(name + "_pairs"))
	}
	Comment("one vector of eight units")
	Label(name + "_vectors")
	CMPQ(n, U8(vecFloats))
	JB(LabelRef(name + "_tail"))
	io.vector = true
	body(io)
	for _, op := range ops {
		ADDQ(U8(vecBytes), io.ptr[op.param])
	}
	SUBQ(U8(vecFloats), n)
	JMP(LabelRef(name + "_vectors"))

	Comment("the last units one at a time, in lane 0")
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_next"))
	io.vector = false
	body(io)
	for _, op := range ops {
		ADDQ(U8(4), io.ptr[op.param])
	}
	DECQ(n)
	JMP(LabelRef(name + "_tail"))

	Comment("every pointer to the next row")
	Label(name + "_next")
	for _, op := range ops {
		p := io.ptr[op.param]
		switch op.blocks {
		case 1:
		case 2:
			ADDQ(io.hb, p)
		case 3:
			LEAQ(Mem{Base: p, Index: io.hb, Scale: 2}, p)
		case 4:
			ADDQ(io.hb3, p)
		default:
			panic("blocks")
		}
	}
	DECQ(rows)
	JNZ(LabelRef(name + "_row"))
	VZEROUPPER()
	RET()
}

// pointwiseN is pointwise with a main loop over groups of unroll vectors:
// body(io, n) handles n vectors at the current unit (n = unroll in the main
// loop, 1 for the last whole vectors and the tail), and should interleave
// their steps so that the vectors' dependent chains overlap.
func pointwiseN(name, sig, doc string, ops []pwOperand, unroll int, body func(io *pwIO, n int)) {
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(doc)
	io := &pwIO{ptr: map[string]GPVirtual{}}
	for _, op := range ops {
		if op.blocks != 1 {
			panic("pointwiseN: operands of one block only")
		}
		io.ptr[op.param] = loadGP(Param(op.param).Base())
	}
	n := loadGP(Param("hidden"))
	rows := loadGP(Param("batch"))
	IMULQ(rows, n) // every row is contiguous: one pass over hidden·batch units

	Comment(fmt.Sprintf("%d vectors of eight units, their steps interleaved", unroll))
	Label(name + "_groups")
	CMPQ(n, U8(unroll*vecFloats))
	JB(LabelRef(name + "_vectors"))
	io.vector = true
	body(io, unroll)
	for _, op := range ops {
		ADDQ(U8(unroll*vecBytes), io.ptr[op.param])
	}
	SUBQ(U8(unroll*vecFloats), n)
	JMP(LabelRef(name + "_groups"))

	Comment("one vector of eight units")
	Label(name + "_vectors")
	CMPQ(n, U8(vecFloats))
	JB(LabelRef(name + "_tail"))
	body(io, 1)
	for _, op := range ops {
		ADDQ(U8(vecBytes), io.ptr[op.param])
	}
	SUBQ(U8(vecFloats), n)
	JMP(LabelRef(name + "_vectors"))

	Comment("the last units one at a time, in lane 0")
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	io.vector = false
	body(io, 1)
	for _, op := range ops {
		ADDQ(U8(4), io.ptr[op.param])
	}
	DECQ(n)
	JMP(LabelRef(name + "_tail"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// oneMinus returns 1 − v.
func oneMinus(v VecVirtual) VecVirtual {
	r := kreg("one")
	VSUBPS(v, r, r)
	return r
}

// oneMinusSquare returns 1 − v², rounded once.
func oneMinusSquare(v VecVirtual) VecVirtual {
	r := YMM()
	VMOVAPS(v, r)
	VFNMADD213PS(constMem("one"), v, r) // r = −v·r + 1
	return r
}

// mul returns a·b.
func mul(a, b VecVirtual) VecVirtual {
	r := YMM()
	VMULPS(b, a, r)
	return r
}

func cacheName(base string, withCache bool) string {
	if withCache {
		return base + "CacheSIMD"
	}
	return base + "SIMD"
}
