package data

import (
	"fmt"
	"os"
	"path/filepath"
)

// Splits are the folders of a data set laid out as DIR/train plus
// DIR/test and/or DIR/validation (or val, valid), each holding class
// folders; empty strings for splits that are absent.
type Splits struct {
	Train, Validation, Test string
}

// FindSplits recognizes the split layout under dir; ok is false when dir
// is a plain class-folder layout (no train folder, or a train folder
// without a test or validation folder beside it, which is then a class).
func FindSplits(dir string) (s Splits, ok bool) {
	isDir := func(p string) bool { st, err := os.Stat(p); return err == nil && st.IsDir() }
	if !isDir(filepath.Join(dir, "train")) {
		return Splits{}, false
	}
	s.Train = filepath.Join(dir, "train")
	for _, name := range []string{"validation", "val", "valid"} {
		if p := filepath.Join(dir, name); isDir(p) {
			s.Validation = p
			break
		}
	}
	if p := filepath.Join(dir, "test"); isDir(p) {
		s.Test = p
	}
	return s, s.Validation != "" || s.Test != ""
}

// String says which folders the layout uses, for the one line that tells
// the user the layout was recognized.
func (s Splits) String() string {
	out := fmt.Sprintf("training from %s", DisplayPath(s.Train))
	if s.Validation != "" {
		out += fmt.Sprintf(", validation from %s", DisplayPath(s.Validation))
	}
	if s.Test != "" {
		out += fmt.Sprintf(", test from %s", DisplayPath(s.Test))
	}
	return out
}

// Concat returns a new in-memory dataset holding a's images then b's.
// Both must have the same classes and image shape (b loaded with a's).
func Concat(a, b *Dataset) (*Dataset, error) {
	if a.Height != b.Height || a.Width != b.Width || a.Channels != b.Channels || fmt.Sprint(a.Classes) != fmt.Sprint(b.Classes) {
		return nil, fmt.Errorf("concat: %dx%dx%d images of classes %q and %dx%dx%d of %q", a.Height, a.Width, a.Channels, a.Classes, b.Height, b.Width, b.Channels, b.Classes)
	}
	d := &Dataset{Height: a.Height, Width: a.Width, Channels: a.Channels, Classes: a.Classes}
	d.Pixels = append(append(make([]uint8, 0, len(a.Pixels)+len(b.Pixels)), a.Pixels...), b.Pixels...)
	d.Labels = append(append([]int32(nil), a.Labels...), b.Labels...)
	d.Sources = append(append([]string(nil), a.Sources...), b.Sources...)
	if a.Originals != nil && b.Originals != nil {
		d.Originals = append(append([]Original(nil), a.Originals...), b.Originals...)
	}
	d.Skipped = append(append([]Skipped(nil), a.Skipped...), b.Skipped...)
	d.Warnings = append(append([]string(nil), a.Warnings...), b.Warnings...)
	d.Notes = append(append([]string(nil), a.Notes...), b.Notes...)
	return d, d.Validate()
}
