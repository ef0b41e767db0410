package data

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"
)

func TestInspectFindsDuplicatesAcrossSplits(t *testing.T) {
	dir := t.TempDir()
	a, b, c := gradient(16, 16, 1, "rgb"), gradient(16, 16, 2, "rgb"), smooth(32, 32)
	writeFile(t, dir, "train/x/a.png", encodePNG(t, a))
	writeFile(t, dir, "train/x/a-copy.png", encodePNG(t, a)) // exact, within train
	writeFile(t, dir, "train/y/b.png", encodePNG(t, b))
	writeFile(t, dir, "train/y/c.png", encodePNG(t, c))
	writeFile(t, dir, "train/y/bad.png", []byte("no"))
	writeFile(t, dir, "test/x/b-again.png", encodePNG(t, b)) // exact, train/test, label conflict
	writeFile(t, dir, "test/y/c.jpg", encodeJPEG(t, c))      // near, train/test
	writeFile(t, dir, "test/y/fresh.png", encodePNG(t, gradient(16, 16, 40, "gray")))
	train, err := LoadFolder(dir+"/train", FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	test, err := LoadFolder(dir+"/test", FolderOptions{Classes: train.Classes, Height: train.Height, Width: train.Width, ColorMode: RGB})
	if err != nil {
		t.Fatal(err)
	}
	r := Inspect([]InspectSet{{Name: "train", Data: train}, {Name: "test", Data: test}}, InspectOptions{})
	d := r.Duplicates
	if d.Exact["train"] != 1 || d.Exact["train/test"] != 1 || d.Near["train/test"] != 1 || d.ConflictingLabels != 1 {
		t.Errorf("duplicates %+v", d)
	}
	if r.Sets[0].Images != 4 || len(r.Sets[0].Skipped) != 1 || r.Sets[1].Images != 3 || r.Sets[0].ImbalanceRatio != 1 {
		t.Errorf("sets %+v", r.Sets)
	}
	if r.Sets[0].Formats["png"] != 4 || r.Sets[1].SourceModes["grayscale"] != 1 {
		t.Errorf("formats %v modes %v", r.Sets[0].Formats, r.Sets[1].SourceModes)
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"== train: 4 images", "train/test", "a-copy.png", "skipped 1 files", "imbalance ratio"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}
}

// smooth is a soft blob, the kind of picture JPEG keeps close.
func smooth(w, h int) image.Image {
	im := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			d := math.Hypot(float64(x-w/3), float64(y-h/2))
			v := uint8(max(0, 255-6*d))
			im.SetRGBA(x, y, color.RGBA{v, v / 2, 255 - v, 255})
		}
	}
	return im
}

func TestInspectPixelStats(t *testing.T) {
	ds := &Dataset{Height: 1, Width: 2, Channels: 2, Pixels: []uint8{0, 10, 4, 10, 2, 30, 6, 50}, Labels: []int32{0, 1}, Classes: []string{"a", "b", "c"}, Sources: []string{"p", "q"}}
	r := Inspect([]InspectSet{{Name: "train", Data: ds}}, InspectOptions{NearDistance: -1})
	p := r.Sets[0].Pixels
	if p.Mean[0] != 3 || p.Min[0] != 0 || p.Max[1] != 50 || p.Mean[1] != 25 || r.Sets[0].EmptyClasses[0] != "c" {
		t.Errorf("%+v %+v", p, r.Sets[0])
	}
	if r.Duplicates.NearDistance != -1 || len(r.Duplicates.Near) != 0 {
		t.Errorf("near %+v", r.Duplicates)
	}
}
