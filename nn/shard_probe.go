//go:build shardprobe

package nn

import (
	"syscall"
	"time"
	"unsafe"
)

// The shardprobe build's record of sharded training steps: per shard,
// the time of each event (a step's start and serial phases, each shard's
// Forward and Backward start and end, each BatchNormalization barrier's
// arrival and release). shard_probe_linux_test.go reads it.
type probeEvent struct {
	t    int64 // ns since probeBase
	cpu  int64 // the thread's CPU ns
	kind uint8
	site *bnShared
}

var (
	probeBase = time.Now()
	probeLog  [2][]probeEvent
	probeOn   bool
)

func probeMark(shard int, site *bnShared, kind uint8) {
	if !probeOn || shard >= len(probeLog) {
		return
	}
	var ts syscall.Timespec
	syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0) // CLOCK_THREAD_CPUTIME_ID
	probeLog[shard] = append(probeLog[shard], probeEvent{int64(time.Since(probeBase)), ts.Nano(), kind, site})
}
