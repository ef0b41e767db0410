package nn

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestModelGradientsFiniteDifferences checks whole models' training
// gradients against a reference that trusts none of the model's paths:
// a float64 forward written from m.Nodes() (diff_model_fd_ref_test.go)
// and central finite differences of its loss, on a few random
// coordinates of every weight tensor and of the input. The models (small
// ones, built with the Graph builder and Sequential as users do, random
// weights, BatchNormalization's gamma, beta and moving statistics, input
// and labels) are chosen so that every fused training plan runs, which
// the test checks after each step (fdCase.plans): the depthwise
// convolutions' BatchNormalization hubs, the pointwise convolutions'
// tiles with the next BatchNormalization's input gradient (>= 2048 rows),
// BatchNormalizations applied by a residual Add with relu (1x1 and 1x1
// stride-2 convolutions before them) and the masked skip gradients, the
// three-tap direct kernels, Winograd, and a Sequential's data-parallel
// shards. The model's Gradients (the step train's fit loop runs) is run
// at 1 and 2 threads from the same weights; its loss, sampled gradients,
// gradient at the input (fdProbe) and BatchNormalizations' moving
// statistics after the step must match the reference.
//
// Tolerance: |g - ref| <= fdRelTol·scale + fdAbsTol, where scale is the
// larger of the sampled references' largest magnitude and the model
// gradient's root mean square over the tensor (a float32 pass of sums
// over a few thousand rows is off by ~1e-6 of the largest term; a wrong
// path, e.g. an untransformed dy, is off by tens of percent). A
// coordinate whose differences at two steps disagree by more than a
// tenth of the tolerance (a relu, relu6 or max-pool kink within the
// step) is skipped; at most half of a model's may be.
func TestModelGradientsFiniteDifferences(t *testing.T) {
	for _, c := range fdCases() {
		t.Run(c.name, func(t *testing.T) { checkModelFD(t, c) })
	}
}

const (
	fdRelTol = 1e-3
	fdAbsTol = 1e-6
	fdEps1   = 2e-5
	fdEps2   = 5e-6
)

// fdCase is one model: build returns it unbuilt; plans checks after a
// step at procs threads that the fused paths it is there for ran.
type fdCase struct {
	name    string
	build   func() Model
	batch   int
	classes int
	coords  int  // sampled coordinates per tensor
	coords2 int  // in the second step (0: max(3, coords/2))
	every   int  // sample every every-th trainable tensor (0: all)
	weights bool // per-sample loss weights (class weights), random
	plans   func(t *testing.T, m Model, procs int)
}

// fdSample is one coordinate of a weight tensor (p) or of the input (p nil).
type fdSample struct {
	p   *Param
	j   int
	ref float64
}

func checkModelFD(t *testing.T, c fdCase) {
	m := c.build()
	if err := m.Build(7); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, uint64(len(c.name))))
	fdRandomWeights(m, rng)
	start := fdSnapshot(m)
	first := fdReference(t, m, c, rng, c.coords)
	// The second step's weights: every trainable one moved by up to 10%.
	next := fdSnapshot(m)
	for _, p := range m.Params() {
		for i, v := range next[p.Param] {
			if p.Trainable {
				next[p.Param][i] = v * float32(1+0.1*(2*rng.Float64()-1))
			}
		}
	}
	fdRestore(next, true)
	n2 := c.coords2
	if n2 == 0 {
		n2 = max(3, c.coords/2)
	}
	second := fdReference(t, m, c, rng, n2)
	for _, procs := range []int{1, 2} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			fdRestore(start, false)
			what := fmt.Sprintf("%s, %d threads", c.name, procs)
			fdStep(t, what, m, first)
			c.plans(t, m, procs)
			// A second step at other weights (the moving statistics as
			// the first left them), on another batch: no layer may reuse
			// what it derived from the old weights.
			fdRestore(next, true)
			fdStep(t, what+", second step", m, second)
		}()
	}
}

// fdRef0 is a reference step: its batch, loss, samples and the
// BatchNormalizations' batch statistics.
type fdRef0 struct {
	x       *tensor.Tensor
	labels  []int32
	weight  []float32
	loss    float64
	samples []fdSample
	stats   map[*BatchNormalization][2][]float64
}

// fdReference draws a batch and computes the reference of a step on it
// from the model's weights now, with n coordinates per tensor.
func fdReference(t *testing.T, m Model, c fdCase, rng *rand.Rand, n int) fdRef0 {
	x := randTensor(rng, 1, append([]int{c.batch}, m.InputShape()...)...)
	labels := make([]int32, c.batch)
	for i := range labels {
		labels[i] = int32(rng.IntN(c.classes))
	}
	var weight []float32
	if c.weights {
		weight = make([]float32, c.batch)
		for i := range weight {
			weight[i] = float32(0.5 + rng.Float64())
		}
	}
	ref := newFDRef(m, x, labels)
	ref.weight = weight
	f := fdRef0{x: x, labels: labels, weight: weight, loss: ref.loss(0), stats: map[*BatchNormalization][2][]float64{}}
	for l, st := range ref.stats {
		f.stats[l] = st
	}
	f.samples = fdSamples(t, ref, rng, n, c.every)
	return f
}

