package report

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// rasterCanvas draws onto an RGBA image at Scale device pixels per CSS
// pixel: anti-aliased lines (x/image/vector) and the Go fonts.
type rasterCanvas struct {
	img   *image.RGBA
	scale float64
	z     *vector.Rasterizer
	faces map[[2]int]font.Face
}

func newRaster(w, h, scale float64) *rasterCanvas {
	img := image.NewRGBA(image.Rect(0, 0, int(math.Ceil(w*scale)), int(math.Ceil(h*scale))))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	return &rasterCanvas{img: img, scale: scale, z: vector.NewRasterizer(img.Bounds().Dx(), img.Bounds().Dy()), faces: map[[2]int]font.Face{}}
}

// writePNG encodes the image.
func (c *rasterCanvas) writePNG(w io.Writer) error {
	var b bytes.Buffer
	if err := png.Encode(&b, c.img); err != nil {
		return err
	}
	_, err := w.Write(markPNG(b.Bytes()))
	return err
}

// parseColor reads #rrggbb (anything else is black).
func parseColor(s string) color.RGBA {
	if len(s) == 7 && s[0] == '#' {
		v, err := strconv.ParseUint(s[1:], 16, 32)
		if err == nil {
			return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
		}
	}
	return color.RGBA{0, 0, 0, 255}
}

// fill paints what was added to the rasterizer and resets it.
func (c *rasterCanvas) fill(col string) {
	c.z.Draw(c.img, c.img.Bounds(), image.NewUniform(parseColor(col)), image.Point{})
	c.z.Reset(c.img.Bounds().Dx(), c.img.Bounds().Dy())
}

// quad adds the stroke of segment p-q of half-width hw (device pixels);
// every shape is added clockwise so that overlaps do not cancel.
func (c *rasterCanvas) quad(p, q point, hw float64) {
	dx, dy := q.X-p.X, q.Y-p.Y
	l := math.Hypot(dx, dy)
	if l == 0 {
		return
	}
	nx, ny := -dy/l*hw, dx/l*hw
	c.z.MoveTo(float32(p.X+nx), float32(p.Y+ny))
	c.z.LineTo(float32(q.X+nx), float32(q.Y+ny))
	c.z.LineTo(float32(q.X-nx), float32(q.Y-ny))
	c.z.LineTo(float32(p.X-nx), float32(p.Y-ny))
	c.z.ClosePath()
}

// disc adds a circle of radius r (device pixels), clockwise.
func (c *rasterCanvas) disc(p point, r float64) {
	const n = 16
	for i := 0; i <= n; i++ {
		a := -2 * math.Pi * float64(i) / n
		x, y := float32(p.X+r*math.Cos(a)), float32(p.Y+r*math.Sin(a))
		if i == 0 {
			c.z.MoveTo(x, y)
		} else {
			c.z.LineTo(x, y)
		}
	}
	c.z.ClosePath()
}

func (c *rasterCanvas) polyline(runs [][]point, st lineStyle) {
	w := st.Width
	if w == 0 {
		w = 1
	}
	hw := w * c.scale / 2
	for _, run := range runs {
		pts := make([]point, len(run))
		for i, p := range run {
			pts[i] = point{p.X * c.scale, p.Y * c.scale}
		}
		if len(pts) == 1 {
			c.disc(pts[0], hw)
			continue
		}
		for _, piece := range dashRuns(pts, st.Dash, c.scale) {
			for i := 1; i < len(piece); i++ {
				c.quad(piece[i-1], piece[i], hw)
				if i > 1 && hw > 0.75 {
					c.disc(piece[i-1], hw)
				}
			}
		}
	}
	c.fill(st.Color)
}

