//go:build !linux

package tensor

// hugePages: no huge-page advice off Linux; New's buffers come from make.
const hugePages = false

func adviseHuge(b []byte) {}
