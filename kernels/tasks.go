package kernels

import "runtime"

// TaskScratch is the working memory of one goroutine of ForEachTask: a
// few buffers that a task grows (Buf) and that stay with the goroutine's
// scratch for its later tasks and calls, so steady-state calls do not
// allocate.
type TaskScratch struct {
	bufs [2][]float32
}

// Buf returns buffer i (0 or 1) with n values; its contents are not kept
// from one task to the next.
func (s *TaskScratch) Buf(i, n int) []float32 {
	s.bufs[i] = grow(s.bufs[i], n)
	return s.bufs[i]
}

// ForEachTask calls fn(t, s) for every t in [0, n) on up to GOMAXPROCS
// goroutines (the caller's and the pool's helpers, as Sgemm's), and
// returns when all are done; s is the running goroutine's scratch. Tasks
// are claimed one at a time in increasing t, so a late or slowed thread
// costs at most one task's time. The tasks must be independent (each
// writes its own part of the output), so that results never depend on
// the threads; a task should do its work serially (SgemmSerial,
// Im2colRowsSerial, Col2imRowsSerial): this gives each thread whole
// pieces of work whose data stay in its own caches, rather than
// splitting every small step of them over the threads.
func ForEachTask(n int, fn func(t int, s *TaskScratch)) {
	if n <= 0 {
		return
	}
	parallelRun(&taskFunc{fn: fn}, n, runtime.GOMAXPROCS(0))
}

// taskFunc runs ForEachTask's fn as a gemmTasker.
type taskFunc struct {
	fn func(t int, s *TaskScratch)
}

func (f *taskFunc) runTask(t int, s *gemmScratch) { f.fn(t, &s.task) }
