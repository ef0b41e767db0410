package nn

// The events of a sharded training step that probeMark records in the
// shardprobe build (shard_probe.go).
const (
	probeStep uint8 = iota
	probeShareEnd
	probeFwdStart
	probeFwdEnd
	probeLossStart
	probeBwdStart
	probeBwdEnd
	probeSumStart
	probeSumEnd
	probeArriveF
	probeLeaveF
	probeArriveB
	probeLeaveB
)
