package diagnose

import (
	"math"
	"slices"
	"strings"

	"github.com/cnnscope/cnnscope/train"
)

// Helpers over metrics.jsonl's step records.

// weighted returns the layers of a record that have trainable weights,
// in model order.
func weighted(r *train.StepRecord) []train.LayerRecord {
	var out []train.LayerRecord
	for _, l := range r.Layers {
		if l.Weights != nil {
			out = append(out, l)
		}
	}
	return out
}

// kernelStats returns a layer's kernel statistics (its weights together
// when it has no param called kernel).
func kernelStats(l train.LayerRecord) train.WeightStats {
	for _, p := range l.Params {
		if p.Name == "kernel" {
			return p
		}
	}
	return *l.Weights
}

// medianUpdateRatio is the median over a record's layers of |Δw|/|w|
// (NaN when no layer has one).
func medianUpdateRatio(r *train.StepRecord) float64 {
	var v []float64
	for _, l := range weighted(r) {
		if u := l.Weights.UpdateRatio; u != nil && finite(float64(*u)) {
			v = append(v, float64(*u))
		}
	}
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// reluLayers returns the layers of a record whose activation is ReLU or
// ReLU6 (MobileNet's: its units die the same way), except the model's
// output layer.
func reluLayers(r *train.StepRecord) []train.LayerRecord {
	var out []train.LayerRecord
	for i, l := range r.Layers {
		if l.Activation == nil {
			continue
		}
		if a := strings.ToLower(l.Activation.Activation); (a == "relu" || a == "relu6") && i < len(r.Layers)-1 {
			out = append(out, l)
		}
	}
	return out
}

// recordsAfter returns the records of steps after step.
func recordsAfter(s *Signals, step int) []train.StepRecord {
	i := 0
	for i < len(s.Records) && s.Records[i].Step <= step {
		i++
	}
	return s.Records[i:]
}

// lastRecords returns up to n of the latest records after step 1 (the
// first step's statistics describe the initialization, not training).
func lastRecords(s *Signals, n int) []train.StepRecord {
	rs := recordsAfter(s, 1)
	if len(rs) > n {
		rs = rs[len(rs)-n:]
	}
	return rs
}

// layerOf returns a record's entry for a layer name.
func layerOf(r *train.StepRecord, name string) (train.LayerRecord, bool) {
	for _, l := range r.Layers {
		if l.Layer == name {
			return l, true
		}
	}
	return train.LayerRecord{}, false
}

// hiddenGradsDead reports whether every weighted layer but the last has
// an exactly-zero gradient (or all its ReLUs dead) in record r: nothing
// below the output layer can learn any more.
func hiddenGradsDead(r *train.StepRecord) bool {
	ws := weighted(r)
	if len(ws) < 2 {
		return false
	}
	for _, l := range ws[:len(ws)-1] {
		if float64(l.Weights.GradZeroFrac) < 0.99 && float64(l.Weights.GradNorm) > 0 {
			return false
		}
	}
	return true
}
