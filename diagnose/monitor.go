package diagnose

import (
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"time"

	"github.com/cnnscope/cnnscope/internal/atomicfile"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// ErrStoppedOnCritical is returned (wrapped) by a fit that a Monitor with
// StopOn: Critical stopped.
var ErrStoppedOnCritical = errors.New("stopped on a critical finding")

// stoppable are the critical findings a run cannot recover from.
var stoppable = map[string]bool{"nan": true, "divergence": true, "dying_relu": true}

// Analysis cadence: detectors run after every step of the first ten, at
// every new metrics record, at a non-finite loss and at every epoch end;
// otherwise every cadence steps, where cadence keeps their cost under
// analysisBudget of the step time (it adapts to the measured times); between
// epoch ends, all within the monitor's time budget (budget.go).
const (
	analysisBudget = 0.005
	maxCadence     = 64
)

// Monitor is a train.Callback that collects Signals while a model trains,
// runs the detectors, prints each warning or critical finding when it is
// first raised, and writes diagnosis.json after every epoch and at the end.
//
// List it after train.MetricsLogger (train.Run puts RunOptions.Callbacks
// there): it reads the per-layer records MetricsLogger appends to
// Dir/metrics.jsonl instead of measuring them a second time. Its own cost
// per step is recording the batch loss and, per sample, whether it was
// misclassified (it turns Options.PerSampleLoss on).
type Monitor struct {
	train.Nop
	// Dir is the run directory: the monitor follows Dir/metrics.jsonl and
	// writes Dir/diagnosis.json ("": neither).
	Dir string
	// Out receives live findings (nil: silent); Terminal clears the
	// progress bar's line before printing.
	Out      io.Writer
	Terminal bool
	// StopOn set to Critical stops the run at the first critical finding
	// it cannot recover from (NaN, divergence, a dead network): the batch
	// hook returns an error wrapping ErrStoppedOnCritical, so the broken
	// epoch is never checkpointed and checkpoints/ keeps the last good one.
	// One that holds at the last epoch end stops it there, confirmed or
	// not: the final diagnosis calls that run not learning.
	StopOn Severity
	// Sanity makes Setup overfit 32 samples before training (--sanity).
	Sanity bool
	// OnRaise, when set, is called with each warning or critical finding
	// when it is first raised, and again when its severity rises; its
	// Detected is the global step (0: before training).
	OnRaise func(f Finding)

	sig         Signals
	setupDone   bool
	noise       noiseTracker
	follow      *follower
	nanCB       *train.TerminateOnNaN
	printed     map[string]Severity
	emitted     map[string]Finding
	order       []string
	diag        *Diagnosis
	runID       string // names the run in diagnosis.json
	unavailable []string
	// The epoch-end probes' inputs (probes.go): the training-set
	// evaluation's images (nil: not needed) and one training batch.
	evalSet     *evalSet
	probeX      *tensor.Tensor
	probeLabels []int32
	// probedEpoch is the last epoch probed, probeSec what that took.
	probedEpoch int
	probeSec    float64
	// pending holds live findings not yet confirmed: the step each was
	// first seen at and the epoch ends it held at since (see confirmed).
	pending map[string]pendingFinding

	started, lastEnd    time.Time
	lastWrite           time.Time
	writeSec            float64
	overhead            time.Duration
	stepSec, anaSec     float64
	cadence, sinceLast  int
	stopped, trainEnded bool
}

// ensure makes the monitor's maps (Setup runs before TrainBegin).
func (m *Monitor) ensure() {
	if m.printed == nil {
		m.printed, m.emitted = map[string]Severity{}, map[string]Finding{}
	}
}

// Signals returns what the monitor has collected so far.
func (m *Monitor) Signals() *Signals { return &m.sig }

// Diagnosis returns the latest diagnosis (the final one after training;
// nil before any analysis).
func (m *Monitor) Diagnosis() *Diagnosis { return m.diag }

func (m *Monitor) TrainBegin(s *train.State) error {
	start := time.Now()
	m.started, m.lastEnd = start, time.Time{}
	m.runID = s.Options.RunID
	// The first epoch-end write waits as the later ones do, from the
	// start of training, with a first guess of its cost.
	m.lastWrite = start
	if m.writeSec == 0 {
		m.writeSec = firstWriteGuess
	}
	m.ensure()
	m.cadence, m.sinceLast, m.stopped, m.trainEnded = 1, 0, false, false
	m.probedEpoch, m.probeSec = 0, 0
	m.sig.Live = true
	spec := s.Model.Spec()
	m.sig.Model = &spec
	if len(s.Options.Classes) > 0 {
		m.sig.Classes = s.Options.Classes
	}
	f := &m.sig.Facts
	f.StepsPerEpoch, f.PlannedEpochs = s.StepsPerEpoch, s.Options.Epochs
	if !m.setupDone {
		m.unavailable = append(m.unavailable, "pre-training checks (data, inputs, duplicates, initial loss): the monitor was not given the data (train.RunOptions.Setup)")
	}
	if s.Options.InitialStep > 0 {
		f.Loss.Truncate(s.Options.InitialStep)
		for len(f.Val) > 0 && f.Val[len(f.Val)-1].Epoch > s.Options.InitialEpoch {
			f.Val = f.Val[:len(f.Val)-1]
		}
		for len(f.TrainEval) > 0 && f.TrainEval[len(f.TrainEval)-1].Epoch > s.Options.InitialEpoch {
			f.TrainEval = f.TrainEval[:len(f.TrainEval)-1]
		}
		for len(f.BNProbe) > 0 && f.BNProbe[len(f.BNProbe)-1].Epoch > s.Options.InitialEpoch {
			f.BNProbe = f.BNProbe[:len(f.BNProbe)-1]
		}
		f.NaN, f.Noise = nil, nil
	}
	s.Options.PerSampleLoss = true
	m.noise.reset(m.sig.NumClasses(), m.sig.ChanceLoss())
	for _, c := range s.Options.Callbacks {
		if t, ok := c.(*train.TerminateOnNaN); ok {
			m.nanCB = t
		}
	}
	m.sig.Records, m.sig.Epochs = nil, nil
	if m.Dir != "" {
		r, err := openFollower(filepath.Join(m.Dir, train.MetricsFile))
		if err != nil {
			m.unavailable = append(m.unavailable, "per-layer signals: "+err.Error())
		} else {
			m.follow = r
			m.poll(true)
		}
	} else {
		m.unavailable = append(m.unavailable, "per-layer signals (gradients, dead units, saturation): no run directory to follow metrics.jsonl in")
	}
	err := m.analyze(s, false)
	m.overhead += time.Since(start)
	return err
}

// poll reads new metrics.jsonl lines; epoch lines count only before
// training (a resumed run's earlier epochs): live epochs come from EpochEnd.
func (m *Monitor) poll(epochs bool) bool {
	if m.follow == nil {
		return false
	}
	got := false
	_ = m.follow.poll(func(line []byte) {
		rec, logs, ok := parseMetricsLine(line)
		switch {
		case !ok:
		case rec != nil:
			m.sig.Records = append(m.sig.Records, *rec)
			got = true
		case epochs:
			m.sig.Epochs = append(m.sig.Epochs, logs)
		}
	})
	return got
}

func (m *Monitor) BatchEnd(s *train.State, b *train.StepInfo) error {
	start := time.Now()
	if !m.lastEnd.IsZero() {
		m.stepSec = ema(m.stepSec, start.Sub(m.lastEnd).Seconds(), 0.1)
	}
	acc := 0.0
	if b.Batch != nil && len(b.Batch.Labels) > 0 {
		acc = float64(b.Correct) / float64(len(b.Batch.Labels))
	}
	m.sig.Facts.Loss.Add(s.Step, b.Epoch+1, b.Loss, acc)
	m.noise.observe(b)
	fresh := false
	if every := m.sig.Facts.MetricsEvery; every <= 0 || s.Step == 1 || s.Step%every == 0 {
		fresh = m.poll(false)
	}
	bad := !finite(b.Loss)
	if (bad || s.Stop) && m.sig.Facts.NaN == nil {
		m.captureNaN(b)
	}
	m.sinceLast++
	var err error
	due := fresh || s.Step <= 10 || m.sinceLast >= m.cadence
	if bad || s.Stop || m.lossAlarm(b.Loss) || due && m.withinBudget() {
		err = m.analyze(s, false)
	}
	m.lastEnd = time.Now()
	m.overhead += m.lastEnd.Sub(start)
	return err
}

// captureNaN takes TerminateOnNaN's localization of a non-finite value.
func (m *Monitor) captureNaN(b *train.StepInfo) {
	t := m.nanCB
	if t == nil || !t.Terminated {
		return
	}
	nf := &NaNFacts{Step: t.GlobalStep, Epoch: t.Epoch + 1, Layer: t.Layer, Reason: t.Reason}
	switch {
	case !finite(b.Loss) && b.Batch != nil && !allFinite(b.Batch.X.Data):
		nf.Phase = "input"
	case t.Layer != "":
		nf.Phase = "forward"
	case t.Grad != "":
		nf.Phase, nf.Param = "backward", t.Grad
	case t.Weight != "":
		nf.Phase, nf.Param = "update", t.Weight
	default:
		nf.Phase = "loss"
	}
	m.sig.Facts.NaN = nf
}

func (m *Monitor) EpochEnd(s *train.State, epoch int, logs train.Logs) error {
	start := time.Now()
	l := logs.Clone()
	l["epoch"], l["step"] = float64(epoch+1), float64(s.Step)
	m.sig.Epochs = append(m.sig.Epochs, l)
	if v := s.Val; v != nil && v.Confusion != nil {
		m.sig.Facts.Val = append(m.sig.Facts.Val, valFacts(epoch+1, v.Confusion.Counts))
	}
	m.sig.Facts.Noise = m.noise.facts(epoch+1, m.sig.Classes, m.sig.Facts.Noise)
	if m.probeDue(epoch + 1) {
		m.probe(s, epoch+1)
	}
	m.poll(false)
	if !m.epochDue(s, epoch+1) {
		m.overhead += time.Since(start)
		return nil
	}
	err := m.analyze(s, true)
	// A running run's diagnosis.json is kept current, unless writing it
	// (a synced, atomic replace) would cost more than 2% of the time.
	if err == nil && time.Since(m.lastWrite).Seconds() >= writeEvery*m.writeSec {
		m.write()
	}
	m.overhead += time.Since(start)
	return err
}

// writeEvery: an epoch-end write of diagnosis.json waits until 50 times
// its last duration has passed since the previous write (or the start of
// training). firstWriteGuess is the cost assumed before the first write,
// so that a run shorter than a second writes diagnosis.json only at its
// end (measured: 0.7-3 ms for a synced 20 kB file on a quiet VM's disk,
// 40-80 ms on the loaded one, where a 0.24 s run of a tiny model spent
// 0.084 s, 35% of its time, in two epoch-end writes; issue 10, sixth
// round).
const (
	writeEvery      = 50
	firstWriteGuess = 0.02
)

func valFacts(epoch int, counts [][]int) ValFacts {
	n := len(counts)
	v := ValFacts{Epoch: epoch, Support: make([]int, n), Pred: make([]int, n), Correct: make([]int, n)}
	for t, row := range counts {
		for p, c := range row {
			v.Support[t] += c
			v.Pred[p] += c
		}
		v.Correct[t] = row[t]
	}
	return v
}

func (m *Monitor) TrainEnd(s *train.State) error {
	start := time.Now()
	m.poll(false)
	m.sig.Facts.StopReason = s.StopReason
	m.probeAtEnd(s)
	d := m.final()
	wall := time.Since(m.started)
	m.overhead += time.Since(start)
	if wall > 0 {
		d.OverheadFraction = m.overhead.Seconds() / wall.Seconds()
	}
	m.trainEnded = true
	m.write()
	_ = m.follow.close()
	m.follow = nil
	return nil
}

// final analyzes everything collected and adds what the live run knows:
// when each finding was first raised, and those that no longer hold.
func (m *Monitor) final() *Diagnosis {
	m.sig.Final = true
	d := Analyze(&m.sig)
	held := map[string]bool{}
	for i := range d.Findings {
		if e, ok := m.emitted[d.Findings[i].ID]; ok {
			d.Findings[i].Detected = e.Detected
		}
		held[d.Findings[i].ID] = true
	}
	for _, id := range m.order {
		if !held[id] {
			d.Earlier = append(d.Earlier, m.emitted[id])
		}
	}
	d.Unavailable = m.unavailable
	d.Facts = &m.sig.Facts
	m.diag = d
	return d
}

// analyze runs the detectors, prints what is new and confirmed, adapts
// the cadence and stops the run when asked to.
func (m *Monitor) analyze(s *train.State, epochEnd bool) error {
	t0 := time.Now()
	d := Analyze(&m.sig)
	m.diag = d
	m.sinceLast = 0
	header := true
	held := map[string]bool{}
	for _, f := range d.Findings {
		if f.Severity == Info {
			continue
		}
		held[f.ID+"/"+string(f.Severity)] = true
		prev, seen := m.printed[f.ID]
		if seen && rank(prev) >= rank(f.Severity) {
			continue
		}
		if !m.confirmed(f, s.Step, epochEnd) {
			continue
		}
		m.printed[f.ID] = f.Severity
		if e, ok := m.emitted[f.ID]; ok {
			e.Severity, e.Title = f.Severity, f.Title
			m.emitted[f.ID] = e
		} else {
			f.Detected = max(s.Step, 0)
			m.emitted[f.ID] = f
			m.order = append(m.order, f.ID)
		}
		if seen {
			m.printEscalation(f, prev, s.Step, header)
		} else {
			m.print(f, s.Step, header)
		}
		if m.OnRaise != nil {
			f.Detected = max(s.Step, 0)
			m.OnRaise(f)
		}
		header = false
	}
	for key := range m.pending {
		if !held[key] {
			delete(m.pending, key)
		}
	}
	m.anaSec = ema(m.anaSec, time.Since(t0).Seconds(), 0.2)
	if m.stepSec > 0 {
		m.cadence = min(max(int(math.Ceil(m.anaSec/(analysisBudget*m.stepSec))), 1), maxCadence)
	}
	if m.StopOn != Critical || m.stopped {
		return nil
	}
	// At the run's last epoch end there is no later step to confirm a
	// finding at: one that holds now is in the final diagnosis (its
	// verdict: not learning), so it stops the run as a confirmed one would,
	// before the broken epoch is checkpointed or saved as the model.
	last := epochEnd && (s.Epoch+1 >= m.sig.Facts.PlannedEpochs || s.Stop)
	for _, f := range d.Findings {
		if f.Severity == Critical && stoppable[f.ID] && (m.printed[f.ID] == Critical || last) {
			m.stopped = true
			s.StopWith("stopped on a critical finding: " + f.Title)
			return fmt.Errorf("%w: %s; %s", ErrStoppedOnCritical, f.Title, m.checkpointNote(epochEnd))
		}
	}
	return nil
}

func (m *Monitor) print(f Finding, step int, header bool) {
	if m.Out == nil {
		return
	}
	if m.Terminal && header {
		fmt.Fprint(m.Out, "\r\x1b[K")
	}
	if step > 0 && header {
		fmt.Fprintf(m.Out, "Diagnosis at step %d:\n", step)
	}
	WriteFinding(m.Out, f, 2)
}

// printEscalation prints one line for a finding already shown in full
// whose severity rose.
func (m *Monitor) printEscalation(f Finding, was Severity, step int, header bool) {
	if m.Out == nil {
		return
	}
	if m.Terminal && header {
		fmt.Fprint(m.Out, "\r\x1b[K")
	}
	if header {
		fmt.Fprintf(m.Out, "Diagnosis at step %d:\n", step)
	}
	fmt.Fprintf(m.Out, "%s %s [%s%s] (was %s)\n", marker(f.Severity), f.Title, f.ID, where(f), was)
}

// checkpointNote says which checkpoint a stopped run keeps.
func (m *Monitor) checkpointNote(epochEnd bool) string {
	if m.Dir == "" {
		return "no run directory"
	}
	path := train.LastCheckpointPath(m.Dir)
	if !train.HasCheckpoint(m.Dir) {
		return "no checkpoint was written yet (it stopped in epoch 1): fix the cause and train again"
	}
	good := len(m.sig.Epochs)
	if epochEnd { // the epoch that just ended is not checkpointed
		good--
	}
	return fmt.Sprintf("the last good checkpoint is %s (after epoch %d); the best model is in %s",
		path, good, filepath.Join(m.Dir, train.CheckpointsDir, "best"))
}

// write saves diagnosis.json (the latest analysis, with the facts).
func (m *Monitor) write() {
	if m.Dir == "" || m.diag == nil {
		return
	}
	d := *m.diag
	d.RunID = m.runID
	if !m.trainEnded {
		d.Unavailable, d.Facts = m.unavailable, &m.sig.Facts
	}
	t0 := time.Now()
	err := atomicfile.WriteFile(filepath.Join(m.Dir, DiagnosisFile), d.WriteJSON, 0o644)
	m.lastWrite, m.writeSec = time.Now(), time.Since(t0).Seconds()
	if err != nil && m.Out != nil {
		fmt.Fprintf(m.Out, "diagnosis: %v\n", err)
	}
}

func ema(old, v, alpha float64) float64 {
	if old == 0 {
		return v
	}
	return old + alpha*(v-old)
}

func allFinite(xs []float32) bool {
	for _, x := range xs {
		if x != x || x > math.MaxFloat32 || x < -math.MaxFloat32 {
			return false
		}
	}
	return true
}
