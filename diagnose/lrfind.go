package diagnose

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
	"github.com/cnnscope/cnnscope/tensor"
	"github.com/cnnscope/cnnscope/train"
)

// LRFindOptions configure the learning-rate range test.
type LRFindOptions struct {
	// StartLR and EndLR bound the exponential sweep (1e-7 and 1 by
	// default); Steps is its number of steps (200 by default: fastai's 100
	// give 14 steps a decade, too few for a small CNN to show at which
	// rate it learns; see the suggestion rule).
	StartLR, EndLR float64
	Steps          int
	// StopFactor ends the sweep once the loss's exponential moving
	// average (see Beta) exceeds this many times its lowest (4 by default).
	// That average lags the loss, so its lowest is not the lowest of the
	// centred Smoothed curve the text, the plot and the suggestion use;
	// the output names each for what it is.
	StopFactor float64
	// Beta is the smoothing of the loss that the stop rule watches, an
	// exponential moving average with bias correction; 0 spans a third of
	// a decade of rates (beta 0.81 for 200 steps over 7 decades). fastai's
	// 0.98 remembers about 50 steps, 3.5 decades of such a sweep: its
	// curve lags so far that the loss blows up long before it shows.
	Beta float64
}

func (o *LRFindOptions) defaults() {
	if o.StartLR == 0 {
		o.StartLR = 1e-7
	}
	if o.EndLR == 0 {
		o.EndLR = 1
	}
	if o.Steps == 0 {
		o.Steps = 200
	}
	if o.StopFactor == 0 {
		o.StopFactor = 4
	}
	if o.Beta == 0 && o.Steps > 1 && o.EndLR > o.StartLR && o.StartLR > 0 {
		span := max(2, perDecade(o.Steps, o.StartLR, o.EndLR)/3)
		o.Beta = 1 - 2/(span+1)
	}
}

// perDecade is the number of sweep steps per decade of learning rate.
func perDecade(steps int, lo, hi float64) float64 {
	return float64(steps-1) / math.Log10(hi/lo)
}

// LRFind is the result of a range test.
type LRFind struct {
	Optimizer string    `json:"optimizer"`
	LR        []float64 `json:"lr"`
	// Loss is each step's batch loss (measured before its update, so it
	// shows the effect of the rates before it); Smoothed its centered
	// moving average over a quarter of a decade of rates (no lag: it is
	// computed after the sweep; the stop rule watches a causal one).
	Loss     []float64 `json:"loss"`
	Smoothed []float64 `json:"smoothed"`
	// Stopped says why the sweep ended before EndLR ("" when it ran to
	// the end).
	Stopped string `json:"stopped,omitempty"`
	// MinLR is the rate at the lowest smoothed loss; Steepest the rate
	// where the smoothed loss falls fastest (per decade of rate) before
	// that; Suggested is the suggestion (see Suggest).
	MinLR     float64 `json:"min_lr"`
	MinLoss   float64 `json:"min_loss"`
	Steepest  float64 `json:"steepest_lr"`
	Suggested float64 `json:"suggested_lr"`
	Rule      string  `json:"rule"`
}

