package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/cnnscope/cnnscope/tensor"
)

// Target is what a batch of predictions is compared with: class indices
// for sparse losses, or a tensor shaped like the predictions (one-hot or
// soft labels, binary targets) for the others.
type Target struct {
	Labels []int32
	Dense  *tensor.Tensor
}

// Loss is a Keras loss with its gradient. Reduction is Keras'
// sum_over_batch_size: Σ w_i·l_i / N over the N samples of the batch, with
// per-sample weights w (nil means all ones; class weights arrive this way).
type Loss interface {
	// Name is Keras' name, e.g. "sparse_categorical_crossentropy".
	Name() string
	// Compute returns the reduced loss of pred against t. When grad is not
	// nil it receives dLoss/dpred (pred's shape); when perSample is not nil
	// it receives each sample's unweighted loss.
	Compute(pred *tensor.Tensor, t Target, w []float32, grad *tensor.Tensor, perSample []float32) float64
	// fusesWith reports whether the loss can give the gradient with respect
	// to the pre-activation of a final layer with this activation
	// (softmax before a cross-entropy: dz = p - y), which is both cheaper and
	// more accurate than going through the activation's Jacobian.
	fusesWith(act string) bool
	// compute is Compute, with logitsGrad asking for dLoss/dz instead.
	compute(pred *tensor.Tensor, t Target, w []float32, grad *tensor.Tensor, perSample []float32, logitsGrad bool) float64
}

// probEpsilon is Keras' backend epsilon, used to clip probabilities.
const probEpsilon = 1e-7

// LossByName returns the loss Keras calls name, taking probabilities
// (from_logits=False).
func LossByName(name string) (Loss, error) {
	return NewLoss(name, false)
}

// NewLoss returns the loss Keras calls name; fromLogits is Keras'
// from_logits=True: the model's outputs are logits (a linear last layer)
// and the loss applies softmax (sigmoid for binary_crossentropy) itself,
// in a numerically stable form. Every loss here is a cross-entropy, so
// every one takes the option.
func NewLoss(name string, fromLogits bool) (Loss, error) {
	switch strings.ToLower(name) {
	case "sparse_categorical_crossentropy":
		return &SparseCategoricalCrossentropy{FromLogits: fromLogits}, nil
	case "categorical_crossentropy":
		return &CategoricalCrossentropy{FromLogits: fromLogits}, nil
	case "binary_crossentropy":
		return &BinaryCrossentropy{FromLogits: fromLogits}, nil
	}
	return nil, fmt.Errorf("unknown loss %q (want sparse_categorical_crossentropy, categorical_crossentropy or binary_crossentropy)", name)
}

// rowsOf splits pred into N rows of width d.
func rowsOf(pred *tensor.Tensor) (n, d int) {
	n = pred.Shape[0]
	return n, len(pred.Data) / n
}

func weightOf(w []float32, i int) float64 {
	if w == nil {
		return 1
	}
	return float64(w[i])
}

func clipProb(p float64) (q float64, clipped bool) {
	if p < probEpsilon {
		return probEpsilon, true
	}
	if p > 1-probEpsilon {
		return 1 - probEpsilon, true
	}
	return p, false
}

// logSoftmaxRow returns log softmax(z)[j] for all j into out, and softmax into p.
func logSoftmaxRow(z []float32, logp, p []float64) {
	m := float64(z[0])
	for _, v := range z[1:] {
		m = max(m, float64(v))
	}
	var s float64
	for _, v := range z {
		s += math.Exp(float64(v) - m)
	}
	ls := m + math.Log(s)
	for j, v := range z {
		logp[j] = float64(v) - ls
		p[j] = math.Exp(logp[j])
	}
}

