package cells_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/simdrnn/simdrnn/cells"
)

// A network of an embedding, an LSTM and a softmax head, saved as a
// PyTorch state_dict would be and streamed token by token, as the README's
// quick start does with an exported PyTorch model. (The probabilities
// were checked against a float64 NumPy computation of the same network.)
func ExampleLoadNetwork() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")
	// Building the file (in practice: export(model, path, activation="softmax")).
	cfg := cells.Config{Mode: cells.LSTM, InputSize: 2, HiddenSize: 3, NumLayers: 1}
	params := map[string][]float32{}
	for _, spec := range cfg.Params() {
		params[spec.Name] = make([]float32, spec.Size())
		for i := range params[spec.Name] {
			params[spec.Name][i] = 0.1 * float32(i%7-3)
		}
	}
	model, _ := cells.New(cfg, params)
	emb, _ := cells.NewEmbedding(4, 2, []float32{1, 0, 0, 1, -1, 0, 0, -1})
	head, _ := cells.NewLinear(3, 2, []float32{1, -1, 0.5, -1, 1, -0.5}, []float32{0, 0.1})
	built, _ := cells.NewNetwork(cells.NetworkParts{Embedding: emb, RNN: model, Head: head, Activation: cells.Softmax})
	if err := built.SaveSafetensors(path); err != nil {
		panic(err)
	}

	net, err := cells.LoadNetwork(path, nil)
	if err != nil {
		panic(err)
	}
	state, err := net.NewState(1)
	if err != nil {
		panic(err)
	}
	ids, probs := make([]int64, 1), make([]float32, net.OutputSize())
	for _, token := range []int64{0, 3, 1, 2} {
		ids[0] = token
		if err := net.Step(state, cells.Input{IDs: ids}, probs); err != nil {
			panic(err)
		}
		fmt.Printf("token %d: p = %.4f\n", token, probs)
	}
	// Output:
	// token 0: p = [0.5684 0.4316]
	// token 3: p = [0.5590 0.4410]
	// token 1: p = [0.5817 0.4183]
	// token 2: p = [0.5482 0.4518]
}
