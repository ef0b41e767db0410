package kernels

import "math"

// maxPool2x2Go is MaxPool2x2 (one sample): the inner loop runs over
// channels with the branch-free max builtin.
func maxPool2x2Go(y, x []float32, h, w, c int) { maxPool2x2Into(y, x, h, w, c, false) }

// maxPool2x2ReluGo is MaxPool2x2Relu (one sample): each input goes
// through reluGo's max(v, 0) before the window's maxes of maxPool2x2Go,
// so the result has the bits of reluGo followed by maxPool2x2Go.
func maxPool2x2ReluGo(y, x []float32, h, w, c int) { maxPool2x2Into(y, x, h, w, c, true) }

func maxPool2x2Into(y, x []float32, h, w, c int, relu bool) {
	row := w * c
	o := 0
	for i := 0; i < h/2; i++ {
		for j := 0; j < w/2; j++ {
			p := 2*i*row + 2*j*c
			x0, x1 := x[p:p+c:p+c], x[p+c:p+2*c:p+2*c]
			x2, x3 := x[p+row:p+row+c:p+row+c], x[p+row+c:p+row+2*c:p+row+2*c]
			yr := y[o : o+c : o+c]
			o += c
			if relu {
				for k := range yr {
					yr[k] = max(max(max(x0[k], 0), max(x1[k], 0)), max(max(x2[k], 0), max(x3[k], 0)))
				}
				continue
			}
			for k := range yr {
				yr[k] = max(max(x0[k], x1[k]), max(x2[k], x3[k]))
			}
		}
	}
}

// eqMask is all ones when a and b have the same bits, else zero: z =
// bits(a) ^ bits(b) is zero exactly on a match, and ^z & (z-1) has its
// top bit set only then.
func eqMask(a, b float32) uint32 {
	z := math.Float32bits(a) ^ math.Float32bits(b)
	return uint32(int32(^z&(z-1)) >> 31)
}

func maskGrad(d float32, m uint32) float32 {
	return math.Float32frombits(math.Float32bits(d) & m)
}

// maxPool2x2GradGo is MaxPool2x2Grad (one sample), without branches.
func maxPool2x2GradGo(dx, x, y, dy []float32, h, w, c int) {
	row := w * c
	o := 0
	for i := 0; i < h/2; i++ {
		for j := 0; j < w/2; j++ {
			p := 2*i*row + 2*j*c
			x0, x1 := x[p:p+c:p+c], x[p+c:p+2*c:p+2*c]
			x2, x3 := x[p+row:p+row+c:p+row+c], x[p+row+c:p+row+2*c:p+row+2*c]
			d0, d1 := dx[p:p+c:p+c], dx[p+c:p+2*c:p+2*c]
			d2, d3 := dx[p+row:p+row+c:p+row+c], dx[p+row+c:p+row+2*c:p+row+2*c]
			yr, dr := y[o:o+c:o+c], dy[o:o+c:o+c]
			o += c
			for k := range yr {
				yk, d := yr[k], dr[k]
				m0 := eqMask(x0[k], yk)
				m1 := eqMask(x1[k], yk) &^ m0
				m2 := eqMask(x2[k], yk) &^ (m0 | m1)
				m3 := eqMask(x3[k], yk) &^ (m0 | m1 | m2)
				d0[k], d1[k], d2[k], d3[k] = maskGrad(d, m0), maskGrad(d, m1), maskGrad(d, m2), maskGrad(d, m3)
			}
		}
	}
	clearPoolEdges(dx, h, w, c)
}

// clearPoolEdges zeroes the last column of dx when w is odd and its last
// row when h is odd: the inputs in no 2x2 window.
func clearPoolEdges(dx []float32, h, w, c int) {
	row := w * c
	if w%2 == 1 {
		for i := 0; i < h-h%2; i++ {
			p := i*row + (w-1)*c
			clear(dx[p : p+c])
		}
	}
	if h%2 == 1 {
		clear(dx[(h-1)*row : h*row])
	}
}
