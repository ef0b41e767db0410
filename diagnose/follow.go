package diagnose

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"

	"github.com/cnnscope/cnnscope/train"
)

// follower reads metrics.jsonl as train.MetricsLogger appends to it, so
// that the live monitor sees exactly the records `cnnscope diagnose` will
// read later. MetricsLogger writes each line with one unbuffered write.
type follower struct {
	f       *os.File
	partial []byte
	buf     []byte
}

func openFollower(path string) (*follower, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &follower{f: f, buf: make([]byte, 64<<10)}, nil
}

// poll reads what was appended since the last call and hands each
// complete line to fn.
func (r *follower) poll(fn func(line []byte)) error {
	for {
		n, err := r.f.Read(r.buf)
		if n > 0 {
			r.partial = append(r.partial, r.buf[:n]...)
			for {
				i := bytes.IndexByte(r.partial, '\n')
				if i < 0 {
					break
				}
				fn(r.partial[:i])
				r.partial = r.partial[i+1:]
			}
			if len(r.partial) == 0 {
				r.partial = nil
			}
		}
		if errors.Is(err, io.EOF) || n == 0 && err == nil {
			return nil
		}
		if err != nil {
			return err
		}
		if n < len(r.buf) {
			return nil
		}
	}
}

func (r *follower) close() error {
	if r == nil || r.f == nil {
		return nil
	}
	return r.f.Close()
}

// parseMetricsLine decodes one line of metrics.jsonl: a step record, or an
// epoch's logs (with "epoch" and "step" kept as entries). ok is false for
// a line that is neither.
func parseMetricsLine(line []byte) (rec *train.StepRecord, logs train.Logs, ok bool) {
	var head struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(line, &head) != nil {
		return nil, nil, false
	}
	switch head.Type {
	case "step":
		var r train.StepRecord
		if json.Unmarshal(line, &r) != nil {
			return nil, nil, false
		}
		return &r, nil, true
	case "epoch":
		var raw map[string]json.RawMessage
		if json.Unmarshal(line, &raw) != nil {
			return nil, nil, false
		}
		logs = train.Logs{}
		for k, v := range raw {
			if k == "type" {
				continue
			}
			var x train.JSONFloat
			if x.UnmarshalJSON(v) == nil {
				logs[k] = float64(x)
			}
		}
		return nil, logs, true
	}
	return nil, nil, false
}
