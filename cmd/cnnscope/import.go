package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/internal/infile"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/onnx"
)

func init() {
	commands["import"] = command{summary: "turn an ONNX image CNN into a cnnscope model folder (predict, evaluate, export it)", run: runImport}
}

// importFlags are import's settings.
type importFlags struct {
	out, input, classes, mean, std, interpolation string
	rescale                                       float64
}

func runImport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("import", "import MODEL.onnx [--out DIR] [--input H,W,C] [--classes A,B,...] [--rescale F --mean M,... --std S,...]",
		"  cnnscope import cls.onnx --input 48,192,3 --classes 0,180 --rescale 0.00392157 --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5\n"+
			"  cnnscope import runs/mnist/model.onnx --out mnist-again\n", stderr)
	var f importFlags
	fs.StringVar(&f.out, "out", "", "folder to write model.json and model.safetensors into; new or empty (default runs/<file name>)")
	fs.StringVar(&f.input, "input", "", "input height,width,channels where the file leaves them open")
	fs.StringVar(&f.classes, "classes", "", "class names, comma-separated (default: the file's cnnscope metadata, else class_0, class_1, ...)")
	fs.Float64Var(&f.rescale, "rescale", 0, "preprocessing: multiply pixels (0..255) by this first (default: the file's cnnscope metadata, else 1)")
	fs.StringVar(&f.mean, "mean", "", "preprocessing: per-channel mean to subtract after rescaling")
	fs.StringVar(&f.std, "std", "", "preprocessing: per-channel standard deviation to divide by after that")
	fs.StringVar(&f.interpolation, "interpolation", "", "how predict resizes new images: nearest, bilinear or bicubic (default: the file's cnnscope metadata (nearest when a cnnscope export names none), else bilinear)")
	err := parseFlags(fs, flagsFirst(fs, args))
	if err == nil && fs.NArg() != 1 {
		err = usagef("want one ONNX file, got %d arguments", fs.NArg())
	}
	if err == nil {
		err = importONNX(stdout, fs.Arg(0), f)
	}
	return exitCode(stderr, "import", err)
}

