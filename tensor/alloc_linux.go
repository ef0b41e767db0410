package tensor

import "syscall"

// hugePages: New aligns its large buffers and asks for huge pages.
const hugePages = true

// adviseHuge asks the kernel to back b (whole, aligned huge pages not
// touched yet) with transparent huge pages. The advice is only that:
// where the host has them off, or none is free, b keeps 4 KiB pages and
// everything works the same.
func adviseHuge(b []byte) {
	syscall.Madvise(b, syscall.MADV_HUGEPAGE)
}
