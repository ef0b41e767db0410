package report

import (
	"fmt"
	"math"
	"strconv"
)

// Heatmap is a confusion matrix: Counts[true][predicted], each cell
// coloured by its share of the true class (its row), so that rare
// classes are as visible as common ones.
type Heatmap struct {
	ID, Title string
	Classes   []string
	Counts    [][]int
}

// geometry of the heatmap: the cell size, label sizes and total size.
func (h *Heatmap) geometry() (cell, left, top, bottom, w, ht float64, vertical bool) {
	n := float64(max(len(h.Classes), 1))
	cell = math.Max(8, math.Min(44, 400/n))
	lw := 0.0
	for _, c := range h.Classes {
		lw = math.Max(lw, textWidth(c, 11))
	}
	lw = math.Min(lw, 120)
	vertical = lw > cell-4
	left = 34 + lw + 8
	top = 34.0
	bottom = 24 + 16.0
	if vertical {
		bottom += lw
	} else {
		bottom += 14
	}
	// Wide enough for the title (a few classes make a narrow matrix), with
	// a quarter more for browsers' fonts, which run wider than the Go
	// fonts measure: Chromium's system-ui bold ran 20% wider here.
	w = math.Max(left+n*cell+90, 1.25*measure(h.Title, heatmapTitleSize, true)+24)
	ht = top + n*cell + bottom
	return
}

const heatmapTitleSize = 15

// Size is the drawing's width and height in CSS pixels.
func (h *Heatmap) Size() (float64, float64) {
	_, _, _, _, w, ht, _ := h.geometry()
	return w, ht
}

// shade maps a share in [0, 1] to ColorBrewer's sequential Blues (white
// to dark blue: readable by colour-blind readers and in grey print).
func shade(f float64) string {
	stops := [][3]float64{{255, 255, 255}, {198, 219, 239}, {107, 174, 214}, {33, 113, 181}, {8, 48, 107}}
	f = math.Max(0, math.Min(1, f)) * float64(len(stops)-1)
	i := min(int(f), len(stops)-2)
	t := f - float64(i)
	a, b := stops[i], stops[i+1]
	return fmt.Sprintf("#%02x%02x%02x", int(a[0]+(b[0]-a[0])*t+0.5), int(a[1]+(b[1]-a[1])*t+0.5), int(a[2]+(b[2]-a[2])*t+0.5))
}

func (h *Heatmap) draw(cv canvas, ox, oy float64) {
	cell, left, top, _, w, ht, vertical := h.geometry()
	cv.rect(ox, oy, w, ht, "#ffffff", "", "")
	cv.text(ox+w/2, oy+20, h.Title, textStyle{Size: heatmapTitleSize, Anchor: 'm', Bold: true, Color: "#111111"})
	n := len(h.Classes)
	x0, y0 := ox+left, oy+top
	label := textStyle{Size: 11, Color: "#222222"}
	cv.group(`class="cells"`)
	for i, row := range h.Counts {
		total := 0
		for _, v := range row {
			total += v
		}
		for j, v := range row {
			share := 0.0
			if total > 0 {
				share = float64(v) / float64(total)
			}
			x, y := x0+float64(j)*cell, y0+float64(i)*cell
			attrs := fmt.Sprintf(`class="cell" data-true="%d" data-pred="%d" data-count="%d"`, i, j, v)
			cv.rect(x, y, cell, cell, shade(share), "#ffffff", attrs)
			if cell >= 18 && v > 0 {
				col := "#111111"
				if share > 0.5 {
					col = "#ffffff"
				}
				size := math.Min(12, cell/3)
				cv.text(x+cell/2, y+cell/2+size/3, strconv.Itoa(v), textStyle{Size: size, Anchor: 'm', Color: col, Bold: i == j})
			}
		}
	}
	cv.end()
	cv.rect(x0, y0, float64(n)*cell, float64(n)*cell, "", "#888888", "")
	step := max(1, int(math.Ceil(11/cell))) // label every class while they fit
	for i := 0; i < n; i += step {
		name := truncate(h.Classes[i], 120, 11)
		label.Anchor = 'e'
		label.Vertical = false
		cv.text(x0-6, y0+float64(i)*cell+cell/2+4, name, label)
		if vertical {
			label.Vertical = true
			cv.text(x0+float64(i)*cell+cell/2+4, y0+float64(n)*cell+6, name, label)
		} else {
			label.Anchor = 'm'
			cv.text(x0+float64(i)*cell+cell/2, y0+float64(n)*cell+16, name, label)
		}
	}
	axis := textStyle{Size: 12, Anchor: 'm', Color: "#111111"}
	cv.text(x0+float64(n)*cell/2, oy+ht-8, "predicted class", axis)
	axis.Vertical = true
	cv.text(ox+15, y0+float64(n)*cell/2, "true class", axis)
	// The colour key.
	kx, kh := x0+float64(n)*cell+24, math.Min(160, float64(n)*cell)
	for k := 0; k < 20; k++ {
		cv.rect(kx, y0+kh*float64(19-k)/20, 14, kh/20+0.5, shade((float64(k)+0.5)/20), "", "")
	}
	cv.rect(kx, y0, 14, kh, "", "#888888", "")
	small := textStyle{Size: 10, Color: "#333333"}
	cv.text(kx+18, y0+8, "100%", small)
	cv.text(kx+18, y0+kh, "0%", small)
	small.Vertical = true
	small.Anchor = 'm'
	cv.text(kx+50, y0+kh/2, "share of true class", small)
}

// SVG renders the heatmap as an inline SVG element.
func (h *Heatmap) SVG() string {
	w, ht := h.Size()
	cv := newSVG(w, ht, `class="chart heatmap" id="`+h.ID+`" role="img" aria-label="`+escapeAttr(h.Title)+`"`)
	h.draw(cv, 0, 0)
	return cv.String()
}
