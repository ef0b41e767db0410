package diagnose

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// Synthetic signal traces: a healthy run of the basic CNN on a balanced
// 10-class problem (100 steps per epoch, 5 epochs), shaped after real
// MNIST runs, that the tests then break one way at a time.

const (
	synthSPE    = 100
	synthEpochs = 5
	synthEvery  = 50
)

// synthLayer is one layer's statistics in a synthetic record.
type synthLayer struct {
	name, typ, act        string
	grad, weight, ratio   float64
	zero, dead, saturated float64
}

func basicCNNSpec(t testing.TB) *nn.ModelSpec {
	m := nn.BasicCNN(tensor.Shape{28, 28, 1}, 10)
	if err := m.Build(1); err != nil {
		t.Fatal(err)
	}
	s := m.Spec()
	return &s
}

// healthyLayers are a basic CNN's statistics as measured on MNIST.
func healthyLayers() []synthLayer {
	return []synthLayer{
		{"conv2d", "Conv2D", "relu", 0.7, 1.4, 5e-3, 0.02, 0.0, 0},
		{"max_pooling2d", "MaxPooling2D", "", 0, 0, 0, 0, 0, 0},
		{"conv2d_1", "Conv2D", "relu", 0.8, 6.6, 6e-3, 0.02, 0.02, 0},
		{"max_pooling2d_1", "MaxPooling2D", "", 0, 0, 0, 0, 0, 0},
		{"conv2d_2", "Conv2D", "relu", 1.5, 8, 5e-3, 0.22, 0.2, 0},
		{"flatten", "Flatten", "", 0, 0, 0, 0, 0, 0},
		{"dense", "Dense", "relu", 2.5, 10, 3e-3, 0.53, 0.4, 0},
		{"dense_1", "Dense", "softmax", 1.8, 3, 1.5e-3, 0.37, 0, 0.03},
	}
}

func record(step, epoch int, loss float64, layers []synthLayer) train.StepRecord {
	r := train.StepRecord{Type: "step", Step: step, Epoch: epoch, Loss: train.JSONFloat(loss), LR: 0.001}
	for _, l := range layers {
		lr := train.LayerRecord{Layer: l.name, Type: l.typ}
		if l.weight > 0 {
			u := train.JSONFloat(l.ratio)
			ws := train.WeightStats{GradNorm: train.JSONFloat(l.grad), WeightNorm: train.JSONFloat(l.weight), UpdateRatio: &u, GradZeroFrac: train.JSONFloat(l.zero)}
			k := ws
			k.Name = "kernel"
			lr.Weights, lr.Params = &ws, []train.WeightStats{k}
		}
		lr.Activation = &train.ActivationRecord{Activation: l.act, DeadFrac: train.JSONFloat(l.dead), SaturatedFrac: train.JSONFloat(l.saturated), Std: 1}
		r.Layers = append(r.Layers, lr)
	}
	return r
}

// healthySignals returns a healthy run's signals after `epochs` epochs.
func healthySignals(t testing.TB, epochs int) *Signals {
	rng := rand.New(rand.NewPCG(3, 4))
	sp := &spec.Spec{}
	sp.Defaults()
	s := &Signals{Spec: sp, Model: basicCNNSpec(t)}
	for k := 0; k < 10; k++ {
		s.Classes = append(s.Classes, strconv.Itoa(k))
	}
	f := &s.Facts
	f.StepsPerEpoch, f.PlannedEpochs, f.MetricsEvery = synthSPE, synthEpochs, synthEvery
	counts := []int{100, 110, 95, 100, 105, 98, 102, 99, 97, 94}
	f.Data = &DataFacts{Classes: s.Classes, TrainCounts: counts, Imbalance: 110.0 / 94,
		Input: &InputStats{Batches: 4, Min: 0, Max: 1, Mean: 0.13, Std: 0.31}, Dup: &DupFacts{Val: 100, Test: 1000, NearTest: 1}}
	f.Init = &InitFacts{Loss: 2.295, Expected: math.Log(10), Samples: 32}
	for step := 1; step <= epochs*synthSPE; step++ {
		p := math.Exp(-float64(step) / 60)
		loss := (0.08 + 2.22*p) * (1 + 0.15*rng.NormFloat64())
		acc := min(1, max(0, 0.97-0.87*p+0.05*rng.NormFloat64()))
		f.Loss.Add(step, (step-1)/synthSPE+1, loss, acc)
		if step == 1 || step%synthEvery == 0 {
			s.Records = append(s.Records, record(step, (step-1)/synthSPE+1, loss, healthyLayers()))
		}
	}
	for e := 1; e <= epochs; e++ {
		loss, acc, _ := f.Loss.window((e-1)*synthSPE, e*synthSPE)
		vl := 0.05 + 0.4*math.Exp(-float64(e))
		s.Epochs = append(s.Epochs, train.Logs{"epoch": float64(e), "step": float64(e * synthSPE), "loss": loss, "accuracy": acc,
			"val_loss": vl, "val_accuracy": 0.99 - vl/2, "lr": 0.001})
		v := ValFacts{Epoch: e}
		for k := 0; k < 10; k++ {
			v.Support = append(v.Support, 10)
			v.Pred = append(v.Pred, 10)
			v.Correct = append(v.Correct, 9)
		}
		f.Val = append(f.Val, v)
	}
	if epochs >= 2 {
		f.Noise = &NoiseFacts{Epochs: epochs, Samples: 1000, Suspects: 4}
	}
	return s
}

