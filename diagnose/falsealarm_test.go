package diagnose

import (
	"math"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/spec"
)

// Issue 10, fifth round: false alarms on healthy runs of the novel part,
// one synthetic case per class (no training).

// weighted8515 is a two-class 255:45 run (48 and 12 validation images)
// whose per-epoch validation is given, with class weights w (nil:
// resampling) or none (unweighted).
func weighted8515(t *testing.T, weighted bool, w []float64, vals ...ValFacts) *Signals {
	s := healthySignals(t, len(vals))
	s.Classes = []string{"plain", "satin"}
	d := s.Facts.Data
	d.Classes, d.TrainCounts, d.Imbalance, d.Weighted, d.ClassWeights = s.Classes, []int{255, 45}, 255.0/45, weighted, w
	s.Facts.Noise = nil
	for i := range vals {
		vals[i].Epoch = i + 1
		s.Facts.Val[i] = vals[i]
		a, _ := accuracyOf(&vals[i])
		s.Epochs[i]["val_accuracy"] = a
	}
	return s
}

func val8515(pred0, correct0, correct1 int) ValFacts {
	return ValFacts{Support: []int{51, 9}, Pred: []int{pred0, 60 - pred0}, Correct: []int{correct0, correct1}}
}

// Class 1: under weights that balance the loss, predictions that all go to
// the largest class are not its prior learned: no majority_class_bias
// (not_learning judges a model that stays there). Weights that leave the
// loss imbalanced, or none, still get the collapse as critical.
func TestBalancedWeightsCollapseIsNotMajorityBias(t *testing.T) {
	balanced := []float64{300.0 / 510, 300.0 / 90}
	collapsed := val8515(60, 51, 0)
	for _, w := range [][]float64{balanced, nil} {
		s := weighted8515(t, true, w, collapsed, collapsed, collapsed)
		if f := detect(t, "majority_class_bias", s); f != nil {
			t.Errorf("weights %v: %s %s", w, f.Severity, f.Title)
		}
	}
	// {1, 1.2} on 255:45 leaves 4.7:1 in the loss: not balanced.
	s := weighted8515(t, true, []float64{1, 1.2}, collapsed, collapsed, collapsed)
	if f := wantFinding(t, "majority_class_bias", s, Critical); !strings.Contains(f.Evidence[len(f.Evidence)-1].Text, "4.7:1") {
		t.Errorf("weighted imbalance not said: %v", f.Evidence)
	}
	wantFinding(t, "majority_class_bias", weighted8515(t, false, nil, collapsed, collapsed, collapsed), Critical)
	if r := weightedImbalance(&DataFacts{TrainCounts: []int{255, 45}, Imbalance: 5.67, Weighted: true, ClassWeights: balanced}); math.Abs(r-1) > 1e-9 {
		t.Errorf("balanced weights: weighted imbalance %v", r)
	}
}

// Class 1: live, an evaluation at chance after two epochs of 8 steps is
// not yet "not learning" (stuckEarly steps are needed); at the end it is.
func TestLiveAtChanceNeedsSteps(t *testing.T) {
	collapsed := val8515(60, 51, 0)
	s := weighted8515(t, true, nil, collapsed, collapsed, collapsed)
	s.Live = true
	// Losses of a model at the constant prediction (not a slow start:
	// TestLiveAtChanceWaitsOutASlowStart).
	setEpochs(s, "loss", 0.69, 0.69, 0.69)
	setEpochs(s, "val_loss", 0.7, 0.7, 0.7)
	if f := detect(t, "not_learning", s); f == nil || f.Severity != Critical {
		t.Fatalf("300 steps at chance: %v", f)
	}
	short := *s
	short.Records, short.Facts.Loss, short.Epochs = nil, LossTrace{}, nil
	for i, l := range s.Epochs {
		short.Epochs = append(short.Epochs, l.Clone())
		short.Epochs[i]["step"] = float64(8 * (i + 1))
	}
	for st := 1; st <= 24; st++ {
		short.Facts.Loss.Add(st, (st-1)/8+1, 0.69, 0.85)
	}
	if f := atChance(&short); f != nil {
		t.Errorf("live at step 24: %s", f.Title)
	}
	short.Final = true
	if f := atChance(&short); f == nil {
		t.Error("at the end of the run: want not learning")
	}
}

