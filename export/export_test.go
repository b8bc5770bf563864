// Package export_test checks export/simdrnn_export.py: its safetensors
// writer with python3 alone, and the whole path — a PyTorch module
// exported, loaded by cells, run — when python3 has torch.
package export_test

import (
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/cells/safetensors"
)

const python = "/usr/bin/python3"

// TestWriterSelfTest writes the exporter's known tensors with python3 (no
// torch) and reads them with package safetensors.
func TestWriterSelfTest(t *testing.T) {
	if _, err := exec.LookPath(python); err != nil {
		t.Fatalf("python3 is needed to test the exporter: %v", err)
	}
	path := filepath.Join(t.TempDir(), "self.safetensors")
	out, err := exec.Command(python, "simdrnn_export.py", "--self-test", path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	f, err := safetensors.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, []string{"a.weight", "b", "empty", "ids"}, f.Names())
	require.Equal(t, "é ok", f.Metadata()["note"])
	a, err := f.Tensor("a.weight")
	require.NoError(t, err)
	require.Equal(t, []int{2, 3}, a.Shape)
	require.Equal(t, []float32{0, 0.5, 1, 1.5, 2, 2.5}, a.Data)
	b, err := f.Tensor("b")
	require.NoError(t, err)
	require.Equal(t, []float32{1, -2}, b.Data)
	dtype, shape, ok := f.Info("ids")
	require.True(t, ok)
	require.Equal(t, "I64", dtype)
	require.Equal(t, []int{3}, shape)
	e, err := f.Tensor("empty")
	require.NoError(t, err)
	require.Equal(t, []int{0, 4}, e.Shape)
}

// exportScript builds nn.LSTM/GRU/RNN models, exports each with export(),
// and writes their input and PyTorch's outputs next to it.
const exportScript = `
import sys, torch
sys.path.insert(0, ".")
from simdrnn_export import export, write_safetensors, _tensor_bytes
out = sys.argv[1]
torch.manual_seed(3)
class Net(torch.nn.Module):
    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn
cases = {
    "lstm": torch.nn.LSTM(5, 7, num_layers=2, bidirectional=True),
    "gru": torch.nn.GRU(5, 7, num_layers=2),
    "rnn_relu": torch.nn.RNN(5, 7, nonlinearity="relu", bidirectional=True),
}
for name, rnn in cases.items():
    net = Net(rnn)
    export(net, f"{out}/{name}.safetensors", case=name)
    x = torch.randn(6, 3, 5)
    with torch.no_grad():
        y, _ = rnn(x)
    write_safetensors(f"{out}/{name}-io.safetensors", {
        "x": ("F32", list(x.shape), _tensor_bytes(x)),
        "y": ("F32", list(y.shape), _tensor_bytes(y)),
    }, {})
`

