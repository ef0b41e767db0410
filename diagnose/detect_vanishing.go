package diagnose

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cnnscope/cnnscope/train"
)

// Vanishing-gradient thresholds: AUTOTRAINER's beta_1: the first layer's
// kernel gradient norm is below 1e-3 times the last layer's. AUTOTRAINER
// also asks for an absolute norm under 1e-4 (beta_2), which a wide first
// Dense layer never gets under: six sigmoid Dense(64) layers on MNIST give
// 4e-4 against 0.8 for the output layer (ratio 5e-4) and do not learn at
// all, so the norm is evidence here, not a condition. (SageMaker Debugger's
// VanishingGradient rule and DeepDiagnosis flag a mean absolute gradient
// under 1e-7.) A first layer whose gradient is exactly zero because its
// ReLUs died is dying_relu's. The median ratio over the latest 4 records
// after step 1 (2 at least, or the only one of a run shorter than two
// metrics intervals while it is stuck) must be under the threshold; or under 1e-2
// while the run has not started learning (its loss over the last 50 steps
// still 90% of the start or more): with Adam, whose per-weight scaling
// partly makes up for small gradients, the six sigmoid layers sit at
// 4e-4..2e-3 while stuck at chance, and the healthy runs of the
// evaluation never go below 0.14 (our measurement).
//
// Through sigmoid/tanh (issue 10, ninth round (b)): when every hidden
// layer with weights squashes and their gradient norms grow layer by
// layer toward the loss (squashDecay: each layer farther from the loss
// gets less), a stuck run's bound is vanishSquashRatio, under the 0.14
// the healthy runs never go below (a DenseNet-like graph of sigmoid
// convolutions, SGD at 0.05 with momentum 0.9, stuck at ln 4: 0.056,
// 0.085, 0.13 in its convolutions, 2.9 in its hidden Dense, ratio 0.076).
const (
	vanishRatio       = 1e-3
	vanishStuckRatio  = 1e-2
	vanishSquashRatio = 0.1
	vanishAbsolute    = 1e-4
	vanishWindow      = 4 // records whose median ratio counts
)

// stuckBound is the ratio under which a stuck run's gradients vanish in
// a record: vanishSquashRatio when squashDecay holds, else
// vanishStuckRatio.
func stuckBound(s *Signals, r *train.StepRecord) float64 {
	if squashDecay(s, r) {
		return vanishSquashRatio
	}
	return vanishStuckRatio
}

// squashDecay reports whether a record shows the gradient shrinking
// layer after layer through sigmoid/tanh activations: the model's hidden
// layers with weights (two or more) are all sigmoid or tanh, and their
// kernel gradient norms rise strictly from the first to the last of them.
func squashDecay(s *Signals, r *train.StepRecord) bool {
	ws := weighted(r)
	sq := squashing(s)
	if len(ws) < 3 {
		return false
	}
	prev := -1.0
	for _, l := range ws[:len(ws)-1] {
		g := float64(kernelStats(l).GradNorm)
		if !slices.Contains(sq, l.Layer) || !finite(g) || g <= prev {
			return false
		}
		prev = g
	}
	return true
}

// vanishes reports whether the records (consecutive, after step 1) show
// vanishing gradients.
func vanishes(s *Signals, rs []train.StepRecord) bool {
	if len(rs) == 1 {
		// A short run (under two metrics intervals) has one record after
		// step 1: it counts under the stuck bound while the run is stuck
		// there and at its latest step.
		r := vanishRatioOf(s, &rs[0])
		return r < stuckBound(s, &rs[0]) && stuckAt(s, rs[0].Step) && stuckAt(s, lastStep(s))
	}
	if len(rs) < 2 {
		return false
	}
	r := medianVanishRatio(s, rs)
	return r < vanishRatio || r < stuckBound(s, &rs[len(rs)-1]) && stuckAt(s, rs[len(rs)-1].Step)
}

// lastStep is the latest step of the loss trace (0 when empty).
func lastStep(s *Signals) int {
	t := &s.Facts.Loss
	if t.Len() == 0 {
		return 0
	}
	return t.Step[t.Len()-1]
}

// stuckAt reports whether the training loss over the stuckWindow steps up
// to step is still unstuckLoss of where it started or more.
func stuckAt(s *Signals, step int) bool {
	l0, ok := s.progressRef()
	if !ok {
		return false
	}
	loss, _, _ := s.Facts.Loss.window(step-stuckWindow, step)
	return loss >= unstuckLoss*l0
}

