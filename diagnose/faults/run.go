// Package faults evaluates the diagnosis by fault injection: it trains
// small models on generated shapes and MNIST subsets, once healthy and
// once with each of a catalogue of injected problems, and measures how
// often the diagnosis catches the problem, names its root cause first,
// and raises a false alarm on a healthy run, how soon it finds a problem
// and what the monitoring costs. `cnnscope diagnose eval` runs it.
package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cnnscope/cnnscope/diagnose"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

// Options configure Evaluate.
type Options struct {
	// Seeds is the number of seeds per scenario (1, 2, ...; 3 by default).
	Seeds int
	// Quick runs only the scenarios marked Quick (the CI subset).
	Quick bool
	// Only, when set, names the scenarios to run.
	Only []string
	// Part selects "dev", "heldout", "unseen", "fresh", "novel", "fifth",
	// "sixth", "seventh", "eighth", "ninth" or "tenth" scenarios ("": all).
	Part string
	// Parallel runs this many scenarios at once (0: 1).
	Parallel int
	// Dir keeps the runs (and their data) in Dir/<scenario>-s<seed>;
	// "" uses a temporary folder that is removed afterwards.
	Dir string
	// Progress receives one line per finished run (nil: none).
	Progress io.Writer
	// OverheadReps > 0 also measures the monitoring cost directly: a
	// healthy scenario trained that many times with and without the
	// monitor, alternately.
	OverheadReps int
}

