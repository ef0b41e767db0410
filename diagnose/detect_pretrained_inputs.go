package diagnose

import (
	"fmt"
	"math"
	"sync"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/train"
)

// Inputs outside the pre-trained model's range (a fine-tune, model.from):
// the range the model was trained on is what its own preprocessing makes
// of 0..255 pixels (its model.json, or the ONNX file's cnnscope
// metadata); the inputs are the preprocessed batches the checks before
// step 1 saw (else what the run's settings make of 0..255). A warning
// when the two ranges differ in span by a factor of 3 or more (0..255 fed
// to a 0..1 model: 255), or an end of one lies 40% of the model's span or
// more from the other's (0..1 fed to a -1..1 model: 50%). A pre-trained
// model that does not say how it was preprocessed gives no finding.
const (
	pretrainedSpanRatio = 3
	pretrainedEndShift  = 0.4
)

func detectPretrainedInputRange(s *Signals) *Finding {
	if s.Spec == nil || s.Spec.Model.From == "" {
		return nil
	}
	pp := pretrainedPreprocess(s.Spec.Model.From)
	if pp == nil {
		return nil
	}
	elo, ehi, ok := preprocessedRange(pp)
	lo, hi, _, from := inputRange(s)
	if !ok || from == "" || ehi <= elo {
		return nil
	}
	span, espan := hi-lo, ehi-elo
	ratio := max(span/espan, espan/max(span, 1e-12))
	shift := max(math.Abs(lo-elo), math.Abs(hi-ehi)) / espan
	if ratio < pretrainedSpanRatio && shift < pretrainedEndShift {
		return nil
	}
	f := &Finding{Severity: Warning}
	f.Title = fmt.Sprintf("Inputs range %.3g..%.3g, but the pre-trained model was trained on %.3g..%.3g", lo, hi, elo, ehi)
	f.Evidence = []Evidence{
		evm("pretrained_range_ratio", ratio, pretrainedSpanRatio, "%s: %.4g..%.4g; %s's preprocessing (%s) makes 0..255 pixels %.4g..%.4g",
			from, lo, hi, s.Spec.Model.From, train.DescribePreprocess(pp), elo, ehi),
		evm("pretrained_range_shift", shift, pretrainedEndShift, "the ends differ by %s of the model's range", pct(shift)),
	}
	f.Causes = []string{"data.preprocessing is not the pre-trained model's: its features see other values than it learned from"}
	f.Fixes = []string{fmt.Sprintf("use the pre-trained model's preprocessing: remove data.preprocessing (and --rescale) so that %s's applies, or set it to: %s",
		s.Spec.Model.From, train.DescribePreprocess(pp))}
	return f
}

// preprocessedRange is what pp makes of pixels 0 and 255 over all
// channels; ok is false for per-image standardization (no fixed range).
func preprocessedRange(pp *data.Preprocess) (lo, hi float64, ok bool) {
	if pp.SamplewiseCenter || pp.SamplewiseStdNormalization {
		return 0, 0, false
	}
	r := float64(pp.Rescale)
	if r == 0 {
		r = 1
	}
	channels := max(len(pp.Mean), len(pp.Std), 1)
	lo, hi = math.Inf(1), math.Inf(-1)
	for c := range channels {
		for _, px := range []float64{0, 255} {
			v := px * r
			if pp.FeaturewiseCenter && c < len(pp.Mean) {
				v -= float64(pp.Mean[c])
			}
			if pp.FeaturewiseStdNormalization && c < len(pp.Std) && pp.Std[c] > 0 {
				v /= float64(pp.Std[c])
			}
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return lo, hi, true
}

// pretrainedCache keeps each model.from's preprocessing (nil: unknown),
// read once: the Monitor runs the detectors many times.
var pretrainedCache sync.Map

func pretrainedPreprocess(path string) *data.Preprocess {
	if v, ok := pretrainedCache.Load(path); ok {
		return v.(*data.Preprocess)
	}
	pp, err := train.PretrainedPreprocess(path)
	if err != nil {
		pp = nil
	}
	pretrainedCache.Store(path, pp)
	return pp
}
