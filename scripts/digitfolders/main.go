// Command digitfolders writes MNIST digits as image folders (one
// sub-folder per class, PNG files), the first N of each chosen digit, for
// the fine-tuning demonstration (scripts/finetune_demo.sh):
//
//	go run ./scripts/digitfolders -split train -digits 5,6,7,8,9 -per-class 200 OUT
package main

import (
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cnnscope/cnnscope/data"
)

func main() {
	split := flag.String("split", "train", "MNIST split: train or test")
	digits := flag.String("digits", "0,1,2,3,4", "digits to write, comma-separated")
	perClass := flag.Int("per-class", 200, "images per digit (the first ones of the split)")
	flag.Parse()
	if flag.NArg() != 1 || *perClass < 1 {
		fmt.Fprintln(os.Stderr, "usage: digitfolders [-split train|test] [-digits 0,1,...] [-per-class N] OUT")
		os.Exit(2)
	}
	if err := write(flag.Arg(0), *split, strings.Split(*digits, ","), *perClass); err != nil {
		fmt.Fprintln(os.Stderr, "digitfolders:", err)
		os.Exit(1)
	}
}

func write(out, split string, digits []string, perClass int) error {
	ds, err := data.LoadBuiltin("mnist", split)
	if err != nil {
		return err
	}
	count := map[string]int{}
	size := ds.ImageSize()
	for i, label := range ds.Labels {
		class := ds.Classes[label]
		if !slices.Contains(digits, class) || count[class] >= perClass {
			continue
		}
		dir := filepath.Join(out, "digit_"+class)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		img := &image.Gray{Pix: ds.Pixels[i*size : (i+1)*size], Stride: ds.Width, Rect: image.Rect(0, 0, ds.Width, ds.Height)}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%05d.png", i)))
		if err != nil {
			return err
		}
		err = png.Encode(f, img)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		count[class]++
	}
	for _, d := range digits {
		if count[d] < perClass {
			return fmt.Errorf("digit %s: only %d images in MNIST's %s split", d, count[d], split)
		}
	}
	return nil
}
