package report

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// layerChart is a per-layer chart with a graph model's layer names:
// resnet-20's 41 layers with weights, or a few long MobileNetV2 names.
func layerChart(names []string) *Chart {
	c := &Chart{ID: "chart-gradients", Title: "Gradient norm per layer", XLabel: "epoch", YLabel: "gradient L2 norm", LogY: true, Legend: true}
	for i, n := range names {
		c.Series = append(c.Series, Series{Name: n, X: []float64{0, 1}, Y: []float64{float64(i + 1), float64(i + 2)}})
	}
	return c
}

func resnetNames() []string {
	names := []string{"conv2d", "batch_normalization"}
	for i := 1; i <= 20; i++ {
		names = append(names, fmt.Sprintf("conv2d_%d", i))
		if i <= 18 {
			names = append(names, fmt.Sprintf("batch_normalization_%d", i))
		}
	}
	return append(names, "dense")
}

var longNames = []string{"Conv1", "expanded_conv_depthwise_BN", "block_13_expand_BN", "block_16_project",
	"a_layer_name_so_long_that_no_column_of_the_chart_could_ever_hold_it_whole"}

// svgLegend is what the tests read of a chart's SVG: its size and its
// legend's texts (shown text, title, x).
type svgLegend struct {
	Height string `xml:"height,attr"`
	Groups []struct {
		Class string `xml:"class,attr"`
		Texts []struct {
			X     float64 `xml:"x,attr"`
			Title string  `xml:"title"`
			Text  string  `xml:",chardata"`
		} `xml:"text"`
	} `xml:"g"`
}

// Every layer of a graph model is in the legend, whole or shortened with
// its full name as the title, within the chart's width; the chart grows
// below for it. Three short names keep the legend beside the plot.
func TestLegendHoldsEveryLayerWithinTheChart(t *testing.T) {
	for _, c := range []struct {
		names []string
		below bool
	}{{resnetNames(), true}, {longNames, true}, {[]string{"conv2d", "dense", "dense_1"}, false}} {
		ch := layerChart(c.names)
		var s svgLegend
		if err := xml.Unmarshal([]byte(ch.SVG()), &s); err != nil {
			t.Fatal(err)
		}
		h, _ := strconv.ParseFloat(s.Height, 64)
		if below := h > chartH; below != c.below {
			t.Errorf("%d names: height %v, legend below %v, want %v", len(c.names), h, below, c.below)
		}
		var got []string
		for _, g := range s.Groups {
			if !strings.HasPrefix(g.Class, "legend") {
				continue
			}
			for _, tx := range g.Texts {
				shown := strings.TrimSpace(strings.TrimPrefix(tx.Text, tx.Title))
				if tx.X+textWidth(shown, legendFont) > chartW {
					t.Errorf("legend entry %q at x %v runs past the chart's width %v", shown, tx.X, chartW)
				}
				if tx.Title != "" {
					if !strings.HasSuffix(shown, "…") {
						t.Errorf("entry %q has a title but is not shortened", shown)
					}
					shown = tx.Title
				}
				got = append(got, shown)
			}
		}
		if strings.Join(got, ",") != strings.Join(c.names, ",") {
			t.Errorf("legend entries %q, want %q", got, c.names)
		}
	}
}

// In a real browser (its own font), no legend text of a graph model's
// chart runs outside the chart.
func TestLegendFitsInBrowser(t *testing.T) {
	b := startBrowser(t)
	page := "<!doctype html><html><head><meta charset=utf-8><title>legends</title></head><body>" +
		layerChart(resnetNames()).SVG() + strings.Replace(layerChart(longNames).SVG(), `id="chart-gradients"`, `id="chart-long"`, 1) + "</body></html>"
	path := filepath.Join(t.TempDir(), "legend.html")
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	if problems := b.open(t, path); len(problems) > 0 {
		t.Errorf("page: %s", strings.Join(problems, "\n"))
	}
	var out []struct {
		ID            string
		Entries       int
		Overflow      []string
		Width, Height float64
	}
	b.eval(t, `[...document.querySelectorAll('svg.chart')].map(svg => {
	  const vb = svg.viewBox.baseVal, texts = [...svg.querySelectorAll('.legend text')];
	  const over = texts.filter(t => { const r = t.getBBox(); return r.x + r.width > vb.width || r.y + r.height > vb.height; });
	  return {id: svg.id, entries: texts.length, overflow: over.map(t => t.textContent), width: vb.width, height: vb.height};
	})`, &out)
	want := map[string]int{"chart-gradients": len(resnetNames()), "chart-long": len(longNames)}
	for _, c := range out {
		if c.Entries != want[c.ID] || len(c.Overflow) > 0 {
			t.Errorf("%s (%vx%v): %d legend entries (want %d), outside the chart: %q", c.ID, c.Width, c.Height, c.Entries, want[c.ID], c.Overflow)
		}
	}
	if len(out) != 2 {
		t.Errorf("%d charts on the page, want 2", len(out))
	}
}
