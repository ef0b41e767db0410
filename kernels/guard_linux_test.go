package kernels

import (
	"syscall"
	"testing"
	"unsafe"
)

// The guard-band tests of the kernels (*_linux_test.go) place their
// arrays so that they end where an inaccessible page begins: a kernel
// that reads or writes past the end faults.

// guardedBytes returns n bytes that end where an inaccessible page
// begins (unmapped when the test ends); it skips the test if the
// system will not map one.
func guardedBytes(t *testing.T, n int) []byte {
	t.Helper()
	page := syscall.Getpagesize()
	pages := (n + page - 1) / page
	mem, err := syscall.Mmap(-1, 0, (pages+1)*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[pages*page:], syscall.PROT_NONE); err != nil {
		t.Skip("mprotect:", err)
	}
	return mem[pages*page-n : pages*page]
}

func guardedF32(t *testing.T, n int) []float32 {
	b := guardedBytes(t, 4*n)
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
}

func guardedF64(t *testing.T, n int) []float64 {
	b := guardedBytes(t, 8*n)
	return unsafe.Slice((*float64)(unsafe.Pointer(&b[0])), n)
}

// guardedCopy returns a function that copies v into the end of n
// guarded float32s (guardedF32) and returns that copy: reading or
// writing past its end faults. Each call overwrites the previous copy's
// tail.
func guardedCopy(t *testing.T, n int) func(v []float32) []float32 {
	guarded := guardedF32(t, n)
	return func(v []float32) []float32 {
		s := guarded[len(guarded)-len(v):]
		copy(s, v)
		return s
	}
}
