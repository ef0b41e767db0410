package nn

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// lossCase pairs a golden loss case with the Go loss that computes it.
type lossCase struct {
	key    string
	loss   Loss
	target string // golden key of the dense target, "" for sparse labels
	// softmax: the input is logits put through a softmax layer and the
	// gradient is with respect to those logits (the fused path).
	softmax bool
}

var lossCases = []lossCase{
	{key: "sparse_probs", loss: &SparseCategoricalCrossentropy{}},
	{key: "sparse_softmax", loss: &SparseCategoricalCrossentropy{}, softmax: true},
	{key: "sparse_logits", loss: &SparseCategoricalCrossentropy{FromLogits: true}},
	{key: "cce_probs_onehot", loss: &CategoricalCrossentropy{}, target: "cce/onehot"},
	{key: "cce_probs_soft", loss: &CategoricalCrossentropy{}, target: "cce/soft"},
	{key: "cce_unnorm_onehot", loss: &CategoricalCrossentropy{}, target: "cce/onehot"},
	{key: "cce_unnorm_soft", loss: &CategoricalCrossentropy{}, target: "cce/soft"},
	{key: "cce_logits_onehot", loss: &CategoricalCrossentropy{FromLogits: true}, target: "cce/onehot"},
	{key: "cce_logits_soft", loss: &CategoricalCrossentropy{FromLogits: true}, target: "cce/soft"},
	{key: "bce_probs_hard", loss: &BinaryCrossentropy{}, target: "bce/hard"},
	{key: "bce_probs_soft", loss: &BinaryCrossentropy{}, target: "bce/soft"},
	{key: "bce_logits_hard", loss: &BinaryCrossentropy{FromLogits: true}, target: "bce/hard"},
	{key: "bce_logits_soft", loss: &BinaryCrossentropy{FromLogits: true}, target: "bce/soft"},
}

func (c lossCase) inputs(t *testing.T, g *goldenFile) (*tensor.Tensor, Target) {
	var inputs map[string]string
	if err := json.Unmarshal(g.Params["case_input"], &inputs); err != nil {
		t.Fatal(err)
	}
	x := g.tensor(t, inputs[c.key])
	var tg Target
	if c.target == "" {
		for _, v := range g.raw(t, "sparse/labels") {
			tg.Labels = append(tg.Labels, int32(v))
		}
	} else {
		tg.Dense = g.tensor(t, c.target)
	}
	return x, tg
}

func TestGoldenLosses(t *testing.T) {
	g := loadGolden(t, "losses")
	w := g.tensor(t, "sample_weight").Data
	for _, c := range lossCases {
		t.Run(c.key, func(t *testing.T) {
			x, tg := c.inputs(t, g)
			for _, weighted := range []bool{false, true} {
				sub := c.key + "/unweighted/"
				var ws []float32
				if weighted {
					sub, ws = c.key+"/weighted/", w
				}
				gradT := tensor.New(x.Shape...)
				per := make([]float32, x.Shape[0])
				var loss float64
				if c.softmax {
					// Through a real softmax layer and the model's fused path.
					m := NewSequential(x.Shape[1:], &Activation{Function: "softmax"})
					if err := m.Build(1); err != nil {
						t.Fatal(err)
					}
					loss, _ = m.Gradients(x.Clone(), tg, ws, c.loss, per)
					gradT = m.dout // fused: already dLoss/dlogits

				} else {
					loss = c.loss.Compute(x, tg, ws, gradT, per)
				}
				expectGolden(t, sub+"loss", []float32{float32(loss)}, g.raw(t, sub+"loss"))
				expectGolden(t, sub+"grad", gradT.Data, g.raw(t, sub+"grad"))
				expectGolden(t, c.key+"/per_sample", per, g.raw(t, c.key+"/per_sample"))
			}
		})
	}
}

func TestLossGradientsFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range lossCases {
		if c.softmax {
			continue
		}
		t.Run(c.key, func(t *testing.T) {
			n, d := 5, 4
			x := tensor.New(n, d)
			for i := range x.Data {
				if strings.Contains(c.key, "logits") {
					x.Data[i] = float32(4*rng.Float64() - 2)
				} else {
					x.Data[i] = float32(0.05 + 0.9*rng.Float64())
				}
			}
			tg := Target{}
			if c.target == "" {
				for i := 0; i < n; i++ {
					tg.Labels = append(tg.Labels, int32(rng.IntN(d)))
				}
			} else {
				tg.Dense = tensor.New(n, d)
				for i := range tg.Dense.Data {
					tg.Dense.Data[i] = float32(rng.Float64())
				}
			}
			w := []float32{1, 0.5, 2, 0, 1.5}
			gr := tensor.New(n, d)
			c.loss.Compute(x, tg, w, gr, nil)
			num := make([]float64, len(x.Data))
			ana := make([]float64, len(x.Data))
			const h = 1e-3
			for i := range x.Data {
				old := x.Data[i]
				x.Data[i] = old + h
				lp := c.loss.Compute(x, tg, w, nil, nil)
				x.Data[i] = old - h
				lm := c.loss.Compute(x, tg, w, nil, nil)
				x.Data[i] = old
				num[i] = (lp - lm) / (float64(float32(old+h)) - float64(float32(old-h)))
				ana[i] = float64(gr.Data[i])
			}
			checkClose(t, c.key, num, ana, 2e-3)
		})
	}
}
