package diagnose

import (
	"fmt"
	"math"
)

// Unnormalized-input thresholds. TheDeepChecker asks inputs to lie in
// [0, 1] or [-1, 1] or be standardized (mean 0, std 1); SageMaker
// Debugger's CheckInputImages checks that normalized images have a mean
// near 0. We flag what the first layer receives (a few preprocessed
// batches, or 255 x rescale when only the settings are known):
//
//   - a largest |value| over 10: not rescaled (0..255 pixels): warning;
//   - a largest |value| under 0.05: rescaled twice or by the wrong
//     factor, the signal is nearly zero: warning;
//   - a standard deviation of 0: every input is the same: critical;
//   - NaN or Inf among them: critical.
const (
	inputMaxHigh = 10
	inputMaxLow  = 0.05
)

func detectUnnormalizedInputs(s *Signals) *Finding {
	lo, hi, std, from := inputRange(s)
	if from == "" {
		return nil
	}
	f := &Finding{Severity: Warning}
	amax := max(math.Abs(lo), math.Abs(hi))
	switch {
	case nonFiniteInputs(s) > 0:
		f.Severity = Critical
		f.Title = fmt.Sprintf("Inputs hold %d NaN/Inf values", nonFiniteInputs(s))
		f.Causes = []string{"the preprocessing divides by zero (a featurewise or samplewise std of 0)", "corrupt image files"}
		f.Fixes = []string{"drop std normalization for constant channels, or check the images: " + inspectCmd(s)}
	case std == 0:
		f.Severity = Critical
		f.Title = "Inputs are constant: every pixel value is the same"
		f.Causes = []string{"the images are blank, or the preprocessing erases them"}
		f.Fixes = []string{"check the images: " + inspectCmd(s)}
	case amax > inputMaxHigh:
		f.Title = fmt.Sprintf("Inputs are not normalized: values range %.4g..%.4g", lo, hi)
		f.Causes = []string{"pixels reach the model as 0..255: data.preprocessing.rescale is missing or 1"}
		f.Fixes = []string{rescaleFix, standardizeFix}
	case amax < inputMaxLow:
		f.Title = fmt.Sprintf("Inputs are nearly zero: values range %.3g..%.3g", lo, hi)
		f.Causes = []string{"the pixels were rescaled twice, or by a wrong factor"}
		f.Fixes = []string{rescaleOnceFix}
	default:
		return nil
	}
	f.Evidence = []Evidence{evm("input_max_abs", amax, inputMaxHigh, "%s: min %.4g, max %.4g, std %.4g", from, lo, hi, std)}
	return f
}

func nonFiniteInputs(s *Signals) int {
	if d := s.Facts.Data; d != nil && d.Input != nil {
		return d.Input.NonFinite
	}
	return 0
}

// inputRange returns the range and spread of what the model receives: the
// pre-training check's batches, else what the preprocessing settings make
// of 0..255 pixels ("" when neither is known).
func inputRange(s *Signals) (lo, hi, std float64, from string) {
	if d := s.Facts.Data; d != nil && d.Input != nil {
		in := d.Input
		return in.Min, in.Max, in.Std, fmt.Sprintf("preprocessed inputs (%d batches)", in.Batches)
	}
	if s.Spec == nil || s.Spec.Data.Preprocessing == nil {
		return 0, 0, 0, ""
	}
	p := s.Spec.Data.Preprocessing
	if p.FeaturewiseStdNormalization || p.SamplewiseStdNormalization || p.FeaturewiseCenter || p.SamplewiseCenter {
		return 0, 0, 0, ""
	}
	r := float64(p.Rescale)
	if r == 0 {
		r = 1
	}
	return 0, 255 * r, math.NaN(), fmt.Sprintf("settings (0..255 pixels x rescale %.4g)", r)
}
