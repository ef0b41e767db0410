// Package readback reads TensorBoard event files back, for tests and
// checks of package tfevents. It is written apart from the writer on
// purpose: it checks both CRCs of every TFRecord by unmasking the stored
// value (the writer masks the computed one), and decodes the Event,
// Summary and HistogramProto messages with its own field numbers, taken
// again from TensorBoard's event.proto, summary.proto and
// histogram.proto. It fails on a truncated record, on an Event field of
// an unexpected wire type, and on any field of Summary, Summary.Value
// and HistogramProto the writer does not write (tags with metadata,
// images, ...), where TensorBoard would skip or drop data.
package readback

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"

	"github.com/cnnscope/cnnscope/internal/pbwire"
)

// Event is a decoded Event message.
type Event struct {
	WallTime     float64
	Step         int64
	FileVersion  string // set on the first event only
	SourceWriter string // source_metadata.writer
	Values       []Value
	// SessionStatus is session_log.status (1: START); 0 without one.
	SessionStatus int
}

// Value is a decoded Summary.Value: a scalar (HasScalar) or a histogram.
type Value struct {
	Tag       string
	HasScalar bool
	Scalar    float32
	Histogram *Histogram
}

// Histogram is a decoded HistogramProto.
type Histogram struct {
	Min, Max, Num, Sum, SumSquares float64
	BucketLimit, Bucket            []float64
}

// ReadFile reads and decodes every record of an event file.
func ReadFile(path string) ([]Event, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	recs, err := Records(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	events := make([]Event, len(recs))
	for i, r := range recs {
		if events[i], err = DecodeEvent(r); err != nil {
			return nil, fmt.Errorf("%s: record %d: %w", path, i+1, err)
		}
	}
	return events, nil
}

var table = crc32.MakeTable(0x82f63b78) // Castagnoli, reversed

// unmask undoes TFRecord's CRC mask: rotate right 15 of (crc + delta)
// was applied, so subtract and rotate left 15.
func unmask(stored uint32) uint32 {
	r := stored - 0xa282ead8
	return r<<15 | r>>17
}

// Records splits a TFRecord file into its records' data, checking the
// length's and the data's CRCs.
func Records(b []byte) ([][]byte, error) {
	var recs [][]byte
	for off := 0; off < len(b); {
		if len(b)-off < 12 {
			return nil, fmt.Errorf("offset %d: truncated record header (%d bytes)", off, len(b)-off)
		}
		head := b[off : off+8]
		if got, want := crc32.Checksum(head, table), unmask(binary.LittleEndian.Uint32(b[off+8:])); got != want {
			return nil, fmt.Errorf("offset %d: length CRC mismatch (computed %08x, stored unmasks to %08x)", off, got, want)
		}
		n := binary.LittleEndian.Uint64(head)
		start := off + 12
		if n > uint64(len(b)-start) || uint64(len(b)-start)-n < 4 {
			return nil, fmt.Errorf("offset %d: record of %d bytes runs past the end of the file", off, n)
		}
		end := start + int(n)
		data := b[start:end]
		if got, want := crc32.Checksum(data, table), unmask(binary.LittleEndian.Uint32(b[end:])); got != want {
			return nil, fmt.Errorf("offset %d: data CRC mismatch (computed %08x, stored unmasks to %08x)", off, got, want)
		}
		recs = append(recs, data)
		off = end + 4
	}
	return recs, nil
}

// wrongType is the error for a known field of the wrong wire type.
func wrongType(msg string, field, wire int) error {
	return fmt.Errorf("%s field %d: unexpected wire type %d", msg, field, wire)
}

// DecodeEvent decodes one Event.
func DecodeEvent(b []byte) (Event, error) {
	var ev Event
	d := pbwire.Decoder{B: b}
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		switch {
		case f == 1 && w == pbwire.WireFixed64:
			ev.WallTime = math.Float64frombits(d.Fixed64())
		case f == 2 && w == pbwire.WireVarint:
			ev.Step = int64(d.Uvarint())
		case f == 3 && w == pbwire.WireBytes:
			ev.FileVersion = string(d.Bytes())
		case f == 5 && w == pbwire.WireBytes:
			vs, err := decodeSummary(d.Bytes())
			if err != nil {
				return ev, err
			}
			ev.Values = append(ev.Values, vs...)
		case f == 7 && w == pbwire.WireBytes:
			st, err := decodeSessionLog(d.Bytes())
			if err != nil {
				return ev, err
			}
			ev.SessionStatus = st
		case f == 10 && w == pbwire.WireBytes:
			pbwire.Walk(d.Bytes(), 1, func(s []byte) { ev.SourceWriter = string(s) })
		case f == 1 || f == 2 || f == 3 || f == 5 || f == 7 || f == 10:
			return ev, wrongType("Event", f, w)
		default:
			d.Skip(w)
		}
	}
	return ev, d.Err
}

// decodeSessionLog returns a SessionLog's status (event.proto: status 1,
// an enum; checkpoint_path 2 and msg 3 are not written).
func decodeSessionLog(b []byte) (int, error) {
	st := 0
	d := pbwire.Decoder{B: b}
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		if f != 1 || w != pbwire.WireVarint {
			return 0, wrongType("SessionLog", f, w)
		}
		st = int(d.Uvarint())
	}
	if d.Err == nil && st == 0 {
		return 0, fmt.Errorf("SessionLog without a status")
	}
	return st, d.Err
}

func decodeSummary(b []byte) ([]Value, error) {
	var vs []Value
	d := pbwire.Decoder{B: b}
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		if f != 1 || w != pbwire.WireBytes {
			return nil, wrongType("Summary", f, w)
		}
		v, err := decodeValue(d.Bytes())
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, d.Err
}

func decodeValue(b []byte) (Value, error) {
	var v Value
	d := pbwire.Decoder{B: b}
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		switch {
		case f == 1 && w == pbwire.WireBytes:
			v.Tag = string(d.Bytes())
		case f == 2 && w == pbwire.WireFixed32:
			v.HasScalar, v.Scalar = true, math.Float32frombits(d.Fixed32())
		case f == 5 && w == pbwire.WireBytes:
			h, err := decodeHistogram(d.Bytes())
			if err != nil {
				return v, err
			}
			v.Histogram = h
		default:
			return v, wrongType("Summary.Value", f, w)
		}
	}
	return v, d.Err
}

func decodeHistogram(b []byte) (*Histogram, error) {
	h := &Histogram{}
	scalars := map[int]*float64{1: &h.Min, 2: &h.Max, 3: &h.Num, 4: &h.Sum, 5: &h.SumSquares}
	d := pbwire.Decoder{B: b}
	for f, w, ok := d.Next(); ok; f, w, ok = d.Next() {
		switch p := scalars[f]; {
		case p != nil && w == pbwire.WireFixed64:
			*p = math.Float64frombits(d.Fixed64())
		case f == 6 && w == pbwire.WireBytes:
			h.BucketLimit = d.Doubles(w, h.BucketLimit)
		case f == 7 && w == pbwire.WireBytes:
			h.Bucket = d.Doubles(w, h.Bucket)
		default:
			return nil, wrongType("HistogramProto", f, w)
		}
	}
	if d.Err == nil && len(h.BucketLimit) != len(h.Bucket) {
		return nil, fmt.Errorf("HistogramProto: %d bucket limits for %d buckets", len(h.BucketLimit), len(h.Bucket))
	}
	return h, d.Err
}
