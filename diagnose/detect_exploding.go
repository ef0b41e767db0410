package diagnose

import "fmt"

// Exploding-gradient thresholds: AUTOTRAINER's beta_3: the first layer's
// kernel gradient norm is over 70 times the last layer's (in the two
// latest records after step 1); or a layer's gradient norm grew over 100
// times its value at step 1 and past 10 (our measurement: healthy runs
// stay within 30x and under 5; Adam at lr 1.0 reaches 2e4). In a record
// taken when the training loss had already fallen by a quarter or more,
// or while the loss is still falling (lossFalling), either rule also
// needs the gradient norm over 100: gradients that grow while the loss
// falls are a model leaving its flat start (issue 10, third round: healthy 48x48 grain runs start with
// gradient norms near 0.15 and reach 20 at step 50, their loss down from
// 1.39 to 0.38; a class-weighted two-class run reached 29 at step 50,
// its loss down from 0.64 to 0.39), not an explosion, which keeps the loss up or sends it
// higher.
const (
	explodeRatio           = 70
	explodeGrowth          = 100
	explodeAbsolute        = 10
	explodeLearned         = 0.75
	explodeLearnedAbsolute = 100
)

// explodeFloor is the gradient norm a record's layer must exceed to count
// as exploding: explodeAbsolute where the loss shows damage, else
// explodeLearnedAbsolute (the loss has fallen by a quarter, or it is still
// falling at the record: lossFalling).
func explodeFloor(s *Signals, step int) float64 {
	if learnedBy(s, step) || lossFalling(s, step) {
		return explodeLearnedAbsolute
	}
	return explodeAbsolute
}

// lossFalling reports whether the training loss is falling at step: the
// mean of the trace points of the explodeWindow steps up to it is below
// that of the explodeWindow steps before. Gradients that grow a hundred
// times from a flat start while the loss falls are a model leaving that
// start, not an explosion, which keeps the loss up or sends it higher
// (issue 10, sixth round: a healthy 4-class run's first-layer gradient
// norm went from 0.08 at step 1 to 15 at step 50, its loss falling from
// 1.32 to 1.10 over that epoch after three flat ones at ln 4).
func lossFalling(s *Signals, step int) bool {
	now, _, n := s.Facts.Loss.window(step-explodeWindow, step)
	before, _, m := s.Facts.Loss.window(step-2*explodeWindow, step-explodeWindow)
	return n > 0 && m > 0 && finite(now) && finite(before) && now < before
}

// explodeWindow: the steps whose mean loss lossFalling compares.
const explodeWindow = 10

// learnedBy reports whether the training loss around step (the mean of
// the trace points of the 10 steps up to it) is at most explodeLearned
// of its start.
func learnedBy(s *Signals, step int) bool {
	l0, ok := s.StartLoss()
	loss, _, n := s.Facts.Loss.window(step-10, step)
	return ok && n > 0 && finite(loss) && loss <= explodeLearned*l0
}

func detectExplodingGradients(s *Signals) *Finding {
	if len(s.Records) == 0 {
		return nil
	}
	base := map[string]float64{}
	if s.Records[0].Step == 1 {
		for _, l := range weighted(&s.Records[0]) {
			base[l.Layer] = float64(l.Weights.GradNorm)
		}
	}
	for _, r := range recordsAfter(s, 1) {
		floor := explodeFloor(s, r.Step)
		for _, l := range weighted(&r) {
			g := float64(l.Weights.GradNorm)
			if b := base[l.Layer]; b > 0 && finite(g) && g > explodeGrowth*b && g > floor {
				f := explodingFinding(s, r.Step, r.Epoch, l.Layer)
				f.Evidence = []Evidence{{Text: fmt.Sprintf("step %d: gradient norm of %s is %.3g, %.0fx its %.3g at step 1", r.Step, l.Layer, g, g/b, b),
					Metric: "grad_norm", Value: g, Threshold: explodeGrowth * b, Step: r.Step, Layer: l.Layer}}
				return f
			}
		}
	}
	rs := lastRecords(s, 2)
	if len(rs) < 2 {
		return nil
	}
	var ratio float64
	first := ""
	for _, r := range rs {
		ws := weighted(&r)
		if len(ws) < 2 {
			return nil
		}
		ref, _ := gradientReference(s, ws) // a chain's first layer
		a, b := float64(kernelStats(ws[ref]).GradNorm), float64(kernelStats(ws[len(ws)-1]).GradNorm)
		if !(b > 0 && a > explodeRatio*b) || explodeFloor(s, r.Step) == explodeLearnedAbsolute && !(a > explodeLearnedAbsolute) {
			return nil
		}
		ratio, first = a/b, ws[ref].Layer
	}
	f := explodingFinding(s, rs[0].Step, rs[0].Epoch, first)
	f.Evidence = []Evidence{{Text: fmt.Sprintf("the gradient norm of %s is %.0fx the last layer's (AUTOTRAINER: > 70)", first, ratio),
		Metric: "grad_ratio", Value: ratio, Threshold: explodeRatio, Step: rs[1].Step, Layer: first}}
	return f
}

func explodingFinding(s *Signals, step, epoch int, layer string) *Finding {
	return &Finding{Severity: Warning, Step: step, Epoch: epoch, Since: epoch, Layer: layer,
		Title:  fmt.Sprintf("Exploding gradients in %s (step %d)", layer, step),
		Causes: []string{"the learning rate is too high", "inputs are not normalized", "no normalization layers in a deep stack"},
		Fixes:  []string{clipFix, lowerLRFix(s), batchNormFix(layer)},
	}
}
