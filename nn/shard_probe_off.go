//go:build !shardprobe

package nn

// probeMark records an event of a sharded training step when the tests
// are built with the shardprobe tag (shard_probe.go); otherwise it is
// nothing, inlined away.
func probeMark(shard int, site *bnShared, kind uint8) {}
