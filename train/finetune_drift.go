package train

import (
	"math"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// Epoch-log keys a fine-tune adds (history.csv, metrics.jsonl), which the
// transfer-learning diagnosis reads.
const (
	// LogPretrainedChange is ‖w − w₀‖ / ‖w₀‖ over the pre-trained layers'
	// trainable kinds of weights (kernels, biases, gamma, beta; the new
	// head left out), w₀ the pre-trained values: how far training has
	// moved them.
	LogPretrainedChange = "pretrained_change"
	// LogBNDrift is the largest drift of a BatchNormalization layer's
	// moving statistics from the pre-trained ones: the mean shift in
	// pre-trained standard deviations, ‖μ − μ₀‖ / ‖σ₀‖, or the relative
	// change of the variance, |‖σ²‖ / ‖σ₀²‖ − 1|, whichever is larger.
	LogBNDrift = "bn_drift"
)

// FineTuneDrift measures, at every epoch end, how far the weights and the
// BatchNormalization statistics have moved from the pre-trained model's.
// The reference is read from model.from, so a resumed run measures from
// the same values.
type FineTuneDrift struct {
	Nop
	Model nn.Model
	ref   map[string][]float32 // pre-trained values by full name
	kinds map[string]string    // param kind (kernel, moving_mean, ...) by full name
	bn    []string             // BatchNormalization layers
}

// NewFineTuneDrift reads the pre-trained weights the run started from (all
// but a new head's).
func NewFineTuneDrift(s *spec.Spec, m nn.Model) (*FineTuneDrift, error) {
	pre, err := LoadPretrained(s.Model.From, m.InputShape())
	if err != nil {
		return nil, err
	}
	out := m.Output()
	_, head, err := fineTuneSpec(s, pre, out[len(out)-1])
	if err != nil {
		return nil, err
	}
	d := &FineTuneDrift{Model: m, ref: map[string][]float32{}, kinds: map[string]string{}}
	own := map[string]*nn.Param{}
	for _, p := range pre.Model.Params() {
		own[p.FullName()] = p.Param
	}
	for _, p := range m.Params() {
		src := own[p.FullName()]
		if p.Layer.Name() == head || src == nil || len(src.Value.Data) != len(p.Value.Data) {
			continue
		}
		d.ref[p.FullName()] = src.Value.Data
		d.kinds[p.FullName()] = p.Name
	}
	for _, n := range m.Nodes() {
		if n.Layer.Type() == "BatchNormalization" {
			d.bn = append(d.bn, n.Layer.Name())
		}
	}
	return d, nil
}

// EpochEnd adds pretrained_change and, with BatchNormalization, bn_drift.
func (d *FineTuneDrift) EpochEnd(s *State, epoch int, logs Logs) error {
	var diff, base float64
	cur := map[string][]float32{}
	for _, p := range d.Model.Params() {
		name := p.FullName()
		r, ok := d.ref[name]
		if !ok {
			continue
		}
		cur[name] = p.Value.Data
		if k := d.kinds[name]; k == "moving_mean" || k == "moving_variance" {
			continue
		}
		diff += sqDist(p.Value.Data, r)
		base += sqDist(r, nil)
	}
	if base > 0 {
		logs[LogPretrainedChange] = math.Sqrt(diff / base)
	}
	drift := -1.0
	for _, l := range d.bn {
		mu, mu0, v, v0 := cur[l+"/moving_mean"], d.ref[l+"/moving_mean"], cur[l+"/moving_variance"], d.ref[l+"/moving_variance"]
		if mu == nil || v == nil {
			continue
		}
		shift := math.Sqrt(sqDist(mu, mu0) / max(sumOf(v0), 1e-12))
		scale := math.Abs(math.Sqrt(sqDist(v, nil)/max(sqDist(v0, nil), 1e-24)) - 1)
		drift = max(drift, shift, scale)
	}
	if drift >= 0 {
		logs[LogBNDrift] = drift
	}
	return nil
}

// sqDist is Σ(a−b)² (b nil: Σa²).
func sqDist(a, b []float32) float64 {
	var s float64
	for i, x := range a {
		d := float64(x)
		if b != nil {
			d -= float64(b[i])
		}
		s += d * d
	}
	return s
}

func sumOf(a []float32) float64 {
	var s float64
	for _, x := range a {
		s += float64(x)
	}
	return s
}
