package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/simdrnn/simdrnn/cells"
)

// inspectReport is what inspect prints, and its -json document.
type inspectReport struct {
	File      string           `json:"file"`
	FileBytes int64            `json:"file_bytes"`
	Embedding *embeddingReport `json:"embedding"` // null: none
	RNN       rnnReport        `json:"rnn"`
	Head      *headReport      `json:"head"` // null: none
	// Activation is none, softmax or sigmoid; HeadInput steps or final.
	Activation string `json:"activation"`
	HeadInput  string `json:"head_input"`
	// Input and Output describe run's arrays.
	Input      string `json:"input"`
	Output     string `json:"output"`
	Parameters int    `json:"parameters"`
	// StepBytes is the bytes of parameters a batch-1 step reads, at the
	// loaded precision; StepBytesAt the same at every precision.
	StepBytes   int            `json:"step_bytes"`
	StepBytesAt map[string]int `json:"step_bytes_at"`
	Tensors     []tensorReport `json:"tensors"`
}

type embeddingReport struct {
	Prefix string `json:"prefix"`
	Vocab  int    `json:"vocab"`
	Dim    int    `json:"dim"`
}

type rnnReport struct {
	Prefix        string `json:"prefix"`
	Mode          string `json:"mode"`
	InputSize     int    `json:"input_size"`
	HiddenSize    int    `json:"hidden_size"`
	Layers        int    `json:"layers"`
	Bidirectional bool   `json:"bidirectional"`
	Bias          bool   `json:"bias"`
	Precision     string `json:"precision"`
	// PrecisionFrom says whether the precision is the file's (auto) or
	// the -precision flag's.
	PrecisionFrom string `json:"precision_from"`
	WeightBytes   int    `json:"weight_bytes"`
}

type headReport struct {
	Prefix string `json:"prefix"`
	In     int    `json:"in"`
	Out    int    `json:"out"`
	Bias   bool   `json:"bias"`
}

type tensorReport struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
	Bytes int64  `json:"bytes"`
}

// dtypeBytes are the bytes of an element of each safetensors dtype.
var dtypeBytes = map[string]int64{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1,
	"U16": 2, "I16": 2, "F16": 2, "BF16": 2,
	"U32": 4, "I32": 4, "F32": 4,
	"U64": 8, "I64": 8, "F64": 8,
}

func inspectCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("inspect", "[flags] MODEL",
		"Prints the network found in the safetensors file MODEL: the embedding (vocabulary × dim),\n"+
			"the recurrent model (cell, input, hidden, layers, directions, bias, precision), the head\n"+
			"(outputs × inputs, bias), the activation and what the head reads; the shapes run takes and\n"+
			"gives; every tensor with its dtype, shape and bytes; the number of parameters; and the bytes\n"+
			"of parameters one batch-1 step reads, at the loaded precision and at each other.\n", stderr)
	var mf modelFlags
	mf.register(fs)
	asJSON := fs.Bool("json", false, "print one JSON document instead of text")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("want one MODEL file, got %d arguments", fs.NArg())
	}
	lm, err := mf.load(fs.Arg(0))
	if err != nil {
		return err
	}
	r, err := inspect(lm)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, r)
	}
	printInspect(stdout, r)
	return nil
}

// inspect describes the loaded network.
func inspect(lm *loadedModel) (*inspectReport, error) {
	net := lm.net
	parts := net.Parts()
	cfg := parts.RNN.Config()
	r := &inspectReport{
		File:      lm.path,
		FileBytes: lm.size,
		RNN: rnnReport{
			Prefix: parts.RNNPrefix, Mode: modeName(cfg.Mode), InputSize: cfg.InputSize, HiddenSize: cfg.HiddenSize,
			Layers: cfg.NumLayers, Bidirectional: cfg.Bidirectional, Bias: !cfg.NoBias,
			Precision: parts.RNN.Precision().String(), PrecisionFrom: "flag", WeightBytes: parts.RNN.WeightBytes(),
		},
		Activation:  parts.Activation.String(),
		HeadInput:   parts.HeadInput.String(),
		StepBytes:   net.StepBytes(),
		StepBytesAt: map[string]int{},
	}
	if lm.autoPrecision {
		r.RNN.PrecisionFrom = "file"
	}
	if e := parts.Embedding; e != nil {
		r.Embedding = &embeddingReport{Prefix: parts.EmbeddingPrefix, Vocab: e.Vocab(), Dim: e.Dim()}
		r.Input = fmt.Sprintf("int64 token ids [T, B], each in [0, %d)", e.Vocab())
	} else {
		r.Input = fmt.Sprintf("float32 [T, B, %d]", net.InputSize())
	}
	if h := parts.Head; h != nil {
		r.Head = &headReport{Prefix: parts.HeadPrefix, In: h.In(), Out: h.Out(), Bias: h.Bias() != nil}
	}
	if parts.HeadInput == cells.FinalState {
		r.Output = fmt.Sprintf("float32 [B, %d]", net.OutputSize())
	} else {
		r.Output = fmt.Sprintf("float32 [T, B, %d]", net.OutputSize())
	}
	for _, v := range net.Parameters() {
		r.Parameters += len(v)
	}
	for _, p := range precisions {
		at := net
		if p != parts.RNN.Precision() {
			var err error
			if at, err = net.WithPrecision(p); err != nil {
				return nil, err
			}
		}
		r.StepBytesAt[p.String()] = at.StepBytes()
	}
	names := lm.header.Names()
	sort.Strings(names)
	for _, name := range names {
		dtype, shape, _ := lm.header.Info(name)
		bytes := dtypeBytes[dtype]
		for _, d := range shape {
			bytes *= int64(d)
		}
		r.Tensors = append(r.Tensors, tensorReport{Name: name, DType: dtype, Shape: shape, Bytes: bytes})
	}
	return r, nil
}