// fdStep runs the model's training step on f's batch and compares.
func fdStep(t *testing.T, what string, m Model, f fdRef0) {
	moving := fdMovingStats(m, f.stats)
	clearPlanMarks(m)
	loss, _ := m.Gradients(f.x.Clone(), Target{Labels: f.labels}, f.weight, &SparseCategoricalCrossentropy{}, nil)
	if math.Abs(loss-f.loss) > 1e-5*math.Abs(f.loss) {
		t.Errorf("%s: loss %.9g, reference %.9g", what, loss, f.loss)
	}
	fdCompare(t, what, m, f.samples)
	fdCheckMoving(t, what, moving)
	for _, p := range m.Params() {
		if !p.Trainable && p.Grad != nil && slices.ContainsFunc(p.Grad.Data, func(v float32) bool { return v != 0 }) {
			t.Errorf("%s: frozen %s/%s has a gradient", what, p.Layer.Name(), p.Name)
		}
	}
}

func fdSnapshot(m Model) map[*Param][]float32 {
	saved := map[*Param][]float32{}
	for _, p := range m.Params() {
		saved[p.Param] = append([]float32(nil), p.Value.Data...)
	}
	return saved
}

// fdRestore sets the weights (only the trainable ones with trainable)
// to saved's.
func fdRestore(saved map[*Param][]float32, trainable bool) {
	for p, v := range saved {
		if p.Trainable || !trainable {
			copy(p.Value.Data, v)
		}
	}
}

// fdRandomWeights sets every weight at random: kernels keep their
// initializer's values, biases and BatchNormalizations' parameters and
// moving statistics get random ones.
func fdRandomWeights(m Model, rng *rand.Rand) {
	for _, p := range m.Params() {
		for i := range p.Value.Data {
			u := 2*rng.Float64() - 1
			switch p.Name {
			case "bias", "beta", "moving_mean":
				p.Value.Data[i] = float32(0.3 * u)
			case "gamma", "moving_variance":
				p.Value.Data[i] = float32(1 + 0.4*u)
			}
		}
	}
}

