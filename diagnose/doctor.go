package diagnose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

// DoctorOptions configure Doctor.
type DoctorOptions struct {
	// Epochs is each trial's number of epochs (0: 2, at most the
	// spec's; given, that many even past the spec's fit.epochs), Limit
	// its number of training images (0: the spec's). A fix that sets
	// fit.epochs gets twice Epochs, one that needs a number of steps to
	// show gets them whatever the spec's fit.epochs, up to MaxEpochs (50
	// by default; doctor_length.go).
	Epochs, Limit, MaxEpochs int
	// Fixes is how many fixes to try (3 by default).
	Fixes int
	// Dir keeps the trial runs in Dir/as-is, Dir/fix-1, ...; "" uses a
	// temporary folder that is removed afterwards.
	Dir string
	// Progress receives a line as each trial starts (nil: none).
	Progress io.Writer
}

// DoctorReport is the outcome: the treated finding, the short run of the
// settings as they are, and one short run per fix.
type DoctorReport struct {
	// Finding is the treated finding: the top finding of the given
	// diagnosis, or of the first trial when none was given.
	Finding *Finding `json:"finding"`
	// From says where the finding comes from.
	From     string  `json:"from"`
	Baseline Trial   `json:"baseline"`
	Trials   []Trial `json:"trials"`
	// Advice are the finding's fixes that cannot be applied
	// automatically; Untried those that can but were past Fixes.
	Advice  []string `json:"advice,omitempty"`
	Untried []string `json:"untried,omitempty"`
	// Best is the index in Trials of the fix to take (-1: none restored
	// learning).
	Best int `json:"best"`
	// Notes say what bounded the trials (the spec's epochs under
	// --trial-epochs).
	Notes []string `json:"notes,omitempty"`
}

// Trial is one short training run.
type Trial struct {
	Name  string `json:"name"`
	Fix   string `json:"fix,omitempty"`
	Edits string `json:"edits,omitempty"`
	// Outcome is "restored" (learning effectively), "improved" (the
	// treated finding is gone but others remain), "not fixed", or
	// "reproduced"/"not reproduced" for the baseline.
	Outcome string `json:"outcome"`
	// Restored: the treated finding is gone and the run learns.
	Restored bool    `json:"restored"`
	Verdict  Verdict `json:"verdict"`
	Top      string  `json:"top,omitempty"`
	// Treated: the treated finding was raised (warning or critical).
	Treated bool `json:"treated_finding_present"`
	// The last epoch's metrics (NaN: not measured).
	Loss        train.JSONFloat `json:"loss"`
	ValLoss     train.JSONFloat `json:"val_loss"`
	Accuracy    train.JSONFloat `json:"accuracy"`
	ValAccuracy train.JSONFloat `json:"val_accuracy"`
	Epochs      int             `json:"epochs"`
	// StepsPerEpoch are the trial's optimizer steps per epoch; Length
	// says why a fix's trial trains longer than the untreated one, and
	// Capped that it was cut short of what the fix needs (its effect may
	// not show).
	StepsPerEpoch int    `json:"steps_per_epoch,omitempty"`
	Length        string `json:"length,omitempty"`
	Capped        bool   `json:"capped,omitempty"`
	// ValSamples, Chance and AboveChance: the final evaluation's chance
	// check (chance.go): its accuracy's 95% lower bound is above the best
	// constant guess.
	ValSamples  int     `json:"val_samples"`
	Chance      float64 `json:"chance"`
	AboveChance bool    `json:"above_chance"`
	// ByClass: accuracy is within chance, but on an imbalanced split
	// per-class recall shows learning (Judgement.LearnsByClass).
	ByClass bool    `json:"learns_by_class,omitempty"`
	Seconds float64 `json:"seconds"`
	Dir     string  `json:"dir,omitempty"`
	Error   string  `json:"error,omitempty"`
}

