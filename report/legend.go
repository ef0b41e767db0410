package report

// A chart's legend is a column beside the plot when every entry fits
// there; a graph model's per-layer charts (resnet-20: 40 layers with
// weights, names such as batch_normalization_18 or block_13_expand_BN)
// would be cut off, so their legend goes below the plot instead, in as
// many columns as the widest name allows, and the chart grows to hold
// it. A name still too long for the chart's width is shortened with an
// ellipsis and keeps its full text as the SVG title (shown on hover).
const (
	legendRowH  = 16.0
	legendFont  = 11.0
	legendSwath = 28.0 // the line sample and the gap after it
	legendGap   = 14.0 // between columns
)

// legendRows is how many entries the column beside the plot holds.
func legendRows() int { h := chartH - marginT - marginB - 8; return int(h/legendRowH) + 1 }

// legendBelow reports whether the legend goes below the plot.
func (c *Chart) legendBelow() bool {
	if !c.hasLegend() || len(c.Note) > 0 && len(c.Series) == 0 {
		return false
	}
	if len(c.Series) > legendRows() {
		return true
	}
	for _, s := range c.Series {
		if textWidth(s.Name, legendFont) > legendW-legendSwath-2 {
			return true
		}
	}
	return false
}

// legendGrid is the column count and width of a legend below the plot.
func (c *Chart) legendGrid() (int, float64) {
	avail := chartW - marginL - marginR
	widest := 0.0
	for _, s := range c.Series {
		widest = max(widest, textWidth(s.Name, legendFont))
	}
	cols := max(1, int(avail/min(avail, widest+legendSwath+legendGap)))
	if (len(c.Series)+cols-1)/cols > legendRows() {
		cols = max(cols, 3) // a long legend: shorten the longest names rather than add rows
	}
	return cols, avail / float64(cols)
}

// height is the chart's height with its legend.
func (c *Chart) height() float64 {
	if !c.legendBelow() {
		return chartH
	}
	cols, _ := c.legendGrid()
	rows := (len(c.Series) + cols - 1) / cols
	return chartH + float64(rows)*legendRowH + 12
}

// drawLegend draws the legend column at (x, y), as many entries as fit.
func (c *Chart) drawLegend(cv canvas, x, y float64) {
	cv.group(`class="legend"`)
	for i, s := range c.Series {
		yy := y + 8 + float64(i)*legendRowH
		if i == legendRows() {
			cv.text(x, yy, "…", textStyle{Size: legendFont})
			break
		}
		c.legendEntry(cv, x, yy, i, s, legendW-legendSwath-2)
	}
	cv.end()
}

// drawLegendBelow draws every entry in columns below the plot, down
// each column in the series' order, from (ox, top).
func (c *Chart) drawLegendBelow(cv canvas, ox, top float64) {
	cols, colW := c.legendGrid()
	rows := (len(c.Series) + cols - 1) / cols
	cv.group(`class="legend legend-below"`)
	for i, s := range c.Series {
		x := ox + marginL + float64(i/rows)*colW
		y := top + 12 + float64(i%rows)*legendRowH
		c.legendEntry(cv, x, y, i, s, colW-legendSwath-legendGap/2)
	}
	cv.end()
}

// legendEntry draws series i's line sample and name (text baseline y),
// the name shortened to width.
func (c *Chart) legendEntry(cv canvas, x, y float64, i int, s Series, width float64) {
	col, dash, w := s.style(i)
	cv.polyline([][]point{{{x, y - 4}, {x + 22, y - 4}}}, lineStyle{Color: col, Width: w, Dash: dash})
	name := truncate(s.Name, width, legendFont)
	st := textStyle{Size: legendFont, Color: "#222222"}
	if name != s.Name {
		st.Title = s.Name
	}
	cv.text(x+legendSwath, y, name, st)
}
