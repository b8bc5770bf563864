package bptt

import (
	"errors"
	"fmt"
	"strings"

	"github.com/simdrnn/simdrnn/cells"
)

// Linear returns the layer for inference: a cells.Linear holding a copy of
// its current weight and bias (none if Bias is nil). It returns
// cells.NewLinear's error if the parameters no longer fit In and Out.
func (d *Dense) Linear() (*cells.Linear, error) {
	var bias []float32
	if d.Bias != nil {
		bias = d.Bias.Data
	}
	return cells.NewLinear(d.In, d.Out, d.Weight.Data, bias)
}

// prefix returns the module prefix of d's parameter names: "fc." for
// "fc.weight" and "fc.bias", "" for "weight" and "bias".
func (d *Dense) prefix() (string, error) {
	prefix, ok := strings.CutSuffix(d.Weight.Name, "weight")
	if !ok || d.Bias != nil && d.Bias.Name != prefix+"bias" {
		bias := "none"
		if d.Bias != nil {
			bias = fmt.Sprintf("%q", d.Bias.Name)
		}
		return "", fmt.Errorf("bptt: the head's parameters are named %q and %s; want <prefix>weight and <prefix>bias, as NewDense names them", d.Weight.Name, bias)
	}
	return prefix, nil
}

// Network returns the trained model as a cells.Network for inference and
// saving (Network.SaveSafetensors; cells.LoadNetwork reads the file back):
// a copy of the Net's weights (Model) as the recurrent module under
// cells.DefaultRNNPrefix ("rnn."), and, if head is not nil, a copy of the
// head (Dense.Linear) under the prefix of its parameters' names ("fc." for
// NewDense("fc", …); cells.DefaultHeadPrefix for unprefixed names). act
// is applied to the outputs; in says what the head reads: cells.FinalState
// for a head trained on Tape.LastHN, cells.EveryStep for one trained on
// Tape.Y. The Network's Forward then gives what the Net's Forward and the
// head's give.
//
// It returns an error if the head's width is not the Net's OutputSize, its
// parameters are not named <prefix>weight and <prefix>bias, or
// cells.NewNetwork refuses the parts (say, a head prefix of "rnn.").
func (n *Net) Network(head *Dense, act cells.Activation, in cells.HeadInput) (*cells.Network, error) {
	model, err := n.Model()
	if err != nil {
		return nil, err
	}
	parts := cells.NetworkParts{RNN: model, Activation: act, HeadInput: in, RNNPrefix: cells.DefaultRNNPrefix}
	if head != nil {
		if parts.HeadPrefix, err = head.prefix(); err != nil {
			return nil, err
		}
		if parts.Head, err = head.Linear(); err != nil {
			return nil, err
		}
	}
	return cells.NewNetwork(parts)
}

// FromNetwork returns a Net and a Dense holding copies of a loaded
// network's recurrent model (as FromModel) and head, for fine-tuning: the
// head's parameters are named under the network's head prefix ("fc.weight",
// "fc.bias"), and a head without a bias gives a Dense whose Bias is nil.
// The Dense is nil for a network without a head. The network's activation
// and head input are its Parts'; pass them to Net.Network to save the
// result (the recurrent module is then named under cells.DefaultRNNPrefix).
//
// It returns an error for a nil network and for one with an embedding,
// which bptt does not train.
func FromNetwork(nw *cells.Network) (*Net, *Dense, error) {
	if nw == nil {
		return nil, nil, errors.New("bptt: FromNetwork: the network is nil")
	}
	parts := nw.Parts()
	if parts.Embedding != nil {
		return nil, nil, errors.New("bptt: FromNetwork: the network has an embedding, which bptt does not train")
	}
	net, err := FromModel(parts.RNN)
	if err != nil {
		return nil, nil, err
	}
	l := parts.Head
	if l == nil {
		return net, nil, nil
	}
	bias := l.Bias()
	head, err := newDense(parts.HeadPrefix, l.In(), l.Out(), bias != nil)
	if err != nil {
		return nil, nil, fmt.Errorf("bptt: FromNetwork: the head: %v", err)
	}
	copy(head.Weight.Data, l.Weight())
	if bias != nil {
		copy(head.Bias.Data, bias)
	}
	return net, head, nil
}
