package nn

import (
	"slices"
	"time"
)

// abRounds times copies of one piece of work in turn, rounds+1 times
// (round 0 warms up and is not kept): step(i) runs copy i once, and
// check(round), when not nil, runs after each round (the copies' results
// must be the same bits). It returns, per copy, the process CPU ms and
// the wall ms of each kept round: the A/B(/C...) of the linux benchmarks,
// within one process, so that other load on a shared machine disturbs
// every copy alike.
func abRounds(rounds, copies int, step func(i int), check func(round int)) (cpu, wall [][]float64) {
	cpu, wall = make([][]float64, copies), make([][]float64, copies)
	for round := 0; round <= rounds; round++ {
		for i := range copies {
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
