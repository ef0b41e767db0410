package spec

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/optim"
)

// checker collects a spec's problems, each naming its field.
type checker struct{ errs []string }

func (c *checker) add(field, format string, a ...any) {
	c.errs = append(c.errs, field+": "+fmt.Sprintf(format, a...))
}

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return errors.New(strings.Join(c.errs, "; "))
}

// nonNegative checks a finite value >= 0 (0 is the default or "off").
func (c *checker) nonNegative(field string, v float64) {
	if !finite(v) || v < 0 {
		c.add(field, "%v, want a finite number >= 0", v)
	}
}

// oneOf checks that v is "" (the default) or one of the words.
func (c *checker) oneOf(field, v string, words ...string) {
	if v != "" && !slices.Contains(words, v) {
		c.add(field, "%q, want %s", v, strings.Join(words, ", "))
	}
}

// maxTargetSide bounds target_size so that sizes stay exact; the memory
// estimate refuses what does not fit long before.
const maxTargetSide = 1 << 16

func (d *Data) validate(c *checker) {
	if v := d.ValidationSplit; v != nil && !(*v >= 0 && *v < 1) {
		c.add("data.validation_split", "%v, want a fraction in [0, 1)", *v)
	}
	if t := d.TargetSize; t != nil && (len(t) != 2 || t[0] <= 0 || t[1] <= 0 || t[0] > maxTargetSide || t[1] > maxTargetSide) {
		c.add("data.target_size", "%v, want [height, width] with values from 1 to %d", t, maxTargetSide)
	}
	if slices.Contains(data.Builtins, d.Source) {
		if d.Test != "" {
			c.add("data.test", "%q: %s brings its own test split; test is for a folder source", d.Test, d.Source)
		}
		if d.TargetSize != nil || d.ColorMode != "" || d.Interpolation != "" {
			c.add("data", "target_size, color_mode and interpolation apply to image folders; %s is 28x28 grayscale", d.Source)
		}
	}
	c.oneOf("data.color_mode", d.ColorMode, string(data.Grayscale), string(data.RGB), string(data.RGBA))
	c.oneOf("data.interpolation", d.Interpolation, string(data.Nearest), string(data.Bilinear), string(data.Bicubic))
	if d.Limit < 0 {
		c.add("data.limit", "%d, want >= 0 (0: all images)", d.Limit)
	}
	c.oneOf("data.sampling", d.Sampling, "none", "oversample", "undersample")
	if p := d.Preprocessing; p != nil {
		if !finite(float64(p.Rescale)) {
			c.add("data.preprocessing.rescale", "%v, want a finite number", p.Rescale)
		}
		for _, v := range p.Mean {
			if !finite(float64(v)) {
				c.add("data.preprocessing.mean", "%v, want finite numbers", p.Mean)
				break
			}
		}
		for _, v := range p.Std {
			if !finite(float64(v)) || v <= 0 {
				c.add("data.preprocessing.std", "%v, want finite numbers > 0", p.Std)
				break
			}
		}
	}
	if a := d.Augmentation; a != nil {
		validateAugment(c, a)
	}
	if d.ClassWeight.Mode == "map" {
		validateClassWeights(c, d.ClassWeight.Map)
	}
}

func validateAugment(c *checker, a *data.Augment) {
	const f = "data.augmentation."
	for _, r := range []struct {
		name string
		v    float64
	}{{"rotation_range", a.RotationRange}, {"width_shift_range", a.WidthShiftRange}, {"height_shift_range", a.HeightShiftRange}, {"shear_range", a.ShearRange}} {
		if !(r.v >= 0 && r.v <= data.MaxAugmentRange) { // drawing from [-v, v] must not overflow
			c.add(f+r.name, "%v, want a number from 0 to %g", r.v, data.MaxAugmentRange)
		}
	}
	if z := a.ZoomRange; z != (data.Range{}) && !(finite(z[0]) && finite(z[1]) && z[0] > 0 && z[0] <= z[1]) {
		c.add(f+"zoom_range", "[%v, %v], want 0 < lo <= hi (a number z means [1-z, 1+z], so 0 <= z < 1)", z[0], z[1])
	}
	if b := a.BrightnessRange; b != (data.Range{}) && !(finite(b[0]) && finite(b[1]) && b[0] >= 0 && b[0] <= b[1]) {
		c.add(f+"brightness_range", "[%v, %v], want [lo, hi] with 0 <= lo <= hi", b[0], b[1])
	}
	c.oneOf(f+"fill_mode", string(a.FillMode), string(data.FillNearest), string(data.FillConstant), string(data.FillReflect), string(data.FillWrap))
	if v := float64(a.Cval); !finite(v) || v < 0 || v > 255 {
		c.add(f+"cval", "%v, want a value from 0 to 255", a.Cval)
	}
}

func validateClassWeights(c *checker, m map[string]float64) {
	if len(m) == 0 {
		c.add("data.class_weight", "an empty map; want balanced, none or a weight per class")
		return
	}
	positive := false
	for k, v := range m {
		if k == "" {
			c.add("data.class_weight", "a weight without a class name")
		}
		if !finite(v) || v < 0 {
			c.add("data.class_weight."+k, "%v, want a finite weight >= 0", v)
		}
		positive = positive || v > 0
	}
	if !positive {
		c.add("data.class_weight", "every weight is 0; at least one class must count")
	}
}

