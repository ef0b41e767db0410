package onnx

import (
	"encoding/binary"
	"math"

	"github.com/cnnscope/cnnscope/internal/pbwire"
)

// The protobuf wire format is written and read by internal/pbwire.
type (
	enc = pbwire.Encoder
	dec = pbwire.Decoder
)

const (
	wireVarint  = pbwire.WireVarint
	wireFixed64 = pbwire.WireFixed64
	wireBytes   = pbwire.WireBytes
	wireFixed32 = pbwire.WireFixed32
)

var errTruncated = pbwire.ErrTruncated

func appendFloat32(b []byte, v float32) []byte {
	return binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
}

func appendInt64(b []byte, v int64) []byte {
	return binary.LittleEndian.AppendUint64(b, uint64(v))
}
