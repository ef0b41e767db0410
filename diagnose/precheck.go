package diagnose

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// precheckBatches is how many preprocessed training batches the input
// statistics cover.
const precheckBatches = 4

// Setup runs the checks before step 1 (train.RunOptions.Setup calls it
// once the data are prepared and the model built): label counts and
// imbalance, statistics of a few preprocessed batches, duplicates across
// the splits (leakage), the untrained model's loss on one batch and, with
// Sanity, an attempt to overfit 32 samples. It leaves the model, its
// random state and the loaders as it found them. A resumed run keeps the
// facts of its diagnosis.json and only repeats the data checks (and the
// initial loss when its diagnosis.json lacks it: see checkpointed).
func (m *Monitor) Setup(spec *spec.Spec, p *train.Prepared, model nn.Model, tr, val *data.Loader, resume bool) error {
	start := time.Now()
	m.ensure()
	m.setupDone = true
	m.sig.Spec, m.sig.Classes, m.sig.Dir = spec, p.Classes, m.Dir
	ms := model.Spec()
	m.sig.Model = &ms
	if resume && m.Dir != "" {
		if old, err := readDiagnosis(m.Dir); err == nil {
			if old.Facts != nil {
				m.sig.Facts = *old.Facts
			}
			m.restoreRaised(old)
		}
	}
	f := &m.sig.Facts
	f.MetricsEvery = spec.Fit.MetricsEvery
	d := &DataFacts{Classes: p.Classes, TrainCounts: p.Counts, Imbalance: data.ImbalanceRatio(p.Counts),
		Weighted:     p.ClassWeights != nil || spec.Data.Sampling == "oversample" || spec.Data.Sampling == "undersample",
		ClassWeights: p.ClassWeights}
	if len(p.ValIdx) > 0 {
		d.ValCounts = data.CountClasses(p.Train.Labels, p.ValIdx, len(p.Classes))
	}
	m.noise.ds = p.Train
	x, labels, stats := sampleBatches(tr, precheckBatches)
	d.Input = stats
	m.probeX, m.probeLabels = x, labels
	if needTrainEval(p) {
		es, err := trainEvalSet(p, spec.Seed)
		if err != nil {
			return err
		}
		m.evalSet = es
	}
	d.Dup = duplicates(p)
	f.Data = d
	lossFn, err := spec.Compile.NewLoss()
	if err != nil {
		return err
	}
	switch {
	case x == nil:
	case !resume || f.Init == nil && !checkpointed(m.Dir):
		f.Init = m.initFacts(model, lossFn, x, labels)
		if m.Sanity {
			f.Sanity, err = sanityCheck(spec, model, lossFn, x, labels)
			if err != nil {
				return err
			}
		}
	case f.Init == nil:
		// Resumed from a checkpoint, with no diagnosis.json before it
		// (epochs shorter than its first write's wait): the initial loss
		// is the untrained model's, built again as train built it.
		in := tensor.Shape{p.Train.Height, p.Train.Width, p.Train.Channels}
		if fresh, err := train.BuildModel(spec, in, len(p.Classes)); err == nil {
			f.Init = m.initFacts(fresh, lossFn, x, labels)
		}
	}
	f.PrecheckSeconds = time.Since(start).Seconds()
	if m.Out != nil {
		fmt.Fprintln(m.Out, checksLine(&m.sig))
	}
	d0 := Analyze(&m.sig)
	m.raiseAtSetup(d0)
	m.diag = d0
	return nil
}

// initFacts is the initial-loss check: model's loss and output spread
// on the batch x before training.
func (m *Monitor) initFacts(model nn.Model, lossFn nn.Loss, x *tensor.Tensor, labels []int32) *InitFacts {
	out := initialOutput(model, x)
	return &InitFacts{Loss: train.JSONFloat(lossFn.Compute(out, nn.Target{Labels: labels}, nil, nil, nil)),
		Expected: m.sig.ChanceLoss(), Samples: len(labels), OutputSpread: outputSpread(out.Data, len(labels))}
}

