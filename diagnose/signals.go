package diagnose

import (
	"math"
	"slices"
	"strings"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/train"
)

// Signals is everything the detectors read. The live Monitor fills it
// while a model trains; LoadRun fills it from a run directory's files, so
// that a detector gives the same answer on a finished run as it gave live.
//
// Where each part comes from:
//
//   - Spec, Model, Classes: spec.yaml and model.json (live: the run's own);
//   - Records: the per-layer step records of metrics.jsonl (gradient and
//     weight norms, update ratios, zero-gradient fractions, activation
//     statistics), which the Monitor follows as MetricsLogger writes them;
//   - Epochs: the epoch logs (metrics.jsonl, else history.csv);
//   - Facts: what only a live run can measure (the pre-training checks,
//     the loss of every step, validation predictions, per-sample losses,
//     where a NaN appeared); the Monitor saves them in diagnosis.json and
//     LoadRun reads them back from there.
type Signals struct {
	Spec    *spec.Spec
	Model   *nn.ModelSpec
	Classes []string
	Records []train.StepRecord
	Epochs  []train.Logs
	Facts   Facts
	// Live is set while the Monitor analyzes a run in progress; Final
	// when it analyzes the run at its end.
	Live, Final bool
	// Dir is the run directory ("" unknown): fixes that name a command
	// on the run name it (fixes.go runCmd).
	Dir string

	// grounded caches whether each fix changes the spec (ground.go).
	grounded map[string]bool
}

// Facts are the signals only a live run can measure. They are saved in
// diagnosis.json ("facts") so that `cnnscope diagnose` sees them too.
type Facts struct {
	// StepsPerEpoch and PlannedEpochs describe the fit.
	StepsPerEpoch int `json:"steps_per_epoch,omitempty"`
	PlannedEpochs int `json:"planned_epochs,omitempty"`
	// MetricsEvery is the step interval of metrics.jsonl's step records.
	MetricsEvery int          `json:"metrics_every,omitempty"`
	Data         *DataFacts   `json:"data,omitempty"`
	Init         *InitFacts   `json:"initial_loss,omitempty"`
	Sanity       *SanityFacts `json:"sanity,omitempty"`
	// Loss is the training loss of every step (merged in pairs when the
	// run is long).
	Loss LossTrace  `json:"loss"`
	Val  []ValFacts `json:"validation,omitempty"`
	// TrainEval is the training-set evaluation in inference mode at each
	// epoch end, when validation cannot judge the classes (probes.go);
	// BNProbe the BatchNormalization probe's results; ProbeSeconds what
	// both cost.
	TrainEval    []ValFacts   `json:"train_eval,omitempty"`
	BNProbe      []ProbeFacts `json:"batchnorm_probe,omitempty"`
	ProbeSeconds float64      `json:"probe_seconds,omitempty"`
	// Noise summarizes per-sample training losses (label-noise suspicion).
	Noise *NoiseFacts `json:"label_noise,omitempty"`
	NaN   *NaNFacts   `json:"nan,omitempty"`
	// StopReason is why a callback stopped the run early, if one did.
	StopReason string `json:"stop_reason,omitempty"`
	// PrecheckSeconds is the time the checks before step 1 took.
	PrecheckSeconds float64 `json:"precheck_seconds,omitempty"`
}

// DataFacts are the pre-training checks of the data.
type DataFacts struct {
	Classes     []string `json:"classes"`
	TrainCounts []int    `json:"train_counts"`
	ValCounts   []int    `json:"val_counts,omitempty"`
	// Imbalance is the largest training class count over the smallest.
	Imbalance float64 `json:"imbalance_ratio"`
	// Weighted is set when class weights or resampling even out classes.
	Weighted bool `json:"weighted,omitempty"`
	// ClassWeights are the class weights of the loss (nil: none).
	ClassWeights []float64 `json:"class_weights,omitempty"`
	// Input describes a few preprocessed training batches: what the
	// model's first layer actually receives.
	Input *InputStats `json:"input,omitempty"`
	// Dup counts duplicates across splits (nil: not checked).
	Dup *DupFacts `json:"duplicates,omitempty"`
}

// InputStats are statistics of preprocessed input values (the finite
// ones; NonFinite counts NaN and ±Inf).
type InputStats struct {
	Batches   int     `json:"batches"`
	NonFinite int     `json:"non_finite,omitempty"`
	Min       float64 `json:"min"`
	Max       float64 `json:"max"`
	Mean      float64 `json:"mean"`
	Std       float64 `json:"std"`
}

// DupFacts counts images of a later split that copy (exact) or nearly
// copy (near) an image of the training split (data.Inspect's hashing).
type DupFacts struct {
	Val       int `json:"val"`  // validation images checked
	Test      int `json:"test"` // test images checked
	ExactVal  int `json:"exact_val"`
	NearVal   int `json:"near_val"`
	ExactTest int `json:"exact_test"`
	NearTest  int `json:"near_test"`
	// Conflicting counts duplicate groups whose labels disagree.
	Conflicting int `json:"conflicting_labels"`
	// Examples are a few "train file = validation file" pairs.
	Examples []string `json:"examples,omitempty"`
}

