//go:build shardprobe

package nn

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// TestShardProbe trains copies of resnet-20 (batch 32, 2 threads, a
// small SGD step after each step), their steps alternated, and reports
// per copy the step's phases, shard 1's start lag, each shard's work
// between barriers in thread CPU time (what load from other processes
// does not inflate) and, per BatchNormalization barrier site, which
// shard arrives first and by how much.
//
//	go test -tags shardprobe ./nn -run ShardProbe -v -count 1
func TestShardProbe(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	in := tensor.Shape{32, 32, 3}
	setups := []func(g *Graph){
		func(g *Graph) { g.shards.wino.serial = true },
		func(g *Graph) {},
	}
	var gs []*Graph
	for _, set := range setups {
		g := ResNet20(in, 10)
		if err := g.Build(1); err != nil {
			t.Fatal(err)
		}
		set(g)
		gs = append(gs, g)
	}
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, append([]int{32}, in...)...)
	labels := make([]int32, 32)
	for i := range labels {
		labels[i] = int32(i % 10)
	}
	steps := 300
	evs := make([][][2][]probeEvent, len(gs))
	for s := range steps + 20 {
		for k := range gs {
			if s%2 == 1 {
				k = len(gs) - 1 - k
			}
			g := gs[k]
			probeLog[0], probeLog[1] = probeLog[0][:0], probeLog[1][:0]
			probeOn = s >= 20
			g.Gradients(x, Target{Labels: labels}, nil, &SparseCategoricalCrossentropy{}, nil)
			probeOn = false
			sgdStep(g)
			if s >= 20 {
				evs[k] = append(evs[k], [2][]probeEvent{slices.Clone(probeLog[0]), slices.Clone(probeLog[1])})
			}
		}
	}
	for k := range gs {
		t.Logf("copy %c:", 'A'+k)
		probeReport(t, evs[k], len(gs) == 1)
	}
}

