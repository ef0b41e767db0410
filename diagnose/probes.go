package diagnose

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// Epoch-end probes: what the per-step signals cannot tell.
//
//   - The training-set evaluation: at most trainEvalMax training images
//     (every image of a class with few, the rest drawn at random, once)
//     predicted in inference mode at each epoch end, giving per-class
//     recall and the predicted-class distribution. It runs only when the
//     validation split cannot answer: there is none, or a class has fewer
//     than minoritySupport validation images although it has that many
//     training images (a 95:5 set of 300 images leaves 0-2 minority
//     images in validation). Cost: one forward pass over at most 256
//     images per epoch.
//   - The BatchNormalization probe: one training batch through the model
//     twice, once with BatchNormalization in training mode (batch
//     statistics) and once in inference mode (moving statistics),
//     everything else in inference mode; the moving statistics are put
//     back afterwards, so training is not changed. Runs at each epoch end
//     in a model with BatchNormalization. Cost: two forward passes of one
//     batch per epoch.
//
// Both add to the monitor's measured overhead.
const trainEvalMax = 256

// ProbeFacts is one BatchNormalization probe.
type ProbeFacts struct {
	Epoch            int     `json:"epoch"`
	Samples          int     `json:"samples"`
	TrainModeAcc     float64 `json:"train_mode_accuracy"`
	InferenceModeAcc float64 `json:"inference_mode_accuracy"`
	TrainModeLoss    float64 `json:"train_mode_loss"`
	InferenceLoss    float64 `json:"inference_mode_loss"`
}

// evalSet is a fixed set of preprocessed training images.
type evalSet struct {
	x      []*tensor.Tensor
	labels [][]int32
}

// needTrainEval reports whether the validation split cannot judge the
// classes (see the probes' comment).
func needTrainEval(p *train.Prepared) bool {
	if len(p.ValIdx) == 0 {
		return true
	}
	val := data.CountClasses(p.Train.Labels, p.ValIdx, len(p.Classes))
	for k, c := range p.Counts {
		if c >= minoritySupport && k < len(val) && val[k] < minoritySupport {
			return true
		}
	}
	return false
}

// trainEvalSet draws the training-set evaluation's images: all of each
// class when it has at most trainEvalMax/C, else a random share.
func trainEvalSet(p *train.Prepared, seed uint64) (*evalSet, error) {
	c := max(len(p.Classes), 1)
	per := max(trainEvalMax/c, 1)
	byClass := make([][]int, c)
	for _, i := range p.TrainIdx {
		if k := int(p.Train.Labels[i]); k >= 0 && k < c {
			byClass[k] = append(byClass[k], i)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x7e5e7))
	// Small classes whole; the big ones share what is left.
	var idx []int
	var big []int
	for k, ix := range byClass {
		if len(ix) <= per {
			idx = append(idx, ix...)
		} else {
			big = append(big, k)
		}
	}
	left := max(trainEvalMax-len(idx), 0)
	for n, k := range big {
		ix := byClass[k]
		take := min(len(ix), left/(len(big)-n))
		rng.Shuffle(len(ix), func(a, b int) { ix[a], ix[b] = ix[b], ix[a] })
		idx = append(idx, ix[:take]...)
		left -= take
	}
	l, err := data.NewEvalLoader(p.Train, idx, data.EvalConfig{BatchSize: 64, Preprocess: p.Preprocess})
	if err != nil {
		return nil, err
	}
	es := &evalSet{}
	it := l.Epoch(0)
	defer it.Close()
	for b, ok := it.Next(); ok; b, ok = it.Next() {
		es.x = append(es.x, b.X.Clone())
		es.labels = append(es.labels, append([]int32(nil), b.Labels...))
		b.Release()
	}
	return es, nil
}

// evaluate predicts the set in inference mode: per-class counts.
func (es *evalSet) evaluate(m nn.Model, classes, epoch int) ValFacts {
	v := ValFacts{Epoch: epoch, Support: make([]int, classes), Pred: make([]int, classes), Correct: make([]int, classes)}
	for i, x := range es.x {
		out := m.Forward(x, false)
		d := len(out.Data) / len(es.labels[i])
		for j, l := range es.labels[i] {
			p := argmax(out.Data[j*d : (j+1)*d])
			if d == 1 { // one sigmoid output: class 1 above 0.5
				p = 0
				if out.Data[j] > 0.5 {
					p = 1
				}
			}
			if int(l) < classes && p < classes {
				v.Support[l]++
				v.Pred[p]++
				if p == int(l) {
					v.Correct[l]++
				}
			}
		}
	}
	return v
}

func argmax(xs []float32) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] {
			best = i
		}
	}
	return best
}

// hasBatchNorm reports whether a model has a BatchNormalization layer.
func hasBatchNorm(m nn.Model) bool {
	for _, l := range nn.Layers(m) {
		if _, ok := l.(*nn.BatchNormalization); ok {
			return true
		}
	}
	return false
}

