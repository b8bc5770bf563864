// Command precacc compares simdrnn's outputs at every weight precision with
// PyTorch's float32 and qint8 outputs on the cases that
// bench/peers/precision_accuracy.py writes (issue 15's accuracy table):
//
//	/usr/bin/python3 bench/peers/precision_accuracy.py /tmp/precacc
//	go run ./internal/tools/precacc /tmp/precacc/*.safetensors
//
// For each case (an nn.LSTM or nn.GRU, I = H, T = 100, batch 1) it loads
// the weights at f32, f16, bf16 and int8, streams x through Model.Step and
// prints the largest |y − y_f32| over all outputs, next to PyTorch qint8's.
// It exits with status 1 when a bar of the issue is missed: f16 ≤ 1e-3,
// bf16 ≤ 1e-2, int8 ≤ PyTorch qint8's deviation.
package main

import (
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/cells/safetensors"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: precacc CASE.safetensors ...")
		os.Exit(2)
	}
	fmt.Printf("%-5s %5s %10s %10s %10s %10s %12s  %s\n", "cell", "H", "f32", "f16", "bf16", "int8", "pytorch-q8", "max |y − y_f32(PyTorch)| over T = 100")
	failed := false
	for _, path := range os.Args[1:] {
		ok, err := compare(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "precacc: %s: %v\n", path, err)
			os.Exit(1)
		}
		failed = failed || !ok
	}
	if failed {
		fmt.Println("some bar was missed (f16 ≤ 1e-3, bf16 ≤ 1e-2, int8 ≤ PyTorch qint8)")
		os.Exit(1)
	}
}

func compare(path string) (bool, error) {
	file, err := safetensors.ReadFile(path)
	if err != nil {
		return false, err
	}
	meta := file.Metadata()
	h, err := strconv.Atoi(meta["hidden"])
	if err != nil {
		return false, fmt.Errorf("metadata hidden: %v", err)
	}
	mode := map[string]cells.Mode{"lstm": cells.LSTM, "gru": cells.GRU}[meta["cell"]]
	tensor := func(name string) []float32 {
		t, err := file.Tensor(name)
		if err != nil {
			panic(err)
		}
		return t.Data
	}
	x, y32, yq := tensor("x"), tensor("y_f32"), tensor("y_qint8")
	steps := len(x) / h
	dev := map[cells.Precision]float64{}
	for _, p := range []cells.Precision{cells.F32, cells.F16, cells.BF16, cells.Int8} {
		cfg := cells.Config{Mode: mode, InputSize: h, HiddenSize: h, NumLayers: 1, Precision: p}
		m, err := cells.LoadSafetensors(path, cfg, "rnn.")
		if err != nil {
			return false, err
		}
		state, err := m.NewState(1)
		if err != nil {
			return false, err
		}
		y := make([]float32, h)
		for t := 0; t < steps; t++ {
			if err := m.Step(state, x[t*h:(t+1)*h], y); err != nil {
				return false, err
			}
			dev[p] = math.Max(dev[p], maxAbsDiff(y, y32[t*h:(t+1)*h]))
		}
	}
	pq := maxAbsDiff(yq, y32)
	fmt.Printf("%-5s %5d %10.3g %10.3g %10.3g %10.3g %12.3g\n", meta["cell"], h, dev[cells.F32], dev[cells.F16], dev[cells.BF16], dev[cells.Int8], pq)
	return dev[cells.F16] <= 1e-3 && dev[cells.BF16] <= 1e-2 && dev[cells.Int8] <= pq, nil
}

func maxAbsDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}