func (m *Model) validate(c *checker) {
	if m.Preset != "" && len(m.Layers) > 0 {
		c.add("model", "give either preset or layers, not both")
	}
	m.validateFrom(c)
	if p := m.Preset; p != "" {
		if _, ok := nn.Presets[p]; !ok {
			c.add("model.preset", "%q, want one of %s", p, strings.Join(nn.PresetNames(), ", "))
		}
	}
	names := map[string]int{}
	for i, l := range m.Layers {
		field := fmt.Sprintf("model.layers[%d]", i)
		if _, err := l.Layer(); err != nil {
			c.add(field, "%v", err)
		}
		if l.Name == "" {
			continue
		}
		if j, ok := names[l.Name]; ok {
			c.add(field+".name", "%q is already the name of layers[%d]; layer names must be unique", l.Name, j)
		}
		names[l.Name] = i
	}
}

func (cs *Compile) validate(c *checker) {
	c.oneOf("compile.optimizer", cs.Optimizer, optim.Names()...)
	if v := cs.LearningRate; !finite(v) || v < 0 {
		c.add("compile.learning_rate", "%v, want a finite rate > 0", v)
	}
	if v := cs.Momentum; !(v >= 0 && v < 1) {
		c.add("compile.momentum", "%v, want a value in [0, 1)", v)
	}
	if cs.Optimizer != "" && cs.Optimizer != "sgd" && (cs.Momentum != 0 || cs.Nesterov) {
		c.add("compile.momentum", "momentum and nesterov apply to sgd only, not %s", cs.Optimizer)
	}
	c.nonNegative("compile.clipnorm", cs.ClipNorm)
	c.nonNegative("compile.clipvalue", cs.ClipValue)
	c.nonNegative("compile.weight_decay", cs.WeightDecay)
	if cs.Loss != "" {
		if _, err := nn.LossByName(cs.Loss); err != nil {
			c.add("compile.loss", "%v", err)
		}
	}
	if cs.FromLogits && cs.Loss != "" && !strings.HasSuffix(strings.ToLower(cs.Loss), "crossentropy") {
		c.add("compile.from_logits", "applies to a cross-entropy loss (sparse_categorical_crossentropy, categorical_crossentropy or binary_crossentropy), not %s", cs.Loss)
	}
}

// monitors are the logs entries a callback may watch.
var monitors = []string{"loss", "accuracy", "top_k_accuracy", "val_loss", "val_accuracy", "val_top_k_accuracy", "lr"}

func (f *Fit) validate(c *checker) {
	if f.Epochs < 0 {
		c.add("fit.epochs", "%d, want 1 or more", f.Epochs)
	}
	if f.BatchSize < 0 {
		c.add("fit.batch_size", "%d, want 1 or more", f.BatchSize)
	}
	if f.TopK < 0 || f.TopK == 1 {
		c.add("fit.top_k", "%d, want k > 1 (0: off)", f.TopK)
	}
	if f.MetricsEvery < 0 {
		c.add("fit.metrics_every", "%d, want 1 or more (steps between per-layer metrics)", f.MetricsEvery)
	}
	f.validateFineTune(c)
	if es := f.EarlyStopping; es != nil {
		const p = "fit.early_stopping."
		c.oneOf(p+"monitor", es.Monitor, monitors...)
		c.nonNegative(p+"min_delta", es.MinDelta)
		if es.Patience < 0 {
			c.add(p+"patience", "%d, want >= 0", es.Patience)
		}
		if es.StartFromEpoch < 0 {
			c.add(p+"start_from_epoch", "%d, want >= 0", es.StartFromEpoch)
		}
	}
	if tb := f.TensorBoard; tb != nil {
		tb.validate(c)
	}
	if rp := f.ReduceLROnPlateau; rp != nil {
		const p = "fit.reduce_lr_on_plateau."
		c.oneOf(p+"monitor", rp.Monitor, monitors...)
		if v := rp.Factor; v != 0 && !(v > 0 && v < 1) {
			c.add(p+"factor", "%v, want 0 < factor < 1", v)
		}
		if rp.Patience < 0 {
			c.add(p+"patience", "%d, want >= 0", rp.Patience)
		}
		c.nonNegative(p+"min_lr", rp.MinLR)
		if rp.Cooldown < 0 {
			c.add(p+"cooldown", "%d, want >= 0", rp.Cooldown)
		}
	}
}

// ValidateForData checks what depends on the data: top_k against the
// number of classes. Run calls it before the run directory exists.
func (s *Spec) ValidateForData(classes int) error {
	if k := s.Fit.TopK; k > 0 && k >= classes {
		return fmt.Errorf("fit.top_k: %d, want fewer than the data's %d classes", k, classes)
	}
	return nil
}

// OptimizerSlots is how many values per trainable weight the spec's
// optimizer keeps (for the memory estimate).
func OptimizerSlots(cs Compile) int {
	switch cs.Optimizer {
	case "sgd":
		if cs.Momentum != 0 {
			return 1
		}
		return 0
	case "rmsprop":
		return 1
	}
	return 2 // adam, adamw
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func (t *TensorBoard) validate(c *checker) {
	const p = "fit.tensorboard."
	if t.LogDir == "" {
		c.add(p+"log_dir", "empty, want the directory for the event files")
	}
	switch t.UpdateFreq {
	case "", "epoch", "batch":
	default:
		if n, err := strconv.Atoi(t.UpdateFreq); err != nil || n < 1 {
			c.add(p+"update_freq", "%q, want epoch, batch or a number of steps >= 1", t.UpdateFreq)
		}
	}
	if h := t.HistogramFreq; h != nil && *h < 0 {
		c.add(p+"histogram_freq", "%d, want a number of epochs >= 0 (0: no histograms)", *h)
	}
}
