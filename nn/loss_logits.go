package nn

import (
	"math"
	"strings"

	"github.com/cnnscope/cnnscope/tensor"
)

// TakesLogits reports whether loss takes logits (from_logits=True): the
// model's outputs are then not probabilities until OutputProbabilities
// turns them into ones.
func TakesLogits(loss Loss) bool {
	switch l := loss.(type) {
	case *SparseCategoricalCrossentropy:
		return l.FromLogits
	case *CategoricalCrossentropy:
		return l.FromLogits
	case *BinaryCrossentropy:
		return l.FromLogits
	}
	return false
}

// OutputProbabilities writes into dst (shaped like out; allocated when nil
// or too small) the probabilities the model's output out stands for under
// loss, and returns dst: out itself when the loss takes probabilities;
// for a loss from logits, softmax over each row for the categorical
// losses and a sigmoid of each output for binary_crossentropy. What Keras
// users write after a from_logits model: tf.nn.softmax(model(x)).
func OutputProbabilities(loss Loss, out, dst *tensor.Tensor) *tensor.Tensor {
	if !TakesLogits(loss) {
		return out
	}
	dst = tensor.Ensure(dst, out.Shape...)
	if _, ok := loss.(*BinaryCrossentropy); ok {
		for i, z := range out.Data {
			dst.Data[i] = float32(sigmoid64(float64(z)))
		}
		return dst
	}
	n, d := rowsOf(out)
	for i := 0; i < n; i++ {
		softmaxRow(out.Data[i*d:(i+1)*d], dst.Data[i*d:(i+1)*d])
	}
	return dst
}

// softmaxRow writes softmax(z) into p (in float64, shifted by the row's
// maximum so that no exponential overflows).
func softmaxRow(z, p []float32) {
	m := float64(z[0])
	for _, v := range z[1:] {
		m = max(m, float64(v))
	}
	var s float64
	for _, v := range z {
		s += math.Exp(float64(v) - m)
	}
	for j, v := range z {
		p[j] = float32(math.Exp(float64(v)-m) / s)
	}
}

// sigmoid64 is 1/(1+e^-z) without overflow for large |z|.
func sigmoid64(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// OutputsLogits reports whether a model's output is logits: walking back
// from the output through layers that only reshape or select (Flatten,
// Reshape, Dropout, global pooling), the first layer with weights has a
// linear activation and no softmax or sigmoid follows it. An imported
// classifier without a softmax at the end (PyTorch's usual export) is
// such a model: it was trained from logits.
func OutputsLogits(m Model) bool {
	specs := map[string]LayerSpec{}
	for _, l := range m.Spec().Layers {
		specs[l.Name] = l
	}
	nodes := m.Nodes()
	byName := map[string]Node{}
	for _, n := range nodes {
		byName[n.Layer.Name()] = n
	}
	n, ok := nodes[len(nodes)-1], true
	for ok {
		ls := specs[n.Layer.Name()]
		act := strings.ToLower(ls.Activation)
		switch strings.ToLower(ls.Type) {
		case "dense", "conv2d", "depthwiseconv2d", "separableconv2d":
			return act == "" || act == "linear"
		case "activation":
			if act != "" && act != "linear" {
				return false
			}
		case "flatten", "reshape", "dropout", "globalaveragepooling2d", "globalmaxpooling2d":
		default:
			return false
		}
		if len(n.Inputs) != 1 {
			return false
		}
		n, ok = byName[n.Inputs[0]]
	}
	return false
}