// InitFacts is the loss of the untrained model on one batch.
type InitFacts struct {
	Loss train.JSONFloat `json:"loss"`
	// Expected is the loss of a uniform guess: ln(classes) for a
	// categorical cross-entropy, ln 2 for a binary one.
	Expected float64 `json:"expected"`
	Samples  int     `json:"samples"`
	// OutputSpread is the largest spread (max - min over the batch) of
	// any output, over the outputs' scale (at least 1): 0 when the model
	// gives every image the same output (nil: not measured).
	OutputSpread *float64 `json:"output_spread,omitempty"`
}

// SanityFacts is the result of overfitting a few samples (--sanity).
type SanityFacts struct {
	Samples     int             `json:"samples"`
	Steps       int             `json:"steps"`
	MaxSteps    int             `json:"max_steps"`
	InitialLoss train.JSONFloat `json:"initial_loss"`
	FinalLoss   train.JSONFloat `json:"final_loss"`
	Accuracy    float64         `json:"accuracy"`
	Seconds     float64         `json:"seconds"`
}

// ValFacts are one epoch's validation predictions per class.
type ValFacts struct {
	Epoch   int   `json:"epoch"`   // 1-based
	Support []int `json:"support"` // samples of each class
	Pred    []int `json:"pred"`    // samples predicted as each class
	Correct []int `json:"correct"` // samples of each class predicted right
}

// NoiseFacts summarize training samples that stay misclassified with a
// high loss (a wrong label's signature).
type NoiseFacts struct {
	// Epochs is how many epochs the samples were followed for; Samples
	// how many were seen in the last two.
	Epochs  int `json:"epochs"`
	Samples int `json:"samples"`
	// Suspects were misclassified with a loss above ln(classes) and a
	// confident prediction in each of the last two epochs.
	Suspects int       `json:"suspects"`
	Worst    []Suspect `json:"worst,omitempty"`
	// Stuck: samples misclassified as the same class in the last two
	// epochs, with a loss above ln(classes); Rising: those of them whose
	// loss rose by 5% or more since the epoch before (the model grows
	// surer of another class than the label's). RisingHistory and StuckHistory are their shares of
	// Samples, epoch by epoch.
	// StuckConf and CorrectConf are the mean probability the model gave
	// its predicted class on the stuck and on the correctly classified
	// samples of the last epoch.
	StuckConf   float64 `json:"stuck_conf,omitempty"`
	CorrectConf float64 `json:"correct_conf,omitempty"`
	// StuckByLabel and SuspectsByLabel count those samples by label.
	StuckByLabel    []int     `json:"stuck_by_label,omitempty"`
	SuspectsByLabel []int     `json:"suspects_by_label,omitempty"`
	Rising          int       `json:"rising,omitempty"`
	Stuck           int       `json:"stuck,omitempty"`
	RisingHistory   []float64 `json:"rising_history,omitempty"`
	StuckHistory    []float64 `json:"stuck_history,omitempty"`
}

// Suspect is a training sample whose label looks wrong.
type Suspect struct {
	Index      int     `json:"index"`
	Source     string  `json:"source"`
	Label      string  `json:"label"`
	Predicted  string  `json:"predicted"`
	Loss       float64 `json:"loss"`
	Confidence float64 `json:"confidence"`
}