// Class 2: a class-weighted run whose per-class recall clearly beats a
// constant guess has learned, though its accuracy (0.80 on 60 images) is
// not above the 0.85 majority share: information, not an inconclusive
// warning; the verdict is "learning with problems" by balanced accuracy,
// never "learning effectively" on accuracy within chance (balanced.go).
// Unweighted, the same numbers learn too, and the fixes add class weights.
func TestWeightedRunThatSeparatesIsNotInconclusive(t *testing.T) {
	end := val8515(43, 40, 8) // recall 0.78 and 0.89, accuracy 0.80
	for _, weighted := range []bool{true, false} {
		s := weighted8515(t, weighted, nil, end, end, end)
		s.Final = true
		f := wantFinding(t, "learns_by_class", s, Info)
		if hasWeights := strings.Contains(strings.Join(f.Fixes, " "), balancedFix); hasWeights == weighted {
			t.Errorf("weighted %v: fixes %q", weighted, f.Fixes)
		}
		if d := Analyze(s); d.Verdict != LearningWithProblems || find(d, "inconclusive") != nil {
			t.Errorf("weighted %v: verdict %q %v", weighted, d.Verdict, ids(d.Findings))
		}
	}
}

// Class 3: a partly dead ReLU layer in a network that learns well is
// information; in one that does not learn, a warning.
func TestPartlyDeadReLUInALearningNetwork(t *testing.T) {
	dead := func(int) []synthLayer {
		ls := healthyLayers()
		ls[6].dead = 0.8
		return ls
	}
	s := healthySignals(t, 3)
	setLayers(s, dead)
	if f := wantFinding(t, "dying_relu", s, Info); !strings.Contains(f.Title, "learns") {
		t.Errorf("title %q", f.Title)
	}
	// Before the first evaluation: the training loss fell.
	early := prefix(s, 150)
	early.Epochs, early.Facts.Val = nil, nil
	if f := detect(t, "dying_relu", early); f == nil || f.Severity != Info {
		t.Errorf("step 150, loss falling, no evaluation: %+v", f)
	}
	s = stuckAtChance(t, 3)
	setLayers(s, dead)
	wantFinding(t, "dying_relu", s, Warning)
	// On batches of 4 a unit looks dead far more often: 64 images' worth of
	// records (16) are needed, and 6 are not enough.
	s.Spec.Fit.BatchSize = 4
	if n := deadRecords(s); n != 16 {
		t.Errorf("batch 4: %d records, want 16", n)
	}
	wantNone(t, "dying_relu", s)
}

// Class 4: overfitting after the epoch whose weights early stopping
// restores is handled: info; without restore_best_weights, a warning.
func TestRestoredEarlyStoppingHandlesOverfitting(t *testing.T) {
	s := healthySignals(t, 6)
	setEpochs(s, "val_loss", 0.9, 0.8, 0.75, 0.85, 0.95, 1.1)
	setEpochs(s, "loss", 1.2, 0.8, 0.6, 0.4, 0.3, 0.2)
	setEpochs(s, "accuracy", 0.6, 0.7, 0.75, 0.85, 0.9, 0.95)
	setEpochs(s, "val_accuracy", 0.6, 0.65, 0.7, 0.7, 0.68, 0.66)
	wantFinding(t, "overfitting", s, Warning)
	s.Spec.Fit.EarlyStopping = &spec.EarlyStopping{Monitor: "val_loss", Patience: 3, RestoreBestWeights: true}
	if f := wantFinding(t, "overfitting", s, Info); !strings.Contains(f.Title, "restores epoch 3") {
		t.Errorf("title %q", f.Title)
	}
	if b, ok := s.restoredEpoch(); !ok || b != 3 {
		t.Errorf("restored epoch %d %v", b, ok)
	}
	s.Spec.Fit.EarlyStopping.RestoreBestWeights = false
	wantFinding(t, "overfitting", s, Warning)
}

