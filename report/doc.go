// Package report turns a run directory into pictures a person can read in
// a minute: report.html (one self-contained file: inline SVG charts, PNG
// data URIs, inline CSS, a content security policy that forbids any
// network access), single charts as PNG or SVG (Plot), and a page
// comparing runs (Compare).
//
// It reads what training wrote (spec.yaml, history.csv, metrics.jsonl,
// model.json + model.safetensors, and diagnosis.json when the run has
// been diagnosed) and recomputes what no file holds: the saved model's
// confusion matrix, per-class metrics and highest-loss images on the
// validation split, and a sample of augmented training images.
//
// Charts are drawn once, on a small canvas interface with two backends:
// SVG (the report, .svg files) and a raster image (.png files, through
// golang.org/x/image's rasterizer and the Go fonts). Colours are the
// Okabe-Ito palette, safe for colour-blind readers; the confusion
// matrix uses a single-hue sequential scale that also prints in grey.
package report