// FindLR runs Leslie Smith's learning-rate range test ("Cyclical Learning
// Rates for Training Neural Networks", 2017; fastai's lr_find): it trains a
// fresh copy of the spec's model with the spec's optimizer, data and batch
// size for up to Steps steps, raising the learning rate exponentially from
// StartLR to EndLR, and stops once the loss's exponential moving average
// passes StopFactor times its lowest. Nothing is written and nothing of a run is changed.
func FindLR(ctx context.Context, spec *spec.Spec, o LRFindOptions) (*LRFind, error) {
	o.defaults()
	if !(o.StartLR > 0 && o.EndLR > o.StartLR) || o.Steps < 2 || o.StopFactor <= 1 || o.Beta < 0 || o.Beta >= 1 {
		return nil, fmt.Errorf("lrfind: want 0 < start %g < end %g, steps >= 2 (%d), stop factor > 1 (%g), 0 <= beta < 1 (%g)",
			o.StartLR, o.EndLR, o.Steps, o.StopFactor, o.Beta)
	}
	// What the spec, its data and its model say is the user's input
	// (exit code 2), as for train.
	s := *spec
	if _, _, err := train.ResolvePretrained(&s); err != nil { // a fine-tune's data settings
		return nil, &train.InputError{Err: err}
	}
	s.Defaults()
	if err := s.Validate(); err != nil {
		return nil, &train.InputError{Err: err}
	}
	p, err := train.PrepareData(s.Data, s.Seed)
	if err != nil {
		return nil, &train.InputError{Err: err}
	}
	m, err := train.BuildModel(&s, tensor.Shape{p.Train.Height, p.Train.Width, p.Train.Channels}, len(p.Classes))
	if err != nil {
		return nil, &train.InputError{Err: err}
	}
	opt, err := train.NewOptimizer(s.Compile)
	if err != nil {
		return nil, &train.InputError{Err: err}
	}
	loss, err := s.Compile.NewLoss()
	if err != nil {
		return nil, &train.InputError{Err: fmt.Errorf("compile.loss: %w", err)}
	}
	tr, _, _, err := p.Loaders(s.Data, s.Fit, s.Seed)
	if err != nil {
		return nil, &train.InputError{Err: err}
	}
	r := &LRFind{Optimizer: opt.Name()}
	params := m.Params()
	growth := math.Pow(o.EndLR/o.StartLR, 1/float64(o.Steps-1))
	var avg float64
	best := math.Inf(1)
	epoch := 0
	it := tr.Epoch(epoch)
	defer func() { it.Close() }()
	for i := 0; i < o.Steps; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, ok := it.Next()
		if !ok {
			it.Close()
			epoch++
			it = tr.Epoch(epoch)
			if b, ok = it.Next(); !ok {
				return nil, errors.New("lrfind: the training data gives no batch")
			}
		}
		lr := o.StartLR * math.Pow(growth, float64(i))
		opt.SetLearningRate(lr)
		l, _ := m.Gradients(b.X, nn.Target{Labels: b.Labels}, b.Weights, loss, nil)
		b.Release()
		r.LR, r.Loss = append(r.LR, lr), append(r.Loss, l)
		if !finite(l) {
			r.Stopped = fmt.Sprintf("the loss is not finite at lr %s", fmtLR(lr))
			break
		}
		avg = o.Beta*avg + (1-o.Beta)*l
		sm := avg / (1 - math.Pow(o.Beta, float64(i+1)))
		best = min(best, sm)
		if sm > o.StopFactor*best {
			r.Stopped = fmt.Sprintf("the loss's exponential moving average %.3g passed %gx its lowest %.3g at lr %s", sm, o.StopFactor, best, fmtLR(lr))
			break
		}
		opt.Step(params)
	}
	r.Smoothed = centered(r.Loss, max(1, int(math.Round(perDecade(o.Steps, o.StartLR, o.EndLR)/8))))
	r.suggest(max(1, int(math.Round(perDecade(o.Steps, o.StartLR, o.EndLR)/10))))
	return r, nil
}

// centered is the moving average of v over i-w..i+w (the finite values;
// NaN where there are none).
func centered(v []float64, w int) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		sum, n := 0.0, 0
		for j := max(0, i-w); j <= min(len(v)-1, i+w); j++ {
			if finite(v[j]) {
				sum += v[j]
				n++
			}
		}
		out[i] = math.NaN()
		if n > 0 && finite(v[i]) {
			out[i] = sum / float64(n)
		}
	}
	return out
}

// Suggestion rule: the rate where the smoothed loss falls fastest per
// decade of learning rate (slope over k points, about a tenth of a decade,
// each side, looked for between the start and the lowest smoothed loss),
// but no more than a tenth of the lowest loss's rate (fastai's
// "minimum/10"); when the loss never falls, minimum/10 alone. The steepest
// descent is where training makes the most progress per step while the
// loss still falls reliably; the minimum is already at the edge of
// divergence, and when the loss only starts to fall late (plain SGD, whose
// small rates learn nothing in a short sweep) the steepest point sits just
// before it: the cap keeps a decade of margin. Measured on the basic CNN
// and MNIST, 200 steps, seeds 1-3: Adam steepest 1.1e-3..1.5e-3,
// minimum/10 7e-4..1.6e-3 (Keras' default is 1e-3); plain SGD steepest 0.3,
// minimum/10 0.04 (it trains at 0.1 and dies at 1.0); SGD with momentum
// 0.9 steepest 0.04, minimum/10 0.014. With 100 steps the model learns
// less at each rate and Adam's steepest point moves up to 5e-3..9e-3.
func (r *LRFind) suggest(k int) {
	imin := -1
	for i, v := range r.Smoothed {
		if finite(v) && (imin < 0 || v < r.Smoothed[imin]) {
			imin = i
		}
	}
	if imin < 0 {
		r.Rule = "no finite loss: no suggestion"
		return
	}
	r.MinLR, r.MinLoss = r.LR[imin], r.Smoothed[imin]
	best, steepest := 0.0, -1
	for i := k; i+k <= imin; i++ {
		d := (r.Smoothed[i+k] - r.Smoothed[i-k]) / math.Log10(r.LR[i+k]/r.LR[i-k])
		if d < best {
			best, steepest = d, i
		}
	}
	if steepest >= 0 {
		r.Steepest = r.LR[steepest]
		r.Suggested, r.Rule = r.Steepest, "steepest descent of the smoothed loss"
		if r.MinLR/10 < r.Steepest {
			r.Suggested, r.Rule = r.MinLR/10, "lowest smoothed loss / 10, under the steepest descent at "+fmtLR(r.Steepest)
		}
		return
	}
	r.Suggested = r.MinLR / 10
	r.Rule = "lowest smoothed loss / 10 (the loss never fell)"
}

