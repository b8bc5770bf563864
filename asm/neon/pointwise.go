package main

import (
	"fmt"
	"strings"
)

// This file holds the loop framework of the NEON pointwise kernels (the
// flat activations and the fused LSTM, GRU and RNN steps, whose bodies are
// in activation.go and pointwise_*.go). Every kernel is one pass over batch
// rows of hidden units; its body is written once against load and store
// callbacks and emitted twice: for whole vectors of four units (VLD1/VST1 of
// one register) and for the tail one unit at a time (FMOVS into lane 0, which
// clears the other lanes: zeros, which every body maps to finite values and
// which are never stored). Nothing is read or written past the slices.
//
// Register use, taken in this order for the whole kernel: the operand
// pointers, hidden, hidden·4, ·8 and ·12 bytes (as far as the operands'
// blocks need them), the rows left, the units left in the row, an address
// scratch; vector registers as in activation.go. Each emission of the body
// runs in a scope of its own.

// pwOperand is one slice argument of a pointwise kernel: blocks is its row
// length in units of the hidden size (1 for B×H, 4 for the LSTM's B×4H).
type pwOperand struct {
	param  string
	blocks int
}

// pw is a pointwise kernel under construction.
type pw struct {
	*kernel
	vector  bool
	ptr     map[string]R
	hb      [4]R // hb[b]: b·hidden·4 bytes, b = 1, 2, 3
	hidden  R
	rows    R // rows left
	left    R // units left in the row
	scratch R // address scratch
}

// addr returns the address operand of block of param at the current unit.
func (k *pw) addr(param string, block int) string {
	p, ok := k.ptr[param]
	if !ok {
		panic("no operand " + param)
	}
	if block == 0 {
		return fmt.Sprintf("(%v)", p)
	}
	k.op("ADD %v, %v, %v", k.hb[block], p, k.scratch)
	return fmt.Sprintf("(%v)", k.scratch)
}

// load returns block of param at the current unit in a new register: four
// lanes, or one in lane 0 with zeros above.
func (k *pw) load(param string, block int) V {
	v := k.vec()
	a := k.addr(param, block)
	if k.vector {
		k.op("VLD1 %s, [%s]", a, v.S4())
	} else {
		k.op("FMOVS %s, %s", a, v.F())
	}
	return v
}

// store writes v to block of param at the current unit.
func (k *pw) store(param string, block int, v V) {
	a := k.addr(param, block)
	if k.vector {
		k.op("VST1 [%s], %s", v.S4(), a)
	} else {
		k.op("FMOVS %s, %s", v.F(), a)
	}
}

// pointwise emits one kernel whose Go parameters are the operands' slices
// in the order of params, then hidden and batch: for each of batch rows,
// body runs for units 0 … hidden−1 of every operand. hidden, batch ≥ 1.
// consts says whether the body uses the activation constants.
func pointwise(fl *file, name string, params []string, doc string, ops []pwOperand, consts bool, body func(k *pw)) {
	sig := "(" + strings.Join(params, ", ") + " []float32, hidden, batch int)"
	f := fl.text(name, sig, doc)
	k := &pw{kernel: &kernel{function: f}, ptr: map[string]R{}}
	maxBlocks := 1
	for _, op := range ops {
		maxBlocks = max(maxBlocks, op.blocks)
		k.ptr[op.param] = k.gp()
	}
	k.hidden = k.gp()
	for b := 1; b < maxBlocks; b++ {
		k.hb[b] = k.gp()
	}
	k.rows, k.left, k.scratch = k.gp(), k.gp(), k.gp()

	k.op("MOVD %s, %v", k.arg("hidden"), k.hidden)
	for _, op := range ops {
		k.op("MOVD %s, %v", k.arg(op.param+"_base"), k.ptr[op.param])
	}
	if maxBlocks > 1 {
		k.op("LSL $2, %v, %v", k.hidden, k.hb[1])
	}
	if maxBlocks > 2 {
		k.op("ADD %v, %v, %v", k.hb[1], k.hb[1], k.hb[2])
	}
	if maxBlocks > 3 {
		k.op("ADD %v, %v, %v", k.hb[1], k.hb[2], k.hb[3])
	}
	k.op("MOVD %s, %v", k.arg("batch"), k.rows)
	if consts {
		k.loadConsts()
	}

	k.label(name + "_row")
	k.op("MOVD %v, %v", k.hidden, k.left)
	k.label(name + "_vectors")
	k.op("CMP $%d, %v", vecFloats, k.left)
	k.op("BLT %s_tail", name)
	k.vector = true
	k.scope(func() { body(k) })
	for _, op := range ops {
		k.op("ADD $%d, %v", vecBytes, k.ptr[op.param])
	}
	k.op("SUB $%d, %v", vecFloats, k.left)
	k.op("B %s_vectors", name)

	k.label(name + "_tail")
	k.op("CBZ %v, %s_next", k.left, name)
	k.vector = false
	k.scope(func() { body(k) })
	for _, op := range ops {
		k.op("ADD $4, %v", k.ptr[op.param])
	}
	k.op("SUB $1, %v", k.left)
	k.op("B %s_tail", name)

	// The pointers stand at the end of block 0 of the row: skip the others.
	k.label(name + "_next")
	for _, op := range ops {
		if op.blocks > 1 {
			k.op("ADD %v, %v", k.hb[op.blocks-1], k.ptr[op.param])
		}
	}
	k.op("SUB $1, %v", k.rows)
	k.op("CBNZ %v, %s_row", k.rows, name)
	k.op("RET")
}

func cacheName(base string, withCache bool) string {
	if withCache {
		return base + "CacheSIMD"
	}
	return base + "SIMD"
}
