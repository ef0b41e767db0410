package diagnose

import (
	"math"

	"github.com/cnnscope/cnnscope/train"
)

// maxTracePoints bounds the loss trace: a longer run merges neighbouring
// points in pairs (the stride doubles), so memory and the cost of
// analysing the trace stay constant however long the run.
const maxTracePoints = 2048

// LossTrace is the training loss step by step, as parallel arrays (easy
// to plot). Point i covers the Stride steps ending at Step[i]: Loss and
// Acc are their means, Max the largest batch loss among them.
type LossTrace struct {
	// First is the loss of the run's first step, measured before its
	// update: where training starts (in training mode, unlike the check
	// before step 1: BatchNormalization's batch statistics and Dropout can
	// make it several times higher).
	First  train.JSONFloat   `json:"first"`
	Stride int               `json:"stride"`
	Step   []int             `json:"step"`
	Epoch  []int             `json:"epoch"` // 1-based
	Loss   []train.JSONFloat `json:"loss"`
	Max    []train.JSONFloat `json:"max"`
	Acc    []float64         `json:"acc"`

	// pending accumulates the steps of the next point.
	pn                int
	pLoss, pMax, pAcc float64
	pStep, pEpoch     int
}

// Len is the number of points.
func (t *LossTrace) Len() int { return len(t.Step) }

// Add records one step's batch loss and accuracy.
func (t *LossTrace) Add(step, epoch int, loss, acc float64) {
	if t.Stride == 0 {
		t.Stride = 1
	}
	if step == 1 {
		t.First = train.JSONFloat(loss)
	}
	if t.pn == 0 || math.IsNaN(loss) || loss > t.pMax {
		t.pMax = loss
	}
	t.pLoss += loss
	t.pAcc += acc
	t.pn++
	t.pStep, t.pEpoch = step, epoch
	if t.pn < t.Stride {
		return
	}
	t.push(t.pStep, t.pEpoch, t.pLoss/float64(t.pn), t.pMax, t.pAcc/float64(t.pn))
	t.pn, t.pLoss, t.pAcc = 0, 0, 0
	if t.Len() >= maxTracePoints {
		t.halve()
	}
}

func (t *LossTrace) push(step, epoch int, loss, mx, acc float64) {
	t.Step = append(t.Step, step)
	t.Epoch = append(t.Epoch, epoch)
	t.Loss = append(t.Loss, train.JSONFloat(loss))
	t.Max = append(t.Max, train.JSONFloat(mx))
	t.Acc = append(t.Acc, acc)
}

// halve merges points in pairs and doubles the stride.
func (t *LossTrace) halve() {
	n := t.Len() / 2
	for i := 0; i < n; i++ {
		a, b := 2*i, 2*i+1
		t.Step[i], t.Epoch[i] = t.Step[b], t.Epoch[b]
		t.Loss[i] = (t.Loss[a] + t.Loss[b]) / 2
		t.Max[i] = train.JSONFloat(nanMax(float64(t.Max[a]), float64(t.Max[b])))
		t.Acc[i] = (t.Acc[a] + t.Acc[b]) / 2
	}
	t.Step, t.Epoch, t.Loss, t.Max, t.Acc = t.Step[:n], t.Epoch[:n], t.Loss[:n], t.Max[:n], t.Acc[:n]
	t.Stride *= 2
}

// Truncate drops the points after step (resume).
func (t *LossTrace) Truncate(step int) {
	n := 0
	for n < t.Len() && t.Step[n] <= step {
		n++
	}
	t.Step, t.Epoch, t.Loss, t.Max, t.Acc = t.Step[:n], t.Epoch[:n], t.Loss[:n], t.Max[:n], t.Acc[:n]
	t.pn, t.pLoss, t.pAcc = 0, 0, 0
}

// valid reports whether the arrays agree (a trace read from a file).
func (t *LossTrace) valid() bool {
	n := len(t.Step)
	return len(t.Epoch) == n && len(t.Loss) == n && len(t.Max) == n && len(t.Acc) == n
}

// window returns the mean loss and accuracy of the points whose steps
// lie in (from, to], and how many steps they cover.
func (t *LossTrace) window(from, to int) (loss, acc float64, steps int) {
	n := 0
	for i := t.Len() - 1; i >= 0 && t.Step[i] > from; i-- {
		if t.Step[i] > to {
			continue
		}
		loss += float64(t.Loss[i])
		acc += t.Acc[i]
		n++
	}
	if n == 0 {
		return math.NaN(), math.NaN(), 0
	}
	return loss / float64(n), acc / float64(n), n * max(t.Stride, 1)
}

// smoothed returns an exponential moving average of the loss with a time
// constant of about span steps, point by point.
func (t *LossTrace) smoothed(span int) []float64 {
	out := make([]float64, t.Len())
	alpha := 2 / (float64(span)/float64(max(t.Stride, 1)) + 1)
	alpha = min(alpha, 1)
	var ema float64
	for i := range out {
		v := float64(t.Loss[i])
		if i == 0 || !finite(ema) {
			ema = v
		} else {
			ema += alpha * (v - ema)
		}
		out[i] = ema
	}
	return out
}

func nanMax(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	return max(a, b)
}
