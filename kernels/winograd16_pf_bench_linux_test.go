package kernels

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"unsafe"
)

// threadCPU is the calling thread's CPU seconds (CLOCK_THREAD_CPUTIME_ID).
func threadCPU() float64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0) // CLOCK_THREAD_CPUTIME_ID
	return float64(ts.Nano()) / 1e9
}

var touchSink float32

// touch reads a value of each cache line of v.
func touch(v []float32) {
	var s float32
	for i := 0; i < len(v); i += 16 {
		s += v[i]
	}
	touchSink += s
}

// BenchmarkWino16PfAB: Wino16Rows over a 16-sample shard of resnet-20's
// 32×32×16 convolution (x read just before, y cold: a cycle of 12 sets
// of tensors), in calls of 512 rows (Forward's tiles) or of a sample
// (the input gradient's), with y cut at each call's last row (old: the
// next call's first rows never prefetched) or holding the rest of the
// rows (new), alternated in one goroutine, the order swapped every
// round: medians of the thread CPU µs per shard and of old less new.
//
//	go test ./kernels -run '^$' -bench Wino16PfAB -benchtime 1x
func BenchmarkWino16PfAB(b *testing.B) {
	g := sameGeom16(16, 32, 32)
	m := g.Rows()
	rng := rand.New(rand.NewPCG(1, 2))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	const sets = 12
	type set struct{ x, y []float32 }
	data := make([]set, sets)
	for i := range data {
		data[i] = set{normal(m * 16), make([]float32, m*16)}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := make([]float32, Wino16Len(g))
	u := normal(Wino16WeightsLen)
	var res [4][]float64
	for b.Loop() {
		for r := 0; r < 200; r++ {
			for k := 0; k < 2; k++ {
				v := k ^ (r & 1)
				d := data[(2*r+k)%sets]
				touch(d.x)
				c0 := threadCPU()
				step := 512
				if r%4 >= 2 {
					step = 1024 // dx: a sample per call
				}
				for t := 0; t < m; t += step {
					y := d.y[t*16 : (t+step)*16]
					if v == 1 {
						y = d.y[t*16:]
					}
					Wino16Rows(g, d.x, t, t+step, u, nil, y, buf)
				}
				res[v+2*(r%4/2)] = append(res[v+2*(r%4/2)], (threadCPU()-c0)*1e6)
			}
		}
	}
	for k, name := range []string{"tile512-", "sample-"} {
		b.ReportMetric(medianF(res[2*k]), name+"old-us")
		b.ReportMetric(medianF(res[2*k+1]), name+"new-us")
		d := make([]float64, len(res[2*k]))
		for i := range d {
			d[i] = res[2*k][i] - res[2*k+1][i]
		}
		b.ReportMetric(medianF(d), name+"old-new-us")
	}
}

// medianF is the median of v (v is not changed).
func medianF(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