// TestPyTorchToGo exports PyTorch models with the exporter, loads them with
// cells (the Config inferred by cells.ConfigFromSafetensors from the
// tensors and the exporter's metadata) and checks Forward against
// PyTorch's outputs within 1e-5.
func TestPyTorchToGo(t *testing.T) {
	if exec.Command(python, "-c", "import torch").Run() != nil {
		t.Skip("python3 cannot import torch (apt-get install python3-torch): the exporter's PyTorch path is not tested")
	}
	dir := t.TempDir()
	out, err := exec.Command(python, "-c", exportScript, dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	modes := map[string]cells.Mode{"lstm": cells.LSTM, "gru": cells.GRU, "rnn_tanh": cells.RNNTanh, "rnn_relu": cells.RNNReLU}
	for _, name := range []string{"lstm", "gru", "rnn_relu"} {
		path := filepath.Join(dir, name+".safetensors")
		f, err := safetensors.ReadFile(path)
		require.NoError(t, err)
		require.Equal(t, name, f.Metadata()["case"])
		cfg, err := cells.ConfigFromSafetensors(path, "rnn.")
		require.NoError(t, err, name)
		require.Equal(t, modes[name], cfg.Mode)
		model, err := cells.LoadSafetensors(path, cfg, "rnn.")
		require.NoError(t, err, name)
		io, err := safetensors.ReadFile(filepath.Join(dir, name+"-io.safetensors"))
		require.NoError(t, err)
		x, err := io.Tensor("x")
		require.NoError(t, err)
		y, err := io.Tensor("y")
		require.NoError(t, err)
		got, err := model.Forward(x.Data, x.Shape[0], x.Shape[1], nil)
		require.NoError(t, err)
		require.Len(t, got.Y, len(y.Data))
		for i := range y.Data {
			d := math.Abs(float64(got.Y[i]) - float64(y.Data[i]))
			require.LessOrEqual(t, d, 1e-5, "%s y[%d] = %v, PyTorch %v", name, i, got.Y[i], y.Data[i])
		}
	}
}

// networkScript builds whole PyTorch models — embedding, recurrent stack,
// linear head, softmax or sigmoid, the head on every step or on the final
// state — exports each with export(), and writes time-major inputs and
// PyTorch's outputs next to it.
const networkScript = `
import sys, torch
import torch.nn as nn
sys.path.insert(0, ".")
from simdrnn_export import export, write_safetensors, _tensor_bytes
out = sys.argv[1]
torch.manual_seed(5)

class Tagger(nn.Module):  # ids -> per-step class probabilities
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(20, 5)
        self.lstm = nn.LSTM(5, 7, num_layers=2, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(14, 4)
    def forward(self, ids):  # [B, T]
        y, _ = self.lstm(self.embedding(ids))
        return torch.softmax(self.fc(y), dim=-1)

class Scorer(nn.Module):  # features -> one sigmoid score vector per sequence
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(6, 8, num_layers=2, bidirectional=True)
        self.head = nn.Linear(16, 3)
    def forward(self, x):  # [T, B, I]
        _, h = self.gru(x)
        return torch.sigmoid(self.head(torch.cat((h[-2], h[-1]), dim=1)))

class Plain(nn.Module):  # features -> per-step logits, no bias in the head
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(4, 6, nonlinearity="relu")
        self.out = nn.Linear(6, 2, bias=False)
    def forward(self, x):
        y, _ = self.rnn(x)
        return self.out(y)

def save(name, inputs, outputs, ids=False):  # ids travel as exact float32
    inputs = inputs.float()
    write_safetensors(f"{out}/{name}-io.safetensors", {
        "x": ("F32", list(inputs.shape), _tensor_bytes(inputs)),
        "y": ("F32", list(outputs.shape), _tensor_bytes(outputs)),
    }, {"ids": str(ids)})

with torch.no_grad():
    m = Tagger().eval()
    export(m, f"{out}/tagger.safetensors", activation="softmax")
    ids = torch.randint(0, 20, (3, 6))          # [B, T]
    save("tagger", ids.t().contiguous(), m(ids).transpose(0, 1).contiguous(), ids=True)
    m = Scorer().eval()
    export(m, f"{out}/scorer.safetensors", activation="sigmoid", head_input="final")
    x = torch.randn(5, 4, 6)
    save("scorer", x, m(x))
    m = Plain().eval()
    export(m, f"{out}/plain.safetensors")
    x = torch.randn(7, 2, 4)
    save("plain", x, m(x))
`

// TestPyTorchNetworkToGo exports whole PyTorch models and checks that
// cells.LoadNetwork finds their modules and that Forward (and Step, where
// the model can stream) gives PyTorch's outputs within 1e-5.
func TestPyTorchNetworkToGo(t *testing.T) {
	if exec.Command(python, "-c", "import torch").Run() != nil {
		t.Skip("python3 cannot import torch (apt-get install python3-torch): the exporter's PyTorch path is not tested")
	}
	dir := t.TempDir()
	out, err := exec.Command(python, "-c", networkScript, dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, name := range []string{"tagger", "scorer", "plain"} {
		net, err := cells.LoadNetwork(filepath.Join(dir, name+".safetensors"), nil)
		require.NoError(t, err, name)
		io, err := safetensors.ReadFile(filepath.Join(dir, name+"-io.safetensors"))
		require.NoError(t, err)
		x, err := io.Tensor("x")
		require.NoError(t, err)
		steps, batch := x.Shape[0], x.Shape[1]
		in := cells.Input{X: x.Data}
		if io.Metadata()["ids"] == "True" {
			in = cells.Input{IDs: make([]int64, len(x.Data))}
			for i, v := range x.Data {
				in.IDs[i] = int64(v)
			}
		}
		y, err := io.Tensor("y")
		require.NoError(t, err)
		got, err := net.Forward(in, steps, batch, nil)
		require.NoError(t, err, name)
		requireWithin(t, name, got.Y, y.Data, 1e-5)
		if net.Parts().RNN.Config().Bidirectional {
			continue
		}
		state, err := net.NewState(batch)
		require.NoError(t, err)
		o := net.OutputSize()
		step := make([]float32, batch*o)
		for k := 0; k < steps; k++ {
			require.NoError(t, net.Step(state, cells.Input{X: in.X[k*batch*len(in.X)/(steps*batch) : (k+1)*batch*len(in.X)/(steps*batch)]}, step))
			requireWithin(t, name+" streamed", step, y.Data[k*batch*o:(k+1)*batch*o], 1e-5)
		}
	}
}

func requireWithin(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		require.LessOrEqual(t, d, tol, "%s y[%d] = %v, PyTorch %v", what, i, got[i], want[i])
	}
}