// fdSamples draws n coordinates of every every-th trainable tensor (all
// with every 0) and of the input and computes their references (central
// differences at fdEps2), skipping those where fdEps1 disagrees (a
// kink); it fails when more than half of all are skipped.
func fdSamples(t *testing.T, r *fdRef, rng *rand.Rand, n, every int) []fdSample {
	var out []fdSample
	drawn, i := 0, 0
	for k, node := range r.nodes {
		for _, p := range node.Layer.Params() {
			if p.Trainable && i%max(1, every) == 0 {
				out = append(out, fdTensorSamples(t, r, rng, n, p, r.w[p], k)...)
				drawn += min(n, len(r.w[p]))
			}
			i += btoi(p.Trainable)
		}
	}
	out = append(out, fdTensorSamples(t, r, rng, n, nil, r.x.v, 0)...)
	drawn += n
	if skipped := drawn - len(out); skipped*2 > drawn {
		t.Errorf("%d of %d coordinates at a kink", skipped, drawn)
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func fdTensorSamples(t *testing.T, r *fdRef, rng *rand.Rand, n int, p *Param, v []float64, from int) []fdSample {
	diff := func(j int, eps float64) float64 {
		orig := v[j]
		v[j] = orig + eps
		lp := r.loss(from)
		v[j] = orig - eps
		lm := r.loss(from)
		v[j] = orig
		return (lp - lm) / (2 * eps)
	}
	var out []fdSample
	var other []float64 // the differences at fdEps1
	scale := 0.0
	for _, j := range fdCoords(rng, len(v), n) {
		out = append(out, fdSample{p: p, j: j, ref: diff(j, fdEps2)})
		other = append(other, diff(j, fdEps1))
		scale = math.Max(scale, math.Abs(out[len(out)-1].ref))
	}
	r.loss(from) // the outputs at the weights again
	kept := out[:0]
	for i, s := range out {
		if math.Abs(s.ref-other[i]) <= 0.1*(fdRelTol*scale+fdAbsTol) {
			kept = append(kept, s)
		}
	}
	skipped := len(out) - len(kept)
	if skipped > 0 {
		t.Logf("%s: %d of %d coordinates skipped (kink)", fdTensorName(r, p), skipped, n)
	}
	return kept
}

// fdCoords returns up to n distinct random indices below size, in order.
func fdCoords(rng *rand.Rand, size, n int) []int {
	js := map[int]bool{}
	for len(js) < min(n, size) {
		js[rng.IntN(size)] = true
	}
	return slices.Sorted(maps.Keys(js))
}

func fdTensorName(r *fdRef, p *Param) string {
	if p == nil {
		return "input"
	}
	for _, n := range r.nodes {
		for _, q := range n.Layer.Params() {
			if q == p {
				return n.Layer.Name() + "/" + p.Name
			}
		}
	}
	return p.Name
}

// fdCompare compares the model's gradients (and its fdProbe's, the
// input's) with the samples' references, tensor by tensor, and logs the
// largest error as a fraction of the tolerance.
func fdCompare(t *testing.T, what string, m Model, samples []fdSample) {
	var probe *fdProbe
	for _, n := range m.Nodes() {
		if pr, ok := n.Layer.(*fdProbe); ok {
			probe = pr
		}
	}
	byTensor := map[*Param][]fdSample{}
	var order []*Param
	for _, s := range samples {
		if _, ok := byTensor[s.p]; !ok {
			order = append(order, s.p)
		}
		byTensor[s.p] = append(byTensor[s.p], s)
	}
	worst, n := 0.0, 0
	for _, p := range order {
		var g []float32
		name := "input"
		switch {
		case p != nil:
			g, name = p.Grad.Data, fdParamName(m, p)
		case probe != nil: // dL/dx = s·dy
			g = make([]float32, len(probe.dy))
			for i, d := range probe.dy {
				g[i] = probe.s.Value.Data[0] * d
			}
		default:
			continue // no probe: the model computes no input gradient
		}
		worst = math.Max(worst, fdCompareTensor(t, what+": "+name, g, byTensor[p]))
		n += len(byTensor[p])
	}
	t.Logf("%s: %d coordinates, largest error %.3g of the tolerance", what, n, worst)
}

func fdParamName(m Model, p *Param) string {
	for _, lp := range m.Params() {
		if lp.Param == p {
			return lp.Layer.Name() + "/" + p.Name
		}
	}
	return p.Name
}

// fdCompareTensor compares one tensor's samples and returns the largest
// error as a fraction of the tolerance.
func fdCompareTensor(t *testing.T, what string, g []float32, ss []fdSample) float64 {
	t.Helper()
	var scale, rms float64
	for _, s := range ss {
		scale = math.Max(scale, math.Abs(s.ref))
	}
	for _, v := range g {
		rms += float64(v) * float64(v)
	}
	scale = math.Max(scale, math.Sqrt(rms/float64(max(1, len(g)))))
	worst := 0.0
	for _, s := range ss {
		d := math.Abs(float64(g[s.j]) - s.ref)
		worst = math.Max(worst, d/(fdRelTol*scale+fdAbsTol))
		if !(d <= fdRelTol*scale+fdAbsTol) {
			t.Errorf("%s[%d]: gradient %.7g, reference %.7g (off by %.3g of the tensor's scale %.3g)",
				what, s.j, g[s.j], s.ref, d/scale, scale)
		}
	}
	return worst
}

// fdMoving is a BatchNormalization's moving statistics after a step.
type fdMoving struct {
	l        *BatchNormalization
	mean, vr []float64
}

// fdMovingStats computes every BatchNormalization's moving statistics
// after a step from the model's now and the batch statistics (Keras:
// moving = moving·momentum + batch·(1 - momentum), the biased variance).
func fdMovingStats(m Model, stats map[*BatchNormalization][2][]float64) []fdMoving {
	var out []fdMoving
	for _, n := range m.Nodes() {
		l, ok := n.Layer.(*BatchNormalization)
		if !ok {
			continue
		}
		st, ok := stats[l]
		mom := l.momentum()
		if !ok { // frozen: inference mode, no update
			st, mom = [2][]float64{to64(l.movingMean.Value.Data), to64(l.movingVar.Value.Data)}, 1
		}
		mv := fdMoving{l: l, mean: make([]float64, l.c), vr: make([]float64, l.c)}
		for k := range l.c {
			mv.mean[k] = float64(l.movingMean.Value.Data[k])*mom + st[0][k]*(1-mom)
			mv.vr[k] = float64(l.movingVar.Value.Data[k])*mom + st[1][k]*(1-mom)
		}
		out = append(out, mv)
	}
	return out
}

func fdCheckMoving(t *testing.T, what string, want []fdMoving) {
	t.Helper()
	for _, w := range want {
		for k := range w.mean {
			gm, gv := float64(w.l.movingMean.Value.Data[k]), float64(w.l.movingVar.Value.Data[k])
			if math.Abs(gm-w.mean[k]) > 1e-5*(1+math.Abs(w.mean[k])) || math.Abs(gv-w.vr[k]) > 1e-5*(1+w.vr[k]) {
				t.Errorf("%s: %s moving statistics [%d] %.7g, %.7g; reference %.7g, %.7g",
					what, w.l.Name(), k, gm, gv, w.mean[k], w.vr[k])
				break
			}
		}
	}
}

// clearPlanMarks forgets which hub passes ran (a step sets them again).
func clearPlanMarks(m Model) {
	for _, n := range m.Nodes() {
		if b, ok := n.Layer.(*BatchNormalization); ok {
			b.hub.ran = 0
		}
	}
}
