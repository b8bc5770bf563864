package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/simdrnn/simdrnn/internal/testutil/ref"
	"github.com/simdrnn/simdrnn/kernels"
)

// PWSpec describes one activation or fused pointwise kernel for the shared
// tests: its operands (each batch×Blocks·H), how to call it, and how to check
// its outputs against the float64 reference under the bounds its doc
// comment states.
type PWSpec struct {
	Name     string
	Operands []PWOperand
	// Flat kernels are elementwise over whole slices: batch does not change
	// what they compute, and Run ignores it.
	Flat bool
	Run  func(ops [][]float32, batch int)
	// Check compares the operands after the call with the reference computed
	// from the operands before it.
	Check func(before, after [][]float32, batch, hidden int) error
}

// PWOperand is one slice argument. Kinds has one letter per block saying
// what test data it holds: 'p' pre-activations in [−8, 8), 'v' values in
// [−1, 1), 's' sigmoid outputs in [0, 1), 't' tanh outputs in [−1, 1), 'o'
// an output (filled with random values that must be overwritten, or, for
// blocks a kernel does not write, kept).
type PWOperand struct {
	Name     string
	Kinds    string
	Output   bool
	Optional bool // may be nil; the other outputs must then be bit-identical
}

// Blocks returns the row length of the operand in units of the hidden size.
func (op PWOperand) Blocks() int { return len(op.Kinds) }

// Sizes returns the length of each operand.
func (sp PWSpec) Sizes(batch, hidden int) []int {
	sizes := make([]int, len(sp.Operands))
	for i, op := range sp.Operands {
		sizes[i] = batch * hidden * op.Blocks()
	}
	return sizes
}

// FillPW fills ops with the test data their kinds say.
func FillPW(r *rand.Rand, sp PWSpec, ops [][]float32, batch, hidden int) {
	for i, op := range sp.Operands {
		blocks := op.Blocks()
		for k := range ops[i] {
			v := 2*r.Float32() - 1
			switch op.Kinds[(k/max(hidden, 1))%blocks] {
			case 'p':
				v *= 8
			case 's':
				v = float32(math.Abs(float64(v)))
			}
			ops[i][k] = v
		}
	}
}

// Execute copies ops, runs the kernel on ops in place, checks that no input
// changed and checks the outputs. With an optional operand present it also
// runs the kernel without it on copies and requires the same outputs.
func (sp PWSpec) Execute(ops [][]float32, batch, hidden int) error {
	before := clone(ops)
	var without [][]float32
	optional := -1
	for i, op := range sp.Operands {
		if op.Optional && len(ops[i]) > 0 {
			optional = i
			without = clone(ops)
			without[i] = nil
		}
	}
	sp.Run(ops, batch)
	for i, op := range sp.Operands {
		if op.Output {
			continue
		}
		for k := range ops[i] {
			if math.Float32bits(ops[i][k]) != math.Float32bits(before[i][k]) {
				return fmt.Errorf("%s b%d h%d: input %s changed at %d", sp.Name, batch, hidden, op.Name, k)
			}
		}
	}
	if err := sp.Check(before, ops, batch, hidden); err != nil {
		return fmt.Errorf("%s b%d h%d: %w", sp.Name, batch, hidden, err)
	}
	if optional >= 0 {
		sp.Run(without, batch)
		for i, op := range sp.Operands {
			if !op.Output || i == optional {
				continue
			}
			for k := range ops[i] {
				if math.Float32bits(ops[i][k]) != math.Float32bits(without[i][k]) {
					return fmt.Errorf("%s b%d h%d: %s[%d] = %v without %s, %v with it", sp.Name, batch, hidden, op.Name, k, without[i][k], sp.Operands[optional].Name, ops[i][k])
				}
			}
		}
	}
	return nil
}

func clone(ops [][]float32) [][]float32 {
	out := make([][]float32, len(ops))
	for i, op := range ops {
		out[i] = append([]float32(nil), op...)
	}
	return out
}

// ActivationULP is the bound of Sigmoid and Tanh in ULP of the exact result.
const ActivationULP = 2