// Parts are the parts of the suite, oldest first.
var Parts = []string{"dev", "heldout", "unseen", "fresh", "novel", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"}

// Selected returns the scenarios Options pick, faults first.
func (o Options) Selected() ([]Scenario, error) {
	var out []Scenario
	known := map[string]bool{}
	for _, s := range slices.Concat(Faults, Healthy) {
		known[s.Name] = true
		if len(o.Only) > 0 && !slices.Contains(o.Only, s.Name) || len(o.Only) == 0 && o.Quick && !s.Quick {
			continue
		}
		if o.Part != "" && s.Part() != o.Part {
			continue
		}
		out = append(out, s)
	}
	if o.Part != "" && !slices.Contains(Parts, o.Part) {
		return nil, fmt.Errorf("part %q: want dev, heldout, unseen, fresh, novel, fifth, sixth, seventh, eighth, ninth or tenth", o.Part)
	}
	for _, n := range o.Only {
		if !known[n] {
			return nil, fmt.Errorf("unknown scenario %q", n)
		}
	}
	return out, nil
}

// Run is the outcome of one scenario with one seed.
type Run struct {
	Scenario string   `json:"scenario"`
	Problem  string   `json:"problem,omitempty"`
	Data     string   `json:"data"`
	Seed     uint64   `json:"seed"`
	Healthy  bool     `json:"healthy"`
	Later    bool     `json:"later,omitempty"`
	HeldOut  bool     `json:"held_out,omitempty"`
	Unseen   bool     `json:"unseen,omitempty"`
	Fresh    bool     `json:"fresh,omitempty"`
	Novel    bool     `json:"novel,omitempty"`
	Fifth    bool     `json:"fifth,omitempty"`
	Sixth    bool     `json:"sixth,omitempty"`
	Seventh  bool     `json:"seventh,omitempty"`
	Eighth   bool     `json:"eighth,omitempty"`
	Ninth    bool     `json:"ninth,omitempty"`
	Tenth    bool     `json:"tenth,omitempty"`
	Expect   []string `json:"expect,omitempty"`
	// Detected: an expected finding or one of the problem's symptoms
	// was raised at warning or critical severity, live or at the end.
	Detected bool `json:"detected"`
	// Named: the diagnosis' top finding at the end names the root cause
	// (it is an expected finding, at warning or critical severity).
	Named bool `json:"named"`
	// Top is the top finding at the end ("" when none), with its
	// severity and first cause.
	Top         string `json:"top"`
	TopSeverity string `json:"top_severity,omitempty"`
	TopCause    string `json:"top_cause,omitempty"`
	// Raised lists every warning or critical finding raised, in order,
	// as "id@step" (step 0: before training).
	Raised []string `json:"raised"`
	// Final lists the findings at the end as "severity id".
	Final []string `json:"final"`
	// FirstStep is the step at which the first expected finding (else
	// symptom) was raised (0: before training; -1: never).
	FirstStep int `json:"first_step"`
	// Warned and Critical: some warning (or critical) finding was raised,
	// live (even if withdrawn later) or at the end; WarnedEnd: the final
	// diagnosis holds one.
	Warned    bool   `json:"warned"`
	WarnedEnd bool   `json:"warned_at_end"`
	Critical  bool   `json:"critical"`
	Verdict   string `json:"verdict"`
	Steps     int    `json:"steps"`
	// Refused: the configuration was refused before training (an error
	// naming it), which a RefuseOK scenario counts as found.
	Refused string `json:"refused,omitempty"`
	// ValAccuracy of the final model on ValSamples validation images;
	// Chance is the best constant guess's accuracy (max of the majority
	// share and 1/C); WithinChance: the accuracy's Wilson 95% lower bound
	// is not above Chance (judged by the evaluation itself, not by the
	// diagnosis). ChanceEffective: such a run was called "learning
	// effectively" (the issue's bar: zero).
	ValAccuracy     float64 `json:"val_accuracy"`
	ValSamples      int     `json:"val_samples"`
	Chance          float64 `json:"chance"`
	WithinChance    bool    `json:"within_chance"`
	ChanceEffective bool    `json:"chance_effective,omitempty"`
	// Overhead is the monitor's own measure of its share of the
	// training time; Precheck the share of the checks before step 1.
	Overhead        float64 `json:"overhead"`
	Precheck        float64 `json:"precheck"`
	PrecheckSeconds float64 `json:"precheck_seconds"`
	Seconds         float64 `json:"seconds"`
	Error           string  `json:"error,omitempty"`
}

// RunScenario trains one scenario with one seed in dir (created) and
// judges its diagnosis.
func RunScenario(ctx context.Context, sc Scenario, seed uint64, dir string) (r Run) {
	r = Run{Scenario: sc.Name, Problem: sc.Problem, Data: sc.Data.Describe(), Seed: seed, Healthy: sc.Healthy(), Later: sc.Later, HeldOut: sc.HeldOut, Unseen: sc.Unseen, Fresh: sc.Fresh, Novel: sc.Novel, Fifth: sc.Fifth, Sixth: sc.Sixth, Seventh: sc.Seventh, Eighth: sc.Eighth, Ninth: sc.Ninth, Tenth: sc.Tenth,
		Expect: sc.Expect, FirstStep: -1, Raised: []string{}, Final: []string{}}
	start := time.Now()
	defer func() { r.Seconds = time.Since(start).Seconds() }()
	spec, err := prepare(sc, seed, dir)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	var raised []raise
	d, res, err := trainNoPanic(ctx, spec, filepath.Join(dir, "run"), diagnose.Options{OnRaise: func(f diagnose.Finding) {
		raised = append(raised, raise{f.ID, f.Detected, f.Severity})
	}})
	if err != nil && !errors.Is(err, diagnose.ErrStoppedOnCritical) {
		if sc.RefuseOK && !errors.Is(err, errPanic) && (d == nil || d.Steps == 0) {
			r.Refused, r.Detected, r.Named, r.FirstStep = err.Error(), true, true, 0
			return r
		}
		r.Error = err.Error()
		if d == nil {
			return r
		}
	}
	hit := map[string]bool{}
	recordRaised(&r, raised, hit)
	recordFinal(&r, d, hit)
	judgeTop(&r, sc, d)
	judgeDetection(&r, sc, d, raised, hit)
	r.Verdict, r.Steps, r.Overhead = string(d.Verdict), d.Steps, d.OverheadFraction
	judgeChance(&r, d, res)
	recordPrecheck(&r, d, res)
	return r
}

// raise is a finding raised live at warning or critical severity.
type raise struct {
	id   string
	step int
	sev  diagnose.Severity
}

// recordRaised notes the findings raised live in the run and marks their
// ids in hit.
func recordRaised(r *Run, raised []raise, hit map[string]bool) {
	for _, x := range raised {
		r.Raised = append(r.Raised, fmt.Sprintf("%s@%d", x.id, x.step))
		hit[x.id] = true
		r.Warned = true
		r.Critical = r.Critical || x.sev == diagnose.Critical
	}
}

// recordFinal notes the findings of the final diagnosis and marks the ids
// of those above info in hit.
func recordFinal(r *Run, d *diagnose.Diagnosis, hit map[string]bool) {
	for _, f := range d.Findings {
		r.Final = append(r.Final, fmt.Sprintf("%s %s", f.Severity, f.ID))
		if f.Severity != diagnose.Info {
			hit[f.ID] = true
			r.Warned, r.WarnedEnd = true, true
			r.Critical = r.Critical || f.Severity == diagnose.Critical
		}
	}
}

// judgeTop notes the final top finding and whether it names the
// scenario's root cause.
func judgeTop(r *Run, sc Scenario, d *diagnose.Diagnosis) {
	if len(d.Findings) == 0 {
		return
	}
	top := d.Findings[0]
	r.Top, r.TopSeverity = top.ID, string(top.Severity)
	if len(top.Causes) > 0 {
		r.TopCause = top.Causes[0]
	}
	r.Named = !r.Healthy && top.Severity != diagnose.Info && slices.Contains(sc.Expect, top.ID) &&
		(sc.Cause == "" || strings.Contains(strings.ToLower(r.TopCause), sc.Cause))
}

// judgeDetection sets whether the problem was detected and the step of
// the first expected finding (else symptom).
func judgeDetection(r *Run, sc Scenario, d *diagnose.Diagnosis, raised []raise, hit map[string]bool) {
	for _, ids := range [][]string{sc.Expect, sc.Also} {
		for _, x := range raised {
			if slices.Contains(ids, x.id) {
				r.FirstStep = x.step
				break
			}
		}
		if r.FirstStep >= 0 {
			break
		}
	}
	for _, id := range slices.Concat(sc.Expect, sc.Also) {
		if hit[id] {
			r.Detected = !r.Healthy
			if r.FirstStep < 0 {
				r.FirstStep = d.Steps // raised only by the analysis at the end
			}
		}
	}
}

// recordPrecheck notes the time taken by the checks before step 1, and
// its share of the training time.
func recordPrecheck(r *Run, d *diagnose.Diagnosis, res *train.RunResult) {
	if d.Facts == nil {
		return
	}
	r.PrecheckSeconds = d.Facts.PrecheckSeconds
	if res != nil && res.Duration > 0 {
		r.Precheck = d.Facts.PrecheckSeconds / res.Duration.Seconds()
	}
}

// errPanic marks a run that panicked (a defect whatever the spec).
var errPanic = errors.New("panic")

// trainNoPanic is diagnose.Train with a panic turned into an error, so
// that one broken run is reported instead of ending the evaluation.
func trainNoPanic(ctx context.Context, spec *spec.Spec, dir string, o diagnose.Options) (d *diagnose.Diagnosis, res *train.RunResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			d, res, err = nil, nil, fmt.Errorf("%w: %v", errPanic, p)
		}
	}()
	return diagnose.Train(ctx, spec, dir, o)
}