// find returns the finding with id, or nil.
func find(d *Diagnosis, id string) *Finding {
	for i := range d.Findings {
		if d.Findings[i].ID == id {
			return &d.Findings[i]
		}
	}
	return nil
}

// detect runs one detector by ID.
func detect(t *testing.T, id string, s *Signals) *Finding {
	t.Helper()
	for _, d := range Detectors {
		if d.ID == id {
			return d.Detect(s)
		}
	}
	t.Fatalf("no detector %q", id)
	return nil
}

// wantFinding checks that a detector fires with a severity.
func wantFinding(t *testing.T, id string, s *Signals, sev Severity) *Finding {
	t.Helper()
	f := detect(t, id, s)
	if f == nil {
		t.Fatalf("%s: no finding, want %s", id, sev)
	}
	if f.Severity != sev {
		t.Errorf("%s: severity %s, want %s (%s)", id, f.Severity, sev, f.Title)
	}
	if f.Title == "" || len(f.Evidence) == 0 || len(f.Fixes) == 0 {
		t.Errorf("%s: incomplete finding %+v", id, f)
	}
	return f
}

func wantNone(t *testing.T, id string, s *Signals) {
	t.Helper()
	if f := detect(t, id, s); f != nil {
		t.Errorf("%s: unexpected %s finding %q (%v)", id, f.Severity, f.Title, f.Evidence)
	}
}

// setLoss rewrites the loss trace with loss(step) and acc(step).
func setLoss(s *Signals, loss, acc func(step int) float64) {
	steps := s.Facts.Loss.Step
	s.Facts.Loss = LossTrace{}
	for _, st := range steps {
		s.Facts.Loss.Add(st, (st-1)/synthSPE+1, loss(st), acc(st))
	}
}

// setLayers replaces every record after step 1 with layers(step).
func setLayers(s *Signals, layers func(step int) []synthLayer) {
	for i, r := range s.Records {
		if r.Step > 1 {
			s.Records[i] = record(r.Step, r.Epoch, float64(r.Loss), layers(r.Step))
		}
	}
}

// setEpochs sets a metric per epoch.
func setEpochs(s *Signals, name string, v ...float64) {
	for i := range s.Epochs {
		if i < len(v) {
			s.Epochs[i][name] = v[i]
		}
	}
}

// prefix returns the signals as they stood after step (what the live
// monitor saw then).
func prefix(s *Signals, step int) *Signals {
	p := *s
	p.Facts.Loss = LossTrace{}
	t := &s.Facts.Loss
	for i := 0; i < t.Len() && t.Step[i] <= step; i++ {
		p.Facts.Loss.push(t.Step[i], t.Epoch[i], float64(t.Loss[i]), float64(t.Max[i]), t.Acc[i])
	}
	p.Facts.Loss.Stride = t.Stride
	p.Records = nil
	for _, r := range s.Records {
		if r.Step <= step {
			p.Records = append(p.Records, r)
		}
	}
	n := min(step/synthSPE, len(s.Epochs))
	p.Epochs = s.Epochs[:n]
	p.Facts.Val = s.Facts.Val[:min(n, len(s.Facts.Val))]
	if n < 2 {
		p.Facts.Noise = nil
	}
	return &p
}

func jsonNaN() train.JSONFloat { return train.JSONFloat(math.NaN()) }

type nnLayerSpec = nn.LayerSpec
