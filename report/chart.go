package report

import (
	"math"
	"strconv"
)

// Okabe-Ito: a palette that stays distinct under every common form of
// colour blindness (yellow last: it is faint on white).
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"}

// dashes tell series apart once the colours run out.
var dashes = [][]float64{nil, {6, 3}, {2, 3}, {8, 3, 2, 3}}

// styleOf is series i's colour and dash.
func styleOf(i int) (string, []float64) {
	return palette[i%len(palette)], dashes[(i/len(palette))%len(dashes)]
}

// eventColor colours an event line by kind.
func eventColor(kind string) string {
	switch kind {
	case "lr":
		return "#009E73"
	case "early_stop":
		return "#444444"
	case "nan":
		return "#D55E00"
	}
	return "#CC79A7" // findings (overfitting, ...)
}

// Series is one line of a chart; non-finite Y values (and values <= 0
// on a log axis) break the line.
type Series struct {
	Name  string
	X, Y  []float64
	Color string
	Dash  []float64
	Width float64 // 0: 2
	// Markers draws a dot at every point (short series).
	Markers bool
}

// Guide is a horizontal reference line, e.g. the 1e-3 update ratio.
type Guide struct {
	Y     float64
	Label string
}

// Chart is a line chart over one x axis.
type Chart struct {
	ID             string // the SVG's id
	Title          string
	XLabel, YLabel string
	LogY           bool
	// YFixed pins the y range to [YMin, YMax] (fractions: 0..1).
	YFixed     bool
	YMin, YMax float64
	// XFromZero starts the x axis at 0; XInteger puts ticks on integers.
	XFromZero, XInteger bool
	// XMax extends the x axis to at least this value (the epochs run,
	// so that per-step charts line up with the curves).
	XMax   float64
	Series []Series
	Events []Event
	Guides []Guide
	// Legend shows the legend even for a single series.
	Legend bool
	// Note replaces the plot when there is no data.
	Note string
}

// Sizes of a chart, in CSS pixels.
const (
	chartW, chartH = 600.0, 300.0
	legendW        = 150.0
	marginL        = 62.0
	marginT        = 34.0
	marginB        = 44.0
	marginR        = 14.0
)

// frame maps data to canvas coordinates: the plot area and the data
// domain (log10 of y on a log axis).
type frame struct {
	Left, Top, Right, Bottom float64
	X0, X1, Y0, Y1           float64
	LogY                     bool
}

func (f frame) px(x float64) float64 { return f.Left + (x-f.X0)/(f.X1-f.X0)*(f.Right-f.Left) }

func (f frame) py(y float64) float64 {
	if f.LogY {
		y = math.Log10(y)
	}
	return f.Bottom - (y-f.Y0)/(f.Y1-f.Y0)*(f.Bottom-f.Top)
}

// dataX and dataY invert px and py.
func (f frame) dataX(px float64) float64 { return f.X0 + (px-f.Left)/(f.Right-f.Left)*(f.X1-f.X0) }

func (f frame) dataY(py float64) float64 {
	v := f.Y0 + (f.Bottom-py)/(f.Bottom-f.Top)*(f.Y1-f.Y0)
	if f.LogY {
		return math.Pow(10, v)
	}
	return v
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// usable reports whether y can be drawn on the chart's y axis.
func (c *Chart) usable(y float64) bool { return finite(y) && (!c.LogY || y > 0) }

// hasLegend reports whether the chart needs a legend column.
func (c *Chart) hasLegend() bool { return c.Legend || len(c.Series) > 1 }

// layout computes the frame for a chart drawn at (ox, oy).
func (c *Chart) layout(ox, oy float64) (frame, bool) {
	f := frame{Left: ox + marginL, Top: oy + marginT, Right: ox + chartW - marginR, Bottom: oy + chartH - marginB, LogY: c.LogY}
	if c.hasLegend() && !c.legendBelow() {
		f.Right -= legendW
	}
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for i, x := range s.X {
			if i < len(s.Y) && finite(x) && c.usable(s.Y[i]) {
				xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
				ymin, ymax = math.Min(ymin, s.Y[i]), math.Max(ymax, s.Y[i])
			}
		}
	}
	if xmin > xmax {
		return f, false
	}
	for _, e := range c.Events {
		xmin, xmax = math.Min(xmin, e.X), math.Max(xmax, e.X)
	}
	for _, g := range c.Guides {
		if c.usable(g.Y) {
			ymin, ymax = math.Min(ymin, g.Y), math.Max(ymax, g.Y)
		}
	}
	if c.XFromZero && xmin > 0 {
		xmin = 0
	}
	xmax = math.Max(xmax, c.XMax)
	if c.XFromZero && xmax > xmin { // room for the last marker
		xmax += 0.02 * (xmax - xmin)
	}
	if xmax == xmin {
		xmin, xmax = xmin-1, xmax+1
		if c.XFromZero && xmin < 0 {
			xmin = 0
		}
	}
	f.X0, f.X1 = xmin, xmax
	if _, rows := c.placeEvents(f); rows > 0 {
		f.Top += float64(rows)*eventRowH - 4
	}
	switch {
	case c.YFixed:
		f.Y0, f.Y1 = c.YMin, c.YMax
		if c.LogY {
			f.Y0, f.Y1 = math.Log10(c.YMin), math.Log10(c.YMax)
		}
	case c.LogY:
		f.Y0, f.Y1 = math.Floor(math.Log10(ymin)), math.Ceil(math.Log10(ymax))
		if f.Y1 == f.Y0 {
			f.Y1++
		}
	default:
		if ymin == ymax {
			d := math.Max(math.Abs(ymin)*0.1, 1e-3)
			ymin, ymax = ymin-d, ymax+d
		}
		t := niceTicks(ymin, ymax, 5)
		f.Y0, f.Y1 = math.Min(ymin, t[0]), math.Max(ymax, t[len(t)-1])
	}
	return f, true
}