// judgeChance sets the run's validation accuracy and whether it is
// within chance: the Wilson 95% lower bound of the accuracy on the
// validation split is not above the best constant guess.
func judgeChance(r *Run, d *diagnose.Diagnosis, res *train.RunResult) {
	if res == nil || res.Val == nil || res.Val.Samples == 0 {
		return
	}
	r.ValAccuracy, r.ValSamples = res.Val.Accuracy, res.Val.Samples
	classes := 0
	if res.Data != nil {
		classes = len(res.Data.Classes)
	}
	chance := 0.0
	if classes > 0 {
		chance = 1 / float64(classes)
	}
	if d.Facts != nil && d.Facts.Data != nil {
		total, most := 0, 0
		for _, c := range d.Facts.Data.TrainCounts {
			total += c
			most = max(most, c)
		}
		if total > 0 {
			chance = max(chance, float64(most)/float64(total))
		}
	}
	r.Chance = chance
	r.WithinChance = wilsonLower(r.ValAccuracy, r.ValSamples) <= chance
	r.ChanceEffective = r.WithinChance && r.Verdict == string(diagnose.LearningEffectively)
}

// wilsonLower is the lower end of the Wilson score interval (95%) of a
// proportion p observed on n trials.
func wilsonLower(p float64, n int) float64 {
	const z = 1.96
	fn := float64(n)
	centre := p + z*z/(2*fn)
	half := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn))
	return (centre - half) / (1 + z*z/fn)
}

// prepare writes the scenario's data into dir/data and returns its spec.
func prepare(sc Scenario, seed uint64, dir string) (*spec.Spec, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	src := filepath.Join(dir, "data")
	if err := sc.Data.Write(src, seed); err != nil {
		return nil, err
	}
	return Spec(sc, src, seed), nil
}

// Spec is a scenario's spec for data in src: the base spec (basic CNN,
// Adam at Keras' default, batch 32, 10% validation, 2 epochs) with the
// scenario's changes.
func Spec(sc Scenario, src string, seed uint64) *spec.Spec {
	s := &spec.Spec{Seed: seed}
	s.Data.Source = src
	s.Fit.Epochs = 2
	if sc.Spec != nil {
		sc.Spec(s)
	}
	s.Defaults()
	return s
}