// WriteText prints the curve as an ASCII chart (smoothed loss over a log
// learning-rate axis, the suggestion marked) and the suggestion.
func (r *LRFind) WriteText(w io.Writer, width, height int) {
	width, height = max(width, 20), max(height, 5)
	var xs, ys []float64
	for i, v := range r.Smoothed {
		if finite(v) {
			xs, ys = append(xs, math.Log10(r.LR[i])), append(ys, v)
		}
	}
	if len(xs) < 2 {
		fmt.Fprintln(w, "Too few finite losses to draw.")
	} else {
		x0, x1 := xs[0], xs[len(xs)-1]
		y0, y1 := ys[0], ys[0]
		for _, v := range ys {
			y0, y1 = min(y0, v), max(y1, v)
		}
		if y1 == y0 {
			y1 = y0 + 1
		}
		grid := make([][]byte, height)
		for i := range grid {
			grid[i] = []byte(strings.Repeat(" ", width))
		}
		col := func(x float64) int {
			return min(width-1, max(0, int(math.Round((x-x0)/(x1-x0)*float64(width-1)))))
		}
		if r.Suggested > 0 {
			c := col(math.Log10(r.Suggested))
			for i := range grid {
				grid[i][c] = '|'
			}
		}
		for i := range xs {
			row := height - 1 - int(math.Round((ys[i]-y0)/(y1-y0)*float64(height-1)))
			grid[row][col(xs[i])] = '*'
		}
		for i, line := range grid {
			label := "         "
			switch i {
			case 0:
				label = fmt.Sprintf("%9.3g", y1)
			case height - 1:
				label = fmt.Sprintf("%9.3g", y0)
			}
			fmt.Fprintf(w, "%s |%s\n", label, line)
		}
		// The axis, with a tick and a label at each power of ten.
		axis, labels := []byte(strings.Repeat("-", width)), []byte(strings.Repeat(" ", width+8))
		free := 0
		for d := math.Ceil(x0); d <= x1; d++ {
			c := col(d)
			axis[c] = '+'
			if l := fmtLR(math.Pow(10, d)); c >= free {
				copy(labels[c:], l)
				free = c + len(l) + 1
			}
		}
		fmt.Fprintf(w, "%9s +%s\n", "", axis)
		fmt.Fprintf(w, "%9s  %s\n", "", strings.TrimRight(string(labels), " "))
		fmt.Fprintf(w, "%9s  learning rate (log scale); | marks the suggestion\n", "")
	}
	if r.Stopped != "" {
		fmt.Fprintf(w, "Stopped after %d steps: %s.\n", len(r.LR), r.Stopped)
	} else {
		fmt.Fprintf(w, "Swept %d steps up to lr %s.\n", len(r.LR), fmtLR(r.LR[len(r.LR)-1]))
	}
	if r.Suggested > 0 {
		fmt.Fprintf(w, "Lowest smoothed loss (the curve drawn: a centred moving average) %.3g at lr %s (/10: %s).\n", r.MinLoss, fmtLR(r.MinLR), fmtLR(r.MinLR/10))
		fmt.Fprintf(w, "Suggested learning rate for %s: %s (%s): --lr %s\n", r.Optimizer, fmtLR(r.Suggested), r.Rule, fmtLR(r.Suggested))
	}
}

// WriteJSON writes the sweep as JSON (a non-finite loss as "NaN" or
// "Infinity", as metrics.jsonl writes them).
func (r *LRFind) WriteJSON(w io.Writer) error {
	type alias LRFind
	conv := func(v []float64) []train.JSONFloat {
		out := make([]train.JSONFloat, len(v))
		for i, x := range v {
			out[i] = train.JSONFloat(x)
		}
		return out
	}
	b, err := json.MarshalIndent(struct {
		*alias
		Loss     []train.JSONFloat `json:"loss"`
		Smoothed []train.JSONFloat `json:"smoothed"`
	}{(*alias)(r), conv(r.Loss), conv(r.Smoothed)}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
