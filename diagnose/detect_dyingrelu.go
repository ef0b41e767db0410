package diagnose

import (
	"fmt"
	"strings"

	"github.com/cnnscope/cnnscope/train"
)

// Dying-ReLU thresholds. A unit is dead on a batch when its output is zero
// for every sample and position (nn.ActivationStats.DeadFrac).
//
//   - Warning: a ReLU layer with 70% or more of its units dead in the two
//     latest records after step 1, in a run whose learning is impaired
//     (learnsAnyway; info otherwise) (DeepDiagnosis and AUTOTRAINER use 0.7;
//     TheDeepChecker 0.5 over a buffer of batches, but one batch of 32
//     overstates deadness: the basic CNN's Dense(64) shows 0.4 on healthy
//     runs).
//   - Critical: in the latest record every layer below the output has an
//     exactly-zero gradient: nothing but the output layer can learn again.
const dyingThreshold = 0.7

func detectDyingReLU(s *Signals) *Finding {
	rs := lastRecords(s, 2)
	if len(rs) == 0 {
		return nil
	}
	lastR := rs[len(rs)-1]
	if hiddenGradsDead(&lastR) && len(reluLayers(&lastR)) > 0 {
		since := lastR.Step
		for _, r := range recordsAfter(s, 1) {
			if hiddenGradsDead(&r) {
				since = r.Step
				break
			}
		}
		var layers []string
		for _, l := range reluLayers(&lastR) {
			layers = append(layers, fmt.Sprintf("%s %s dead", l.Layer, pct(float64(l.Activation.DeadFrac))))
		}
		f := dyingFinding(s, Critical, since, reluLayers(&lastR)[0].Layer)
		f.Title = fmt.Sprintf("Dead network: every layer below the output has a zero gradient since step %d", since)
		f.Evidence = []Evidence{ev("ReLU units dead on the latest batch: " + strings.Join(layers, ", ")),
			{Text: fmt.Sprintf("gradients of all hidden layers are exactly zero at step %d", lastR.Step), Step: lastR.Step}}
		return f
	}
	if rs = lastRecords(s, deadRecords(s)); len(rs) < deadRecords(s) {
		return nil
	}
	var dead []string
	worst, worstFrac := "", 0.0
	last := &rs[len(rs)-1]
	for _, l := range reluLayers(last) {
		a := float64(l.Activation.DeadFrac)
		if !deadIn(rs, l.Layer) {
			continue
		}
		dead = append(dead, fmt.Sprintf("%s (%s)", l.Layer, pct(a)))
		if a > worstFrac {
			worst, worstFrac = l.Layer, a
		}
	}
	if len(dead) == 0 {
		return nil
	}
	f := dyingFinding(s, Warning, rs[0].Step, worst)
	f.Title = fmt.Sprintf("Dying ReLU: %s of units dead in %s", pct(worstFrac), worst)
	f.Evidence = []Evidence{{Text: fmt.Sprintf("ReLU layers with %s or more units dead in each of the %d records from step %d to %d: %s",
		pct(dyingThreshold), len(rs), rs[0].Step, last.Step, strings.Join(dead, ", ")), Metric: "dead_frac", Value: worstFrac,
		Threshold: dyingThreshold, Step: last.Step, Layer: worst}}
	if e, ok := learnsAnyway(s); ok {
		f.Severity = Info
		f.Title = fmt.Sprintf("%s of units dead in %s, but the network learns", pct(worstFrac), worst)
		f.Evidence = append(f.Evidence, e)
	}
	return f
}

// learnsAnyway says why a run with a partly dead ReLU layer learns all the
// same (ok false: it does not, or it cannot be told yet). Dead units cost
// capacity; they are a problem when learning is impaired, not in a network
// whose live units learn (issue 10, fifth round: healthy SGD + momentum
// and batch-4 runs with 70-80% of one layer dead reached validation
// accuracy 0.87 and 0.5 on 5 classes). It learns when its latest
// evaluation is clearly above chance (chance.go) and it does not underfit
// (detectUnderfitting: accuracy under 0.7 and no longer climbing); before
// any evaluation, when its training loss fell under unstuckLoss of its
// start (not_learning's "got going"). A network whose every hidden
// gradient is zero is the critical finding above whatever its accuracy.
func learnsAnyway(s *Signals) (Evidence, bool) {
	if j, ok := s.judge(); ok {
		if !j.Above {
			return Evidence{}, false
		}
		if u := detectUnderfitting(s); u != nil && u.Severity != Info {
			return Evidence{}, false
		}
		return ev(fmt.Sprintf("the network learns: %s, clearly above chance, and it does not underfit", j)), true
	}
	l0, ok := s.progressRef()
	t := &s.Facts.Loss
	if !ok || t.Len() == 0 {
		return Evidence{}, false
	}
	w := max(1, stuckWindow/max(t.Stride, 1))
	loss, _ := prefixSums(t).windowMean(t.Len()-1, w)
	if !(loss < unstuckLoss*l0) {
		return Evidence{}, false
	}
	return evm("loss_ratio", loss/l0, unstuckLoss, "the network learns: the mean training loss of the last %d steps is %.3g, %s of where it started", stuckWindow, loss, pct(loss/l0)), true
}

// deadImages is the number of images a partly dead layer is judged on:
// two records of a batch of 32, the batch the threshold was set on. A
// unit is dead on a batch when it is zero for every image of it, so small
// batches overstate deadness (a unit active on 30% of the images looks
// dead on a batch of 4 one time in four, on a batch of 32 never): a run
// with smaller batches needs as many records as hold deadImages images
// (issue 10, fifth round: a batch-4 run's dense layer at 70.3% dead in two
// records of its slow start, learning an epoch later).
const deadImages = 64

// deadRecords is the number of step records a partly dead layer must be
// dead in (at least 2).
func deadRecords(s *Signals) int {
	b := 32
	if s.Spec != nil && s.Spec.Fit.BatchSize > 0 {
		b = s.Spec.Fit.BatchSize
	}
	return max(2, (deadImages+b-1)/b)
}

// deadIn reports whether a layer has dyingThreshold or more of its units
// dead in every record of rs.
func deadIn(rs []train.StepRecord, layer string) bool {
	for i := range rs {
		l, ok := layerOf(&rs[i], layer)
		if !ok || l.Activation == nil || float64(l.Activation.DeadFrac) < dyingThreshold {
			return false
		}
	}
	return true
}

func dyingFinding(s *Signals, sev Severity, step int, layer string) *Finding {
	return &Finding{Severity: sev, Step: step, Epoch: s.epochOfStep(step), Since: s.epochOfStep(step), Layer: layer,
		Causes: []string{"a too-large update pushed the units' inputs below zero for good (learning rate too high)",
			"inputs are not normalized", "poor initialization"},
		Fixes: []string{lowerLRFix(s),
			leakyReluFix(s, layer), batchNormFix(layer), heUniformFix},
	}
}

// deadNetwork reports whether a dying_relu finding is the dead network
// (every hidden gradient zero): only that explains a run that does not
// learn (Detector.Decisive). A partly dead layer still passes gradient
// through its live units; a model fitting labels that carry no signal
// (shuffled) lets most of its units die on the way to the uniform guess
// (issue 10, fourth round: shuffled letters and glyphs, 78-88% dead in
// one layer, were blamed on dying ReLUs).
func deadNetwork(f *Finding) bool { return f.Severity == Critical }