// Doctor treats the top finding of a run: it trains the spec briefly as
// it is, then once with each of the finding's first fixes that can be
// applied automatically (Finding.Actions), and reports which restored
// learning. d is the run's diagnosis (nil: treat the top finding of the
// short run as it is). Nothing of the run itself is changed.
func Doctor(ctx context.Context, spec *spec.Spec, d *Diagnosis, o DoctorOptions) (*DoctorReport, error) {
	if o.Fixes <= 0 {
		o.Fixes = 3
	}
	if o.MaxEpochs <= 0 {
		o.MaxEpochs = defaultMaxTrialEpochs
	}
	root := o.Dir
	if root == "" {
		var err error
		if root, err = os.MkdirTemp("", "cnnscope-doctor-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(root)
	}
	base, budget, specEpochs := doctorBase(spec, o)
	rep := &DoctorReport{Best: -1}
	if specEpochs > 0 && budget > specEpochs {
		rep.Notes = append(rep.Notes, fmt.Sprintf("--trial-epochs %d is more than the spec's fit.epochs %d: the trials' specs raise fit.epochs to train %d", o.Epochs, specEpochs, budget))
	}
	var treated string
	if d != nil {
		if f := topProblem(d); f != nil {
			rep.Finding, rep.From, treated = f, "the run's diagnosis", f.ID
		}
	}
	say := o.say
	res, treated, err := doctorBaseline(ctx, rep, &base, root, budget, treated, say)
	if err != nil {
		return nil, err
	}
	if rep.Finding == nil {
		return rep, nil
	}
	var layers []nn.LayerSpec
	if res != nil && res.Model != nil {
		layers = res.Model.Spec().Layers
	}
	rep.Advice = manualFixes(rep.Finding)
	tr := fixTrials{base: &base, layers: layers, root: root, budget: budget, specEpochs: specEpochs, maxEpochs: o.MaxEpochs,
		treated: treated, baseline: rep.Baseline, say: say}
	for i, a := range rep.Finding.Actions {
		if i >= o.Fixes {
			rep.Untried = append(rep.Untried, a.Fix)
			continue
		}
		t, err := tr.try(ctx, i, a)
		if err != nil {
			return nil, err
		}
		rep.Trials = append(rep.Trials, t)
	}
	rep.Best = bestTrial(rep.Trials)
	if o.Dir == "" {
		for i := range rep.Trials {
			rep.Trials[i].Dir = ""
		}
		rep.Baseline.Dir = ""
	}
	return rep, nil
}

// say writes a progress line to o.Progress (if any).
func (o DoctorOptions) say(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

// doctorBase returns the spec the trials start from (defaults filled in,
// o.Epochs epochs, or 2 at most the spec's when o.Epochs is 0; o.Limit
// images), its epoch budget and the spec's own epochs.
func doctorBase(spec *spec.Spec, o DoctorOptions) (spec.Spec, int, int) {
	base := *spec
	base.Defaults()
	base.Fit.TensorBoard = nil // the trials are not the user's run: keep them out of its TensorBoard
	budget, specEpochs := o.Epochs, base.Fit.Epochs
	if budget <= 0 {
		budget = 2
		if specEpochs > 0 {
			budget = min(budget, specEpochs)
		}
	}
	base.Fit.Epochs = budget
	if o.Limit > 0 {
		base.Data.Limit = o.Limit
	}
	return base, budget, specEpochs
}

// doctorBaseline trains the settings as they are into rep.Baseline; when
// rep has no finding yet it takes the short run's top problem. It returns
// the run's result and the ID of the finding treated.
func doctorBaseline(ctx context.Context, rep *DoctorReport, base *spec.Spec, root string, budget int, treated string, say func(string, ...any)) (*train.RunResult, string, error) {
	say("Training the settings as they are for %d epoch(s)...", budget)
	bd, res, trial := runTrial(ctx, base, filepath.Join(root, "as-is"), "as is", treated)
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if bd == nil {
		return nil, "", fmt.Errorf("the settings as they are do not train: %s", trial.Error)
	}
	if rep.Finding == nil {
		if f := topProblem(bd); f != nil {
			rep.Finding, rep.From, treated = f, fmt.Sprintf("a %d-epoch run of the settings as they are", budget), f.ID
			trial.Treated = true
		}
	}
	rep.Baseline = trial
	if rep.Finding == nil {
		rep.Baseline.Outcome = "nothing to treat"
		if !trial.AboveChance && !trial.ByClass {
			rep.Baseline.Outcome = "not clearly above chance, and no finding names a cause to treat"
		}
		return res, treated, nil
	}
	rep.Baseline.Outcome = "reproduced"
	if !trial.Treated {
		rep.Baseline.Outcome = "not reproduced"
	}
	return res, treated, nil
}

// manualFixes lists the finding's fixes that no action applies.
func manualFixes(f *Finding) []string {
	acted := map[string]bool{}
	for _, a := range f.Actions {
		acted[a.Fix] = true
	}
	var advice []string
	for _, fx := range f.Fixes {
		if !acted[fx] {
			advice = append(advice, fx)
		}
	}
	return advice
}

// fixTrials is what every fix's trial shares: the spec they start from,
// the model's layers, where they go, their lengths (doctor_length.go) and
// the untreated trial they are judged against.
type fixTrials struct {
	base                          *spec.Spec
	layers                        []nn.LayerSpec
	root                          string
	budget, specEpochs, maxEpochs int
	treated                       string
	baseline                      Trial
	say                           func(string, ...any)
}

// try trains the base spec with action a (the i-th) applied, for as long
// as the fix needs (planTrial), and judges it against the baseline; only
// a cancelled ctx is an error.
func (ft fixTrials) try(ctx context.Context, i int, a Action) (Trial, error) {
	name := fmt.Sprintf("fix %d", i+1)
	t := Trial{Name: name, Fix: a.Fix, Edits: a.Describe()}
	s, err := ApplyEdits(ft.base, a.Edits, ft.layers)
	if err != nil {
		t.Error, t.Outcome = err.Error(), "not applied"
		return t, nil
	}
	plan := planTrial(a, ft.budget, ft.specEpochs, ft.baseline.StepsPerEpoch, ft.maxEpochs)
	s.Fit.Epochs = plan.epochs
	if l := plan.describe(); l != "" {
		ft.say("Trying %s: %s, for %s...", name, t.Edits, l)
	} else {
		ft.say("Trying %s: %s...", name, t.Edits)
	}
	_, _, tr := runTrial(ctx, s, filepath.Join(ft.root, fmt.Sprintf("fix-%d", i+1)), name, ft.treated)
	if err := ctx.Err(); err != nil {
		return Trial{}, err
	}
	tr.Fix, tr.Edits, tr.Length, tr.Capped = t.Fix, t.Edits, plan.describe(), plan.capped != ""
	judgeTrial(&tr, ft.baseline)
	return tr, nil
}

// judgeTrial sets a fix's outcome against the untreated baseline.
// Restored means clearly above chance and clearly above the untreated
// run, by the same rule as the verdict's; on an imbalanced split, a trial
// that learns by class (balanced.go) where the untreated run learned by
// neither measure improved it (its verdict is "learning with problems").
// An inconclusive trial (too few steps or images to judge) restored
// nothing.
func judgeTrial(tr *Trial, baseline Trial) {
	byClass := tr.ByClass && !baseline.ByClass && !baseline.AboveChance
	tr.Restored = tr.Restored && tr.Verdict != Inconclusive &&
		(tr.AboveChance && ClearlyAbove(float64(tr.ValAccuracy), tr.ValSamples, float64(baseline.ValAccuracy), baseline.ValSamples) || byClass)
	switch {
	case tr.Error != "":
		tr.Outcome = "failed"
	case tr.Restored && tr.Verdict == LearningEffectively:
		tr.Outcome = "restored"
	case tr.Restored:
		tr.Outcome = "improved"
	case tr.Capped:
		tr.Outcome = "not shown (trial capped)"
	default:
		tr.Outcome = "not fixed"
	}
}

// bestTrial returns the index of the best restored trial (-1: none).
func bestTrial(trials []Trial) int {
	best := -1
	for i, t := range trials {
		if t.Restored && (best < 0 || better(t, trials[best])) {
			best = i
		}
	}
	return best
}

// better prefers a run that learns effectively, then the higher
// validation accuracy.
func better(a, b Trial) bool {
	if (a.Verdict == LearningEffectively) != (b.Verdict == LearningEffectively) {
		return a.Verdict == LearningEffectively
	}
	return a.ValAccuracy > b.ValAccuracy
}

// topProblem is a diagnosis' top finding when it is a warning or worse.
func topProblem(d *Diagnosis) *Finding {
	if len(d.Findings) == 0 || d.Findings[0].Severity == Info {
		return nil
	}
	f := d.Findings[0]
	return &f
}

// runTrial trains spec into dir with a monitor and sums it up; treated
// is the ID of the finding being treated ("" none yet).
func runTrial(ctx context.Context, spec *spec.Spec, dir, name, treated string) (*Diagnosis, *train.RunResult, Trial) {
	nan := train.JSONFloat(math.NaN())
	t := Trial{Name: name, Dir: dir, Loss: nan, ValLoss: nan, Accuracy: nan, ValAccuracy: nan}
	start := time.Now()
	raised := map[string]bool{}
	// A doctor run again into the same --out replaces its earlier trials.
	d, res, err := Train(ctx, spec, dir, Options{Overwrite: true, OnRaise: func(f Finding) { raised[f.ID] = true }})
	t.Seconds = time.Since(start).Seconds()
	if err != nil && !errors.Is(err, ErrStoppedOnCritical) {
		t.Error = err.Error()
	}
	if d == nil {
		return nil, res, t
	}
	t.Verdict, t.Epochs = d.Verdict, d.Epochs
	if d.Facts != nil {
		t.StepsPerEpoch = d.Facts.StepsPerEpoch
	}
	if len(d.Findings) > 0 {
		t.Top = fmt.Sprintf("%s (%s)", d.Findings[0].ID, d.Findings[0].Severity)
	}
	for _, f := range d.Findings {
		if f.ID == treated && f.Severity != Info {
			t.Treated = true
		}
	}
	// A finding raised during the run that no longer holds at its end
	// (a spike that recovered) still counts as present.
	t.Treated = t.Treated || raised[treated]
	t.Restored = treated != "" && !t.Treated && t.Error == "" && d.Verdict != NotLearning
	if res != nil && res.History != nil {
		if l := res.History.Last(); l != nil {
			t.Loss, t.ValLoss, t.Accuracy, t.ValAccuracy = get(l, "loss"), get(l, "val_loss"), get(l, "accuracy"), get(l, "val_accuracy")
		}
	}
	if d.Facts != nil {
		s := &Signals{Facts: *d.Facts, Spec: spec}
		if d.Facts.Data != nil {
			s.Classes = d.Facts.Data.Classes
		}
		if j, ok := s.judge(); ok {
			t.ValSamples, t.Chance, t.AboveChance, t.ByClass = j.N, j.Chance, j.Above, j.LearnsByClass()
			t.ValAccuracy = train.JSONFloat(j.Accuracy)
		}
	}
	return d, res, t
}

func get(l train.Logs, k string) train.JSONFloat {
	if v, ok := l[k]; ok {
		return train.JSONFloat(v)
	}
	return train.JSONFloat(math.NaN())
}
