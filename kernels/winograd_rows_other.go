//go:build purego || !amd64

package kernels

// WinogradRowsOwnBits reports whether every output tile of WinogradConv
// has bits of its own whatever tiles share its chunk (see the amd64
// version): never without the assembly.
func WinogradRowsOwnBits(c, f int) bool { return false }