// initVanishes reports whether a run with no record after step 1 (shorter
// than one metrics interval) shows vanishing gradients at initialization:
// step 1's ratio is under the stuck bound and the run is stuck at its
// latest step (issue 10, fourth round: seven sigmoid Dense(32) layers, 42
// steps at a metrics interval of 50, stuck at ln 4, step 1's gradient
// norms shrinking 2-4x a layer from 0.58 at the output to 1e-4..7e-4 in
// the first layers). It is judged at the run's end only: live, a healthy
// run's slow start would be held against one record of its initial
// weights; and on a run of 2*minJudgeSteps steps or more, the floor
// lr_too_low judges a short run at (issue 10, ninth round (b): eight
// sigmoid Dense(64) layers, 24 steps, ratio 9e-5, were lr_too_low's).
func initVanishes(s *Signals) []train.StepRecord {
	if s.Live && !s.Final || len(recordsAfter(s, 1)) > 0 || len(s.Records) == 0 {
		return nil
	}
	r := s.Records[len(s.Records)-1]
	if v := vanishRatioOf(s, &r); v < stuckBound(s, &r) && stuckAt(s, lastStep(s)) && lastStep(s) >= 2*minJudgeSteps {
		return []train.StepRecord{r}
	}
	return nil
}

func detectVanishingGradients(s *Signals) *Finding {
	rs := lastRecords(s, vanishWindow)
	all := recordsAfter(s, 1)
	if init := initVanishes(s); init != nil {
		rs, all = init, init
	} else if !vanishes(s, rs) {
		return nil
	}
	last := rs[len(rs)-1]
	ws := weighted(&last)
	ref, hops := gradientReference(s, ws)
	first := ws[ref].Layer
	since := all[len(all)-1]
	limit := 2 * vanishRatio
	if medianVanishRatio(s, rs) >= vanishRatio {
		limit = 2 * vanishStuckRatio
	}
	for i := len(all) - 1; i >= 0; i-- {
		if r := vanishRatioOf(s, &all[i]); !(r < limit) {
			break
		}
		since = all[i]
	}
	f := &Finding{Severity: Warning, Step: since.Step, Epoch: since.Epoch, Since: since.Epoch, Layer: first}
	f.Title = fmt.Sprintf("Vanishing gradients: %s barely learns (since step %d)", first, since.Step)
	g0, gl := kernelStats(ws[ref]), kernelStats(ws[len(ws)-1])
	f.Evidence = []Evidence{{Text: fmt.Sprintf("step %d: gradient norm %.2g in %s vs %.2g in %s; median ratio over the last %d records %.2g (AUTOTRAINER: < 1e-3; < 1e-2 while the loss does not fall)",
		last.Step, float64(g0.GradNorm), first, float64(gl.GradNorm), ws[len(ws)-1].Layer, len(rs), medianVanishRatio(s, rs)),
		Step: last.Step, Layer: first, Metric: "grad_ratio", Value: medianVanishRatio(s, rs), Threshold: vanishRatio}}
	if t := topologyOf(s.Model); t != nil && t.merges() {
		f.Evidence = append(f.Evidence, ev(fmt.Sprintf("%s is the layer farthest from the loss: its gradient crosses %d layers with weights on its shortest way back (residual connections shorten the others')", first, hops)))
	}
	if a := float64(g0.GradNorm); a < vanishAbsolute {
		f.Evidence = append(f.Evidence, evm("grad_norm", a, vanishAbsolute, "%s's gradient norm %.2g is under AUTOTRAINER's 1e-4", first, a))
	}
	if sat := squashing(s); len(sat) > 0 {
		f.Causes = append(f.Causes, fmt.Sprintf("sigmoid/tanh activations in %s squash the gradient layer after layer", joinNames(sat, 3)))
		f.Fixes = append(f.Fixes, reluFix(s, sat))
	}
	f.Causes = append(f.Causes, "a deep stack without normalization layers", "weights initialized too small")
	f.Fixes = append(f.Fixes, batchNormFix(first), heUniformFix)
	return f
}

// vanishRatioOf is the kernel gradient norm of the layer farthest from
// the loss (gradientReference: a chain's first layer) over the last
// layer's (NaN when undefined, or when the former's gradient is zero
// because its units died).
func vanishRatioOf(s *Signals, r *train.StepRecord) float64 {
	ws := weighted(r)
	if len(ws) < 2 {
		return math.NaN()
	}
	ref, _ := gradientReference(s, ws)
	a, b := float64(kernelStats(ws[ref]).GradNorm), float64(kernelStats(ws[len(ws)-1]).GradNorm)
	if !finite(a) || !finite(b) || b == 0 || float64(ws[ref].Weights.GradZeroFrac) >= 0.99 {
		return math.NaN()
	}
	return a / b
}

// medianVanishRatio is the median of vanishRatioOf over records (NaN when
// fewer than half have one).
func medianVanishRatio(s *Signals, rs []train.StepRecord) float64 {
	var v []float64
	for i := range rs {
		if r := vanishRatioOf(s, &rs[i]); finite(r) {
			v = append(v, r)
		}
	}
	if 2*len(v) < len(rs) || len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// squashing names the hidden layers with a sigmoid or tanh activation.
func squashing(s *Signals) []string {
	var sat []string
	if s.Model != nil {
		for i, l := range s.Model.Layers {
			a := strings.ToLower(l.Activation)
			if (a == "sigmoid" || a == "tanh") && i < len(s.Model.Layers)-1 {
				sat = append(sat, l.Name)
			}
		}
	}
	return sat
}