// Evaluate runs the selected scenarios with each seed and summarizes.
func Evaluate(ctx context.Context, o Options) (*Report, error) {
	scs, err := o.Selected()
	if err != nil {
		return nil, err
	}
	if o.Seeds <= 0 {
		o.Seeds = 3
	}
	root := o.Dir
	if root == "" {
		if root, err = os.MkdirTemp("", "cnnscope-eval-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(root)
	}
	mnistErr := MNISTAvailable()
	rep := &Report{Seeds: o.Seeds}
	start := time.Now()
	jobs := planJobs(rep, scs, o.Seeds, map[string]error{"mnist": mnistErr, "fashion": FashionAvailable()})
	runs := runJobs(ctx, o, root, jobs)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	rep.Runs = runs
	if o.OverheadReps > 0 {
		ov, err := MeasureOverhead(ctx, overheadScenario(mnistErr), o.OverheadReps, filepath.Join(root, "overhead"))
		if err != nil {
			return rep, err
		}
		rep.Measured = ov
	}
	rep.Seconds = time.Since(start).Seconds()
	rep.summarize()
	return rep, nil
}

// job is one scenario to run with one seed.
type job struct {
	sc   Scenario
	seed int
}

// planJobs lists each scenario with each seed, noting in rep.Skipped the
// scenarios on a built-in data set that is not installed (missing: the
// error of each source that needs files, "mnist" or "fashion").
func planJobs(rep *Report, scs []Scenario, seeds int, missing map[string]error) []job {
	var jobs []job
	names := map[string]string{"mnist": "MNIST", "fashion": "Fashion-MNIST"}
	for _, sc := range scs {
		if missing[sc.Data.Source] != nil {
			rep.Skipped = append(rep.Skipped, sc.Name+": "+names[sc.Data.Source]+" not available")
			continue
		}
		for k := 1; k <= seeds; k++ {
			jobs = append(jobs, job{sc, k})
		}
	}
	return jobs
}

// runJobs runs the jobs, o.Parallel at once, each in its folder under
// root (removed afterwards unless o.Dir is set), and stops handing out
// jobs once ctx is done.
func runJobs(ctx context.Context, o Options, root string, jobs []job) []Run {
	runs := make([]Run, len(jobs))
	next := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < max(o.Parallel, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				dir := filepath.Join(root, fmt.Sprintf("%s-s%d", j.sc.Name, j.seed))
				runs[i] = RunScenario(ctx, j.sc, uint64(j.seed), dir)
				if o.Progress != nil {
					mu.Lock()
					fmt.Fprintln(o.Progress, runs[i].Line())
					mu.Unlock()
				}
				if o.Dir == "" {
					os.RemoveAll(dir)
				}
			}
		}()
	}
	for i := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return runs
}

// overheadScenario is the healthy scenario whose monitoring cost is
// measured: the basic CNN on 2,000 MNIST images (the generated shapes
// when MNIST is not available) for 5 epochs, long enough that the fixed
// costs (checks before step 1, the last write of diagnosis.json) weigh
// as in a real run, short enough to repeat.
func overheadScenario(mnistErr error) Scenario {
	sc := Healthy[1]
	if mnistErr != nil {
		sc = Healthy[0]
	}
	base := sc.Spec
	sc.Spec = func(s *spec.Spec) {
		if base != nil {
			base(s)
		}
		s.Fit.Epochs = 5
	}
	sc.Name += ", 5 epochs"
	return sc
}

// Line is a one-line account of a run, for progress output.
func (r *Run) Line() string {
	what := "healthy"
	switch {
	case r.Error != "":
		what = "ERROR " + r.Error
	case r.Refused != "":
		what = "refused before training"
	case !r.Healthy && r.Detected && r.Named:
		what = "named"
	case !r.Healthy && r.Detected:
		what = "detected, not named first"
	case !r.Healthy:
		what = "MISSED"
	case r.Warned:
		what = "FALSE ALARM"
	}
	if r.ChanceEffective {
		what += " (LEARNING EFFECTIVELY AT CHANCE)"
	}
	return fmt.Sprintf("%-28s seed %d  %-26s top %-22s first@%-4d val %.3f/%d %-24s %5.1fs  raised %s", r.Scenario, r.Seed, what,
		r.Top, r.FirstStep, r.ValAccuracy, r.ValSamples, r.Verdict, r.Seconds, strings.Join(r.Raised, " "))
}
