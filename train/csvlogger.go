package train

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// CSVLogger writes one row per epoch to a CSV file, as Keras' CSVLogger
// does: a header, then the epoch and the epoch's logs. Columns are
// "epoch" (1-based, as in the progress lines and History's logs; Keras
// writes it 0-based) followed by the logs' keys in Logs.Keys() order. A
// value a later epoch lacks is written "NA"; a key that appears after the
// header was written (validation that starts late) widens the header by
// rewriting the file. Numbers are written in full precision; NaN and ±Inf
// as Python writes them (nan, inf, -inf), so that pandas and Keras tools
// read the file back.
//
// The file is flushed after every row. With Append an existing file is
// continued (for resume): its header is kept, and rows of epochs after
// Options.InitialEpoch (written after the last checkpoint before a crash)
// are dropped, so the file ends up as the uninterrupted run's would.
type CSVLogger struct {
	Nop
	// Path is the file, e.g. runs/NAME/history.csv.
	Path string
	// Separator separates fields; 0 means ','.
	Separator rune
	// Append continues an existing file instead of truncating it.
	Append bool

	f    *os.File
	keys []string // the header's columns after "epoch"
	buf  bytes.Buffer
	rows int
}

// NewCSVLogger writes the history to path, appending when appendMode is set.
func NewCSVLogger(path string, appendMode bool) *CSVLogger {
	return &CSVLogger{Path: path, Append: appendMode}
}

func (c *CSVLogger) sep() rune {
	if c.Separator == 0 {
		return ','
	}
	return c.Separator
}

func (c *CSVLogger) fail(err error) error {
	if strings.Contains(err.Error(), c.Path) { // os errors name it already
		return fmt.Errorf("csv logger: %w", err)
	}
	return fmt.Errorf("csv logger: %s: %w", c.Path, err)
}

// parse reads one line of the file as CSV fields.
func (c *CSVLogger) parse(line string) ([]string, error) {
	r := csv.NewReader(strings.NewReader(line))
	r.Comma = c.sep()
	r.FieldsPerRecord = -1
	return r.Read()
}

// TrainBegin opens the file; with Append it reads the header back and
// drops the rows past the resume point.
func (c *CSVLogger) TrainBegin(s *State) error {
	if c.Path == "" {
		return errors.New("csv logger: no file path")
	}
	c.keys, c.rows = nil, 0
	keepThrough := s.Options.InitialEpoch // 1-based epochs 1..InitialEpoch are done
	var parseErr error
	f, lines, err := openLineLog(c.Path, c.Append, func(i int, line string) bool {
		if i == 0 {
			return true
		}
		fields, err := c.parse(line)
		if err != nil || len(fields) == 0 {
			parseErr = fmt.Errorf("line %d: %v", i+1, err)
			return true
		}
		e, err := strconv.Atoi(fields[0])
		return err != nil || e <= keepThrough
	})
	if err != nil {
		return c.fail(err)
	}
	if parseErr == nil && len(lines) > 0 {
		head, err := c.parse(lines[0])
		if err != nil || len(head) == 0 || head[0] != "epoch" {
			parseErr = fmt.Errorf("line 1: %q is not a history header (want epoch first)", lines[0])
		} else {
			c.keys, c.rows = head[1:], len(lines)-1
		}
	}
	if parseErr != nil {
		f.Close()
		return c.fail(parseErr)
	}
	c.f = f
	return nil
}

// EpochEnd writes the epoch's row (and the header, before the first).
func (c *CSVLogger) EpochEnd(s *State, epoch int, logs Logs) error {
	if c.f == nil {
		return nil
	}
	var added []string
	for _, k := range logs.Keys() {
		if k != "epoch" && !slices.Contains(c.keys, k) {
			added = append(added, k)
		}
	}
	if c.keys == nil || len(added) > 0 {
		if err := c.widen(added); err != nil {
			return c.fail(err)
		}
	}
	row := []string{strconv.Itoa(epoch + 1)}
	for _, k := range c.keys {
		v, ok := logs[k]
		if !ok {
			row = append(row, "NA")
			continue
		}
		row = append(row, formatCSV(v))
	}
	if err := c.write(row); err != nil {
		return c.fail(err)
	}
	c.rows++
	return nil
}

// write writes one record and hands it to the operating system.
func (c *CSVLogger) write(rec ...[]string) error {
	c.buf.Reset()
	w := csv.NewWriter(&c.buf)
	w.Comma = c.sep()
	if err := w.WriteAll(rec); err != nil {
		return err
	}
	_, err := c.f.Write(c.buf.Bytes())
	return err
}

// widen adds columns to the header: written directly before the first
// row, or by rewriting the file (old rows get NA) once rows exist.
func (c *CSVLogger) widen(added []string) error {
	keys := append(slices.Clone(c.keys), added...)
	if c.rows == 0 {
		if err := c.f.Truncate(0); err != nil {
			return err
		}
		c.keys = keys
		return c.write(append([]string{"epoch"}, keys...))
	}
	b, err := os.ReadFile(c.Path)
	if err != nil {
		return err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = c.sep()
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return err
	}
	recs[0] = append([]string{"epoch"}, keys...)
	for i := 1; i < len(recs); i++ {
		for len(recs[i]) < len(keys)+1 {
			recs[i] = append(recs[i], "NA")
		}
	}
	c.buf.Reset()
	w := csv.NewWriter(&c.buf)
	w.Comma = c.sep()
	if err := w.WriteAll(recs); err != nil {
		return err
	}
	if err := c.f.Close(); err != nil {
		return err
	}
	c.f = nil
	if err := writeFileAtomic(c.Path, c.buf.Bytes()); err != nil {
		return err
	}
	c.f, err = os.OpenFile(c.Path, os.O_WRONLY|os.O_APPEND, 0)
	c.keys = keys
	return err
}

// TrainEnd closes the file.
func (c *CSVLogger) TrainEnd(*State) error {
	if c.f == nil {
		return nil
	}
	err := c.f.Close()
	c.f = nil
	if err != nil {
		return c.fail(err)
	}
	return nil
}

// formatCSV writes v as Python's str(float) would for the special values.
func formatCSV(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