func probeMed(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

func probeMean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// probeSite is one barrier meeting as one shard saw it.
type probeSite struct {
	name          string
	arrive, leave probeEvent
}

// probeSites lists a shard's barrier meetings in a step, in order.
func probeSites(es []probeEvent) []probeSite {
	var out []probeSite
	idx := map[*bnShared]int{}
	nf, nb := 0, 0
	for _, v := range es {
		switch v.kind {
		case probeArriveF:
			idx[v.site] = nf
			out = append(out, probeSite{name: fmt.Sprintf("F%02d", nf), arrive: v})
			nf++
		case probeArriveB:
			out = append(out, probeSite{name: fmt.Sprintf("B%02d(F%02d)", nb, idx[v.site]), arrive: v})
			nb++
		case probeLeaveF, probeLeaveB:
			out[len(out)-1].leave = v
		}
	}
	return out
}

func probeFind(t *testing.T, e []probeEvent, k uint8) probeEvent {
	for _, v := range e {
		if v.kind == k {
			return v
		}
	}
	t.Fatalf("no event %d", k)
	return probeEvent{}
}

func probeReport(t *testing.T, evs [][2][]probeEvent, sites bool) {
	us := func(ns int64) float64 { return float64(ns) / 1e3 }
	var share, fwdLag, bwdLag, loss, sum, step, wait0, wait1, work0, work1, workDiff []float64
	var parked, waits int
	var toFirst []float64 // step start to the first BatchNormalization barrier's release (the later shard's)
	var toBwd []float64   // step start to the Backward's start (the later shard's)
	type siteStat struct{ arrive, seg, cpuSeg, rel []float64 }
	stats := map[string]*siteStat{}
	var order []string
	for _, e := range evs {
		e0, e1 := e[0], e[1]
		st := probeFind(t, e0, probeStep).t
		share = append(share, us(probeFind(t, e0, probeShareEnd).t-st))
		f0, f1 := probeFind(t, e0, probeFwdStart), probeFind(t, e1, probeFwdStart)
		b0, b1 := probeFind(t, e0, probeBwdStart), probeFind(t, e1, probeBwdStart)
		fwdLag = append(fwdLag, us(f1.t-f0.t))
		bwdLag = append(bwdLag, us(b1.t-b0.t))
		loss = append(loss, us(b0.t-probeFind(t, e0, probeLossStart).t))
		sum = append(sum, us(probeFind(t, e0, probeSumEnd).t-probeFind(t, e0, probeSumStart).t))
		step = append(step, us(probeFind(t, e0, probeSumEnd).t-st))
		l0, l1 := probeSites(e0), probeSites(e1)
		if len(l0) != len(l1) {
			t.Fatalf("sites %d vs %d", len(l0), len(l1))
		}
		toFirst = append(toFirst, us(max(l0[0].leave.t, l1[0].leave.t)-st))
		toBwd = append(toBwd, us(max(b0.t, b1.t)-st))
		w0, w1, c0, c1 := 0.0, 0.0, 0.0, 0.0
		prev0, prev1 := f0, f1
		for j := range l0 {
			if j > 0 && l0[j].name[0] == 'B' && l0[j-1].name[0] == 'F' {
				// the Forward's tail: from the last barrier to its end
				c0 += us(probeFind(t, e0, probeFwdEnd).cpu - prev0.cpu)
				c1 += us(probeFind(t, e1, probeFwdEnd).cpu - prev1.cpu)
				prev0, prev1 = b0, b1
			}
			s := stats[l0[j].name]
			if s == nil {
				s = &siteStat{}
				stats[l0[j].name] = s
				order = append(order, l0[j].name)
			}
			a0, a1 := l0[j].arrive, l1[j].arrive
			s.arrive = append(s.arrive, us(a1.t-a0.t))
			s.seg = append(s.seg, us((a1.t-prev1.t)-(a0.t-prev0.t)))
			s.cpuSeg = append(s.cpuSeg, us((a1.cpu-prev1.cpu)-(a0.cpu-prev0.cpu)))
			c0 += us(a0.cpu - prev0.cpu)
			c1 += us(a1.cpu - prev1.cpu)
			waiter := l0[j]
			if a0.t > a1.t {
				waiter = l1[j]
			}
			s.rel = append(s.rel, us(waiter.leave.t-max(a0.t, a1.t)))
			for _, l := range []probeSite{l0[j], l1[j]} {
				if l.leave.t-l.arrive.t > 150e3 {
					parked++
				}
			}
			waits += 2
			w0 += us(l0[j].leave.t - l0[j].arrive.t)
			w1 += us(l1[j].leave.t - l1[j].arrive.t)
			prev0, prev1 = l0[j].leave, l1[j].leave
		}
		c0 += us(probeFind(t, e0, probeBwdEnd).cpu - prev0.cpu)
		c1 += us(probeFind(t, e1, probeBwdEnd).cpu - prev1.cpu)
		wait0, wait1 = append(wait0, w0), append(wait1, w1)
		work0, work1, workDiff = append(work0, c0), append(work1, c1), append(workDiff, c0-c1)
	}
	t.Logf("  steps %d: wall median %.0f µs (fastest %.0f); waits over 150 µs: %d of %d", len(evs), probeMed(step), slices.Min(step), parked, waits)
	t.Logf("  serial: before the shards %.1f, loss %.1f, sumGrads %.1f µs (medians; fastest %.1f, %.1f, %.1f)", probeMed(share), probeMed(loss), probeMed(sum), slices.Min(share), slices.Min(loss), slices.Min(sum))
	t.Logf("  step start to the first BatchNormalization's release: median %.1f µs (fastest %.1f)", probeMed(toFirst), slices.Min(toFirst))
	t.Logf("  step start to the Backward's start: median %.1f µs (fastest %.1f)", probeMed(toBwd), slices.Min(toBwd))
	t.Logf("  shard 1 start lag: fwd %.1f (mean %.1f, fastest %.1f), bwd %.1f (mean %.1f, fastest %.1f) µs", probeMed(fwdLag), probeMean(fwdLag), slices.Min(fwdLag), probeMed(bwdLag), probeMean(bwdLag), slices.Min(bwdLag))
	t.Logf("  barrier wait per step: shard0 %.0f, shard1 %.0f µs (medians)", probeMed(wait0), probeMed(wait1))
	t.Logf("  work outside waits, thread CPU: shard0 %.0f, shard1 %.0f µs, shard0-shard1 median %.1f mean %.1f µs", probeMed(work0), probeMed(work1), probeMed(workDiff), probeMean(workDiff))
	if !sites {
		return
	}
	t.Logf("  site: arrive(1)-arrive(0) median/mean, P(shard0 later), wall segment(1)-(0) median, CPU segment(1)-(0) median/mean, release lag median µs")
	for _, n := range order {
		s := stats[n]
		late0 := 0
		for _, d := range s.arrive {
			if d < 0 {
				late0++
			}
		}
		t.Logf("  %-10s %7.1f %7.1f  %4.2f  %7.1f  %6.1f %6.1f  %5.1f", n, probeMed(s.arrive), probeMean(s.arrive), float64(late0)/float64(len(s.arrive)), probeMed(s.seg), probeMed(s.cpuSeg), probeMean(s.cpuSeg), probeMed(s.rel))
	}
}
