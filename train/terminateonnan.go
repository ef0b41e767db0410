package train

import (
	"fmt"
	"strings"

	"github.com/cnnscope/cnnscope/nn"
)

// TerminateOnNaN stops training at the first batch whose loss is NaN or
// ±Inf, as Keras' TerminateOnNaN does, and also at the first step after
// which a weight is NaN or ±Inf (a finite loss with a non-finite gradient
// or an update that overflowed). Its reason names the epoch, the step and
// where the non-finite values first appear:
//
//   - the first layer, in model order, whose output is non-finite in the
//     forward pass of the failing batch (when the loss is non-finite);
//   - the first param, in layer order, whose gradient is non-finite;
//   - the first param whose value is non-finite, if any.
//
// Weights: Fit skips the optimizer step of a batch whose loss is not
// finite, so the trainable weights are those of the last good step, and
// puts back the moving statistics its forward pass changed; this callback
// also keeps a copy of the non-trainable params after every good step and
// puts it back when they turned non-finite with a finite loss. When the
// loss was finite but the step made a weight non-finite, the step has
// been applied and the model's trainable weights are not usable (the
// reason says so; a checkpoint holds good ones).
//
// Cost: every step it checks the loss and scans the params' values once
// (a branch-free pass, far cheaper than the step's forward and backward
// passes) and copies the non-trainable params (a few floats per channel);
// only on the failing step does it scan the gradients and re-run the
// forward pass on the failing batch with activation statistics on, to
// find the first non-finite layer. That re-run uses the training-mode
// forward (BatchNormalization's batch statistics, Dropout with a fresh
// mask; Dropout's random state is put back afterwards).
type TerminateOnNaN struct {
	Nop

	// Results, for reports (set when Terminated).
	Terminated bool
	// Epoch (0-based), Step (within the epoch, 0-based; -1 when the
	// weights were bad before training) and GlobalStep (optimizer steps
	// since the start of the run, this one included) of the failing batch.
	Epoch, Step, GlobalStep int
	// Layer is the first layer whose forward output was non-finite (""
	// when none was, or the loss was finite).
	Layer string
	// Grad is the first param (e.g. "dense/kernel") whose gradient was
	// non-finite; Weight the first whose value is non-finite after the
	// batch (after the moving statistics are put back); "" for none.
	Grad, Weight string
	Reason       string

	params, other []nn.LayerParam
	good          snapshot // non-trainable params after the last good step
}

// TrainBegin resets the results and copies the non-trainable params. A
// model whose weights are already non-finite stops before the first step.
func (c *TerminateOnNaN) TrainBegin(s *State) error {
	*c = TerminateOnNaN{}
	c.params = s.Model.Params()
	_, c.other = splitParams(c.params)
	c.good.take(c.other)
	if i := c.firstBadValue(); i >= 0 {
		c.Terminated, c.Epoch, c.Step, c.GlobalStep = true, s.Epoch, -1, s.Step
		c.Weight = c.params[i].FullName()
		c.Reason = "terminated on NaN: the weights are non-finite before training, first in " + c.Weight
		s.StopWith(c.Reason)
	}
	return nil
}

// BatchEnd checks the batch's loss and the params after its step.
func (c *TerminateOnNaN) BatchEnd(s *State, b *StepInfo) error {
	lossOK := finite(b.Loss)
	if lossOK && c.firstBadValue() < 0 {
		c.good.take(c.other)
		return nil
	}
	c.Terminated = true
	c.Epoch, c.Step, c.GlobalStep = b.Epoch, b.Step, s.Step
	for _, p := range c.params {
		if p.Grad != nil && !allFinite(p.Grad.Data) {
			c.Grad = p.FullName()
			break
		}
	}
	firstBad := c.firstBadValue() // before the moving statistics are put back
	input := ""
	if !lossOK && b.Batch != nil {
		if !allFinite(b.Batch.X.Data) {
			input = "the input batch holds NaN/Inf (check the preprocessing)"
		} else if i := forwardCulprit(s.Model, b); i >= 0 {
			l := nn.Layers(s.Model)[i]
			c.Layer = l.Name()
			input = fmt.Sprintf("the forward pass first gives NaN/Inf in layer %s (%s)", l.Name(), l.Type())
		} else {
			input = "every layer's output is finite (the loss itself is not: check the labels and the loss)"
		}
	}
	c.good.restore(c.other)
	if i := c.firstBadValue(); i >= 0 {
		c.Weight = c.params[i].FullName()
	}

	where := fmt.Sprintf("at epoch %d step %d/%d (global step %d)", b.Epoch+1, b.Step+1, s.StepsPerEpoch, s.Step)
	var parts []string
	switch {
	case !lossOK:
		parts = append(parts, fmt.Sprintf("loss is %v %s", b.Loss, where))
		if input != "" {
			parts = append(parts, input)
		}
		if c.Grad != "" {
			parts = append(parts, "first non-finite gradient: "+c.Grad)
		}
		if c.Weight != "" {
			parts = append(parts, "weights were already non-finite, first in "+c.Weight)
		} else {
			parts = append(parts, "the step was skipped: the model keeps the weights of the last good step")
		}
	case c.Weight == "":
		parts = append(parts, fmt.Sprintf("moving statistics became non-finite %s (loss %s), first in %s; "+
			"those of the last good step were put back", where, fmtValue(b.Loss), c.params[firstBad].FullName()))
	default:
		parts = append(parts, fmt.Sprintf("weights became non-finite %s (loss %s)", where, fmtValue(b.Loss)))
		if c.Grad != "" {
			parts = append(parts, "first non-finite gradient: "+c.Grad)
		} else {
			parts = append(parts, "gradients are finite (the update overflowed: lower the learning rate)")
		}
		parts = append(parts, "first non-finite weight: "+c.Weight+"; the step was applied, the model's weights are not usable")
	}
	c.Reason = "terminated on NaN: " + strings.Join(parts, "; ")
	s.StopWith(c.Reason)
	return nil
}

// firstBadValue returns the index of the first param whose value holds a
// NaN or ±Inf, or -1.
func (c *TerminateOnNaN) firstBadValue() int {
	for i, p := range c.params {
		if !allFinite(p.Value.Data) {
			return i
		}
	}
	return -1
}

// forwardCulprit re-runs the training-mode forward pass on the batch with
// activation statistics on and returns the first layer whose output holds
// a NaN or ±Inf (-1 when none does). Layers' random states are put back;
// the caller restores the moving statistics.
func forwardCulprit(m nn.Model, b *StepInfo) int {
	var states [][]byte
	for _, l := range nn.Layers(m) {
		if r, ok := l.(randomLayer); ok && r.RNG() != nil {
			st, _ := r.RNG().MarshalBinary()
			states = append(states, st)
		}
	}
	m.CollectStats(true)
	m.Forward(b.Batch.X, true)
	stats := m.Stats()
	m.CollectStats(false)
	for _, l := range nn.Layers(m) {
		if r, ok := l.(randomLayer); ok && r.RNG() != nil {
			_ = r.RNG().UnmarshalBinary(states[0])
			states = states[1:]
		}
	}
	for i, st := range stats {
		if st.NonFinite > 0 {
			return i
		}
	}
	return -1
}
