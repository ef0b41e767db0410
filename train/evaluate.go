package train

import (
	"context"
	"fmt"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/tensor"
)

// EvalResult is a model's performance on a split (inference mode).
type EvalResult struct {
	Loss, Accuracy float64
	// TopK is k of TopKAccuracy (0 when not measured).
	TopK         int
	TopKAccuracy float64
	Samples      int
	Confusion    *Confusion
	// Each sample's outcome, in loader order: for diagnosis and reports
	// (the highest-loss images, predicted-class collapse, label noise).
	Outcomes []Outcome
}

// Outcome is one evaluated sample.
type Outcome struct {
	Index       int     // index in the Dataset
	Label, Pred int32   // true and predicted class
	Loss        float32 // unweighted loss
	Confidence  float32 // the predicted class's probability
}

// Evaluate runs m over every batch of loader in inference mode and
// measures loss, accuracy, top-k accuracy (k > 1) and the confusion matrix.
func Evaluate(ctx context.Context, m nn.Model, loader *data.Loader, loss nn.Loss, classes []string, k int) (*EvalResult, error) {
	r := &EvalResult{Confusion: NewConfusion(classes)}
	if k > 1 {
		r.TopK = k
	}
	it := loader.Epoch(0)
	defer it.Close()
	var lossSum float64
	var correct, topk int
	var per []float32
	var probs *tensor.Tensor // the outputs as probabilities, for a loss from logits
	for b, ok := it.Next(); ok; b, ok = it.Next() {
		if err := ctx.Err(); err != nil {
			b.Release()
			return nil, err
		}
		out := m.Forward(b.X, false)
		n := len(b.Labels)
		if cap(per) < n {
			per = make([]float32, n)
		}
		per = per[:n]
		l := loss.Compute(out, nn.Target{Labels: b.Labels}, b.Weights, nil, per)
		lossSum += l * float64(n)
		d := len(out.Data) / n
		if d != len(classes) {
			b.Release()
			return nil, fmt.Errorf("model has %d outputs for %d classes", d, len(classes))
		}
		probs = nn.OutputProbabilities(loss, out, probs)
		for i := 0; i < n; i++ {
			row := out.Data[i*d : (i+1)*d]
			p := argmax(row)
			y := int(b.Labels[i])
			if p == y {
				correct++
			}
			if r.TopK > 0 && inTopK(row, y, r.TopK) {
				topk++
			}
			r.Confusion.Add(y, p)
			r.Outcomes = append(r.Outcomes, Outcome{Index: b.Indices[i], Label: int32(y), Pred: int32(p), Loss: per[i], Confidence: probs.Data[i*d+p]})
		}
		r.Samples += n
		b.Release()
	}
	if r.Samples > 0 {
		r.Loss = lossSum / float64(r.Samples)
		r.Accuracy = float64(correct) / float64(r.Samples)
		r.TopKAccuracy = float64(topk) / float64(r.Samples)
	}
	return r, nil
}
