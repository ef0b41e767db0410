package spec

import "strings"

// FineTune is the optional second stage of a fine-tune: after Epoch
// epochs, the frozen layers from UnfreezeFrom on (all of them when it
// is empty) become trainable and the learning rate drops to
// LearningRate. BatchNormalization layers stay frozen, in inference mode
// (Keras' fine-tuning advice: unfrozen, their statistics would be
// recomputed from small batches of the new data and undo the pre-trained
// features). The optimizer keeps its iteration count and the slots of
// the layers that were already training; the unfrozen layers' slots
// start at zero, as in a Keras model recompiled with a new optimizer for
// those layers.
type FineTune struct {
	// Epoch is the number of epochs of the first stage (1 or more, fewer
	// than fit.epochs).
	Epoch int `yaml:"epoch"`
	// LearningRate of the second stage; 0: a tenth of the rate the first
	// stage ended with.
	LearningRate float64 `yaml:"learning_rate,omitempty"`
	// UnfreezeFrom is the first layer (in the model's order) to unfreeze;
	// empty: every frozen layer.
	UnfreezeFrom string `yaml:"unfreeze_from,omitempty"`
}

// validateFrom checks model.from and the keys that go with it.
func (m *Model) validateFrom(c *checker) {
	if m.From == "" {
		if m.Freeze != "" || m.NewHead {
			c.add("model", "freeze and new_head apply to a pre-trained model: set model.from (a run directory, a model folder or an .onnx file)")
		}
		return
	}
	if m.Preset != "" || len(m.Layers) > 0 {
		c.add("model.from", "%q: a pre-trained model replaces preset and layers; give one of them", m.From)
	}
	if strings.TrimSpace(m.From) != m.From {
		c.add("model.from", "%q: leading or trailing spaces", m.From)
	}
}

// validateFineTune checks fit.fine_tune's values; the layer name is
// checked against the model when it is built.
func (f *Fit) validateFineTune(c *checker) {
	ft := f.FineTune
	if ft == nil {
		return
	}
	const p = "fit.fine_tune."
	if ft.Epoch < 1 {
		c.add(p+"epoch", "%d, want the first stage's epochs: 1 or more", ft.Epoch)
	} else if f.Epochs > 0 && ft.Epoch >= f.Epochs {
		c.add(p+"epoch", "%d, want fewer than fit.epochs (%d): the second stage needs an epoch", ft.Epoch, f.Epochs)
	}
	if v := ft.LearningRate; !finite(v) || v < 0 {
		c.add(p+"learning_rate", "%v, want a finite rate > 0 (0: a tenth of the first stage's)", v)
	}
}