func importONNX(w io.Writer, path string, f importFlags) error {
	if f.interpolation != "" && !slices.Contains(interpolations, f.interpolation) {
		return usagef("--interpolation %q: want nearest, bilinear or bicubic", f.interpolation)
	}
	opts := onnx.ImportOptions{}
	if f.input != "" {
		s, err := parseShape("--input", f.input)
		if err != nil {
			return err
		}
		opts.Input = s
	}
	b, err := infile.ReadFile(path, onnx.MaxFileBytes)
	if err != nil {
		return usageError{err.Error()}
	}
	im, err := onnx.Import(b, opts)
	if err != nil {
		return usageError{fmt.Sprintf("%s: %v", path, err)}
	}
	out := im.Model.Output()
	classes, err := importClasses(f.classes, im.Classes, out[len(out)-1])
	if err != nil {
		return err
	}
	pp, err := importPreprocess(f, im.Preprocess, im.Model.InputShape()[len(im.Model.InputShape())-1])
	if err != nil {
		return err
	}
	dir := f.out
	if dir == "" {
		dir = filepath.Join("runs", strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	}
	logits := nn.OutputsLogits(im.Model)
	info := modelfile.File{Classes: classes, Loss: "sparse_categorical_crossentropy", FromLogits: logits,
		Interpolation: importInterpolation(f.interpolation, im.Metadata)}
	if pp != nil {
		info.Preprocessing = *pp
	}
	if err := writeImported(dir, func(tmp string) error { return modelfile.SaveFile(tmp, im.Model, info) }); err != nil {
		return err
	}
	fmt.Fprintf(w, "imported %s (%s input) into %s: %d layers, %d classes\n", path, strings.ToUpper(im.InputLayout), dir, len(im.Model.Nodes()), len(classes))
	if logits {
		fmt.Fprintln(w, "its output is logits (no softmax at the end, as PyTorch classifiers export): recorded as from_logits, so predict reports their softmax")
	}
	sayAssumed(w, f, im, classes)
	return nil
}

// sayAssumed tells what import took by default for a file without
// cnnscope's metadata (a PyTorch or Keras export): no preprocessing, so
// predict feeds pixels 0..255 as they are, and numbered classes.
func sayAssumed(w io.Writer, f importFlags, im *onnx.Imported, classes []string) {
	if im.Preprocess == nil && f.rescale == 0 && f.mean == "" && f.std == "" {
		fmt.Fprintf(w, "the file names no preprocessing: none recorded, so predict and evaluate feed it pixels 0..255 as they are; "+
			"if it was trained on inputs in 0..1 (PyTorch's ToTensor) import it again with --rescale 0.00392157, "+
			"and --mean/--std as its normalization (ImageNet's: --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225)\n")
	}
	if im.Classes == nil && f.classes == "" {
		names := strings.Join(classes, ", ")
		if len(classes) > 4 {
			names = classes[0] + ", " + classes[1] + ", ..., " + classes[len(classes)-1]
		}
		fmt.Fprintf(w, "the file names no classes: %s (import it again with --classes A,B,... to name them)\n", names)
	}
}

// writeImported writes into a new folder beside dir and renames it to dir
// only when everything is written: nothing partial is left.
func writeImported(dir string, write func(tmp string) error) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return usagef("%s is not empty; choose a new folder with --out", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return usageError{err.Error()}
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := write(tmp); err != nil {
		return err
	}
	os.Remove(dir) // an empty folder, if any
	return os.Rename(tmp, dir)
}

// interpolations are the resize methods predict knows.
var interpolations = []string{string(data.Nearest), string(data.Bilinear), string(data.Bicubic)}

// importInterpolation is flag, else the file's cnnscope.interpolation, else
// cnnscope's default (nearest) for a file cnnscope exported, else bilinear.
func importInterpolation(flag string, meta map[string]string) string {
	switch {
	case flag != "":
		return flag
	case slices.Contains(interpolations, meta["cnnscope.interpolation"]):
		return meta["cnnscope.interpolation"]
	case meta["cnnscope.input_layout"] != "":
		return string(data.Nearest)
	}
	return string(data.Bilinear)
}

func importClasses(flag string, meta []string, n int) ([]string, error) {
	classes := meta
	if flag != "" {
		classes = strings.Split(flag, ",")
	}
	if classes == nil {
		for i := range n {
			classes = append(classes, "class_"+strconv.Itoa(i))
		}
	}
	if len(classes) != n {
		return nil, usagef("--classes: %d names for a model with %d outputs", len(classes), n)
	}
	return classes, nil
}

// importPreprocess takes the file's cnnscope preprocessing, or the flags'.
func importPreprocess(f importFlags, meta *data.Preprocess, channels int) (*data.Preprocess, error) {
	if f.rescale == 0 && f.mean == "" && f.std == "" && meta != nil {
		return meta, nil
	}
	pp := &data.Preprocess{Rescale: float32(f.rescale)}
	var err error
	if f.mean != "" {
		pp.FeaturewiseCenter = true
		if pp.Mean, err = parseFloats("--mean", f.mean); err != nil {
			return nil, err
		}
	}
	if f.std != "" {
		pp.FeaturewiseStdNormalization = true
		if pp.Std, err = parseFloats("--std", f.std); err != nil {
			return nil, err
		}
	}
	if err := pp.Check(channels); err != nil {
		return nil, usageError{err.Error()}
	}
	return pp, nil
}

func parseFloats(name, s string) ([]float32, error) {
	var v []float32
	for _, p := range strings.Split(s, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 32)
		if err != nil {
			return nil, usagef("%s %q: want comma-separated numbers", name, s)
		}
		v = append(v, float32(x))
	}
	return v, nil
}