// niceTicks returns about n round values (1, 2 or 5 × 10^k apart)
// covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	step := niceStep((hi - lo) / float64(n))
	var t []float64
	for v := math.Floor(lo/step) * step; v <= hi+step*0.999; v += step {
		r, _ := strconv.ParseFloat(strconv.FormatFloat(math.Round(v/step)*step, 'g', 12, 64), 64)
		t = append(t, r)
		if len(t) > 50 {
			break
		}
	}
	return t
}

func niceStep(raw float64) float64 {
	if raw <= 0 || !finite(raw) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// fmtTick formats an axis value compactly.
func fmtTick(v float64) string {
	if v == 0 {
		return "0"
	}
	if a := math.Abs(v); a < 1e-3 || a >= 1e5 {
		e := math.Floor(math.Log10(a))
		m := strconv.FormatFloat(v/math.Pow(10, e), 'g', 3, 64)
		return m + "e" + strconv.Itoa(int(e))
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// yTicks are the y axis' tick values (data units).
func (c *Chart) yTicks(f frame) []float64 {
	if c.LogY {
		var t []float64
		step := math.Max(1, math.Ceil((f.Y1-f.Y0)/6))
		for k := f.Y0; k <= f.Y1+1e-9; k += step {
			t = append(t, math.Pow(10, k))
			if f.Y1-f.Y0 <= 2 && k+1e-9 < f.Y1 {
				t = append(t, 2*math.Pow(10, k), 5*math.Pow(10, k))
			}
		}
		return t
	}
	var t []float64
	for _, v := range niceTicks(f.Y0, f.Y1, 5) {
		if v >= f.Y0-1e-12 && v <= f.Y1+1e-12 {
			t = append(t, v)
		}
	}
	return t
}

func (c *Chart) xTicks(f frame) []float64 {
	step := niceStep((f.X1 - f.X0) / 7)
	if c.XInteger {
		step = math.Max(1, math.Round(step))
	}
	var t []float64
	for v := math.Ceil(f.X0/step) * step; v <= f.X1+1e-9; v += step {
		t = append(t, v)
	}
	return t
}

// draw draws the chart at (ox, oy), chartW x c.height(), and returns its frame.
func (c *Chart) draw(cv canvas, ox, oy float64) frame {
	cv.rect(ox, oy, chartW, c.height(), "#ffffff", "", "")
	cv.text(ox+chartW/2, oy+20, c.Title, textStyle{Size: 15, Anchor: 'm', Bold: true, Color: "#111111"})
	f, ok := c.layout(ox, oy)
	if !ok {
		note := c.Note
		if note == "" {
			note = "no data"
		}
		cv.text(ox+chartW/2, oy+chartH/2, note, textStyle{Size: 13, Anchor: 'm', Color: "#666666"})
		return f
	}
	axis := textStyle{Size: 11, Color: "#333333"}
	for _, v := range c.yTicks(f) {
		y := f.py(v)
		cv.polyline([][]point{{{f.Left, y}, {f.Right, y}}}, lineStyle{Color: "#e3e3e3", Width: 1})
		axis.Anchor = 'e'
		cv.text(f.Left-6, y+4, fmtTick(v), axis)
	}
	for _, v := range c.xTicks(f) {
		x := f.px(v)
		cv.polyline([][]point{{{x, f.Top}, {x, f.Bottom}}}, lineStyle{Color: "#efefef", Width: 1})
		axis.Anchor = 'm'
		cv.text(x, f.Bottom+15, fmtTick(v), axis)
	}
	cv.rect(f.Left, f.Top, f.Right-f.Left, f.Bottom-f.Top, "", "#888888", "")
	label := textStyle{Size: 12, Anchor: 'm', Color: "#111111"}
	cv.text((f.Left+f.Right)/2, oy+chartH-8, c.XLabel, label)
	yl := c.YLabel
	if c.LogY {
		yl += " (log scale)"
	}
	label.Vertical = true
	cv.text(ox+15, (f.Top+f.Bottom)/2, yl, label)
	for _, g := range c.Guides {
		if !c.usable(g.Y) {
			continue
		}
		y := f.py(g.Y)
		cv.polyline([][]point{{{f.Left, y}, {f.Right, y}}}, lineStyle{Color: "#555555", Width: 1.5, Dash: []float64{7, 4}, Class: "guide", Name: g.Label})
		cv.text(f.Right-4, y-4, g.Label, textStyle{Size: 10, Anchor: 'e', Color: "#333333"})
	}
	c.drawEvents(cv, f)
	cv.group(`class="series-group"`)
	for i, s := range c.Series {
		c.drawSeries(cv, f, s, i)
	}
	cv.end()
	switch {
	case c.legendBelow():
		c.drawLegendBelow(cv, ox, oy+chartH)
	case c.hasLegend():
		c.drawLegend(cv, f.Right+12, f.Top)
	}
	return f
}

// placed is an event label's position: its text's x and anchor, and
// its row above the plot (0 nearest).
type placed struct {
	x      float64
	anchor byte
	row    int
}

// placeEvents puts each event's label in the first row where it does
// not overlap an earlier one; it returns the places and the row count.
func (c *Chart) placeEvents(f frame) ([]placed, int) {
	var ends []float64 // each row's rightmost label edge
	out := make([]placed, len(c.Events))
	for i, e := range c.Events {
		x := f.px(e.X)
		w := measure(e.Label, 10, true)
		p := placed{x: x + 3, anchor: 's'}
		left := x + 3
		if x+3+w > f.Right+marginR {
			p = placed{x: x - 3, anchor: 'e'}
			left = x - 3 - w
		}
		p.row = len(ends)
		for r, end := range ends {
			if left > end+6 {
				p.row = r
				break
			}
		}
		if p.row == len(ends) {
			ends = append(ends, 0)
		}
		ends[p.row] = left + w
		out[i] = p
	}
	return out, len(ends)
}

// eventRowH is the height of a row of event labels above the plot.
const eventRowH = 12.0

// drawEvents marks events with vertical lines labelled above the plot.
func (c *Chart) drawEvents(cv canvas, f frame) {
	places, _ := c.placeEvents(f)
	for i, e := range c.Events {
		x, col := f.px(e.X), eventColor(e.Kind)
		cv.polyline([][]point{{{x, f.Top}, {x, f.Bottom}}}, lineStyle{Color: col, Width: 1.5, Dash: []float64{4, 3}, Class: "event", Name: e.Label})
		p := places[i]
		cv.text(p.x, f.Top-4-float64(p.row)*eventRowH, e.Label, textStyle{Size: 10, Anchor: p.anchor, Color: col, Bold: true})
	}
}

// style is the colour, dash and width series i is drawn with: its own,
// else the palette's i-th and width 2.
func (s Series) style(i int) (string, []float64, float64) {
	col, dash := s.Color, s.Dash
	if col == "" {
		col, dash = styleOf(i)
	}
	w := s.Width
	if w == 0 {
		w = 2
	}
	return col, dash, w
}

func (c *Chart) drawSeries(cv canvas, f frame, s Series, i int) {
	col, dash, w := s.style(i)
	var runs [][]point
	var cur []point
	for j, x := range s.X {
		if j >= len(s.Y) || !finite(x) || !c.usable(s.Y[j]) {
			if len(cur) > 0 {
				runs = append(runs, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, point{f.px(x), f.py(s.Y[j])})
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	cv.polyline(runs, lineStyle{Color: col, Width: w, Dash: dash, Name: s.Name, Class: "series"})
	if s.Markers {
		for _, r := range runs {
			for _, p := range r {
				cv.circle(p.X, p.Y, w+1, col)
			}
		}
	}
}

// SVG renders the chart as an inline SVG element.
func (c *Chart) SVG() string {
	cv := newSVG(chartW, c.height(), `class="chart" id="`+c.ID+`" role="img" aria-label="`+escapeAttr(c.Title)+`"`)
	c.draw(cv, 0, 0)
	return cv.String()
}

func nan() float64 { return math.NaN() }
