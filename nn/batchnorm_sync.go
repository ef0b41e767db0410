package nn

import "github.com/cnnscope/cnnscope/kernels"

// In a sharded training step (graph_shard.go) each shard's
// BatchNormalization sees its own rows only, but normalizes with the
// whole batch's statistics, as the unsharded step does. Each shard sums
// its rows as the layer always does (batchnorm_rows.go, or the hub and
// tile passes of the convolutions next to it), puts its sums in its slot
// of the layer's bnShared, and waits at the shards' barrier; then every
// shard adds all the slots in shard order (the same float64 operations
// in the same order on every shard: the same bits everywhere) and goes
// on with the whole batch's numbers.
//   - Forward: each shard's shifted sums Σ(x - K_i) and Σ(x - K_i)² with
//     K_i its own first row are moved to shard 0's shift K_0 (exactly
//     as if summed from K_0, up to rounding) and added. Shard 0 alone
//     updates the moving statistics (the replicas share them).
//   - Backward: Σdy and Σdy·xhat are added; every shard then writes the
//     input gradient of its own rows with the whole batch's means. The
//     gamma and beta gradients are the whole batch's on every shard;
//     the model's (shard 0's) are kept and the replicas' are not added
//     (bnSync.ownGrads).
//
// A node's slots are its own and each direction has its own, so a shard
// that runs ahead to the next BatchNormalization never writes a slot
// another shard still reads; the next step's writes come after the
// join that ends this step's region.

// bnSync is one shard's part in a sharded step: nil on a model that runs
// whole batches.
type bnSync struct {
	bar   *kernels.Barrier
	shard int
	slots *bnShared
}

// bnShared holds the shards' sums of one BatchNormalization node.
type bnShared struct {
	stats [][]float64 // per shard: K, Σ(x-K), Σ(x-K)² (3C)
	grads [][]float64 // per shard: Σdy, Σdy·xhat (2C)
	rows  []int       // per shard: its rows
}

func newBNShared(shards, c int) *bnShared {
	s := &bnShared{stats: make([][]float64, shards), grads: make([][]float64, shards), rows: make([]int, shards)}
	for i := range shards {
		s.stats[i] = make([]float64, 3*c)
		s.grads[i] = make([]float64, 2*c)
	}
	return s
}

// syncStats turns this shard's shifted sums (shift k, over rows rows)
// into the whole batch's, shifted by shard 0's k, and returns the whole
// batch's rows.
func (s *bnSync) syncStats(k, sum, sq []float64, rows int) int {
	c := len(k)
	mine := s.slots.stats[s.shard]
	copy(mine, k)
	copy(mine[c:], sum)
	copy(mine[2*c:], sq)
	s.slots.rows[s.shard] = rows
	probeMark(s.shard, s.slots, probeArriveF)
	s.bar.Wait()
	probeMark(s.shard, s.slots, probeLeaveF)
	k0 := s.slots.stats[0][:c]
	clear(sum)
	clear(sq)
	total := 0
	for i, st := range s.slots.stats {
		n := float64(s.slots.rows[i])
		total += s.slots.rows[i]
		ki, si, qi := st[:c], st[c:2*c], st[2*c:]
		for j := range c {
			d := ki[j] - k0[j] // Σ(x-K0) = Σ(x-Ki) + n·d; Σ(x-K0)² = Σ(x-Ki)² + 2d·Σ(x-Ki) + n·d²
			sum[j] += si[j] + n*d
			sq[j] += qi[j] + d*(2*si[j]+n*d)
		}
	}
	copy(k, k0)
	return total
}

// syncSums turns this shard's Backward sums over rows rows into the
// whole batch's and returns the whole batch's rows.
func (s *bnSync) syncSums(sdy, sdyx []float64, rows int) int {
	c := len(sdy)
	mine := s.slots.grads[s.shard]
	copy(mine, sdy)
	copy(mine[c:], sdyx)
	s.slots.rows[s.shard] = rows
	probeMark(s.shard, s.slots, probeArriveB)
	s.bar.Wait()
	probeMark(s.shard, s.slots, probeLeaveB)
	clear(sdy)
	clear(sdyx)
	total := 0
	for i, g := range s.slots.grads {
		total += s.slots.rows[i]
		for j := range c {
			sdy[j] += g[j]
			sdyx[j] += g[c+j]
		}
	}
	return total
}

// ownGrads reports whether the layer's gamma and beta gradients are to
// be added into the model's: not on a replica in a sharded step (every
// shard has the whole batch's).
func (s *bnSync) ownGrads() bool { return s == nil || s.shard == 0 }