// CheckActivation reports whether got is within ActivationULP ULP (plus
// extra, absolute) of the exact activation want and inside [lo, hi].
func CheckActivation(what string, got float32, want, extra, lo, hi float64) error {
	g := float64(got)
	if !(g >= lo && g <= hi) && !math.IsNaN(g) {
		return fmt.Errorf("%s = %v outside [%v, %v]", what, got, lo, hi)
	}
	e := ref.ULPError(got, want)
	if e <= ActivationULP || (!math.IsInf(e, 0) && math.Abs(g-want) <= ActivationULP*ref.ULP(want)+extra) {
		return nil
	}
	return fmt.Errorf("%s = %v (%#08x), want %v: %.3g ULP", what, got, math.Float32bits(got), want, e)
}

// checkValue compares got with an exact value under γ(k)·Mag + abs. Where an
// input of the element is infinite, whether the result is ±Inf or NaN can
// hinge on a factor that is 0 in float32 and tiny in float64 (an activation
// within its bound of 0, 1 or ±1), so there any non-finite got is accepted
// for a non-finite want.
func checkValue(what string, got float32, v ref.Value, k int, abs float64, inputs ...float32) error {
	bound := Gamma(k)*v.Mag + abs
	if Close(got, v.Want, bound) {
		return nil
	}
	g := float64(got)
	nonFinite := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	if nonFinite(g) && nonFinite(v.Want) {
		for _, in := range inputs {
			if math.IsInf(float64(in), 0) {
				return nil
			}
		}
	}
	return fmt.Errorf("%s = %v, want %v ± %g (mag %g, abs %g, inputs %v)", what, got, v.Want, bound, v.Mag, abs, inputs)
}

// checkGrad is checkValue for the backward kernels, whose rule for zeros
// (package kernels, "Special values") is that an exactly zero gradient may
// have either sign: a zero result against a zero reference passes whatever
// the two signs. Everything else is checkValue's.
func checkGrad(what string, got float32, v ref.Value, k int, abs float64, inputs ...float32) error {
	if got == 0 && v.Want == 0 {
		return nil
	}
	return checkValue(what, got, v, k, abs, inputs...)
}

// at returns element j of block k of row b of an operand with the given
// number of blocks.
func at(op []float32, blocks, b, k, j, hidden int) float32 {
	return op[(b*blocks+k)*hidden+j]
}

func eachUnit(batch, hidden int, f func(b, j int) error) error {
	for b := 0; b < batch; b++ {
		for j := 0; j < hidden; j++ {
			if err := f(b, j); err != nil {
				return fmt.Errorf("row %d unit %d: %w", b, j, err)
			}
		}
	}
	return nil
}

// unchanged checks that block k of an output operand kept its values.
func unchanged(name string, before, after []float32, blocks, k, batch, hidden int) error {
	return eachUnit(batch, hidden, func(b, j int) error {
		x, y := at(before, blocks, b, k, j, hidden), at(after, blocks, b, k, j, hidden)
		if math.Float32bits(x) != math.Float32bits(y) {
			return fmt.Errorf("%s block %d changed: %v → %v", name, k, x, y)
		}
		return nil
	})
}

func sigmoidCheck(what string, got, x float32) error {
	return CheckActivation(what, got, ref.Sigmoid(x), 0, 0, 1)
}

func tanhCheck(what string, got, x float32) error {
	return CheckActivation(what, got, ref.Tanh(x), 0, -1, 1)
}

func flatSpec(name string, operands []PWOperand, run func(ops [][]float32), check func(before, after [][]float32, i int) error) PWSpec {
	return PWSpec{
		Name: name, Operands: operands, Flat: true,
		Run: func(ops [][]float32, _ int) { run(ops) },
		Check: func(before, after [][]float32, batch, hidden int) error {
			for i := 0; i < batch*hidden; i++ {
				if err := check(before, after, i); err != nil {
					return fmt.Errorf("element %d: %w", i, err)
				}
			}
			return nil
		},
	}
}

