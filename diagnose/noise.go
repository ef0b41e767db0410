package diagnose

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/train"
)

// noiseTracker follows every training sample across epochs: whether it
// was a suspect (misclassified, loss above ln C, the other class given
// 50% or more) each time it was seen. Its cost is an argmax per sample.
type noiseTracker struct {
	classes int
	chance  float32
	ds      *data.Dataset
	seen    []int32 // last epoch (1-based) the sample was seen in
	streak  []uint8 // consecutive epochs as a suspect
	loss    []float32
	conf    []float32
	pred    []int16
	// rose and stuck: the epoch (1-based) in which the sample, seen the
	// epoch before, had a loss above ln C that rose by risingFactor, or
	// was misclassified as the same class as the epoch before with a
	// loss above ln C (see risingShare).
	rose, stuck []int32
	lab         []int16
	epochs      int
	firstEp     int
}

// A suspect is predicted as another class with 50% or more, and stays one
// with a loss that did not fall by more than 5% since the last epoch.
const (
	suspectConfidence = 0.5
	suspectStay       = 0.95
	risingFactor      = 1.05
)

func (t *noiseTracker) reset(classes int, chance float64) {
	t.classes, t.chance = classes, float32(chance)
	t.seen, t.streak, t.loss, t.conf, t.pred = nil, nil, nil, nil, nil
	t.rose, t.stuck, t.lab = nil, nil, nil
	t.epochs, t.firstEp = 0, 0
}

func (t *noiseTracker) grow(n int) {
	if n <= len(t.seen) {
		return
	}
	n = max(n, 2*len(t.seen))
	t.seen = append(t.seen, make([]int32, n-len(t.seen))...)
	t.streak = append(t.streak, make([]uint8, n-len(t.streak))...)
	t.loss = append(t.loss, make([]float32, n-len(t.loss))...)
	t.conf = append(t.conf, make([]float32, n-len(t.conf))...)
	t.pred = append(t.pred, make([]int16, n-len(t.pred))...)
	t.rose = append(t.rose, make([]int32, n-len(t.rose))...)
	t.stuck = append(t.stuck, make([]int32, n-len(t.stuck))...)
	t.lab = append(t.lab, make([]int16, n-len(t.lab))...)
}

// observe records one training batch (its per-sample losses and outputs).
func (t *noiseTracker) observe(b *train.StepInfo) {
	if b.PerSample == nil || b.Output == nil || b.Batch == nil || t.classes < 2 {
		return
	}
	n := len(b.Batch.Labels)
	d := len(b.Output.Data) / max(n, 1)
	if d != t.classes || len(b.PerSample) < n {
		return
	}
	ep := int32(b.Epoch + 1)
	if t.firstEp == 0 {
		t.firstEp = int(ep)
	}
	for i, idx := range b.Batch.Indices {
		if idx >= len(t.seen) {
			t.grow(idx + 1)
		}
		row := b.Output.Data[i*d : (i+1)*d]
		if !finite(float64(b.PerSample[i])) || !allFinite(row) {
			continue // a step that went NaN says nothing about the labels (and JSON holds no NaN)
		}
		p := 0
		for j, v := range row {
			if v > row[p] {
				p = j
			}
		}
		suspect := p != int(b.Batch.Labels[i]) && b.PerSample[i] > t.chance && row[p] >= suspectConfidence
		if t.seen[idx] > 0 && t.seen[idx] == ep-1 && b.PerSample[i] > t.chance && p != int(b.Batch.Labels[i]) && int16(p) == t.pred[idx] {
			t.stuck[idx] = ep
			if b.PerSample[i] > risingFactor*t.loss[idx] {
				t.rose[idx] = ep
			}
		}
		switch {
		case !suspect:
			t.streak[idx] = 0
		case t.seen[idx] == ep-1 && t.streak[idx] > 0:
			// Still a suspect, and the model did not move toward the
			// label: a learnable sample's loss falls as training goes on.
			if b.PerSample[i] >= suspectStay*t.loss[idx] {
				t.streak[idx] = min(t.streak[idx]+1, 250)
			} else {
				t.streak[idx] = 1
			}
		case t.seen[idx] != ep:
			t.streak[idx] = 1
		}
		t.seen[idx], t.loss[idx], t.conf[idx], t.pred[idx] = ep, b.PerSample[i], row[p], int16(p)
		t.lab[idx] = int16(b.Batch.Labels[i])
	}
}

// facts summarizes the tracker at the end of epoch (1-based).
func (t *noiseTracker) facts(epoch int, classes []string, prev *NoiseFacts) *NoiseFacts {
	if t.firstEp == 0 {
		return nil
	}
	nf := &NoiseFacts{Epochs: epoch - t.firstEp + 1}
	defer func() {
		if prev != nil {
			nf.RisingHistory = slices.Clone(prev.RisingHistory)
			nf.StuckHistory = slices.Clone(prev.StuckHistory)
		}
		n := float64(max(nf.Samples, 1))
		nf.RisingHistory = append(nf.RisingHistory, float64(nf.Rising)/n)
		nf.StuckHistory = append(nf.StuckHistory, float64(nf.Stuck)/n)
	}()
	var sus, stuck []int
	correct := 0
	defer func() {
		nf.CorrectConf /= float64(max(correct, 1))
		nf.StuckConf /= float64(max(nf.Stuck, 1))
	}()
	nf.StuckByLabel, nf.SuspectsByLabel = make([]int, t.classes), make([]int, t.classes)
	for i, e := range t.seen {
		if int(e) != epoch {
			continue
		}
		nf.Samples++
		if t.rose[i] == int32(epoch) {
			nf.Rising++
		}
		if t.pred[i] == t.lab[i] {
			nf.CorrectConf += float64(t.conf[i])
			correct++
		}
		if t.stuck[i] == int32(epoch) {
			nf.StuckConf += float64(t.conf[i])
			nf.Stuck++
			if l := int(t.lab[i]); l >= 0 && l < t.classes {
				nf.StuckByLabel[l]++
			}
			if t.streak[i] < 2 {
				stuck = append(stuck, i)
			}
		}
		if t.streak[i] >= 2 {
			sus = append(sus, i)
			if l := int(t.lab[i]); l >= 0 && l < t.classes {
				nf.SuspectsByLabel[l]++
			}
		}
	}
	nf.Suspects = len(sus)
	byLoss := func(a, b int) int { return cmp.Compare(t.loss[b], t.loss[a]) }
	slices.SortFunc(sus, byLoss)
	if len(sus) < 20 {
		// Early in a run few images are confidently wrong: the samples
		// stuck on one other class fill the list (stuck rule, label_noise).
		slices.SortFunc(stuck, byLoss)
		sus = append(sus, stuck[:min(len(stuck), 20-len(sus))]...)
	}
	for _, i := range sus {
		s := Suspect{Index: i, Loss: float64(t.loss[i]), Confidence: float64(t.conf[i]), Source: "#" + itoa(i)}
		if t.ds != nil && i < len(t.ds.Sources) {
			s.Source = t.ds.Sources[i]
			s.Label = nameOf(classes, int(t.ds.Labels[i]))
		} else {
			s.Label = nameOf(classes, int(t.lab[i]))
		}
		s.Predicted = nameOf(classes, int(t.pred[i]))
		nf.Worst = append(nf.Worst, s)
	}
	return nf
}

func nameOf(names []string, k int) string {
	if k >= 0 && k < len(names) {
		return names[k]
	}
	return itoa(k)
}

func itoa(i int) string { return strconv.Itoa(i) }
