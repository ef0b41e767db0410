package nn

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cnnscope/cnnscope/tensor"
)

// abRounds times copies of one piece of work in turn, rounds+1 times
// (round 0 warms up and is not kept): step(i) runs copy i once, and
// check(round), when not nil, runs after each round (the copies' results
// must be the same bits). It returns, per copy, the process CPU ms and
// the wall ms of each kept round: the A/B(/C...) of the linux benchmarks,
// within one process, so that other load on a shared machine disturbs
// every copy alike. Odd rounds run the copies in reverse order (A B,
// B A, ...): a copy's place in the round alone was worth ~1% of a
// resnet-20 step (overlapB, identical copies at one thread), which a
// fixed order would count as the copies' difference.
func abRounds(rounds, copies int, step func(i int), check func(round int)) (cpu, wall [][]float64) {
	cpu, wall = make([][]float64, copies), make([][]float64, copies)
	for round := 0; round <= rounds; round++ {
		for k := range copies {
			i := k
			if round%2 == 1 {
				i = copies - 1 - k
			}
			c0, w0 := cpuTime(), time.Now()
			step(i)
			c1, w1 := cpuTime(), time.Now()
			if round > 0 {
				cpu[i] = append(cpu[i], (c1-c0)*1e3)
				wall[i] = append(wall[i], w1.Sub(w0).Seconds()*1e3)
			}
		}
		if check != nil {
			check(round)
		}
	}
	return cpu, wall
}

// medianMs is the median of v (v is not changed).
func medianMs(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

// roundDiffs is a[r] - b[r] for each round r.
func roundDiffs(a, b []float64) []float64 {
	d := make([]float64, len(a))
	for r := range d {
		d[r] = a[r] - b[r]
	}
	return d
}

// abTrainSteps runs abRounds(30, ...) on training steps (Gradients,
// one random batch of 32 images of shape in, 10 classes) of the models
// ms, inside b's loop; with sameLoss every model's loss must have the
// same bits as the first's in every round.
func abTrainSteps(b *testing.B, ms []Model, in tensor.Shape, sameLoss bool) (cpu, wall [][]float64) {
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, append([]int{32}, in...)...)
	labels := make([]int32, 32)
	for i := range labels {
		labels[i] = int32(i % 10)
	}
	loss := make([]float64, len(ms))
	var check func(round int)
	if sameLoss {
		check = func(round int) {
			for i := range loss {
				if loss[i] != loss[0] {
					b.Fatalf("round %d: losses %v differ", round, loss)
				}
			}
		}
	}
	for b.Loop() {
		cpu, wall = abRounds(30, len(ms), func(i int) {
			loss[i], _ = ms[i].Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
		}, check)
	}
	return cpu, wall
}