// modeName returns the name the -cell flag and the file's metadata give
// mode.
func modeName(mode cells.Mode) string {
	switch mode {
	case cells.LSTM:
		return "lstm"
	case cells.GRU:
		return "gru"
	case cells.GRUResetBefore:
		return "gru_reset_before"
	case cells.RNNTanh:
		return "rnn_tanh"
	case cells.RNNReLU:
		return "rnn_relu"
	}
	return mode.String()
}

// printInspect prints r as text.
func printInspect(w io.Writer, r *inspectReport) {
	fmt.Fprintf(w, "%s: %d tensors, %s bytes\n\n", r.File, len(r.Tensors), grouped(r.FileBytes))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if e := r.Embedding; e != nil {
		fmt.Fprintf(tw, "embedding\t%d × %d (vocabulary × dim), tensors %q\n", e.Vocab, e.Dim, e.Prefix+"*")
	} else {
		fmt.Fprintf(tw, "embedding\tnone\n")
	}
	rnn := r.RNN
	var traits []string
	traits = append(traits, fmt.Sprintf("input %d", rnn.InputSize), fmt.Sprintf("hidden %d", rnn.HiddenSize), fmt.Sprintf("%d layer%s", rnn.Layers, plural(rnn.Layers)))
	if rnn.Bidirectional {
		traits = append(traits, "bidirectional")
	} else {
		traits = append(traits, "unidirectional")
	}
	if rnn.Bias {
		traits = append(traits, "bias")
	} else {
		traits = append(traits, "no bias")
	}
	fmt.Fprintf(tw, "recurrent\t%s: %s, tensors %q\n", rnn.Mode, strings.Join(traits, ", "), rnn.Prefix+"*")
	fmt.Fprintf(tw, "precision\t%s (%s), weights %s bytes\n", rnn.Precision, map[string]string{"file": "the file's", "flag": "-precision"}[rnn.PrecisionFrom], grouped(int64(rnn.WeightBytes)))
	if h := r.Head; h != nil {
		bias := "bias"
		if !h.Bias {
			bias = "no bias"
		}
		fmt.Fprintf(tw, "head\t%d × %d (outputs × inputs), %s, tensors %q\n", h.Out, h.In, bias, h.Prefix+"*")
	} else {
		fmt.Fprintf(tw, "head\tnone\n")
	}
	fmt.Fprintf(tw, "activation\t%s\n", r.Activation)
	headInput := "every step's output (steps)"
	if r.HeadInput == cells.FinalState.String() {
		headInput = "the final state (final)"
	}
	fmt.Fprintf(tw, "head input\t%s\n", headInput)
	fmt.Fprintf(tw, "run input\t%s\n", r.Input)
	fmt.Fprintf(tw, "run output\t%s\n", r.Output)
	fmt.Fprintf(tw, "parameters\t%s\n", grouped(int64(r.Parameters)))
	var at []string
	for _, p := range precisions {
		at = append(at, fmt.Sprintf("%s %s", p, grouped(int64(r.StepBytesAt[p.String()]))))
	}
	fmt.Fprintf(tw, "bytes per step\t%s at %s (batch 1; %s)\n", grouped(int64(r.StepBytes)), rnn.Precision, strings.Join(at, ", "))
	tw.Flush()

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "tensor\tdtype\tshape\tbytes\t\n")
	for _, t := range r.Tensors {
		dims := make([]string, len(t.Shape))
		for i, d := range t.Shape {
			dims[i] = fmt.Sprint(d)
		}
		fmt.Fprintf(tw, "%s\t%s\t[%s]\t%s\t\n", t.Name, t.DType, strings.Join(dims, ", "), grouped(t.Bytes))
	}
	tw.Flush()
}

// plural returns "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// grouped formats n with thousands separated by commas.
func grouped(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
