package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/npy"
)

func runCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "[flags] -model MODEL -in X.npy -out Y.npy",
		"Runs the network in the safetensors file MODEL over the sequences in X.npy and writes its\n"+
			"outputs to Y.npy (replaced atomically: a temporary file renamed over it).\n\n"+
			"X is float32 [T, B, I], time-major (T steps of B sequences of I features), or int64 token\n"+
			"ids [T, B] for a network that starts with an embedding. Y is float32 [T, B, O], O the head's\n"+
			"outputs (or the recurrent output's width without a head), or [B, O] when the head reads the\n"+
			"final state. With -batch-first, X is [B, T, I] or [B, T] and Y [B, T, O].\n"+
			"'simdrnn inspect MODEL' prints the shapes a model takes and gives.\n", stderr)
	var mf modelFlags
	mf.register(fs)
	modelPath := fs.String("model", "", "the safetensors `file` of the network (required)")
	inPath := fs.String("in", "", "the input .npy `file` (required)")
	outPath := fs.String("out", "", "the output .npy `file` to write (required)")
	stream := fs.Bool("stream", false, "run step by step, as a stream arrives (Network.Step), instead of over whole sequences (Network.Forward); not for bidirectional models")
	batchFirst := fs.Bool("batch-first", false, "X is [B, T, I] (or [B, T] ids) and Y [B, T, O]")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError("unexpected arguments %q (the files go in -model, -in and -out)", fs.Args())
	}
	for _, f := range []struct{ name, value string }{{"model", *modelPath}, {"in", *inPath}, {"out", *outPath}} {
		if f.value == "" {
			return usageError("-%s is required", f.name)
		}
	}
	lm, err := mf.load(*modelPath)
	if err != nil {
		return err
	}
	net := lm.net
	in, steps, batch, err := readInput(*inPath, net, *batchFirst)
	if err != nil {
		return err
	}
	var y []float32
	if *stream {
		y, err = runStream(net, in, steps, batch)
	} else {
		y, err = runForward(net, in, steps, batch)
	}
	if err != nil {
		return err
	}
	outputs := net.OutputSize()
	dims := []int{steps, batch, outputs}
	switch {
	case net.Parts().HeadInput == cells.FinalState:
		dims = []int{batch, outputs}
	case *batchFirst:
		y = transpose(y, steps, batch, outputs)
		dims = []int{batch, steps, outputs}
	}
	return writeAtomic(*outPath, func(w io.Writer) error { return npy.WriteF32(w, dims, y) })
}

// readInput reads X.npy and checks it against the network: float32 [T, B,
// I] for a network of features, int64 [T, B] with ids in its vocabulary
// for one with an embedding ([B, T, …] with batchFirst, returned
// time-major).
func readInput(path string, net *cells.Network, batchFirst bool) (in cells.Input, steps, batch int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return in, 0, 0, err
	}
	defer f.Close()
	a, err := npy.Read(bufio.NewReader(f))
	if err != nil {
		return in, 0, 0, fmt.Errorf("%s: %v", path, err)
	}
	axes := "[T, B"
	if batchFirst {
		axes = "[B, T"
	}
	dtype := "float32"
	if a.I64 != nil {
		dtype = "int64"
	}
	emb := net.Parts().Embedding
	var wantText string
	if emb != nil {
		wantText = fmt.Sprintf("int64 token ids %s] (the network starts with an embedding of vocabulary %d)", axes, emb.Vocab())
	} else {
		wantText = fmt.Sprintf("float32 %s, %d] (the network's input size is %d)", axes, net.InputSize(), net.InputSize())
	}
	wantRank := 3
	if emb != nil {
		wantRank = 2
	}
	switch {
	case (emb != nil) != (a.I64 != nil), len(a.Shape) != wantRank, emb == nil && a.Shape[2] != net.InputSize():
		return in, 0, 0, fmt.Errorf("%s: %s %v; want %s", path, dtype, a.Shape, wantText)
	case a.Shape[0] == 0 || a.Shape[1] == 0:
		return in, 0, 0, fmt.Errorf("%s: %s %v is empty; want at least one step and one sequence", path, dtype, a.Shape)
	}
	steps, batch = a.Shape[0], a.Shape[1]
	if batchFirst {
		steps, batch = batch, steps
	}
	if emb != nil {
		ids := a.I64
		if batchFirst {
			ids = transpose(ids, batch, steps, 1)
		}
		for i, id := range ids {
			if id < 0 || id >= int64(emb.Vocab()) {
				return in, 0, 0, fmt.Errorf("%s: token id %d at step %d of sequence %d is outside the vocabulary [0, %d)", path, id, i/batch, i%batch, emb.Vocab())
			}
		}
		return cells.Input{IDs: ids}, steps, batch, nil
	}
	x := a.F32
	if batchFirst {
		x = transpose(x, batch, steps, net.InputSize())
	}
	return cells.Input{X: x}, steps, batch, nil
}

// transpose returns the [rows, cols, width] array a as [cols, rows,
// width].
func transpose[E any](a []E, rows, cols, width int) []E {
	out := make([]E, len(a))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			copy(out[(c*rows+r)*width:(c*rows+r+1)*width], a[(r*cols+c)*width:(r*cols+c+1)*width])
		}
	}
	return out
}

// runForward runs the network over the whole sequences.
func runForward(net *cells.Network, in cells.Input, steps, batch int) ([]float32, error) {
	out, err := net.Forward(in, steps, batch, nil)
	if err != nil {
		return nil, err
	}
	return out.Y, nil
}

// runStream runs the network one step at a time for batch streams, and
// returns what Forward returns: every step's outputs, or the last step's
// when the head reads the final state.
func runStream(net *cells.Network, in cells.Input, steps, batch int) ([]float32, error) {
	state, err := net.NewState(batch)
	if errors.Is(err, cells.ErrBidirectional) {
		return nil, errors.New("-stream: the model is bidirectional, so it cannot run step by step (its reverse direction needs the whole sequence); run it without -stream")
	}
	if err != nil {
		return nil, err
	}
	outputs := net.OutputSize()
	final := net.Parts().HeadInput == cells.FinalState
	var y []float32
	if final {
		y = make([]float32, batch*outputs)
	} else {
		y = make([]float32, steps*batch*outputs)
	}
	width := net.InputSize()
	for t := 0; t < steps; t++ {
		var stepIn cells.Input
		if in.IDs != nil {
			stepIn.IDs = in.IDs[t*batch : (t+1)*batch]
		} else {
			stepIn.X = in.X[t*batch*width : (t+1)*batch*width]
		}
		dst := y
		if !final {
			dst = y[t*batch*outputs : (t+1)*batch*outputs]
		}
		if err := net.Step(state, stepIn, dst); err != nil {
			return nil, fmt.Errorf("step %d: %v", t, err)
		}
	}
	return y, nil
}

// writeAtomic writes path through write: into a temporary file in the same
// directory, synced, then renamed over path, so that path is either as it
// was or complete.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	buf := bufio.NewWriter(tmp)
	if err := write(buf); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if err := buf.Flush(); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