// categorical computes one row of (sparse) categorical cross-entropy.
// target is the row's target distribution (one-hot for sparse). It
// returns the row loss and writes dl/dpred (or dl/dz) scaled by scale.
// s1 and s2 are scratch rows of the same width.
func categorical(pred []float32, target []float64, fromLogits, logitsGrad bool, grad []float32, scale float64, s1, s2 []float64) float64 {
	var loss float64
	if fromLogits {
		logp, p := s1, s2
		logSoftmaxRow(pred, logp, p)
		var tsum float64
		for j, t := range target {
			loss -= t * logp[j]
			tsum += t
		}
		if grad != nil {
			for j := range grad {
				grad[j] = float32(scale * (p[j]*tsum - target[j]))
			}
		}
		return loss
	}
	// From probabilities, as Keras: q = p/Σp, clipped to [eps, 1-eps].
	dq := s1 // dl/dq_j; zero where q was clipped
	var sum float64
	for _, v := range pred {
		sum += float64(v)
	}
	var dot float64 // Σ_j dl/dq_j · q_j
	for j, v := range pred {
		q, clipped := clipProb(float64(v) / sum)
		loss -= target[j] * math.Log(q)
		dq[j] = 0
		if !clipped {
			dq[j] = -target[j] / q
		}
		dot += dq[j] * q
	}
	if grad == nil {
		return loss
	}
	if logitsGrad { // pred = softmax(z): dl/dz = p·Σt - t
		var tsum float64
		for _, t := range target {
			tsum += t
		}
		for j := range grad {
			grad[j] = float32(scale * (float64(pred[j])*tsum - target[j]))
		}
		return loss
	}
	for j := range grad { // through the normalization q = p/Σp
		grad[j] = float32(scale * (dq[j] - dot) / sum)
	}
	return loss
}

// SparseCategoricalCrossentropy compares class probabilities (or logits,
// with FromLogits) with integer labels.
type SparseCategoricalCrossentropy struct{ FromLogits bool }

func (*SparseCategoricalCrossentropy) Name() string { return "sparse_categorical_crossentropy" }
func (l *SparseCategoricalCrossentropy) fusesWith(act string) bool {
	return !l.FromLogits && act == "softmax"
}
func (l *SparseCategoricalCrossentropy) Compute(pred *tensor.Tensor, t Target, w []float32, grad *tensor.Tensor, perSample []float32) float64 {
	return l.compute(pred, t, w, grad, perSample, false)
}

func (l *SparseCategoricalCrossentropy) compute(pred *tensor.Tensor, t Target, w []float32, grad *tensor.Tensor, perSample []float32, logitsGrad bool) float64 {
	n, d := rowsOf(pred)
	if len(t.Labels) != n {
		panic(fmt.Sprintf("nn: %d labels for a batch of %d", len(t.Labels), n))
	}
	return categoricalBatch(pred, w, grad, perSample, l.FromLogits, logitsGrad, func(i int, target []float64) {
		y := int(t.Labels[i])
		if y < 0 || y >= d {
			panic(fmt.Sprintf("nn: label %d out of range for %d classes", y, d))
		}
		clear(target)
		target[y] = 1
	})
}

// categoricalBatch reduces categorical over a batch; fill writes sample
// i's target distribution.
func categoricalBatch(pred *tensor.Tensor, w []float32, grad *tensor.Tensor, perSample []float32, fromLogits, logitsGrad bool, fill func(i int, target []float64)) float64 {
	n, d := rowsOf(pred)
	target, logp, p := make([]float64, d), make([]float64, d), make([]float64, d)
	var total float64
	for i := 0; i < n; i++ {
		fill(i, target)
		var g []float32
		if grad != nil {
			g = grad.Data[i*d : (i+1)*d]
		}
		wi := weightOf(w, i)
		li := categorical(pred.Data[i*d:(i+1)*d], target, fromLogits, logitsGrad, g, wi/float64(n), logp, p)
		if perSample != nil {
			perSample[i] = float32(li)
		}
		total += wi * li
	}
	return total / float64(n)
}

// CategoricalCrossentropy compares class probabilities (or logits, with
// FromLogits) with one-hot or soft target distributions.
type CategoricalCrossentropy struct{ FromLogits bool }

func (*CategoricalCrossentropy) Name() string { return "categorical_crossentropy" }
func (l *CategoricalCrossentropy) fusesWith(act string) bool {
	return !l.FromLogits && act == "softmax"
}
func (l *CategoricalCrossentropy) Compute(pred *tensor.Tensor, t Target, w []float32, grad *tensor.Tensor, perSample []float32) float64 {
	return l.compute(pred, t, w, grad, perSample, false)
}

func (l *CategoricalCrossentropy) compute(pred *tensor.Tensor, t Target, w []float32, grad *tensor.Tensor, perSample []float32, logitsGrad bool) float64 {
	n, d := rowsOf(pred)
	if t.Dense == nil {
		t.Dense = oneHot(t.Labels, n, d, "categorical_crossentropy")
	}
	if len(t.Dense.Data) != len(pred.Data) {
		panic("nn: categorical_crossentropy needs dense targets shaped like the predictions")
	}
	return categoricalBatch(pred, w, grad, perSample, l.FromLogits, logitsGrad, func(i int, target []float64) {
		for j, v := range t.Dense.Data[i*d : (i+1)*d] {
			target[j] = float64(v)
		}
	})
}

