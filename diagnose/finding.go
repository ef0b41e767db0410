// Package diagnose answers "is my CNN learning effectively — and if not,
// why, and what do I change?": it collects cheap signals while a model
// trains, runs detectors (one per file) over them, and reports findings
// with their evidence, likely causes and concrete fixes.
package diagnose

// Severity ranks a finding.
type Severity string

const (
	Critical Severity = "critical" // the run cannot succeed as it is (NaN, divergence, not learning)
	Warning  Severity = "warning"  // learning, but something costs accuracy or time
	Info     Severity = "info"     // worth knowing; no action required
)

// Finding is one diagnosed problem. It is what diagnosis.json lists and
// what the report shows.
type Finding struct {
	// ID names the detector that raised it, e.g. "overfitting",
	// "vanishing_gradients", "lr_too_high".
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	// Title is one line in the user's terms: "Overfitting since epoch 4".
	Title string `json:"title"`
	// Evidence lists the numbers behind the finding.
	Evidence []Evidence `json:"evidence"`
	// Epoch (1-based) and Step (global optimizer step) say when it was
	// detected; Layer names the layer it concerns, if one.
	Epoch int    `json:"epoch,omitempty"`
	Step  int    `json:"step,omitempty"`
	Layer string `json:"layer,omitempty"`
	// Since is the epoch (1-based) the problem began, when known (e.g.
	// the onset of overfitting), for marking curves.
	Since int `json:"since,omitempty"`
	// Causes are the likely root causes, most likely first.
	Causes []string `json:"causes"`
	// Fixes are concrete changes, most promising first, in the user's
	// terms ("set class_weight: balanced", "lower lr from 0.01 to 0.001").
	Fixes []string `json:"fixes"`
	// Actions are the fixes that can be applied automatically, in the
	// order of Fixes, each with the spec edits that make it (cnnscope
	// doctor tries them); a fix without one is advice for a person.
	Actions []Action `json:"actions,omitempty"`
	// Detected is the global step at which the live monitor first raised
	// the finding (0 when it was found after training, or offline).
	Detected int `json:"detected_step,omitempty"`
}

// Evidence is one measured fact: "val_loss rose from 0.031 (epoch 3) to
// 0.058 (epoch 8) while loss fell from 0.020 to 0.004".
type Evidence struct {
	Text string `json:"text"`
	// Metric, Value and Threshold make the fact machine-readable when it
	// is a comparison against a documented threshold.
	Metric    string  `json:"metric,omitempty"`
	Value     float64 `json:"value,omitempty"`
	Threshold float64 `json:"threshold,omitempty"`
	Epoch     int     `json:"epoch,omitempty"`
	Step      int     `json:"step,omitempty"`
	Layer     string  `json:"layer,omitempty"`
}

// Verdict is the one-line answer.
type Verdict string

const (
	LearningEffectively  Verdict = "learning effectively"
	LearningWithProblems Verdict = "learning with problems"
	NotLearning          Verdict = "not learning"
	// Inconclusive: too little evidence (validation images, steps) to
	// tell learning from chance.
	Inconclusive Verdict = "inconclusive"
)

// Diagnosis is the content of diagnosis.json.
type Diagnosis struct {
	// RunID names the run diagnosed (live runs; "" otherwise).
	RunID    string    `json:"run_id,omitempty"`
	Verdict  Verdict   `json:"verdict"`
	Summary  string    `json:"summary"`  // one sentence behind the verdict
	Findings []Finding `json:"findings"` // most severe first
	// Epochs and Steps say how much of the run was analyzed.
	Epochs int `json:"epochs"`
	Steps  int `json:"steps"`
	// OverheadFraction is the measured share of training time spent
	// collecting signals and running detectors (live runs only).
	OverheadFraction float64 `json:"overhead_fraction,omitempty"`
	// Earlier lists warnings and critical findings the live monitor
	// raised during the run that no longer hold at its end.
	Earlier []Finding `json:"earlier,omitempty"`
	// Unavailable says which checks could not run, and why.
	Unavailable []string `json:"unavailable,omitempty"`
	// Facts are the signals only a live run measures (pre-training
	// checks, the loss of every step, validation predictions, per-sample
	// losses); `cnnscope diagnose` reads them back from diagnosis.json.
	Facts *Facts `json:"facts,omitempty"`
}

// DiagnosisFile is the file name of a run's diagnosis.
const DiagnosisFile = "diagnosis.json"