// checkpointed reports whether the run in dir has a resume checkpoint. A
// resume without one trains from epoch 1 with the freshly built model,
// the one the interrupted run started from: Setup measures its initial
// loss again when diagnosis.json does not hold it (a run killed before
// its first write, which waits writeEvery times its cost after
// TrainBegin), the same facts the uninterrupted run records.
func checkpointed(dir string) bool {
	return dir != "" && train.HasCheckpoint(dir)
}

// raiseAtSetup raises the warnings and critical findings of the checks
// before training, at step 0; one a resumed run raised before keeps its
// step (restoreRaised).
func (m *Monitor) raiseAtSetup(d0 *Diagnosis) {
	for _, fd := range d0.Findings {
		if fd.Severity == Info {
			continue
		}
		m.printed[fd.ID] = fd.Severity
		fd.Detected = 0
		if e, ok := m.emitted[fd.ID]; ok {
			fd.Detected = e.Detected
		} else {
			m.order = append(m.order, fd.ID)
		}
		m.emitted[fd.ID] = fd
		m.print(fd, 0, false)
		if m.OnRaise != nil {
			m.OnRaise(fd)
		}
	}
}

// restoreRaised takes back what the interrupted part of a resumed run
// raised, from its diagnosis.json: each warning or critical finding with
// the step it was first raised at, so that the run's end says "(step 48)"
// as the uninterrupted run would. Findings of its end that were never
// raised live (step 0, or info) are left to be raised again.
func (m *Monitor) restoreRaised(old *Diagnosis) {
	var raised []Finding
	for _, f := range old.Findings {
		if f.Detected > 0 {
			raised = append(raised, f)
		}
	}
	raised = append(raised, old.Earlier...)
	slices.SortStableFunc(raised, func(a, b Finding) int { return a.Detected - b.Detected })
	for _, f := range raised {
		if _, ok := m.emitted[f.ID]; ok || f.ID == "" {
			continue
		}
		m.emitted[f.ID] = f
		m.order = append(m.order, f.ID)
	}
}

// checksLine summarizes the pre-training checks in one line.
func checksLine(s *Signals) string {
	f := &s.Facts
	msg := fmt.Sprintf("Checks before training (%.1fs):", f.PrecheckSeconds)
	if d := f.Data; d != nil {
		if in := d.Input; in != nil {
			msg += fmt.Sprintf(" inputs %.3g..%.3g (mean %.3g, std %.3g);", in.Min, in.Max, in.Mean, in.Std)
		}
		msg += fmt.Sprintf(" %d classes, imbalance %.2f;", len(d.Classes), d.Imbalance)
		if dp := d.Dup; dp != nil {
			msg += fmt.Sprintf(" %d validation/%d test images copy training ones;", dp.ExactVal+dp.NearVal, dp.ExactTest+dp.NearTest)
		}
	}
	if in := f.Init; in != nil {
		msg += fmt.Sprintf(" initial loss %.3f (uniform guess %.3f)", float64(in.Loss), in.Expected)
	}
	if sf := f.Sanity; sf != nil {
		msg += fmt.Sprintf("; sanity: 32 samples from loss %.3g to %.3g in %d steps", float64(sf.InitialLoss), float64(sf.FinalLoss), sf.Steps)
	}
	return msg
}

