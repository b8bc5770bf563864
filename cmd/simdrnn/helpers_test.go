package main

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/simdrnn/simdrnn/cells"
	"github.com/simdrnn/simdrnn/internal/npy"
)

// netSpec describes a small network for the tests.
type netSpec struct {
	cfg        cells.Config
	vocab      int // 0: no embedding
	outputs    int // 0: no head
	noHeadBias bool
	activation cells.Activation
	headInput  cells.HeadInput
}

// uniform returns n values uniform in [−0.5, 0.5).
func uniform(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = rng.Float32() - 0.5
	}
	return v
}

// newNetwork builds the network of spec with random weights from seed.
func newNetwork(t *testing.T, spec netSpec, seed uint64) *cells.Network {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	params := map[string][]float32{}
	for _, p := range spec.cfg.Params() {
		params[p.Name] = uniform(rng, p.Size())
	}
	rnn, err := cells.New(spec.cfg, params)
	require.NoError(t, err)
	parts := cells.NetworkParts{RNN: rnn, Activation: spec.activation, HeadInput: spec.headInput}
	if spec.vocab > 0 {
		parts.Embedding, err = cells.NewEmbedding(spec.vocab, spec.cfg.InputSize, uniform(rng, spec.vocab*spec.cfg.InputSize))
		require.NoError(t, err)
	}
	if spec.outputs > 0 {
		in := spec.cfg.OutputSize()
		var bias []float32
		if !spec.noHeadBias {
			bias = uniform(rng, spec.outputs)
		}
		parts.Head, err = cells.NewLinear(in, spec.outputs, uniform(rng, spec.outputs*in), bias)
		require.NoError(t, err)
	}
	net, err := cells.NewNetwork(parts)
	require.NoError(t, err)
	return net
}

// saveNetwork builds the network of spec and saves it in a temporary
// directory; it returns the file's path and the network.
func saveNetwork(t *testing.T, spec netSpec, seed uint64) (string, *cells.Network) {
	t.Helper()
	net := newNetwork(t, spec, seed)
	path := filepath.Join(t.TempDir(), "model.safetensors")
	require.NoError(t, net.SaveSafetensors(path))
	return path, net
}

// writeFile writes data to a new file in a temporary directory.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return path
}

// npyF32 returns a '<f4' .npy file of the array.
func npyF32(t *testing.T, dims []int, data []float32) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, npy.WriteF32(&buf, dims, data))
	return buf.Bytes()
}

// npyI64 returns a '<i8' .npy file of the array.
func npyI64(t *testing.T, dims []int, data []int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, npy.WriteI64(&buf, dims, data))
	return buf.Bytes()
}

// npyRaw returns a version-1.0 .npy file of the header text and data,
// for headers the writer would not write.
func npyRaw(text string, data []byte) []byte {
	out := append([]byte("\x93NUMPY"), 1, 0)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(text)))
	return append(append(out, text...), data...)
}

// readNpy reads the .npy file at path.
func readNpy(t *testing.T, path string) *npy.Array {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	a, err := npy.Read(f)
	require.NoError(t, err)
	return a
}

// cli runs the command line and returns its exit status, stdout and
// stderr.
func cli(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// randomIDs returns n token ids in [0, vocab).
func randomIDs(rng *rand.Rand, n, vocab int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = rng.Int64N(int64(vocab))
	}
	return ids
}
