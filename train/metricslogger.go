package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/cnnscope/cnnscope/nn"
)

// MetricsLogger writes metrics.jsonl: one JSON object per line, for the
// diagnosis and the report.
//
//   - First, {"type": "run", "run_id": ID}: the run that wrote the file.
//   - After every epoch, {"type": "epoch", "epoch": E, "step": S, ...}
//     with every entry of the epoch's logs (loss, accuracy, val_loss,
//     val_accuracy, lr, ...); E is 1-based, S the optimizer steps so far.
//   - After the first step of the run and every Every-th step (S a
//     multiple of Every), a StepRecord: the batch loss, the epoch's
//     running loss and accuracy, the rate of the step, and per layer the
//     gradient and weight L2 norms, the update-to-weight ratio |Δw|/|w|
//     of that exact step, the fraction of exactly-zero gradients, and the
//     layer's activation statistics (nn.ActivationStats) on the batch.
//
// Cost: on a step that is not logged, BatchEnd is an integer test. For a
// logged step k it turns the model's activation statistics on for the
// forward pass of k only (at the end of step k-1, or at the start of the
// epoch when k is its first step) and copies the trainable weights at the
// end of step k-1, so that Δw is the update of step k; at the end of step
// k it makes a few passes over the params and writes one line. The
// gradient it measures is the one the optimizer used (after clipping).
// The rate is read before the step: list the logger after callbacks that
// set the rate at the start of an epoch (LearningRateScheduler).
//
// NaN and ±Inf are written as the strings "NaN", "Infinity", "-Infinity"
// (plain JSON has no such numbers); JSONFloat reads them back. With Append
// an existing file is continued (resume): records of steps after
// Options.InitialStep are dropped first.
type MetricsLogger struct {
	Nop
	// Path is the file, e.g. runs/NAME/metrics.jsonl.
	Path string
	// Every is the number of steps between step records; 0 means 50.
	Every int
	// Append continues an existing file instead of truncating it.
	Append bool

	f         *os.File
	layers    []layerParams
	trainable []nn.LayerParam
	prev      snapshot // trainable weights before the logged step
	pending   bool     // the next step is logged; prev holds its weights
	statsOn   bool     // activation statistics are on for the next step
	lr        float64  // the rate of the next (logged) step
	line      []byte
}

// layerParams is a layer with the indices of its trainable params in
// MetricsLogger.trainable.
type layerParams struct {
	layer  nn.Layer
	params []int
}

// StepRecord is a step line of metrics.jsonl.
type StepRecord struct {
	Type  string `json:"type"`  // "step"
	Epoch int    `json:"epoch"` // 1-based
	Step  int    `json:"step"`  // optimizer steps since the start of the run, this one included
	Batch int    `json:"batch"` // 1-based within the epoch
	// Loss is this batch's loss; RunningLoss and Accuracy are the
	// epoch's averages so far (what the progress bar shows).
	Loss          JSONFloat     `json:"loss"`
	RunningLoss   JSONFloat     `json:"running_loss"`
	Accuracy      JSONFloat     `json:"accuracy"`
	BatchAccuracy JSONFloat     `json:"batch_accuracy"`
	LR            JSONFloat     `json:"lr"` // the rate this step used
	Layers        []LayerRecord `json:"layers"`
}

// LayerRecord is one layer of a StepRecord: Weights (the layer's
// trainable params together) and Params (each of them) for layers with
// weights, Activation when statistics were collected.
type LayerRecord struct {
	Layer      string            `json:"layer"`
	Type       string            `json:"type"`
	Weights    *WeightStats      `json:"weights,omitempty"`
	Params     []WeightStats     `json:"params,omitempty"`
	Activation *ActivationRecord `json:"activation,omitempty"`
}

// WeightStats describes a trainable param (or a layer's together) at a
// logged step: L2 norms of the gradient and of the weights after the
// update, |Δw|/|w| with w the weights before the update (absent when
// those were all zero, as biases are at the start: the ratio is
// undefined), and the fraction of gradient elements that are exactly
// zero.
type WeightStats struct {
	Name         string     `json:"name,omitempty"` // Keras' variable name: kernel, bias, gamma, beta
	GradNorm     JSONFloat  `json:"grad_norm"`
	WeightNorm   JSONFloat  `json:"weight_norm"`
	UpdateRatio  *JSONFloat `json:"update_ratio,omitempty"`
	GradZeroFrac JSONFloat  `json:"grad_zero_frac"`
}