// dashRuns splits a polyline into the dashes of pattern (CSS pixels,
// on/off alternating); no pattern keeps it whole.
func dashRuns(pts []point, pattern []float64, scale float64) [][]point {
	if len(pattern) == 0 {
		return [][]point{pts}
	}
	var out [][]point
	k, left, on := 0, pattern[0]*scale, true
	cur := []point{pts[0]}
	for i := 1; i < len(pts); i++ {
		p, q := pts[i-1], pts[i]
		seg := math.Hypot(q.X-p.X, q.Y-p.Y)
		for seg > 0 {
			step := math.Min(seg, left)
			t := step / seg
			m := point{p.X + (q.X-p.X)*t, p.Y + (q.Y-p.Y)*t}
			if on {
				cur = append(cur, m)
			}
			p, seg, left = m, seg-step, left-step
			if left <= 1e-9 {
				if on && len(cur) > 1 {
					out = append(out, cur)
				}
				on = !on
				k = (k + 1) % len(pattern)
				left = pattern[k] * scale
				cur = []point{p}
			}
		}
	}
	if on && len(cur) > 1 {
		out = append(out, cur)
	}
	return out
}

func (c *rasterCanvas) rect(x, y, w, h float64, fill, stroke, _ string) {
	s := c.scale
	if fill != "" {
		r := image.Rect(int(math.Round(x*s)), int(math.Round(y*s)), int(math.Round((x+w)*s)), int(math.Round((y+h)*s)))
		draw.Draw(c.img, r, image.NewUniform(parseColor(fill)), image.Point{}, draw.Over)
	}
	if stroke != "" {
		c.polyline([][]point{{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}}, lineStyle{Color: stroke, Width: 1})
	}
}

func (c *rasterCanvas) circle(x, y, r float64, fill string) {
	c.disc(point{x * c.scale, y * c.scale}, r*c.scale)
	c.fill(fill)
}

// face returns the Go font at size px (bold or regular).
func (c *rasterCanvas) face(size float64, bold bool) font.Face {
	key := [2]int{int(size * c.scale * 4), 0}
	if bold {
		key[1] = 1
	}
	if f, ok := c.faces[key]; ok {
		return f
	}
	src := goregular.TTF
	if bold {
		src = gobold.TTF
	}
	f, err := opentype.Parse(src)
	if err != nil {
		panic("report: the embedded Go font does not parse: " + err.Error())
	}
	fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size * c.scale, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic("report: " + err.Error())
	}
	c.faces[key] = fc
	return fc
}

func (c *rasterCanvas) text(x, y float64, s string, st textStyle) {
	if s == "" {
		return
	}
	fc := c.face(st.Size, st.Bold)
	col := image.NewUniform(parseColor(st.Color))
	adv := font.MeasureString(fc, s).Ceil()
	shift := 0
	switch st.Anchor {
	case 'm':
		shift = adv / 2
	case 'e':
		shift = adv
	}
	X, Y := int(math.Round(x*c.scale)), int(math.Round(y*c.scale))
	if !st.Vertical {
		d := font.Drawer{Dst: c.img, Src: col, Face: fc, Dot: fixed.P(X-shift, Y)}
		d.DrawString(s)
		return
	}
	// Draw horizontally into a mask, then turn it a quarter counter-clockwise.
	m := fc.Metrics()
	asc, desc := m.Ascent.Ceil(), m.Descent.Ceil()
	mask := image.NewAlpha(image.Rect(0, 0, adv, asc+desc))
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: fc, Dot: fixed.P(0, asc)}
	d.DrawString(s)
	rot := image.NewAlpha(image.Rect(0, 0, asc+desc, adv))
	for ty := 0; ty < asc+desc; ty++ {
		for tx := 0; tx < adv; tx++ {
			rot.SetAlpha(ty, adv-1-tx, mask.AlphaAt(tx, ty))
		}
	}
	// The baseline runs up through x; the text starts at y + shift.
	r := image.Rect(X-asc, Y+shift-adv, X+desc, Y+shift)
	draw.DrawMask(c.img, r, col, image.Point{}, rot, image.Point{}, draw.Over)
}

func (c *rasterCanvas) group(string) {}
func (c *rasterCanvas) end()         {}
