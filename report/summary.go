package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

// facts are the run summary's rows.
func (r *Run) facts(prep *train.Prepared, m nn.Model) [][2]string {
	var f [][2]string
	add := func(k, format string, a ...any) { f = append(f, [2]string{k, fmt.Sprintf(format, a...)}) }
	s := r.Spec
	if s != nil {
		add("Data", "%s", s.Data.Source)
		if prep != nil {
			f[len(f)-1][1] += fmt.Sprintf(": %s training, %s validation images", nn.FormatCount(len(prep.TrainIdx)), nn.FormatCount(len(prep.ValIdx)))
		}
		if s.Data.Limit > 0 {
			add("Limit", "%d training images, drawn at random per class", s.Data.Limit)
		}
		model := s.Model.Preset
		if model == "" {
			model = fmt.Sprintf("custom, %d layers", len(s.Model.Layers))
		}
		if m != nil {
			tr, non := m.CountParams()
			model += fmt.Sprintf(" (%s parameters)", nn.FormatCount(tr+non))
		}
		add("Model", "%s", model)
		lr := "the optimizer's default"
		if s.Compile.LearningRate > 0 {
			lr = fmt.Sprint(s.Compile.LearningRate)
		}
		add("Optimizer", "%s, learning rate %s, batch size %d", s.Compile.Optimizer, lr, s.Fit.BatchSize)
		add("Loss", "%s", lossText(s.Compile))
		aug := "off"
		if s.Data.Augmentation.Enabled() {
			aug = "on"
		}
		add("Augmentation", "%s; class weights %s; sampling %s", aug, s.Data.ClassWeight.Mode, s.Data.Sampling)
		add("Seed", "%d", s.Seed)
	}
	h := r.History
	epochs := 0
	if h != nil {
		epochs = len(h.Epochs)
	}
	if s != nil {
		e := fmt.Sprintf("%d of %d", epochs, s.Fit.Epochs)
		if r.StopReason != "" {
			e += " — " + r.StopReason
		}
		add("Epochs", "%s", e)
	}
	if r.Duration > 0 {
		d := r.Duration.Round(time.Second).String()
		if r.Duration < 10*time.Second {
			d = r.Duration.Round(10 * time.Millisecond).String()
		}
		if r.DurationEstimated {
			d += " (from the files' times)"
		}
		add("Duration", "%s", d)
		if prep != nil && epochs > 0 {
			ips := float64(len(prep.TrainIdx)*epochs) / r.Duration.Seconds()
			add("Throughput", "%s training images/s (over the whole run, validation included)", nn.FormatCount(int(ips+0.5)))
		}
	}
	if h != nil && epochs > 0 {
		var parts []string
		for _, k := range []string{"loss", "accuracy", "val_loss", "val_accuracy"} {
			if v := h.Series(k); v != nil {
				s := fmtMetric(v[epochs-1])
				if e := h.FirstNonFinite[k]; e > 0 && math.IsNaN(v[epochs-1]) {
					s = "NaN"
				}
				parts = append(parts, k+" "+s)
			}
		}
		add("Last epoch", "%s", strings.Join(parts, " · "))
		if best, at := bestOf(h, "val_loss"); at > 0 {
			add("Best val_loss", "%s at epoch %d", fmtMetric(best), at)
		}
	}
	if r.Diagnosis != nil {
		add("Verdict", "%s", r.Diagnosis.Verdict)
	}
	return f
}

// bestOf is the lowest value of a history column and its epoch (0: none).
func bestOf(h *History, name string) (float64, int) {
	best, at := math.Inf(1), 0
	for i, v := range h.Series(name) {
		if finite(v) && v < best {
			best, at = v, h.Epochs[i]
		}
	}
	return best, at
}

// flattenSpec lists a spec.yaml's values as dotted paths in file order:
// "compile.optimizer: adam", "model.layers[0].filters: 32".
func flattenSpec(b []byte) [][2]string {
	var doc yaml.Node
	if len(b) == 0 || yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	var out [][2]string
	var walk func(prefix string, n *yaml.Node)
	walk = func(prefix string, n *yaml.Node) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				key := n.Content[i].Value
				if prefix != "" {
					key = prefix + "." + key
				}
				walk(key, n.Content[i+1])
			}
		case yaml.SequenceNode:
			scalars := true
			var vals []string
			for _, c := range n.Content {
				scalars = scalars && c.Kind == yaml.ScalarNode
				vals = append(vals, c.Value)
			}
			if scalars {
				out = append(out, [2]string{prefix, "[" + strings.Join(vals, ", ") + "]"})
				return
			}
			for i, c := range n.Content {
				walk(fmt.Sprintf("%s[%d]", prefix, i), c)
			}
		case yaml.AliasNode:
			walk(prefix, n.Alias)
		default:
			out = append(out, [2]string{prefix, n.Value})
		}
	}
	walk("", doc.Content[0])
	return out
}

// lossText is the compile loss in words, saying when it takes logits.
func lossText(c spec.Compile) string {
	if c.FromLogits {
		return c.Loss + ", from logits (the last layer is linear)"
	}
	return c.Loss
}