// ActivationRecord is nn.ActivationStats in JSON.
type ActivationRecord struct {
	Activation    string    `json:"activation,omitempty"`
	Mean          JSONFloat `json:"mean"`
	Std           JSONFloat `json:"std"`
	ZeroFrac      JSONFloat `json:"zero_frac"`
	SaturatedFrac JSONFloat `json:"saturated_frac"`
	DeadFrac      JSONFloat `json:"dead_frac"`
	NonFinite     int       `json:"non_finite"`
}

func (c *MetricsLogger) every() int {
	if c.Every <= 0 {
		return 50
	}
	return c.Every
}

// logged reports whether global step n (1-based) gets a step record.
func (c *MetricsLogger) logged(n int) bool { return n == 1 || n%c.every() == 0 }

// TrainBegin opens the file and prepares the first step if it is logged.
func (c *MetricsLogger) TrainBegin(s *State) error {
	if c.Path == "" {
		return errors.New("metrics logger: no file path")
	}
	keep := s.Options.InitialStep
	f, _, err := openLineLog(c.Path, c.Append, func(_ int, line string) bool {
		var r struct{ Step *int }
		return json.Unmarshal([]byte(line), &r) != nil || r.Step == nil || *r.Step <= keep
	})
	if err != nil {
		return fmt.Errorf("metrics logger: %w", err)
	}
	if id := s.Options.RunID; id != "" && !c.Append {
		if _, err := fmt.Fprintf(f, "{\"type\":\"run\",\"run_id\":%s}\n", strconv.Quote(id)); err != nil {
			f.Close()
			return fmt.Errorf("metrics logger: %w", err)
		}
	}
	c.f, c.layers, c.pending, c.statsOn = f, nil, false, false
	c.trainable, _ = splitParams(s.Model.Params())
	k := 0
	for _, l := range nn.Layers(s.Model) {
		lp := layerParams{layer: l}
		for k < len(c.trainable) && c.trainable[k].Layer == l {
			lp.params = append(lp.params, k)
			k++
		}
		c.layers = append(c.layers, lp)
	}
	c.prepare(s, true)
	return nil
}

// prepare readies the record of the next step when it is logged: the
// weights before it, the rate it will use, and activation statistics
// when inBatch is set (the next forward pass is a training batch, not a
// validation pass; EpochBegin turns them on otherwise). Statistics are
// off for every other forward pass.
func (c *MetricsLogger) prepare(s *State, inBatch bool) {
	next := c.logged(s.Step + 1)
	if next {
		c.prev.take(c.trainable)
		c.pending, c.lr = true, s.Optimizer.LearningRate()
	}
	if on := next && inBatch && !s.Stop; on != c.statsOn {
		s.Model.CollectStats(on)
		c.statsOn = on
	}
}

// EpochBegin turns statistics on when the epoch's first step is logged.
func (c *MetricsLogger) EpochBegin(s *State, _ int) error {
	if c.pending {
		s.Model.CollectStats(true)
		c.statsOn = true
		c.lr = s.Optimizer.LearningRate() // after a LearningRateScheduler listed before
	}
	return nil
}

// BatchEnd writes a step record on logged steps and prepares the next
// logged one.
func (c *MetricsLogger) BatchEnd(s *State, b *StepInfo) error {
	if c.pending {
		c.pending = false
		if err := c.writeStep(s, b); err != nil {
			return err
		}
	}
	c.prepare(s, b.Step+1 < s.StepsPerEpoch)
	return nil
}

func (c *MetricsLogger) writeStep(s *State, b *StepInfo) error {
	r := StepRecord{Type: "step", Epoch: b.Epoch + 1, Step: s.Step, Batch: b.Step + 1,
		Loss: JSONFloat(b.Loss), RunningLoss: JSONFloat(b.EpochLoss), Accuracy: JSONFloat(b.EpochAccuracy),
		LR: JSONFloat(c.lr), Layers: make([]LayerRecord, 0, len(c.layers))}
	if b.Batch != nil && len(b.Batch.Labels) > 0 {
		r.BatchAccuracy = JSONFloat(float64(b.Correct) / float64(len(b.Batch.Labels)))
	}
	var stats []nn.ActivationStats
	if c.statsOn {
		stats = s.Model.Stats()
	}
	for i, lp := range c.layers {
		rec := LayerRecord{Layer: lp.layer.Name(), Type: lp.layer.Type()}
		if len(lp.params) > 0 {
			var sum weightSums
			for _, k := range lp.params {
				p := c.trainable[k]
				ws := sumsOf(p.Value.Data, c.prev.data[k], p.Grad.Data)
				rec.Params = append(rec.Params, ws.stats(p.Name))
				sum.add(ws)
			}
			w := sum.stats("")
			rec.Weights = &w
		}
		if i < len(stats) && stats[i].Layer == lp.layer.Name() {
			a := stats[i]
			rec.Activation = &ActivationRecord{Activation: a.Activation, Mean: JSONFloat(a.Mean), Std: JSONFloat(a.Std),
				ZeroFrac: JSONFloat(a.ZeroFrac), SaturatedFrac: JSONFloat(a.SaturatedFrac), DeadFrac: JSONFloat(a.DeadFrac),
				NonFinite: a.NonFinite}
		}
		r.Layers = append(r.Layers, rec)
	}
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("metrics logger: %w", err)
	}
	return c.write(append(line, '\n'))
}

