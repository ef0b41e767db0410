package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/cnnscope/cnnscope/train"
)

// Series names of the curves (also their SVG data-series).
const (
	TrainSeries = "train"
	ValSeries   = "validation"
)

// curve builds a train/validation chart of a history metric.
func (r *Run) curve(id, title, metric, ylabel string) *Chart {
	c := &Chart{ID: id, Title: title, XLabel: "epoch", YLabel: ylabel, XFromZero: true, XInteger: true, Legend: true,
		Note: "no " + train.HistoryFile + " yet"}
	h := r.History
	if h == nil {
		return c
	}
	c.Events = r.Events()
	c.Note = "no " + metric + " values recorded"
	if e := h.FirstNonFinite[metric]; e > 0 {
		c.Note = fmt.Sprintf("%s is NaN or infinite from epoch %d", metric, e)
	}
	x := h.X()
	few := len(x) <= 30
	if y := h.Series(metric); y != nil {
		c.Series = append(c.Series, Series{Name: TrainSeries, X: x, Y: y, Color: palette[0], Markers: few})
	}
	if y := h.Series("val_" + metric); y != nil {
		c.Series = append(c.Series, Series{Name: ValSeries, X: x, Y: y, Color: palette[1], Markers: few})
	}
	return c
}

// LossChart is the training and validation loss per epoch, with events.
func (r *Run) LossChart() *Chart {
	c := r.curve("chart-loss", "Loss", "loss", "loss")
	// Loss that falls over decades reads better on a log axis.
	lo, hi := math.Inf(1), 0.0
	for _, s := range c.Series {
		for _, v := range s.Y {
			if finite(v) && v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if hi > 0 && hi/lo > 30 {
		c.LogY = true
	}
	return c
}

// AccuracyChart is the training and validation accuracy per epoch.
func (r *Run) AccuracyChart() *Chart {
	return r.curve("chart-accuracy", "Accuracy", "accuracy", "accuracy")
}

// maxPoints bounds the points of a per-step series: more would only
// make the report larger, not the line clearer.
const maxPoints = 1500

// steps returns the step records to draw: all of them, or every k-th
// (and the last) when there are more than maxPoints.
func (r *Run) steps() []train.StepRecord {
	all := r.Metrics.Steps
	if len(all) <= maxPoints {
		return all
	}
	k := (len(all) + maxPoints - 1) / maxPoints
	var out []train.StepRecord
	for i := 0; i < len(all); i += k {
		out = append(out, all[i])
	}
	if (len(all)-1)%k != 0 {
		out = append(out, all[len(all)-1])
	}
	return out
}

// stepX returns the epoch-axis positions of the drawn step records.
func (r *Run) stepX() []float64 {
	spe := r.Metrics.StepsPerEpoch()
	steps := r.steps()
	x := make([]float64, len(steps))
	for i, s := range steps {
		x[i] = r.Metrics.EpochX(s, spe)
	}
	return x
}

// LRChart is the learning rate: per logged step from metrics.jsonl
// (which shows per-step schedules), else per epoch from history.csv.
func (r *Run) LRChart() *Chart {
	c := &Chart{ID: "chart-lr", Title: "Learning-rate schedule", XLabel: "epoch", YLabel: "learning rate",
		XFromZero: true, XMax: r.epochsRun(), Note: "no learning rate recorded"}
	var s Series
	switch {
	case r.Metrics != nil && len(r.Metrics.Steps) > 1:
		steps := r.steps()
		s = Series{Name: "lr", X: r.stepX(), Y: make([]float64, len(steps))}
		for i, st := range steps {
			s.Y[i] = float64(st.LR)
		}
	case r.History != nil && r.History.Series("lr") != nil:
		s = Series{Name: "lr", X: r.History.X(), Y: r.History.Series("lr"), Markers: true}
		c.XInteger = true
	default:
		return c
	}
	s.Color = palette[2]
	c.Series = []Series{s}
	lo, hi := math.Inf(1), 0.0
	for _, v := range s.Y {
		if finite(v) && v > 0 {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	c.LogY = hi/lo >= 10
	for _, e := range r.Events() {
		if e.Kind == "lr" || e.Kind == "early_stop" {
			c.Events = append(c.Events, e)
		}
	}
	return c
}

// layerSeries builds one series per layer from the step records, with
// value returning a layer's value (ok false: none at that step).
// epochsRun is the last epoch in history.csv (0 when none).
func (r *Run) epochsRun() float64 {
	if r.History == nil || len(r.History.Epochs) == 0 {
		return 0
	}
	return float64(r.History.Epochs[len(r.History.Epochs)-1])
}

func (r *Run) layerSeries(value func(l train.LayerRecord) (float64, bool)) []Series {
	if r.Metrics == nil || len(r.Metrics.Steps) == 0 {
		return nil
	}
	x := r.stepX()
	var names []string
	ys := map[string][]float64{}
	for i, st := range r.steps() {
		for _, l := range st.Layers {
			v, ok := value(l)
			if !ok {
				continue
			}
			y, seen := ys[l.Layer]
			if !seen {
				names = append(names, l.Layer)
				y = make([]float64, len(x))
				for k := range y {
					y[k] = math.NaN()
				}
			}
			y[i] = v
			ys[l.Layer] = y
		}
	}
	out := make([]Series, len(names))
	for i, n := range names {
		out[i] = Series{Name: n, X: x, Y: ys[n], Width: 1.5}
	}
	return out
}

// GradientChart is each layer's gradient L2 norm over training (log).
func (r *Run) GradientChart() *Chart {
	return &Chart{ID: "chart-gradients", Title: "Gradient norm per layer", XLabel: "epoch", YLabel: "gradient L2 norm",
		LogY: true, XFromZero: true, XMax: r.epochsRun(), Legend: true, Note: "no per-layer statistics in " + train.MetricsFile,
		Series: r.layerSeries(func(l train.LayerRecord) (float64, bool) {
			if l.Weights == nil {
				return 0, false
			}
			return float64(l.Weights.GradNorm), true
		})}
}

// UpdateRatioGuide is the usual rule of thumb for |Δw|/|w| per step.
const UpdateRatioGuide = 1e-3

// UpdateRatioChart is each layer's |Δw|/|w| per step against 1e-3.
func (r *Run) UpdateRatioChart() *Chart {
	return &Chart{ID: "chart-update-ratio", Title: "Update-to-weight ratio per layer", XLabel: "epoch", YLabel: "|Δw| / |w|",
		LogY: true, XFromZero: true, XMax: r.epochsRun(), Legend: true, Guides: []Guide{{Y: UpdateRatioGuide, Label: "1e-3 guide"}},
		Note: "no per-layer statistics in " + train.MetricsFile,
		Series: r.layerSeries(func(l train.LayerRecord) (float64, bool) {
			if l.Weights == nil || l.Weights.UpdateRatio == nil {
				return 0, false
			}
			return float64(*l.Weights.UpdateRatio), true
		})}
}

// activationSeries keeps the layers with an activation function that
// can show the problem (relevant); layers without one (pooling, flatten)
// only pass their input's state on.
func (r *Run) activationSeries(relevant func(act string) bool, value func(a *train.ActivationRecord) float64) []Series {
	keep := map[string]bool{}
	all := r.layerSeries(func(l train.LayerRecord) (float64, bool) {
		if l.Activation == nil {
			return 0, false
		}
		if relevant(strings.ToLower(l.Activation.Activation)) {
			keep[l.Layer] = true
		}
		return value(l.Activation), true
	})
	var out []Series
	for _, s := range all {
		if keep[s.Name] {
			out = append(out, s)
		}
	}
	return out
}

// DeadChart is the share of dead units (zero for a whole batch) per layer.
func (r *Run) DeadChart() *Chart {
	return &Chart{ID: "chart-dead", Title: "Dead units per layer", XLabel: "epoch", YLabel: "share of units dead",
		YFixed: true, YMin: 0, YMax: 1, XFromZero: true, XMax: r.epochsRun(), Legend: true, Note: "no ReLU-family activations logged",
		Series: r.activationSeries(func(a string) bool { return strings.Contains(a, "relu") || a == "elu" },
			func(a *train.ActivationRecord) float64 { return float64(a.DeadFrac) })}
}

// SaturationChart is the share of saturated outputs per layer.
func (r *Run) SaturationChart() *Chart {
	return &Chart{ID: "chart-saturated", Title: "Saturated activations per layer", XLabel: "epoch", YLabel: "share of outputs saturated",
		YFixed: true, YMin: 0, YMax: 1, XFromZero: true, XMax: r.epochsRun(), Legend: true, Note: "no sigmoid, tanh or softmax activations logged",
		Series: r.activationSeries(func(a string) bool { return a == "sigmoid" || a == "tanh" || a == "softmax" },
			func(a *train.ActivationRecord) float64 { return float64(a.SaturatedFrac) })}
}
