package tune

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

// Rungs inside an epoch. ASHA's resource is whatever the trainable
// reports progress in (Li et al. 2020 use epochs, iterations or data
// set size alike); the default grace period, 1 epoch, puts every rung at
// an epoch end, where the validation loss is known. A grace period below
// one epoch (--grace 1/3) puts rungs inside an epoch, measured in steps:
// the rung at r epochs is a trial's step floor(r)·S + ceil(frac(r)·S)
// for its S steps per epoch (the same share of the training images for
// every batch size). cnnscope train, as Keras' fit, validates only at
// epoch ends, so trials are compared there on what the run knows at that
// step: the epoch's running training loss (the progress bar's loss), as
// metrics.jsonl records it. Trials then log step records every
// inEpochMetricsEvery steps at most (fit.metrics_every), and the value
// is the first record at or after the rung's step.

// inEpochMetricsEvery is fit.metrics_every for trials of a bracket with
// rungs inside an epoch: the value at a rung is read at most 4 steps past
// it.
const inEpochMetricsEvery = 5

// inEpochRungs are bracket b's rungs that fall inside an epoch.
func (s *Study) inEpochRungs(b int) []float64 {
	var in []float64
	for _, r := range s.Rungs(b) {
		if r != math.Trunc(r) {
			in = append(in, r)
		}
	}
	return in
}

// rungStep is the epoch (1-based) and global step of the rung at r
// epochs for a run of perEpoch steps per epoch.
func rungStep(r float64, perEpoch int) (epoch, step int) {
	whole := math.Floor(r)
	in := int(math.Ceil((r-whole)*float64(perEpoch) - 1e-9))
	return int(whole) + 1, int(whole)*perEpoch + min(max(in, 1), perEpoch)
}

// planRungs gives trial t the steps of its bracket's rungs inside an
// epoch (Trial.RungSteps), once, from its spec's steps per epoch; data
// the tuner cannot load is an *InputError (the trials could not either).
func (r *Runner) planRungs(t *Trial) error {
	s := r.Study
	in := s.inEpochRungs(t.Bracket)
	if len(in) == 0 || len(t.RungSteps) > 0 || t.Params == nil {
		return nil
	}
	sp, err := spec.Load(s.RunDir(t.ID) + ".yaml")
	if err != nil {
		return fmt.Errorf("trial %d: %v", t.ID, err)
	}
	sp.Defaults()
	per := r.StepsPerEpoch
	if per == nil {
		per = r.dataStepsPerEpoch
	}
	n, err := per(sp)
	if err != nil {
		return &InputError{fmt.Sprintf("trial %d: its steps per epoch, for the rungs inside an epoch (--grace %s): %v", t.ID, epochsString(s.Grace), err)}
	}
	for _, x := range in {
		_, step := rungStep(x, n)
		t.RungSteps = append(t.RungSteps, step)
	}
	return nil
}

// dataStepsPerEpoch is the training batches per epoch of a run of sp:
// its data loaded and split as train does (once per data section and
// seed: the images per epoch do not depend on the batch size).
func (r *Runner) dataStepsPerEpoch(sp *spec.Spec) (int, error) {
	key, err := json.Marshal(struct {
		D spec.Data
		S uint64
	}{sp.Data, sp.Seed})
	if err != nil {
		return 0, err
	}
	n, ok := r.samples[string(key)]
	if !ok {
		p, err := train.PrepareData(sp.Data, sp.Seed)
		if err != nil {
			return 0, err
		}
		tr, _, _, err := p.Loaders(sp.Data, sp.Fit, sp.Seed)
		if err != nil {
			return 0, err
		}
		n = tr.Samples()
		if r.samples == nil {
			r.samples = map[string]int{}
		}
		r.samples[string(key)] = n
	}
	return (n + sp.Fit.BatchSize - 1) / sp.Fit.BatchSize, nil
}

// inEpochValue is trial t's value at its i-th rung inside an epoch: the
// running training loss of the first record of metrics.jsonl at or after
// the rung's step in the rung's epoch (a step record, else the epoch's
// own); ok is false until the run has written it.
func (s *Study) inEpochValue(t *Trial, i int) (v float64, at int, ok bool) {
	epoch, _ := rungStep(s.inEpochRungs(t.Bracket)[i], 1)
	eachMetric(s.RunDir(t.ID), func(line []byte) bool {
		var r struct {
			Type    string           `json:"type"`
			Epoch   int              `json:"epoch"`
			Step    int              `json:"step"`
			Running *train.JSONFloat `json:"running_loss"`
			Loss    *train.JSONFloat `json:"loss"`
		}
		if json.Unmarshal(line, &r) != nil || r.Epoch != epoch || r.Step < t.RungSteps[i] {
			return true
		}
		switch {
		case r.Type == "step" && r.Running != nil:
			v, at, ok = float64(*r.Running), r.Step, true
		case r.Type == "epoch" && r.Loss != nil:
			v, at, ok = float64(*r.Loss), r.Step, true
		}
		return !ok
	})
	return v, at, ok
}

// decideInEpoch is ASHA's rule at trial t's i-th rung inside an epoch,
// on the running training loss v. A trial the diagnosis stopped is no
// peer there: whether its run stopped itself just before the rung's
// step record or just after depends on when the live analysis ran
// (settle gives it the diagnosis' reason either way), and the cutoff
// must not.
func (s *Study) decideInEpoch(t *Trial, i int, v float64) (Decision, string) {
	where := fmt.Sprintf("at %s epochs (step %d)", epochsString(s.inEpochRungs(t.Bracket)[i]), t.RungSteps[i])
	return s.decide(t, v, where, "running training loss", func(j *Trial) (float64, bool) {
		if len(j.TrainLoss) > i && !strings.HasPrefix(j.Reason, "diagnosis:") {
			return j.TrainLoss[i], true
		}
		return 0, false
	})
}

// epochsString writes r as 1/3 where it is one over a whole number.
func epochsString(r float64) string {
	if r < 1 {
		if n := math.Round(1 / r); math.Abs(1/r-n) < 1e-9*n {
			return "1/" + strconv.Itoa(int(n))
		}
	}
	return strconv.FormatFloat(r, 'g', 4, 64)
}

// ParseGrace reads --grace: a number of epochs (1, 0.5) or a fraction
// (1/3).
func ParseGrace(v string) (float64, error) {
	var g float64
	var err error
	if num, den, ok := strings.Cut(v, "/"); ok {
		a, err1 := strconv.ParseFloat(num, 64)
		b, err2 := strconv.ParseFloat(den, 64)
		if err1 != nil || err2 != nil || b == 0 {
			return 0, fmt.Errorf("--grace %q: want a number of epochs, e.g. 1, 0.5 or 1/3", v)
		}
		g = a / b
	} else if g, err = strconv.ParseFloat(v, 64); err != nil {
		return 0, fmt.Errorf("--grace %q: want a number of epochs, e.g. 1, 0.5 or 1/3", v)
	}
	if !(g > 0) || math.IsInf(g, 0) {
		return 0, fmt.Errorf("--grace %q: want more than 0 epochs", v)
	}
	return g, nil
}