// weightSums accumulates squared norms over one or more params.
type weightSums struct {
	grad, weight, update, before float64
	zeros, n                     int
}

// sumsOf measures a param in one pass: w after the step, prev before it,
// g its gradient (all of one length).
func sumsOf(w, prev, g []float32) weightSums {
	prev, g = prev[:len(w)], g[:len(w)]
	var sw, sb, su, sg float64
	zeros := 0
	for i, x := range w {
		a, b, d := float64(x), float64(prev[i]), float64(g[i])
		sw += a * a
		sb += b * b
		su += (a - b) * (a - b)
		sg += d * d
		if d == 0 {
			zeros++
		}
	}
	return weightSums{grad: sg, weight: sw, update: su, before: sb, zeros: zeros, n: len(w)}
}

func (w *weightSums) add(o weightSums) {
	w.grad += o.grad
	w.weight += o.weight
	w.update += o.update
	w.before += o.before
	w.zeros += o.zeros
	w.n += o.n
}

func (w weightSums) stats(name string) WeightStats {
	st := WeightStats{Name: name, GradNorm: JSONFloat(math.Sqrt(w.grad)), WeightNorm: JSONFloat(math.Sqrt(w.weight))}
	if w.before > 0 {
		r := JSONFloat(math.Sqrt(w.update / w.before))
		st.UpdateRatio = &r
	}
	if w.n > 0 {
		st.GradZeroFrac = JSONFloat(float64(w.zeros) / float64(w.n))
	}
	return st
}

// EpochEnd writes the epoch record.
func (c *MetricsLogger) EpochEnd(s *State, epoch int, logs Logs) error {
	if c.f == nil {
		return nil
	}
	b := append(c.line[:0], `{"type":"epoch","epoch":`...)
	b = strconv.AppendInt(b, int64(epoch+1), 10)
	b = append(b, `,"step":`...)
	b = strconv.AppendInt(b, int64(s.Step), 10)
	for _, k := range logs.Keys() {
		if k == "epoch" {
			continue
		}
		b = append(b, ',')
		b = strconv.AppendQuote(b, k)
		b = append(b, ':')
		b = JSONFloat(logs[k]).append(b)
	}
	c.line = append(b, "}\n"...)
	return c.write(c.line)
}

func (c *MetricsLogger) write(line []byte) error {
	if c.f == nil {
		return nil
	}
	if _, err := c.f.Write(line); err != nil {
		return fmt.Errorf("metrics logger: %w", err)
	}
	return nil
}

// TrainEnd turns statistics off and closes the file.
func (c *MetricsLogger) TrainEnd(s *State) error {
	if c.statsOn {
		s.Model.CollectStats(false)
		c.statsOn = false
	}
	c.pending = false
	if c.f == nil {
		return nil
	}
	err := c.f.Close()
	c.f = nil
	if err != nil {
		return fmt.Errorf("metrics logger: %w", err)
	}
	return nil
}

// JSONFloat is a float64 that JSON holds as a number, or as "NaN",
// "Infinity" or "-Infinity" (JSON has no such numbers).
type JSONFloat float64

func (f JSONFloat) append(b []byte) []byte {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return append(b, `"NaN"`...)
	case math.IsInf(v, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(v, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// MarshalJSON implements json.Marshaler.
func (f JSONFloat) MarshalJSON() ([]byte, error) { return f.append(nil), nil }

// UnmarshalJSON implements json.Unmarshaler.
func (f *JSONFloat) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch strings.Trim(s, `"`) {
	case "null": // as encoding/json does for numbers: leave f alone
	case "NaN":
		*f = JSONFloat(math.NaN())
	case "Infinity":
		*f = JSONFloat(math.Inf(1))
	case "-Infinity":
		*f = JSONFloat(math.Inf(-1))
	default:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%s is not a number", s)
		}
		*f = JSONFloat(v)
	}
	return nil
}
