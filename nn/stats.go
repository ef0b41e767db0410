package nn

import (
	"math"

	"github.com/cnnscope/cnnscope/tensor"
)

// ActivationStats summarizes one layer's output on one batch, for
// diagnosis (dying ReLU, saturation, exploding activations, NaN).
type ActivationStats struct {
	Layer      string
	Activation string // the layer's activation function, "" when it has none
	Mean, Std  float64
	// ZeroFrac is the share of outputs that are exactly zero.
	ZeroFrac float64
	// SaturatedFrac is the share of outputs in the flat part of a
	// sigmoid (< 0.01 or > 0.99), tanh (|y| > 0.99) or softmax (> 0.99).
	SaturatedFrac float64
	// DeadFrac is the share of units (last-axis channels) that are zero
	// for every sample and position of the batch: dead ReLUs.
	DeadFrac float64
	// NonFinite counts NaN and ±Inf outputs.
	NonFinite int
}

// CollectStats turns activation statistics on or off for the following
// Forward calls. Off (the default) costs one branch per layer.
func (m *Sequential) CollectStats(on bool) { m.stats.on = on }

// Stats returns the statistics of the last Forward made with collection
// on, one per layer; nil when none was made. The slice is reused.
func (m *Sequential) Stats() []ActivationStats { return m.stats.last }

// A training step on several threads (graph_shard.go) collects the
// statistics as it trains: each shard's model sums its own outputs
// (statsSums) and the model adds the replicas' sums into its own in shard
// order. Counts (zeros, saturated, non-finite, dead units) are then the
// whole batch's exactly; the mean and variance's float64 sums are each
// shard's added together, which rounds differently from one running sum
// over the batch (in the 16th digit). The numbers are those of the
// outputs the step trains on: a whole-batch Forward just for them would
// keep buffers for the whole batch on the model after the step.

type statsCollector struct {
	on   bool
	last []ActivationStats
	sums []statsSums // per entry of last: the sums it comes from
}

// statsSums is what ActivationStats is computed from: sums over a batch,
// or over shards of one added together (add).
type statsSums struct {
	sum, sq                         float64 // of the finite values (each row's in float32)
	n, finite, zeros, satur, nonFin int
	alive                           []bool   // per channel: some value is not zero
	bits                            []uint32 // measure's: per channel, the values' bits but the sign, or-ed
}

func (s *statsCollector) begin() {
	if s.on {
		s.last = s.last[:0]
	}
}

func (s *statsCollector) observe(i int, l Layer, y *tensor.Tensor) {
	if !s.on {
		return
	}
	st := ActivationStats{Layer: l.Name()}
	var lo, hi float32 = 1, -1 // saturated: y < lo or y > hi; none when lo > hi
	if a, ok := l.(activated); ok {
		st.Activation = a.activationName()
		switch st.Activation {
		case "sigmoid":
			lo, hi = 0.01, 0.99
		case "tanh":
			lo, hi = -0.99, 0.99
		case "softmax":
			lo, hi = float32(math.Inf(-1)), 0.99
		}
	}
	k := len(s.last)
	if k == len(s.sums) {
		s.sums = append(s.sums, statsSums{})
	}
	s.sums[k].measure(y, lo, hi)
	s.last = append(s.last, s.sums[k].stats(st))
}

// measure sets u to the sums of y's values (rows of the last axis's
// channels); saturated are those < lo or > hi (none when lo > hi). A row
// of finite values (its float32 sum of squares is finite) takes the fast
// path, measureRow; any other row the exact one, slowRow: the same sums.
func (u *statsSums) measure(y *tensor.Tensor, lo, hi float32) {
	c := y.Shape[len(y.Shape)-1]
	if cap(u.bits) < c {
		u.bits = make([]uint32, c)
		u.alive = make([]bool, c)
	}
	bits := u.bits[:c]
	clear(bits)
	*u = statsSums{n: len(y.Data), alive: u.alive[:c], bits: bits}
	for r := 0; r+c <= len(y.Data); r += c {
		row := y.Data[r : r+c]
		rs, rq := rowSums(row)
		if rq-rq != 0 { // NaN or ±Inf: a value is not finite (or v*v overflows)
			u.slowRow(row, lo, hi)
			continue
		}
		u.sum += float64(rs)
		u.sq += float64(rq)
		u.finite += c
		u.zeros += markNonZero(bits, row)
		if lo <= hi {
			u.satur += saturated(row, lo, hi)
		}
	}
	for j, b := range bits {
		u.alive[j] = b != 0
	}
}