// sampleBatches reads up to n training batches: statistics of their
// values, and a copy of the first batch (for the initial loss).
func sampleBatches(tr *data.Loader, n int) (*tensor.Tensor, []int32, *InputStats) {
	if tr == nil {
		return nil, nil, nil
	}
	it := tr.Epoch(0)
	defer it.Close()
	var x *tensor.Tensor
	var labels []int32
	st := &InputStats{Min: math.Inf(1), Max: math.Inf(-1)}
	var sum, sq float64
	var count int
	for b, ok := it.Next(); ok && st.Batches < n; b, ok = it.Next() {
		if x == nil {
			x, labels = b.X.Clone(), append([]int32(nil), b.Labels...)
		}
		for _, v := range b.X.Data {
			f := float64(v)
			if !finite(f) {
				st.NonFinite++
				continue
			}
			st.Min, st.Max = min(st.Min, f), max(st.Max, f)
			sum += f
			sq += f * f
			count++
		}
		st.Batches++
		b.Release()
	}
	if st.Batches == 0 {
		return nil, nil, nil
	}
	if count == 0 {
		st.Min, st.Max = 0, 0
		return x, labels, st
	}
	st.Mean = sum / float64(count)
	st.Std = math.Sqrt(max(sq/float64(count)-st.Mean*st.Mean, 0))
	return x, labels, st
}

// duplicates counts validation and test images that copy training images,
// with data.Inspect's exact and near-duplicate hashing.
func duplicates(p *train.Prepared) *DupFacts {
	sets := []data.InspectSet{{Name: "train", Data: p.Train, Indices: p.TrainIdx}}
	if len(p.ValIdx) > 0 {
		sets = append(sets, data.InspectSet{Name: "validation", Data: p.Train, Indices: p.ValIdx})
	}
	if p.Test != nil {
		sets = append(sets, data.InspectSet{Name: "test", Data: p.Test})
	}
	if len(sets) == 1 {
		return nil
	}
	// Every group is listed, so that near copies can be confirmed pixel
	// by pixel (leakcheck.go).
	r := data.Inspect(sets, data.InspectOptions{MaxGroups: math.MaxInt32})
	dd := r.Duplicates
	nearVal, nearTest, groups := confirmNear(p, dd.Groups)
	dd.Groups = groups
	df := &DupFacts{Val: len(p.ValIdx), ExactVal: dd.Exact["train/validation"], NearVal: nearVal,
		ExactTest: dd.Exact["train/test"], NearTest: nearTest, Conflicting: dd.ConflictingLabels}
	if p.Test != nil {
		df.Test = p.Test.Len()
	}
	per := map[string]int{}
	for _, g := range dd.Groups {
		if len(g.Members) < 2 || g.Members[0].Set != "train" {
			continue
		}
		for _, b := range g.Members[1:] {
			if b.Set != "train" && per[b.Set] < 3 {
				per[b.Set]++
				df.Examples = append(df.Examples, fmt.Sprintf("%s copy: %s (train) = %s (%s)", g.Kind, g.Members[0].Source, b.Source, b.Set))
			}
		}
	}
	return df
}

// outputSpread is the largest spread over n samples of any of the model's
// outputs (rows of out), relative to the outputs' scale when above 1.
func outputSpread(out []float32, n int) *float64 {
	if n < 2 || len(out)%n != 0 {
		return nil
	}
	d := len(out) / n
	spread, scale := 0.0, 1.0
	for j := 0; j < d; j++ {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := 0; i < n; i++ {
			v := float64(out[i*d+j])
			if !finite(v) {
				return nil
			}
			lo, hi = min(lo, v), max(hi, v)
			scale = max(scale, math.Abs(v))
		}
		spread = max(spread, hi-lo)
	}
	spread /= scale
	return &spread
}

// initialOutput is the untrained model's output on x as the first
// training step computes it: with BatchNormalization on the batch's own
// statistics. Its initial moving statistics (mean 0, variance 1) normalize
// nothing, so an inference-mode pass through a deep BatchNormalization
// network (resnet-20: loss 11 against ln 3 = 1.1) would blame the
// initialization for what the first step never sees.
func initialOutput(model nn.Model, x *tensor.Tensor) *tensor.Tensor {
	if hasBatchNorm(model) {
		return forwardBatchStats(model, x)
	}
	return model.Forward(x, false)
}
