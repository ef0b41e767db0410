package diagnose

import (
	"fmt"
	"strings"
)

// Saturation threshold: more than half of a sigmoid or tanh layer's
// outputs lie in the flat part of the curve (sigmoid < 0.01 or > 0.99,
// |tanh| > 0.99) in the two latest records: DeepDiagnosis and
// SageMaker Debugger's SaturatedActivation (threshold_layer 50%), and
// TheDeepChecker (neurons_ratio_max_thresh 0.5). The output layer is left
// out: a confident softmax or sigmoid is what training aims for. A run
// with a single record after step 1 is judged on it while it is stuck.
const saturationThreshold = 0.5

func detectSaturatedActivations(s *Signals) *Finding {
	n := len(s.Records)
	if n < 2 {
		return nil
	}
	a, b := s.Records[n-2], s.Records[n-1]
	// A run shorter than two metrics intervals has one record after step
	// 1 (the first describes the initialization): it counts alone while
	// the run is stuck there and at its latest step.
	single := len(recordsAfter(s, 1)) == 1 && stuckAt(s, b.Step) && stuckAt(s, lastStep(s))
	worst, worstFrac := "", 0.0
	var sat []string
	for i, l := range b.Layers {
		if i == len(b.Layers)-1 || l.Activation == nil {
			continue
		}
		act := strings.ToLower(l.Activation.Activation)
		if act != "sigmoid" && act != "tanh" {
			continue
		}
		prev, ok := layerOf(&a, l.Layer)
		x := float64(l.Activation.SaturatedFrac)
		prevSat := ok && prev.Activation != nil && float64(prev.Activation.SaturatedFrac) > saturationThreshold
		if x <= saturationThreshold || !prevSat && !single {
			continue
		}
		sat = append(sat, fmt.Sprintf("%s %s (%s)", l.Layer, act, pct(x)))
		if x > worstFrac {
			worst, worstFrac = l.Layer, x
		}
	}
	if worst == "" {
		return nil
	}
	f := &Finding{Severity: Warning, Step: a.Step, Epoch: a.Epoch, Since: a.Epoch, Layer: worst}
	f.Title = fmt.Sprintf("Saturated activations: %s of %s's outputs are in the flat part", pct(worstFrac), worst)
	f.Evidence = []Evidence{{Text: fmt.Sprintf("saturated at steps %d and %d: %s", a.Step, b.Step, strings.Join(sat, ", ")),
		Metric: "saturated_frac", Value: worstFrac, Threshold: saturationThreshold, Step: b.Step, Layer: worst}}
	f.Causes = []string{"inputs to the layer are too large (unnormalized inputs or large weights)", "sigmoid/tanh in hidden layers saturate easily"}
	f.Fixes = []string{reluFix(s, []string{worst}), batchNormFix(worst), rescaleFix}
	return f
}