// rowSums is the float32 sum and sum of squares of row, in order.
func rowSums(row []float32) (rs, rq float32) {
	for _, v := range row {
		rs += v
		rq += v * v
	}
	return rs, rq
}

// markNonZero ors each value's bits but the sign into bits (nonzero
// once a value is not ±0) and returns the number of zeros, without
// branches (relu's zeros and non-zeros alternate at random).
func markNonZero(bits []uint32, row []float32) int {
	bits = bits[:len(row)]
	zeros := uint32(0)
	for j, v := range row {
		b := math.Float32bits(v) &^ (1 << 31)
		bits[j] |= b
		zeros += (b - 1) >> 31 // 1 when b is 0
	}
	return int(zeros)
}

// saturated counts row's values < lo or > hi.
func saturated(row []float32, lo, hi float32) int {
	n := 0
	for _, v := range row {
		if v < lo || v > hi {
			n++
		}
	}
	return n
}

// slowRow adds a row holding NaN or ±Inf (or values whose squares
// overflow): the finite values' float32 sums, in order, and counts.
func (u *statsSums) slowRow(row []float32, lo, hi float32) {
	var rs, rq float32
	for j, v := range row {
		if v != v || v > math.MaxFloat32 || v < -math.MaxFloat32 {
			u.nonFin++
			continue
		}
		u.finite++
		rs += v
		rq += v * v
		if v == 0 {
			u.zeros++
		} else {
			u.bits[j] = 1
		}
		if lo <= hi && (v < lo || v > hi) {
			u.satur++
		}
	}
	u.sum += float64(rs)
	u.sq += float64(rq)
}

// add adds o, the sums of the next rows of the same layer's output, to u.
func (u *statsSums) add(o *statsSums) {
	u.sum += o.sum
	u.sq += o.sq
	u.n += o.n
	u.finite += o.finite
	u.zeros += o.zeros
	u.satur += o.satur
	u.nonFin += o.nonFin
	for j, a := range o.alive {
		u.alive[j] = u.alive[j] || a
	}
}

// stats fills st's numbers from u.
func (u *statsSums) stats(st ActivationStats) ActivationStats {
	st.NonFinite = u.nonFin
	if u.finite > 0 {
		st.Mean = u.sum / float64(u.finite)
		st.Std = math.Sqrt(max(u.sq/float64(u.finite)-st.Mean*st.Mean, 0))
	}
	if u.n > 0 {
		st.ZeroFrac = float64(u.zeros) / float64(u.n)
		st.SaturatedFrac = float64(u.satur) / float64(u.n)
	}
	dead := 0
	for _, a := range u.alive {
		if !a {
			dead++
		}
	}
	st.DeadFrac = float64(dead) / float64(len(u.alive))
	return st
}

// addShard adds the sums of o, the next shard's of a sharded step
// (graph_shard.go), into s's and recomputes s's statistics.
func (s *statsCollector) addShard(o *statsCollector) {
	for k := range s.last {
		s.sums[k].add(&o.sums[k])
		s.last[k] = s.sums[k].stats(s.last[k])
	}
}

// collector is the model's statistics collector (shardModel).
func (m *Sequential) collector() *statsCollector { return &m.stats }

// collector is the model's statistics collector (shardModel).
func (g *Graph) collector() *statsCollector { return &g.stats }

// mergeStats adds the replicas' statistics of a sharded step's Forward
// into st, the model's, in shard order, when it collects them.
func (sh *shardSet[M]) mergeStats(st *statsCollector) {
	if !st.on {
		return
	}
	for _, r := range sh.models[1:] {
		st.addShard(r.collector())
	}
}
