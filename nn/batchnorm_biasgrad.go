package nn

// A Conv2D with a bias whose output a BatchNormalization alone reads (in
// a Graph: planBiasBN pairs them) gets its bias gradient Σ dz, dz being
// the BatchNormalization's input gradient over its rows, from that
// layer's per-channel sums instead of a pass of its own over dz
// (kernels.SumRows64 read every value of dz: ~1% of a resnet-20 training
// step). In training, over a shard's (or the batch's) n rows,
//
//	dz = k·((d - m1) - xhat·m2)   (kernels.NormGrad; d: dy, or dy where the bits keep it)
//	Σ dz = k·(Σd - n·m1 - m2·Σxhat),   Σxhat = (Σ(x - K) + n·(K - mean))·invStd
//
// with Σd and Σ(x - K) (K the shard's first row) the layer's own sums over
// its rows, taken before a sharded step adds the shards' (batchnorm_sync.go),
// and k, m1, m2, mean and invStd the whole batch's. Computed in float64
// from sums, the result is Σ dz without the rounding of each dz to
// float32 and of their sum: a value near zero (a BatchNormalization in
// training takes out what the bias adds, so the exact gradient is zero)
// whose bits differ from the summed ones'. Not in inference mode (a
// frozen layer), where dz = k·dy, nor with an activation between them.

// dzSums is what a BatchNormalization keeps for the bias gradient of the
// Conv2D before it.
type dzSums struct {
	conv bool // plan: a Conv2D with a bias whose output it alone reads takes its bias gradient from here
	off  bool // never give it (A/B benchmarks and tests only)
	ok   bool // the last Backward trained and set sd: Σ dz can be given

	k, sx, sd []float64 // this Forward's shift K and Σ(x - K), and Backward's Σd, over this layer's own rows
	rows      int       // those rows
}

// keepStats keeps the shift k and the shifted sums sum of a training
// Forward over rows rows (before a sharded step's sync).
func (d *dzSums) keepStats(k, sum []float64, rows int) {
	d.ok = false
	if !d.conv || d.off {
		return
	}
	d.k, d.sx = append(d.k[:0], k...), append(d.sx[:0], sum...)
	d.rows = rows
}

// keepGrad keeps Backward's Σd over the same rows (before the sync).
func (d *dzSums) keepGrad(sdy []float64) {
	if !d.conv || d.off || len(d.k) != len(sdy) {
		return
	}
	d.sd = append(d.sd[:0], sdy...)
	d.ok = true
}

// convBiasGrad sets dst to Σ dz over this layer's rows (see above) after
// a training Backward that computed the input gradient's constants
// (gradConsts: acc[0] and acc[1] the whole batch's means m1 and m2,
// acc[3] k), and reports whether it did; it forgets the sums.
func (l *BatchNormalization) convBiasGrad(dst []float32) bool {
	d := &l.dz
	if !d.ok || !l.training || len(dst) != l.c {
		return false
	}
	d.ok = false
	c, n := l.c, float64(d.rows)
	m1, m2, k := l.acc[0][:c], l.acc[1][:c], l.acc[3][:c]
	for j := range dst {
		sxhat := (d.sx[j] + n*(d.k[j]-l.mean[j])) * l.invStd[j]
		dst[j] = float32(k[j] * (d.sd[j] - n*m1[j] - m2[j]*sxhat))
	}
	return true
}

// biasFromBN reports whether the bias gradient came from the paired
// BatchNormalization (convBiasGrad): a linear layer whose bias learns.
func (l *Conv2D) biasFromBN() bool {
	return l.biasBN != nil && l.act.name == "linear" && !l.logitsGrad && !skipGrad(l.bias) && l.biasBN.convBiasGrad(l.bias.Grad.Data)
}

// planBiasBN pairs each linear Conv2D with a bias with the
// BatchNormalization that alone reads its output (biasBN).
func (g *Graph) planBiasBN(readers []int) {
	for _, n := range g.nodes {
		switch l := n.layer.(type) {
		case *BatchNormalization:
			l.dz.conv = false
		case *Conv2D:
			l.biasBN = nil
		}
	}
	for i, n := range g.nodes {
		c, ok := n.layer.(*Conv2D)
		if !ok || c.bias == nil || c.act.name != "linear" || readers[i] != 1 || Ref(i) == g.outputRef() {
			continue
		}
		for _, m := range g.nodes[i+1:] {
			if bn, ok := m.layer.(*BatchNormalization); ok && len(m.inputs) == 1 && m.inputs[0] == Ref(i) {
				bn.dz.conv, c.biasBN = true, bn
			}
		}
	}
}
