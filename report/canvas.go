package report

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/font"
)

// point is a position on a canvas, in CSS pixels.
type point struct{ X, Y float64 }

// lineStyle says how a polyline is drawn; Name and Class tag it in SVG
// (data-series, class) so that tests and readers can find a series.
type lineStyle struct {
	Color       string
	Width       float64
	Dash        []float64
	Name, Class string
}

// textStyle says how a label is drawn.
type textStyle struct {
	Size     float64
	Anchor   byte // 's' start, 'm' middle, 'e' end
	Color    string
	Bold     bool
	Vertical bool // rotated 90° counter-clockwise (a y-axis label)
	// Title is shown on hovering in SVG (the full text of a shortened
	// label); raster canvases ignore it.
	Title string
}

// canvas is what charts draw on: SVG for the report and .svg files,
// a raster image for .png files.
type canvas interface {
	// polyline draws each run of points as one connected line.
	polyline(runs [][]point, st lineStyle)
	// rect fills (fill != "") and strokes (stroke != "") a rectangle;
	// attrs are extra SVG attributes (ignored by raster canvases).
	rect(x, y, w, h float64, fill, stroke, attrs string)
	circle(x, y, r float64, fill string)
	text(x, y float64, s string, st textStyle)
	// group opens an SVG group with the attributes; end closes it.
	group(attrs string)
	end()
}

// svgCanvas writes SVG elements.
type svgCanvas struct {
	b    strings.Builder
	w, h float64
}

func newSVG(w, h float64, attrs string) *svgCanvas {
	c := &svgCanvas{w: w, h: h}
	fmt.Fprintf(&c.b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" %s font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif">`,
		num(w), num(h), num(w), num(h), attrs)
	c.b.WriteByte('\n')
	return c
}

// String closes the SVG and returns it.
func (c *svgCanvas) String() string { return c.b.String() + "</svg>\n" }

// num formats a coordinate with at most two decimals.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func coord(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

func (c *svgCanvas) polyline(runs [][]point, st lineStyle) {
	var d strings.Builder
	for _, run := range runs {
		for i, p := range run {
			if i == 0 {
				d.WriteString("M")
			} else {
				d.WriteString(" L")
			}
			d.WriteString(coord(p.X) + " " + coord(p.Y))
		}
		if len(run) == 1 { // a lone point: a dot the width of the line
			d.WriteString(" h0.01")
		}
		d.WriteByte(' ')
	}
	w := st.Width
	if w == 0 {
		w = 1
	}
	fmt.Fprintf(&c.b, `<path d="%s" fill="none" stroke="%s" stroke-width="%s" stroke-linejoin="round" stroke-linecap="round"`,
		strings.TrimSpace(d.String()), st.Color, num(w))
	if len(st.Dash) > 0 {
		parts := make([]string, len(st.Dash))
		for i, v := range st.Dash {
			parts[i] = num(v)
		}
		fmt.Fprintf(&c.b, ` stroke-dasharray="%s"`, strings.Join(parts, " "))
	}
	if st.Class != "" {
		fmt.Fprintf(&c.b, ` class="%s"`, html.EscapeString(st.Class))
	}
	if st.Name != "" {
		fmt.Fprintf(&c.b, ` data-series="%s"><title>%s</title></path>`+"\n", html.EscapeString(st.Name), html.EscapeString(st.Name))
		return
	}
	c.b.WriteString("/>\n")
}

func (c *svgCanvas) rect(x, y, w, h float64, fill, stroke, attrs string) {
	if fill == "" {
		fill = "none"
	}
	fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"`, coord(x), coord(y), coord(w), coord(h), fill)
	if stroke != "" {
		fmt.Fprintf(&c.b, ` stroke="%s"`, stroke)
	}
	if attrs != "" {
		c.b.WriteString(" " + attrs)
	}
	c.b.WriteString("/>\n")
}

func (c *svgCanvas) circle(x, y, r float64, fill string) {
	fmt.Fprintf(&c.b, `<circle cx="%s" cy="%s" r="%s" fill="%s"/>`+"\n", coord(x), coord(y), coord(r), fill)
}

func (c *svgCanvas) text(x, y float64, s string, st textStyle) {
	anchor := map[byte]string{'s': "start", 'm': "middle", 'e': "end"}[st.Anchor]
	if anchor == "" {
		anchor = "start"
	}
	fmt.Fprintf(&c.b, `<text x="%s" y="%s" font-size="%s" text-anchor="%s"`, coord(x), coord(y), num(st.Size), anchor)
	if st.Color != "" {
		fmt.Fprintf(&c.b, ` fill="%s"`, st.Color)
	}
	if st.Bold {
		c.b.WriteString(` font-weight="600"`)
	}
	if st.Vertical {
		fmt.Fprintf(&c.b, ` transform="rotate(-90 %s %s)"`, coord(x), coord(y))
	}
	c.b.WriteByte('>')
	if st.Title != "" {
		fmt.Fprintf(&c.b, "<title>%s</title>", html.EscapeString(st.Title))
	}
	fmt.Fprintf(&c.b, "%s</text>\n", html.EscapeString(s))
}

func (c *svgCanvas) group(attrs string) { fmt.Fprintf(&c.b, "<g %s>\n", attrs) }
func (c *svgCanvas) end()               { c.b.WriteString("</g>\n") }

// measureFaces are the Go fonts at 100 px, for measuring text.
var (
	measureFaces [2]font.Face
	measureOnce  sync.Once
)

// textWidth estimates the width of s at size px: its width in the Go
// font (what PNGs use) plus a margin for the browser's sans-serif.
func textWidth(s string, size float64) float64 { return measure(s, size, false) }

func measure(s string, size float64, bold bool) float64 {
	k := 0
	if bold {
		k = 1
	}
	measureOnce.Do(func() {
		rc := &rasterCanvas{scale: 1, faces: map[[2]int]font.Face{}}
		measureFaces = [2]font.Face{rc.face(100, false), rc.face(100, true)}
	})
	return float64(font.MeasureString(measureFaces[k], s)) / 64 * size / 100 * 1.06
}

// truncate shortens s to fit width at size, with an ellipsis.
func truncate(s string, width, size float64) string {
	if textWidth(s, size) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && textWidth(string(r)+"…", size) > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

func escapeAttr(s string) string { return html.EscapeString(s) }