var flatIn = []PWOperand{{Name: "dst", Kinds: "o", Output: true}, {Name: "x", Kinds: "p"}}

// PWSpecs lists the activation and fused pointwise kernels.
var PWSpecs = []PWSpec{
	flatSpec("Sigmoid", flatIn, func(o [][]float32) { kernels.Sigmoid(o[0], o[1]) },
		func(before, after [][]float32, i int) error { return sigmoidCheck("σ", after[0][i], before[1][i]) }),
	flatSpec("Tanh", flatIn, func(o [][]float32) { kernels.Tanh(o[0], o[1]) },
		func(before, after [][]float32, i int) error { return tanhCheck("tanh", after[0][i], before[1][i]) }),
	flatSpec("RNNTanhForward", []PWOperand{{Name: "h", Kinds: "o", Output: true}, {Name: "pre", Kinds: "p"}},
		func(o [][]float32) { kernels.RNNTanhForward(o[0], o[1]) },
		func(before, after [][]float32, i int) error { return tanhCheck("h", after[0][i], before[1][i]) }),
	flatSpec("RNNReLUForward", []PWOperand{{Name: "h", Kinds: "o", Output: true}, {Name: "pre", Kinds: "p"}},
		func(o [][]float32) { kernels.RNNReLUForward(o[0], o[1]) },
		func(before, after [][]float32, i int) error {
			x, got := before[1][i], after[0][i]
			want := float32(0)
			if x > 0 || x != x {
				want = x
			}
			if math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
				return fmt.Errorf("relu(%v) = %v, want %v", x, got, want)
			}
			return nil
		}),
	flatSpec("RNNTanhBackward", []PWOperand{{Name: "dpre", Kinds: "o", Output: true}, {Name: "h", Kinds: "t"}, {Name: "dh", Kinds: "v"}},
		func(o [][]float32) { kernels.RNNTanhBackward(o[0], o[1], o[2]) },
		func(before, after [][]float32, i int) error {
			h, dh := before[1][i], before[2][i]
			return checkGrad("dpre", after[0][i], ref.RNNTanhBackward(h, dh), 2, 2*Underflow, h, dh)
		}),
	flatSpec("RNNReLUBackward", []PWOperand{{Name: "dpre", Kinds: "o", Output: true}, {Name: "h", Kinds: "v"}, {Name: "dh", Kinds: "v"}},
		func(o [][]float32) { kernels.RNNReLUBackward(o[0], o[1], o[2]) },
		func(before, after [][]float32, i int) error {
			h, dh, got := before[1][i], before[2][i], after[0][i]
			want := dh
			if h <= 0 {
				want = 0
			}
			if math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
				return fmt.Errorf("dpre(h=%v, dh=%v) = %v, want %v", h, dh, got, want)
			}
			return nil
		}),
	{
		Name: "LSTMForwardBatch",
		Operands: []PWOperand{{Name: "h", Kinds: "o", Output: true}, {Name: "c", Kinds: "v", Output: true},
			{Name: "gates", Kinds: "pppp"}, {Name: "cache", Kinds: "oooo", Output: true, Optional: true}},
		Run: func(o [][]float32, batch int) { kernels.LSTMForwardBatch(o[0], o[1], o[2], o[3], batch) },
		Check: func(before, after [][]float32, batch, hidden int) error {
			return eachUnit(batch, hidden, func(b, j int) error {
				gate := func(k int) float32 { return at(before[2], 4, b, k, j, hidden) }
				act := func(k int) float32 { return at(after[3], 4, b, k, j, hidden) }
				for k, name := range []string{"i", "f", "g", "o"} {
					var err error
					if k == 2 {
						err = tanhCheck(name, act(k), gate(k))
					} else {
						err = sigmoidCheck(name, act(k), gate(k))
					}
					if err != nil {
						return err
					}
				}
				i, f, g, o := act(0), act(1), act(2), act(3)
				c := before[1][b*hidden+j]
				cNew := after[1][b*hidden+j]
				if err := checkValue("c'", cNew, ref.LSTMCell(i, f, g, c), 2, 2*Underflow, c); err != nil {
					return err
				}
				th := ref.Tanh(cNew)
				want := ref.Value{Want: float64(o) * th, Mag: math.Abs(float64(o) * th)}
				extra := math.Abs(float64(o))*ActivationULP*ref.ULP(th) + 2*Underflow
				return checkValue("h'", after[0][b*hidden+j], want, 1, extra, cNew)
			})
		},
	},
	{
		Name: "LSTMBackwardBatch",
		Operands: []PWOperand{{Name: "dgates", Kinds: "oooo", Output: true}, {Name: "dcPrev", Kinds: "o", Output: true},
			{Name: "cache", Kinds: "ssts"}, {Name: "cPrev", Kinds: "v"}, {Name: "c", Kinds: "p"},
			{Name: "dh", Kinds: "v"}, {Name: "dc", Kinds: "v"}},
		Run: func(o [][]float32, batch int) {
			kernels.LSTMBackwardBatch(o[0], o[1], o[2], o[3], o[4], o[5], o[6], batch)
		},
		Check: func(before, after [][]float32, batch, hidden int) error {
			return eachUnit(batch, hidden, func(b, j int) error {
				ca := func(k int) float32 { return at(before[2], 4, b, k, j, hidden) }
				n := b*hidden + j
				cPrev, c, dh, dc := before[3][n], before[4][n], before[5][n], before[6][n]
				inputs := []float32{ca(0), ca(1), ca(2), ca(3), cPrev, c, dh, dc}
				do, di, df, dg, dcPrev := ref.LSTMBackward(ca(0), ca(1), ca(2), ca(3), cPrev, c, dh, dc)
				dgate := func(k int) float32 { return at(after[0], 4, b, k, j, hidden) }
				for _, e := range []struct {
					name string
					got  float32
					v    ref.Value
				}{{"di", dgate(0), di}, {"df", dgate(1), df}, {"dg", dgate(2), dg}, {"do", dgate(3), do}, {"dcPrev", after[1][n], dcPrev}} {
					abs := 16 * Underflow
					if e.name == "df" {
						abs *= 1 + math.Abs(float64(cPrev))
					}
					if err := checkGrad(e.name, e.got, e.v, 16, abs, inputs...); err != nil {
						return err
					}
				}
				return nil
			})
		},
	},
	{
		Name: "GRUForwardBatch",
		Operands: []PWOperand{{Name: "hNew", Kinds: "o", Output: true}, {Name: "h", Kinds: "v"},
			{Name: "inputGates", Kinds: "ppp"}, {Name: "hiddenGates", Kinds: "ppp"},
			{Name: "cache", Kinds: "oooo", Output: true, Optional: true}},
		Run: func(o [][]float32, batch int) { kernels.GRUForwardBatch(o[0], o[1], o[2], o[3], o[4], batch) },
		Check: func(before, after [][]float32, batch, hidden int) error {
			return eachUnit(batch, hidden, func(b, j int) error {
				in := func(k int) float32 { return at(before[2], 3, b, k, j, hidden) }
				hid := func(k int) float32 { return at(before[3], 3, b, k, j, hidden) }
				ca := func(k int) float32 { return at(after[4], 4, b, k, j, hidden) }
				r, z, n, hn := ca(0), ca(1), ca(2), ca(3)
				if err := sigmoidCheck("r", r, in(0)+hid(0)); err != nil {
					return err
				}
				if err := sigmoidCheck("z", z, in(1)+hid(1)); err != nil {
					return err
				}
				if math.Float32bits(hn) != math.Float32bits(hid(2)) {
					return fmt.Errorf("cached hn = %v, want %v", hn, hid(2))
				}
				if err := checkTanhOfSum("n", n, ref.GRUArgument(in(2), r, hn)); err != nil {
					return err
				}
				h := before[1][b*hidden+j]
				return checkValue("h'", after[0][b*hidden+j], ref.GRUOutput(z, n, h), 2, 2*Underflow, h)
			})
		},
	},
	{
		Name: "GRUBackwardBatch",
		Operands: []PWOperand{{Name: "dInputGates", Kinds: "ooo", Output: true}, {Name: "dHiddenGates", Kinds: "ooo", Output: true},
			{Name: "dhPrev", Kinds: "o", Output: true}, {Name: "cache", Kinds: "sstv"}, {Name: "h", Kinds: "v"}, {Name: "dh", Kinds: "v"}},
		Run: func(o [][]float32, batch int) { kernels.GRUBackwardBatch(o[0], o[1], o[2], o[3], o[4], o[5], batch) },
		Check: func(before, after [][]float32, batch, hidden int) error {
			return eachUnit(batch, hidden, func(b, j int) error {
				ca := func(k int) float32 { return at(before[3], 4, b, k, j, hidden) }
				n := b*hidden + j
				h, dh := before[4][n], before[5][n]
				inputs := []float32{ca(0), ca(1), ca(2), ca(3), h, dh}
				dr, dz, dn, dnr, dhz := ref.GRUBackward(ca(0), ca(1), ca(2), ca(3), h, dh)
				din := func(k int) float32 { return at(after[0], 3, b, k, j, hidden) }
				dhid := func(k int) float32 { return at(after[1], 3, b, k, j, hidden) }
				for _, e := range []struct {
					name string
					got  float32
					v    ref.Value
				}{{"dr", din(0), dr}, {"dz", din(1), dz}, {"dn", din(2), dn},
					{"hidden dr", dhid(0), dr}, {"hidden dz", dhid(1), dz}, {"hidden dn·r", dhid(2), dnr}, {"dhPrev", after[2][n], dhz}} {
					if err := checkGrad(e.name, e.got, e.v, 8, 8*Underflow, inputs...); err != nil {
						return err
					}
				}
				return nil
			})
		},
	},
	{
		Name: "GRUResetBeforeGatesBatch",
		Operands: []PWOperand{{Name: "rh", Kinds: "o", Output: true}, {Name: "cache", Kinds: "ooo", Output: true},
			{Name: "inputGates", Kinds: "ppp"}, {Name: "hiddenGates", Kinds: "pp"}, {Name: "h", Kinds: "v"}},
		Run: func(o [][]float32, batch int) { kernels.GRUResetBeforeGatesBatch(o[0], o[1], o[2], o[3], o[4], batch) },
		Check: func(before, after [][]float32, batch, hidden int) error {
			if err := unchanged("cache", before[1], after[1], 3, 2, batch, hidden); err != nil {
				return err
			}
			return eachUnit(batch, hidden, func(b, j int) error {
				in := func(k int) float32 { return at(before[2], 3, b, k, j, hidden) }
				hid := func(k int) float32 { return at(before[3], 2, b, k, j, hidden) }
				r, z := at(after[1], 3, b, 0, j, hidden), at(after[1], 3, b, 1, j, hidden)
				if err := sigmoidCheck("r", r, in(0)+hid(0)); err != nil {
					return err
				}
				if err := sigmoidCheck("z", z, in(1)+hid(1)); err != nil {
					return err
				}
				n := b*hidden + j
				if got, want := after[0][n], r*before[4][n]; math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
					return fmt.Errorf("rh = %v, want %v", got, want)
				}
				return nil
			})
		},
	},
	{
		Name: "GRUResetBeforeOutputBatch",
		Operands: []PWOperand{{Name: "hNew", Kinds: "o", Output: true}, {Name: "cache", Kinds: "sso", Output: true},
			{Name: "h", Kinds: "v"}, {Name: "inputGates", Kinds: "ppp"}, {Name: "hn", Kinds: "p"}},
		Run: func(o [][]float32, batch int) { kernels.GRUResetBeforeOutputBatch(o[0], o[1], o[2], o[3], o[4], batch) },
		Check: func(before, after [][]float32, batch, hidden int) error {
			for k := 0; k < 2; k++ {
				if err := unchanged("cache", before[1], after[1], 3, k, batch, hidden); err != nil {
					return err
				}
			}
			return eachUnit(batch, hidden, func(b, j int) error {
				m := b*hidden + j
				z, n := at(after[1], 3, b, 1, j, hidden), at(after[1], 3, b, 2, j, hidden)
				if err := tanhCheck("n", n, at(before[3], 3, b, 2, j, hidden)+before[4][m]); err != nil {
					return err
				}
				h := before[2][m]
				return checkValue("h'", after[0][m], ref.GRUOutput(z, n, h), 2, 2*Underflow, h)
			})
		},
	},
	{
		Name: "GRUResetBeforeBackwardOutputBatch",
		Operands: []PWOperand{{Name: "dGates", Kinds: "ooo", Output: true}, {Name: "dhPrev", Kinds: "o", Output: true},
			{Name: "cache", Kinds: "sst"}, {Name: "h", Kinds: "v"}, {Name: "dh", Kinds: "v"}},
		Run: func(o [][]float32, batch int) {
			kernels.GRUResetBeforeBackwardOutputBatch(o[0], o[1], o[2], o[3], o[4], batch)
		},
		Check: func(before, after [][]float32, batch, hidden int) error {
			if err := unchanged("dGates", before[0], after[0], 3, 0, batch, hidden); err != nil {
				return err
			}
			return eachUnit(batch, hidden, func(b, j int) error {
				ca := func(k int) float32 { return at(before[2], 3, b, k, j, hidden) }
				m := b*hidden + j
				h, dh := before[3][m], before[4][m]
				inputs := []float32{ca(0), ca(1), ca(2), h, dh}
				_, dz, dn, _, dhz := ref.GRUBackward(ca(0), ca(1), ca(2), 0, h, dh)
				for _, e := range []struct {
					name string
					got  float32
					v    ref.Value
				}{{"dz", at(after[0], 3, b, 1, j, hidden), dz}, {"dn", at(after[0], 3, b, 2, j, hidden), dn}, {"dhPrev", after[1][m], dhz}} {
					if err := checkGrad(e.name, e.got, e.v, 8, 8*Underflow, inputs...); err != nil {
						return err
					}
				}
				return nil
			})
		},
	},
	{
		Name: "GRUResetBeforeBackwardGatesBatch",
		Operands: []PWOperand{{Name: "dGates", Kinds: "ooo", Output: true}, {Name: "dhPrev", Kinds: "v", Output: true},
			{Name: "cache", Kinds: "sst"}, {Name: "h", Kinds: "v"}, {Name: "drh", Kinds: "v"}},
		Run: func(o [][]float32, batch int) {
			kernels.GRUResetBeforeBackwardGatesBatch(o[0], o[1], o[2], o[3], o[4], batch)
		},
		Check: func(before, after [][]float32, batch, hidden int) error {
			for k := 1; k < 3; k++ {
				if err := unchanged("dGates", before[0], after[0], 3, k, batch, hidden); err != nil {
					return err
				}
			}
			return eachUnit(batch, hidden, func(b, j int) error {
				m := b*hidden + j
				r, h, drh, dhPrev := at(before[2], 3, b, 0, j, hidden), before[3][m], before[4][m], before[1][m]
				dr, dhNew := ref.GRUResetBeforeGatesBackward(r, h, drh, dhPrev)
				if err := checkGrad("dr", at(after[0], 3, b, 0, j, hidden), dr, 8, 8*Underflow, r, h, drh); err != nil {
					return err
				}
				return checkGrad("dhPrev", after[1][m], dhNew, 8, 8*Underflow, r, drh, dhPrev)
			})
		},
	},
}

// checkTanhOfSum checks n = tanh(fl(a)) for an exact argument a that the
// kernel rounds once to float32 first.
func checkTanhOfSum(what string, got float32, a ref.Value) error {
	want := math.Tanh(a.Want)
	extra := (1-want*want)*(U*math.Abs(a.Want)) + Underflow
	return CheckActivation(what, got, want, extra, -1, 1)
}

// PWSpecNamed returns the spec of the kernel named.
func PWSpecNamed(name string) PWSpec {
	for _, sp := range PWSpecs {
		if sp.Name == name {
			return sp
		}
	}
	panic("kerneltest: no pointwise spec " + name)
}