// Class 5: a warning judged on per-epoch measurements is confirmed at the
// second epoch end after its first sighting, as a critical is; another
// warning at the first.
func TestEpochJudgedWarningsNeedTwoEpochEnds(t *testing.T) {
	m := &Monitor{}
	m.sig.Facts.StepsPerEpoch = 17
	for _, id := range []string{"underfitting", "label_noise", "overfitting", "dying_relu"} {
		w := Finding{ID: id, Severity: Warning}
		if m.confirmed(w, 51, true) || m.confirmed(w, 68, true) || !m.confirmed(w, 85, true) {
			t.Errorf("%s: want confirmed at the second epoch end after", id)
		}
	}
	w := Finding{ID: "lr_too_high", Severity: Warning}
	if m.confirmed(w, 51, true) || !m.confirmed(w, 68, true) {
		t.Error("lr_too_high: want confirmed at the next epoch end")
	}
}

// Class 5: live, a run whose training accuracy gains, at their recent
// pace, reach 0.7 within the planned epochs left is not yet underfitting;
// at its end, or off that pace, it is.
func TestUnderfittingOnPaceIsAForecast(t *testing.T) {
	s := healthySignals(t, 4)
	s.Facts.PlannedEpochs = 8
	setEpochs(s, "loss", 1.3, 1.2, 1.12, 1.05)
	setEpochs(s, "accuracy", 0.45, 0.5, 0.54, 0.58)
	valAt(s, 10, 0.55)
	s.Live = true
	if f := detect(t, "underfitting", s); f == nil || f.Severity != Info || f.Evidence[1].Metric != "accuracy_pace" {
		t.Errorf("on pace with 4 epochs left: %+v", f)
	}
	// At the end no epochs are left: the forecast says nothing, but a loss
	// still falling 6.5% an epoch is no plateau (sixth round: info).
	s.Final = true
	if f := detect(t, "underfitting", s); f == nil || f.Severity != Info || f.Evidence[1].Metric != "loss_rate" {
		t.Errorf("at the end, loss still falling: %+v", f)
	}
	setEpochs(s, "loss", 1.3, 1.25, 1.22, 1.2)
	setEpochs(s, "accuracy", 0.5, 0.54, 0.56, 0.57) // 1.5 points an epoch: 8.7 epochs to go
	wantFinding(t, "underfitting", s, Warning)
	s.Final = false
	wantFinding(t, "underfitting", s, Warning)
}

// Class 4: a persistent accuracy gap in a model still improving (its
// validation loss at its lowest in the last epoch, its training accuracy
// clearly rising) is not overfitting yet; the same gap once the training
// accuracy has converged is.
func TestPersistentGapWhileStillImproving(t *testing.T) {
	s := healthySignals(t, 6)
	s.Facts.Data.TrainCounts = []int{135, 135, 135, 135, 135}
	valAt(s, 15, 0.65)
	setEpochs(s, "loss", 1.9, 1.06, 0.72, 0.42, 0.29, 0.22)
	setEpochs(s, "accuracy", 0.34, 0.61, 0.74, 0.87, 0.89, 0.94)
	setEpochs(s, "val_loss", 1.33, 1.11, 0.85, 0.93, 0.95, 0.78)
	setEpochs(s, "val_accuracy", 0.45, 0.59, 0.64, 0.63, 0.65, 0.67)
	if f := detect(t, "overfitting", s); f != nil && f.Severity != Info {
		t.Errorf("still improving: %s %s", f.Severity, f.Title)
	}
	setEpochs(s, "accuracy", 0.34, 0.61, 0.74, 0.92, 0.93, 0.93) // converged on the training set
	wantFinding(t, "overfitting", s, Warning)
	setEpochs(s, "accuracy", 0.34, 0.61, 0.74, 0.87, 0.89, 0.94)
	setEpochs(s, "val_loss", 1.33, 1.11, 0.85, 0.93, 0.98, 1.02) // validation loss off its minimum, rising for two epochs
	wantFinding(t, "overfitting", s, Warning)
}
