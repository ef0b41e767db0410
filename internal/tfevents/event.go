package tfevents

import (
	"time"

	"github.com/cnnscope/cnnscope/internal/pbwire"
)

// FileVersion is the event format this package writes.
const FileVersion = "brain.Event:2"

// Value is one tagged value of a summary: a scalar, or a histogram when
// Histogram is set.
type Value struct {
	Tag       string
	Scalar    float64
	Histogram *Histogram
}

// Field numbers of event.proto's Event, SessionLog and SourceMetadata, summary.proto's
// Summary and Summary.Value, and histogram.proto's HistogramProto.
const (
	eventWallTime       = 1
	eventStep           = 2
	eventFileVersion    = 3
	eventSummary        = 5
	eventSessionLog     = 7
	eventSourceMetadata = 10
	sourceWriter        = 1

	sessionLogStatus = 1 // SessionLog.status, a SessionStatus
	sessionStart     = 1 // SessionStatus START

	summaryValue     = 1
	valueTag         = 1
	valueSimpleValue = 2
	valueHisto       = 5

	histoMin         = 1
	histoMax         = 2
	histoNum         = 3
	histoSum         = 4
	histoSumSquares  = 5
	histoBucketLimit = 6
	histoBucket      = 7
)

// wallTime is t in seconds since the Unix epoch.
func wallTime(t time.Time) float64 { return float64(t.Unix()) + float64(t.Nanosecond())/1e9 }

// fileVersionEvent is the first event of a file.
func fileVersionEvent(t time.Time) []byte {
	var e pbwire.Encoder
	e.Double(eventWallTime, wallTime(t))
	e.Str(eventFileVersion, FileVersion)
	e.Msg(eventSourceMetadata, func(m *pbwire.Encoder) { m.Str(sourceWriter, "cnnscope") })
	return e.B
}

// summaryEvent is an Event holding a Summary of values at step.
func summaryEvent(t time.Time, step int64, values []Value) []byte {
	var e pbwire.Encoder
	e.Double(eventWallTime, wallTime(t))
	if step != 0 {
		e.Varint(eventStep, step)
	}
	e.Msg(eventSummary, func(s *pbwire.Encoder) {
		for i := range values {
			s.Msg(summaryValue, values[i].marshal)
		}
	})
	return e.B
}

// sessionStartEvent is an Event holding a SessionLog with status START
// at step: TensorBoard then drops the data of steps >= step read before
// it (from this run's earlier files), as after a restart from a
// checkpoint.
func sessionStartEvent(t time.Time, step int64) []byte {
	var e pbwire.Encoder
	e.Double(eventWallTime, wallTime(t))
	if step != 0 {
		e.Varint(eventStep, step)
	}
	e.Msg(eventSessionLog, func(m *pbwire.Encoder) { m.Varint(sessionLogStatus, sessionStart) })
	return e.B
}

func (v *Value) marshal(e *pbwire.Encoder) {
	e.Str(valueTag, v.Tag)
	if h := v.Histogram; h != nil {
		e.Msg(valueHisto, h.marshal)
		return
	}
	// A member of a oneof is written even when it is 0.
	e.Float(valueSimpleValue, float32(v.Scalar))
}

func (h *Histogram) marshal(e *pbwire.Encoder) {
	for _, f := range []struct {
		field int
		v     float64
	}{{histoMin, h.Min}, {histoMax, h.Max}, {histoNum, h.Num}, {histoSum, h.Sum}, {histoSumSquares, h.SumSquares}} {
		if f.v != 0 { // proto3 leaves zeros out
			e.Double(f.field, f.v)
		}
	}
	e.PackedDoubles(histoBucketLimit, h.Limits)
	e.PackedDoubles(histoBucket, h.Counts)
}
