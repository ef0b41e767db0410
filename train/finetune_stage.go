package train

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// FineTuneStage is fit.fine_tune as a callback: at the start of epoch
// Epoch+1 it unfreezes the frozen layers from UnfreezeFrom on (all when
// empty; BatchNormalization stays frozen, see spec.FineTune) and sets the
// learning rate. Its checkpoint state is the stage and the frozen set,
// so a resumed run trains the same layers as an uninterrupted one.
type FineTuneStage struct {
	Nop
	Spec  spec.FineTune
	Model nn.Model // the model it unfreezes (and whose frozen set it saves)
	Out   io.Writer
	// Stage is 1 before the unfreezing, 2 after.
	Stage int
}

// fineTuneState is what a checkpoint keeps of a fine-tune.
type fineTuneState struct {
	Stage  int      `json:"stage"`
	Frozen []string `json:"frozen"` // layers whose trainable flag is off
}

// EpochBegin starts the second stage when its epoch comes.
func (f *FineTuneStage) EpochBegin(s *State, epoch int) error {
	if f.Stage >= 2 || epoch < f.Spec.Epoch {
		return nil
	}
	names := unfreeze(s.Model, f.Spec.UnfreezeFrom)
	lr := f.Spec.LearningRate
	if lr == 0 {
		lr = s.Optimizer.LearningRate() / 10
	}
	s.Optimizer.SetLearningRate(lr)
	f.Stage = 2
	tr, fixed := s.Model.CountParams()
	fmt.Fprintf(f.Out, "Fine-tune stage 2 from epoch %d: unfroze %d layers (%s), learning rate %.3g; %d of %d weights trainable\n",
		epoch+1, len(names), shortList(names), lr, tr, tr+fixed)
	return nil
}

// unfreeze makes the frozen layers from the named one on trainable,
// except BatchNormalization, and returns their names.
func unfreeze(m nn.Model, from string) []string {
	var names []string
	on := from == ""
	for _, n := range m.Nodes() {
		on = on || n.Layer.Name() == from
		if on && !nn.Trainable(n.Layer) && n.Layer.Type() != "BatchNormalization" {
			nn.SetTrainableBuilt(n.Layer, true)
			names = append(names, n.Layer.Name())
		}
	}
	return names
}

func shortList(names []string) string {
	if len(names) > 4 {
		return fmt.Sprintf("%s ... %s", names[0], names[len(names)-1])
	}
	return fmt.Sprint(names)
}

// StateKey names the state in checkpoints.
func (f *FineTuneStage) StateKey() string { return "fine_tune" }

// SaveState records the stage and the frozen layers of the model.
func (f *FineTuneStage) SaveState() (json.RawMessage, error) {
	st := fineTuneState{Stage: max(f.Stage, 1), Frozen: []string{}}
	for _, n := range f.Model.Nodes() {
		if !nn.Trainable(n.Layer) {
			st.Frozen = append(st.Frozen, n.Layer.Name())
		}
	}
	return json.Marshal(st)
}

// RestoreState sets the stage and freezes exactly the recorded layers.
func (f *FineTuneStage) RestoreState(b json.RawMessage) error {
	var st fineTuneState
	if err := json.Unmarshal(b, &st); err != nil || st.Stage < 1 || st.Stage > 2 {
		return fmt.Errorf("fine_tune state %s: want a stage 1 or 2 and the frozen layers", b)
	}
	nodes := f.Model.Nodes()
	for _, name := range st.Frozen {
		if !slices.ContainsFunc(nodes, func(n nn.Node) bool { return n.Layer.Name() == name }) {
			return fmt.Errorf("fine_tune state: frozen layer %q is not in the model", name)
		}
	}
	for _, n := range nodes {
		if frozen := slices.Contains(st.Frozen, n.Layer.Name()); frozen == nn.Trainable(n.Layer) {
			nn.SetTrainableBuilt(n.Layer, !frozen)
		}
	}
	f.Stage = st.Stage
	return nil
}

// checkFineTuneStage checks fit.fine_tune against the built model: its
// unfreeze_from names a layer, and some layer is frozen.
func checkFineTuneStage(s *spec.Spec, m nn.Model) error {
	ft := s.Fit.FineTune
	if ft == nil {
		return nil
	}
	nodes := m.Nodes()
	if ft.UnfreezeFrom != "" && !slices.ContainsFunc(nodes, func(n nn.Node) bool { return n.Layer.Name() == ft.UnfreezeFrom }) {
		return fmt.Errorf("fit.fine_tune.unfreeze_from: %q is not a layer of the model", ft.UnfreezeFrom)
	}
	if !slices.ContainsFunc(nodes, func(n nn.Node) bool { return !nn.Trainable(n.Layer) }) {
		return fmt.Errorf("fit.fine_tune: no layer is frozen (model.freeze or trainable: false), so there is nothing to unfreeze")
	}
	return nil
}
