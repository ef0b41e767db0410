package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/cnnscope/cnnscope/internal/atomicfile"
	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/onnx"
)

func init() {
	commands["export"] = command{summary: "write a saved model as an ONNX file (for onnxruntime, browsers, phones, other frameworks)", run: runExport}
}

func runExport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("export", "export RUN_DIR --format onnx [--out FILE] [--opset N] [--layout nhwc|nchw]",
		"  cnnscope export runs/mnist --format onnx\n  cnnscope export runs/pets --format onnx --layout nchw --out pets.onnx\n", stderr)
	format := fs.String("format", "onnx", "file format (onnx)")
	out := fs.String("out", "", "file to write (default: RUN_DIR/model.onnx)")
	opset := fs.Int("opset", onnx.DefaultOpset, fmt.Sprintf("ONNX opset version (%d to %d)", onnx.MinOpset, onnx.MaxOpset))
	layout := fs.String("layout", onnx.LayoutNHWC, "input layout: nhwc (batch, height, width, channels; as cnnscope and Keras) or nchw (as PyTorch)")
	err := parseFlags(fs, flagsFirst(fs, args))
	if err == nil && fs.NArg() != 1 {
		err = usagef("want one run directory (or model folder), got %d arguments", fs.NArg())
	}
	if err == nil && *format != "onnx" {
		err = usagef("--format %q: only onnx is written", *format)
	}
	if err == nil {
		err = export(stdout, fs.Arg(0), *out, onnx.ExportOptions{Opset: *opset, Layout: *layout})
	}
	return exitCode(stderr, "export", err)
}

func export(w io.Writer, dir, out string, opts onnx.ExportOptions) error {
	if _, err := opts.Checked(); err != nil {
		return usageError{err.Error()}
	}
	m, mf, err := modelfile.Load(dir)
	if err != nil {
		return usageError{noModel("export", dir, err).Error()} // a missing or unreadable model is bad input
	}
	opts.Classes, opts.Preprocess, opts.Interpolation = mf.Classes, &mf.Preprocessing, mf.Interpolation
	if mf.FromLogits { // the file outputs what predict reports: probabilities
		opts.OutputActivation = "softmax"
		if mf.Loss == "binary_crossentropy" {
			opts.OutputActivation = "sigmoid"
		}
	}
	pm, err := onnx.Convert(m, opts)
	if err != nil {
		return usageError{err.Error()}
	}
	if out == "" {
		out = filepath.Join(dir, "model.onnx")
	}
	b := pm.Marshal()
	if err := atomicfile.WriteFile(out, func(f io.Writer) error { _, err := f.Write(b); return err }, 0o644); err != nil {
		return err
	}
	o, _ := opts.Checked()
	fmt.Fprintf(w, "wrote %s (%d bytes, opset %d, input %s %s)\n", out, len(b), o.Opset, pm.Graph.Inputs[0].Name, pm.Graph.Inputs[0].DocString)
	if o.OutputActivation != "" {
		fmt.Fprintf(w, "output: probabilities (the model was trained from logits; %s appended)\n", o.OutputActivation)
	}
	return nil
}
