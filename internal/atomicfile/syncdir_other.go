//go:build windows || plan9 || js || wasip1

package atomicfile

// syncDir does nothing where directories cannot be synced; the rename
// is still atomic, only its durability across a power loss is weaker.
func syncDir(dir string) error { return nil }