// bnParams lists the moving statistics of the model's BatchNormalization
// layers (their non-trainable params), in layer order.
func bnParams(m nn.Model) []*nn.Param {
	var ps []*nn.Param
	for _, l := range nn.Layers(m) {
		if bn, ok := l.(*nn.BatchNormalization); ok {
			for _, p := range bn.Params() {
				if !p.Trainable {
					ps = append(ps, p)
				}
			}
		}
	}
	return ps
}

// forwardBatchStats runs x with BatchNormalization in training mode (the
// batch's own statistics, as a training step sees them) and every other
// layer in inference mode (Dropout off), then puts back the moving
// statistics that pass updated. The result belongs to the model.
func forwardBatchStats(m nn.Model, x *tensor.Tensor) *tensor.Tensor {
	ps := bnParams(m)
	saved := make([][]float32, len(ps))
	for i, p := range ps {
		saved[i] = slices.Clone(p.Value.Data)
	}
	h := nn.ForwardEach(m, x, func(l nn.Layer) bool {
		_, isBN := l.(*nn.BatchNormalization)
		return isBN
	})
	for i, p := range ps {
		copy(p.Value.Data, saved[i])
	}
	return h
}

// bnProbe runs one batch with BatchNormalization in training mode and in
// inference mode (every other layer in inference mode), leaving the moving
// statistics as they were.
func bnProbe(m nn.Model, lossFn nn.Loss, x *tensor.Tensor, labels []int32, epoch int) ProbeFacts {
	score := func(h *tensor.Tensor) (acc, loss float64) {
		d := len(h.Data) / len(labels)
		correct := 0
		for j, lb := range labels {
			if argmax(h.Data[j*d:(j+1)*d]) == int(lb) {
				correct++
			}
		}
		loss = lossFn.Compute(h, nn.Target{Labels: labels}, nil, nil, nil)
		return float64(correct) / float64(len(labels)), loss
	}
	pf := ProbeFacts{Epoch: epoch, Samples: len(labels)}
	pf.TrainModeAcc, pf.TrainModeLoss = score(forwardBatchStats(m, x))
	pf.InferenceModeAcc, pf.InferenceLoss = score(m.Forward(x, false))
	if !finite(pf.TrainModeLoss) {
		pf.TrainModeLoss = math.MaxFloat32
	}
	if !finite(pf.InferenceLoss) {
		pf.InferenceLoss = math.MaxFloat32
	}
	return pf
}

// Probe cadence (issue 10, sixth round): the probes' cost is fixed per
// epoch, so on runs of few steps an epoch they dominated the monitor's
// cost (measured: a 200-image run of 6 steps an epoch spent 1.3 s of its
// 6.5 s evaluating its 180 training images 25 times; a 300-image 95:5
// run 0.7 s of 3.0 s in 3 epochs: 20-28% of the run). An epoch end runs
// them only when the time they have taken so far, plus the expected cost
// of this one (the last one's, or before any, a forward pass's share of
// the step time: a training step is about three forward passes), stays
// within probeBudget of the time trained so far. The planned last epoch
// is always probed, and a run that ends earlier (early stopping, a stop
// on a finding) is probed at its end: the final diagnosis judges the
// model as it ended.
const probeBudget = 0.03

// probeDue reports whether the probes run at this epoch end.
func (m *Monitor) probeDue(epoch int) bool {
	if m.evalSet == nil && m.probeX == nil {
		return false
	}
	if epoch >= m.sig.Facts.PlannedEpochs {
		return true
	}
	cost := m.probeSec
	if cost == 0 && m.stepSec > 0 {
		imgs := 2 * len(m.probeLabels)
		if m.evalSet != nil {
			for _, l := range m.evalSet.labels {
				imgs += len(l)
			}
		}
		batch := 32
		if m.sig.Spec != nil && m.sig.Spec.Fit.BatchSize > 0 {
			batch = m.sig.Spec.Fit.BatchSize
		}
		cost = float64(imgs) / float64(batch) * m.stepSec / 3
	}
	return m.sig.Facts.ProbeSeconds+cost <= probeBudget*time.Since(m.started).Seconds()
}

// probeAtEnd probes a run whose last completed epoch was not probed
// (nothing when its loss went non-finite: the weights are broken).
func (m *Monitor) probeAtEnd(s *train.State) {
	if n := len(m.sig.Epochs); n > m.probedEpoch && m.sig.Facts.NaN == nil {
		m.probe(s, n)
	}
}

// probe runs the epoch-end probes the monitor was set up for.
func (m *Monitor) probe(s *train.State, epoch int) {
	if s.Model == nil {
		return
	}
	t0 := time.Now()
	defer func() { m.probedEpoch, m.probeSec = epoch, time.Since(t0).Seconds() }()
	f := &m.sig.Facts
	if m.evalSet != nil {
		f.TrainEval = append(f.TrainEval, m.evalSet.evaluate(s.Model, m.sig.NumClasses(), epoch))
	}
	if m.probeX != nil && hasBatchNorm(s.Model) && !strings.Contains(strings.ToLower(m.sig.lossName()), "binary") {
		f.BNProbe = append(f.BNProbe, bnProbe(s.Model, s.Loss, m.probeX, m.probeLabels, epoch))
	}
	f.ProbeSeconds += time.Since(t0).Seconds()
}
