package kernels

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkIdleHelpers measures what the GEMM helpers cost while the
// program does something else: each op is one parallel 256^3 product,
// then 3 ms of sleep (a serial phase). cpu-ms/op is the process' CPU
// time per op (user + system, from getrusage): the product's own work
// plus whatever the idle helpers burn polling before they park.
func BenchmarkIdleHelpers(b *testing.B) {
	if runtime.GOMAXPROCS(0) < 2 {
		b.Skip("needs 2 threads")
	}
	n := 256
	a, bb, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	Sgemm(false, false, n, n, n, 1, a, n, bb, n, 0, c, n)
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Sgemm(false, false, n, n, n, 1, a, n, bb, n, 0, c, n)
		time.Sleep(3 * time.Millisecond)
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// processCPU is this process' user + system time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
