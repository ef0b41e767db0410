package report

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/cnnscope/cnnscope/modelfile"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/train"
)

// PlotKinds are the figures Plot draws.
var PlotKinds = []string{"curves", "gradients", "confusion", "lr"}

// drawable is a chart or a heatmap.
type drawable interface {
	size() (float64, float64)
	draw(cv canvas, ox, oy float64) // draws at (ox, oy)
}

func (c *Chart) size() (float64, float64) { return chartW, c.height() }

func (h *Heatmap) size() (float64, float64) { return h.Size() }

// chartDrawer adapts Chart.draw (which returns its frame) to drawable.
type chartDrawer struct{ *Chart }

func (c chartDrawer) draw(cv canvas, ox, oy float64) { c.Chart.draw(cv, ox, oy) }

// Figure returns the panels of a plot kind for the run in dir.
func Figure(ctx context.Context, dir, what string) ([]drawable, error) {
	r, err := LoadRun(dir)
	if err != nil {
		return nil, err
	}
	switch what {
	case "curves":
		if r.History == nil {
			return nil, fmt.Errorf("%s: no %s yet", dir, train.HistoryFile)
		}
		return []drawable{chartDrawer{r.LossChart()}, chartDrawer{r.AccuracyChart()}}, nil
	case "lr":
		return []drawable{chartDrawer{r.LRChart()}}, nil
	case "gradients":
		if r.Metrics == nil {
			return nil, fmt.Errorf("%s: no %s", dir, train.MetricsFile)
		}
		return []drawable{chartDrawer{r.GradientChart()}, chartDrawer{r.UpdateRatioChart()}}, nil
	case "confusion":
		if r.Spec == nil {
			return nil, fmt.Errorf("%s: no %s, so the data is unknown", dir, train.SpecFile)
		}
		m, mf, err := modelfile.Load(dir)
		if err != nil {
			return nil, err
		}
		prep, err := train.PrepareData(r.Spec.Data, r.Spec.Seed)
		if err != nil {
			return nil, err
		}
		loss, lossErr := mf.NewLoss()
		ev, err := evaluate(ctx, m, loss, lossErr, &mf.Preprocessing, prep, 0)
		if err != nil {
			return nil, err
		}
		c := ev.Result.Confusion
		return []drawable{&Heatmap{ID: "chart-confusion", Title: fmt.Sprintf("Confusion matrix (%s, %s images)", ev.Split, nn.FormatCount(ev.Result.Samples)),
			Classes: c.Classes, Counts: c.Counts}}, nil
	}
	return nil, fmt.Errorf("unknown plot %q: want one of %s", what, strings.Join(PlotKinds, ", "))
}

// drawFigure lays the panels side by side on a canvas made by mk.
func drawFigure(panels []drawable, mk func(w, h float64) canvas) canvas {
	w, h := 0.0, 0.0
	for _, p := range panels {
		pw, ph := p.size()
		w, h = w+pw, math.Max(h, ph)
	}
	cv := mk(w, h)
	x := 0.0
	for _, p := range panels {
		p.draw(cv, x, 0)
		pw, _ := p.size()
		x += pw
	}
	return cv
}

// WritePlot draws panels as SVG or PNG (by out's extension) into w.
func WritePlot(w io.Writer, panels []drawable, format string) error {
	switch format {
	case ".svg":
		cv := drawFigure(panels, func(w, h float64) canvas { return newSVG(w, h, "") }).(*svgCanvas)
		_, err := io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+svgMarker+"\n"+cv.String())
		return err
	case ".png":
		cv := drawFigure(panels, func(w, h float64) canvas { return newRaster(w, h, 2) }).(*rasterCanvas)
		return cv.writePNG(w)
	}
	return fmt.Errorf("format %q: want .png or .svg", format)
}

// Plot draws one figure of the run in dir into the file out (.png or .svg).
func Plot(ctx context.Context, dir, what, out string) error {
	ext := strings.ToLower(filepath.Ext(out))
	if ext != ".png" && ext != ".svg" {
		return fmt.Errorf("--out %q: want a .png or .svg file", out)
	}
	panels, err := Figure(ctx, dir, what)
	if err != nil {
		return err
	}
	return WriteFile(out, func(w io.Writer) error { return WritePlot(w, panels, ext) })
}