// NaNFacts say where NaN or Inf first appeared.
type NaNFacts struct {
	Step  int `json:"step"`  // global step
	Epoch int `json:"epoch"` // 1-based
	// Phase is "input", "forward", "loss", "backward" or "update".
	Phase  string `json:"phase"`
	Layer  string `json:"layer,omitempty"`
	Param  string `json:"param,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// NumClasses returns the number of classes (0 when unknown).
func (s *Signals) NumClasses() int {
	if len(s.Classes) > 0 {
		return len(s.Classes)
	}
	if s.Facts.Data != nil {
		return len(s.Facts.Data.Classes)
	}
	if s.Model != nil && len(s.Model.Layers) > 0 {
		l := s.Model.Layers[len(s.Model.Layers)-1]
		if l.Units > 0 {
			return l.Units
		}
	}
	return 0
}

// ChanceLoss is the loss of a uniform guess (ln C, or ln 2 for a binary
// cross-entropy); 0 when the classes are unknown.
func (s *Signals) ChanceLoss() float64 {
	if s.lossName() == "binary_crossentropy" {
		return math.Ln2
	}
	if c := s.NumClasses(); c > 1 {
		return math.Log(float64(c))
	}
	return 0
}

// ChanceAccuracy is the accuracy of the best constant guess: the largest
// class's share of the training data, or 1/C when counts are unknown.
func (s *Signals) ChanceAccuracy() float64 {
	if d := s.Facts.Data; d != nil {
		if share, _ := majority(d.TrainCounts); share > 0 {
			return share
		}
	}
	if c := s.NumClasses(); c > 0 {
		return 1 / float64(c)
	}
	return 0
}

// majority returns the largest count's share and its index.
func majority(counts []int) (share float64, idx int) {
	total, best := 0, -1
	for i, c := range counts {
		total += c
		if best < 0 || c > counts[best] {
			best = i
		}
	}
	if total == 0 || best < 0 {
		return 0, -1
	}
	return float64(counts[best]) / float64(total), best
}

// InitialLoss is the loss before training: the pre-training check's, or
// the median of the first three steps' (each measured before its update).
func (s *Signals) InitialLoss() (float64, bool) {
	if s.Facts.Init != nil && finite(float64(s.Facts.Init.Loss)) {
		return float64(s.Facts.Init.Loss), true
	}
	t := &s.Facts.Loss
	n := min(t.Len(), 3)
	if n == 0 || t.Step[0] > 3 {
		return 0, false
	}
	v := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		if x := float64(t.Loss[i]); finite(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	return v[len(v)/2], true
}

// StartLoss is where the training loss started: the first step's (before
// its update, in training mode), else InitialLoss.
func (s *Signals) StartLoss() (float64, bool) {
	if t := &s.Facts.Loss; t.Len() > 0 && t.Step[0] <= t.Stride && finite(float64(t.First)) && t.First != 0 {
		return float64(t.First), true
	}
	return s.InitialLoss()
}

// progressRef is the loss that progress is measured against: the start,
// or the loss of a uniform guess when that is lower (a model can start
// above chance and fall to it without learning anything).
func (s *Signals) progressRef() (float64, bool) {
	l0, ok := s.StartLoss()
	if c := s.ChanceLoss(); ok && c > 0 && c < l0 {
		return c, true
	}
	return l0, ok
}

// lossName is the compile loss ("" when unknown).
func (s *Signals) lossName() string {
	if s.Spec != nil {
		return strings.ToLower(s.Spec.Compile.Loss)
	}
	return ""
}

// optimizer and lr return the optimizer's name and its base learning rate
// (the Keras default when the spec leaves it unset).
func (s *Signals) optimizer() string {
	if s.Spec == nil || s.Spec.Compile.Optimizer == "" {
		return "adam"
	}
	return strings.ToLower(s.Spec.Compile.Optimizer)
}

func (s *Signals) lr() float64 {
	if s.Spec != nil && s.Spec.Compile.LearningRate > 0 {
		return s.Spec.Compile.LearningRate
	}
	if s.optimizer() == "sgd" {
		return 0.01
	}
	return 0.001
}

// effectiveLR is the base learning rate, for SGD with momentum m its
// steady-state step lr / (1 - m).
func (s *Signals) effectiveLR() float64 {
	lr := s.lr()
	if s.optimizer() == "sgd" && s.Spec != nil && s.Spec.Compile.Momentum > 0 && s.Spec.Compile.Momentum < 1 {
		return lr / (1 - s.Spec.Compile.Momentum)
	}
	return lr
}

// Steps is the number of optimizer steps the signals cover.
func (s *Signals) Steps() int {
	n := 0
	if t := &s.Facts.Loss; t.Len() > 0 {
		n = t.Step[t.Len()-1]
	}
	if len(s.Records) > 0 {
		n = max(n, s.Records[len(s.Records)-1].Step)
	}
	if len(s.Epochs) > 0 {
		if v, ok := s.Epochs[len(s.Epochs)-1]["step"]; ok {
			n = max(n, int(v))
		}
	}
	return n
}

// epochOfStep returns the 1-based epoch of a global step (0 unknown).
func (s *Signals) epochOfStep(step int) int {
	if spe := s.Facts.StepsPerEpoch; spe > 0 && step > 0 {
		return (step-1)/spe + 1
	}
	return 0
}

// series returns one metric over the epochs (NaN where missing).
func (s *Signals) series(name string) []float64 {
	h := train.History{Epochs: s.Epochs}
	return h.Series(name)
}

// layerIndex returns the model layer called name (-1 when unknown).
func (s *Signals) layerIndex(name string) int {
	if s.Model == nil {
		return -1
	}
	for i, l := range s.Model.Layers {
		if l.Name == name {
			return i
		}
	}
	return -1
}

// lastActivation returns the activation the model's output goes through:
// the last layer's, or that of a final Activation layer ("linear" when
// the last layer with one has none).
func (s *Signals) lastActivation() (act, layer string) {
	if s.Model == nil {
		return "", ""
	}
	for _, i := range outputPath(s.Model) { // back from the output along its inputs
		l := s.Model.Layers[i]
		switch strings.ToLower(l.Type) {
		case "dense", "conv2d", "activation":
			a := strings.ToLower(l.Activation)
			if a == "" {
				a = "linear"
			}
			return a, l.Name
		}
	}
	return "", ""
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