// BinaryCrossentropy compares independent probabilities (or logits, with
// FromLogits) with targets in [0, 1]; each sample's loss is the mean over
// its outputs.
type BinaryCrossentropy struct{ FromLogits bool }

func (*BinaryCrossentropy) Name() string { return "binary_crossentropy" }
func (l *BinaryCrossentropy) fusesWith(act string) bool {
	return !l.FromLogits && act == "sigmoid"
}
func (l *BinaryCrossentropy) Compute(pred *tensor.Tensor, t Target, w []float32, grad *tensor.Tensor, perSample []float32) float64 {
	return l.compute(pred, t, w, grad, perSample, false)
}

func (l *BinaryCrossentropy) compute(pred *tensor.Tensor, t Target, w []float32, grad *tensor.Tensor, perSample []float32, logitsGrad bool) float64 {
	n, d := rowsOf(pred)
	if t.Dense == nil {
		t.Dense = oneHot(t.Labels, n, d, "binary_crossentropy")
	}
	if len(t.Dense.Data) != len(pred.Data) {
		panic("nn: binary_crossentropy needs dense targets shaped like the predictions")
	}
	var total float64
	for i := 0; i < n; i++ {
		wi := weightOf(w, i)
		scale := wi / float64(n*d)
		var li float64
		for j := i * d; j < (i+1)*d; j++ {
			v, y := float64(pred.Data[j]), float64(t.Dense.Data[j])
			var g float64
			if l.FromLogits { // stable: max(z,0) - z*y + log(1+e^-|z|)
				li += max(v, 0) - v*y + math.Log1p(math.Exp(-math.Abs(v)))
				g = 1/(1+math.Exp(-v)) - y
			} else {
				q, clipped := clipProb(v)
				li -= y*math.Log(q) + (1-y)*math.Log(1-q)
				switch {
				case logitsGrad: // pred = sigmoid(z)
					g = v - y
				case !clipped:
					g = (q - y) / (q * (1 - q))
				}
			}
			if grad != nil {
				grad.Data[j] = float32(scale * g)
			}
		}
		li /= float64(d)
		if perSample != nil {
			perSample[i] = float32(li)
		}
		total += wi * li
	}
	return total / float64(n)
}

// oneHot turns class indices into the dense targets the categorical and
// binary cross-entropies compare with, as Keras users do with
// to_categorical: a row of d values with a 1 at the label. With a single
// output (d = 1) the label itself (0 or 1) is the target. The labels
// were checked against the model's outputs before training (see
// CheckLabels); a mismatch here is a programming error.
func oneHot(labels []int32, n, d int, loss string) *tensor.Tensor {
	if len(labels) != n {
		panic(fmt.Sprintf("nn: %s: %d labels for a batch of %d", loss, len(labels), n))
	}
	t := tensor.New(n, d)
	for i, y := range labels {
		switch {
		case d == 1 && (y == 0 || y == 1):
			t.Data[i] = float32(y)
		case d > 1 && y >= 0 && int(y) < d:
			t.Data[i*d+int(y)] = 1
		default:
			panic(fmt.Sprintf("nn: %s: label %d out of range for %d outputs", loss, y, d))
		}
	}
	return t
}

// CheckLabels says whether integer class labels of classes classes can be
// compared by loss with a model output of outputs values per sample:
// sparse and categorical cross-entropy need one output per class
// (categorical takes the labels one-hot), binary cross-entropy one
// output per class or a single output for two classes.
func CheckLabels(loss Loss, outputs, classes int) error {
	if outputs == classes {
		return nil
	}
	if _, ok := loss.(*BinaryCrossentropy); ok && outputs == 1 && classes == 2 {
		return nil
	}
	if _, ok := loss.(*BinaryCrossentropy); ok {
		return fmt.Errorf("%s: the model has %d outputs for %d classes; want one output per class (or a single sigmoid output for 2 classes)", loss.Name(), outputs, classes)
	}
	return fmt.Errorf("%s: the model has %d outputs for %d classes; want one output per class", loss.Name(), outputs, classes)
}
