package ref

import (
	"math"
	"strconv"
)

// Cell modes of the float64 reference, as cells.Mode numbers them.
const (
	ModeLSTM = iota
	ModeGRU
	ModeGRUResetBefore
	ModeRNNTanh
	ModeRNNReLU
)

// CellConfig is the float64 reference's view of a model.
type CellConfig struct {
	Mode                  int
	Input, Hidden, Layers int
	Bidirectional         bool
	Params                map[string][]float32 // PyTorch names; biases may be absent
	X                     []float32            // steps × batch × input
	Steps, Batch          int
	Lengths               []int     // nil: all steps
	H0, C0                []float32 // nil: zeros
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func gatesOf(mode int) int {
	switch mode {
	case ModeLSTM:
		return 4
	case ModeGRU, ModeGRUResetBefore:
		return 3
	}
	return 1
}

// matVec64 returns W·v (+ bias) for W of rows × len(v) in float32.
func matVec64(w []float32, v []float64, bias []float32, rows int) []float64 {
	out := make([]float64, rows)
	cols := len(v)
	for i := 0; i < rows; i++ {
		sum := 0.0
		if bias != nil {
			sum = float64(bias[i])
		}
		for j := 0; j < cols; j++ {
			sum += float64(w[i*cols+j]) * v[j]
		}
		out[i] = sum
	}
	return out
}

// cellStep64 advances one sample's state (h, c) by one step of input x.
func cellStep64(mode int, wih, whh, bih, bhh []float32, x, h, c []float64) (hNew, cNew []float64) {
	hid := len(h)
	gi := matVec64(wih, x, bih, gatesOf(mode)*hid)
	hNew = make([]float64, hid)
	switch mode {
	case ModeLSTM:
		gh := matVec64(whh, h, bhh, 4*hid)
		cNew = make([]float64, hid)
		for j := 0; j < hid; j++ {
			i := sigmoid(gi[j] + gh[j])
			f := sigmoid(gi[hid+j] + gh[hid+j])
			g := math.Tanh(gi[2*hid+j] + gh[2*hid+j])
			o := sigmoid(gi[3*hid+j] + gh[3*hid+j])
			cNew[j] = f*c[j] + i*g
			hNew[j] = o * math.Tanh(cNew[j])
		}
	case ModeGRU:
		gh := matVec64(whh, h, bhh, 3*hid)
		for j := 0; j < hid; j++ {
			r := sigmoid(gi[j] + gh[j])
			z := sigmoid(gi[hid+j] + gh[hid+j])
			n := math.Tanh(gi[2*hid+j] + r*gh[2*hid+j])
			hNew[j] = (1-z)*n + z*h[j]
		}
	case ModeGRUResetBefore:
		var brz, bn []float32
		if bhh != nil {
			brz, bn = bhh[:2*hid], bhh[2*hid:]
		}
		rz := matVec64(whh[:2*hid*hid], h, brz, 2*hid)
		r := make([]float64, hid)
		rh := make([]float64, hid)
		for j := 0; j < hid; j++ {
			r[j] = sigmoid(gi[j] + rz[j])
			rh[j] = r[j] * h[j]
		}
		hn := matVec64(whh[2*hid*hid:], rh, bn, hid)
		for j := 0; j < hid; j++ {
			z := sigmoid(gi[hid+j] + rz[hid+j])
			n := math.Tanh(gi[2*hid+j] + hn[j])
			hNew[j] = (1-z)*n + z*h[j]
		}
	case ModeRNNTanh, ModeRNNReLU:
		gh := matVec64(whh, h, bhh, hid)
		for j := 0; j < hid; j++ {
			v := gi[j] + gh[j]
			if mode == ModeRNNTanh {
				hNew[j] = math.Tanh(v)
			} else {
				hNew[j] = math.Max(v, 0)
			}
		}
	}
	return hNew, cNew
}

// CellForward runs the model of cfg in float64, one sample and one step at
// a time, and returns the output (steps × batch × directions·H, zero past
// each sample's length) and the final states ((layers·directions) × batch
// × H; c only for LSTMs).
func CellForward(cfg CellConfig) (y, hN, cN []float64) {
	dirs := 1
	if cfg.Bidirectional {
		dirs = 2
	}
	hid := cfg.Hidden
	width := dirs * hid
	inSize := cfg.Input
	hN = make([]float64, cfg.Layers*dirs*cfg.Batch*hid)
	cN = make([]float64, len(hN))
	for i := range hN {
		if cfg.H0 != nil {
			hN[i] = float64(cfg.H0[i])
		}
		if cfg.C0 != nil {
			cN[i] = float64(cfg.C0[i])
		}
	}
	var cur []float64 // the previous layer's output
	for layer := 0; layer < cfg.Layers; layer++ {
		out := make([]float64, cfg.Steps*cfg.Batch*width)
		for dir := 0; dir < dirs; dir++ {
			suffix := "_l" + strconv.Itoa(layer)
			if dir == 1 {
				suffix += "_reverse"
			}
			wih, whh := cfg.Params["weight_ih"+suffix], cfg.Params["weight_hh"+suffix]
			bih, bhh := cfg.Params["bias_ih"+suffix], cfg.Params["bias_hh"+suffix]
			for b := 0; b < cfg.Batch; b++ {
				length := cfg.Steps
				if cfg.Lengths != nil {
					length = cfg.Lengths[b]
				}
				at := ((layer*dirs+dir)*cfg.Batch + b) * hid
				h := append([]float64(nil), hN[at:at+hid]...)
				c := append([]float64(nil), cN[at:at+hid]...)
				for k := 0; k < length; k++ {
					t := k
					if dir == 1 {
						t = length - 1 - k
					}
					var x []float64
					if layer == 0 {
						x = make([]float64, inSize)
						for i := range x {
							x[i] = float64(cfg.xAt(t, b, i))
						}
					} else {
						x = cur[(t*cfg.Batch+b)*inSize : (t*cfg.Batch+b+1)*inSize]
					}
					h, c = cellStep64(cfg.Mode, wih, whh, bih, bhh, x, h, c)
					copy(out[(t*cfg.Batch+b)*width+dir*hid:], h)
				}
				copy(hN[at:at+hid], h)
				if c != nil {
					copy(cN[at:at+hid], c)
				}
			}
		}
		cur = out
		inSize = width
	}
	if cfg.Mode != ModeLSTM {
		cN = nil
	}
	return cur, hN, cN
}

func (cfg CellConfig) xAt(t, b, i int) float32 { return cfg.X[(t*cfg.Batch+b)*cfg.Input+i] }
