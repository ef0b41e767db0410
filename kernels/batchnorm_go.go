package kernels

import "math"

// The pure-Go twins of the batch-normalization kernels (see
// batchnorm.go). The explicit float64 and float32 conversions of products
// keep the compiler from fusing a multiply and an add, so that the
// assembly gives the same bits.

// normSumsGo is NormSums' twin.
func normSumsGo(s, q, a, b []float64, x, dy []float32, round bool) {
	c := len(a)
	if dy != nil {
		groupSumsGo(s, q, a, b, len(x)/c, func(i int) (e, v float32) { return dy[i], x[i] })
		return
	}
	rows := len(x) / c
	for j0 := 0; j0 < c; j0 += 64 {
		j1 := min(c, j0+64)
		var ps, pq [2][64]float64
		for g0 := 0; g0 < rows; g0 += SumsGroupRows {
			clear(ps[0][:])
			clear(ps[1][:])
			clear(pq[0][:])
			clear(pq[1][:])
			for r := g0; r < min(rows, g0+SumsGroupRows); r++ {
				i := (r - g0) % 2
				for j := j0; j < j1; j++ {
					h := float64(x[r*c+j]) - a[j]
					if b != nil {
						h = float64(h * b[j])
					}
					if round {
						h = float64(float32(h))
					}
					ps[i][j-j0] += h
					pq[i][j-j0] = math.FMA(h, h, pq[i][j-j0])
				}
			}
			for j := j0; j < j1; j++ {
				s[j] += ps[0][j-j0] + ps[1][j-j0]
				q[j] += pq[0][j-j0] + pq[1][j-j0]
			}
		}
	}
}

// normApplyGo is NormApply's twin.
func normApplyGo(y, x []float32, scale, shift []float64) {
	c := len(scale)
	for r := 0; r+c <= len(x); r += c {
		xs, ys := x[r:r+c], y[r:r+c]
		for j, v := range xs {
			ys[j] = float32(v*float32(scale[j])) + float32(shift[j])
		}
	}
}

// normSumsRelu6Go is NormSumsRelu6's twin.
func normSumsRelu6Go(s, q, a, b []float64, x, dy, y []float32) {
	relu6GradGo(dy[:len(x)], y[:len(x)])
	normSumsGo(s, q, a, b, x, dy, true)
}

// normApplyRelu6Go is NormApplyRelu6's twin: relu6Go's min(max(v, 0), 6)
// on each value.
func normApplyRelu6Go(y, x []float32, scale, shift []float64) {
	normApplyGo(y, x, scale, shift)
	relu6Go(y[:len(x)], y[:len(x)])
}

// normGradGo is NormGrad's twin (round has no effect).
func normGradGo(dy, x []float32, a, b, k, m1, m2 []float64, round bool) {
	c := len(a)
	for r := 0; r+c <= len(x); r += c {
		xs, ds := x[r:r+c], dy[r:r+c]
		for j, v := range xs {
			ds[j] = gradOne(float64(ds[j]), float64(v), j, a, b, k, m1, m2)
		}
	}
}

// gradOne is the input gradient of one value d at x of channel j,
// k·((d - m1) - h·m2) with h = (x - a)·b, computed as k·d - (p·x + c0)
// with p = (k·m2)·b and c0 = k·m1 - p·a, each of c0, p·x + c0 and the
// result one fused multiply-add (as the assembly's gradConsts and
// gradCombine).
func gradOne(d, x float64, j int, a, b, k, m1, m2 []float64) float32 {
	p := k[j] * m2[j] * b[j]
	c0 := math.FMA(-p, a[j], k[j]*m1[j])
	return float32(math.FMA(k[j], d, -math.FMA(p, x, c0)))
}

// groupSumsGo adds to s[j] and q[j] Backward's sums of e and e·h, h =
// (x - a[j])·b[j] (at(i) gives e and x for value i = r·c + j), over
// groups of SumsGroupRows rows of c = len(s) channels from row 0, groups
// in order: per group the float64 sums S = Σe and X = Σe·x in row order
// (each product e·x of two float32 is exact in float64: fused or not,
// the same sum), then s[j] += S and q[j] += b[j]·(X - a[j]·S), each of
// the last two one fused multiply-add.
func groupSumsGo(s, q, a, b []float64, rows int, at func(i int) (e, x float32)) {
	c := len(s)
	for j0 := 0; j0 < c; j0 += 64 {
		j1 := min(c, j0+64)
		var ps, px [64]float64
		for g0 := 0; g0 < rows; g0 += SumsGroupRows {
			clear(ps[:])
			clear(px[:])
			for r := g0; r < min(rows, g0+SumsGroupRows); r++ {
				for j := j0; j < j1; j++ {
					e, x := at(r*c + j)
					ps[j-j0] += float64(e)
					px[j-j0] += float64(e) * float64(x)
				}
			}
			for j := j0; j < j1; j++ {
				s[j] += ps[j-j0]
				q[j] = math.FMA(b[j], math.FMA(-a[j], ps[j-j0], px[j-j0]), q[j])
			}
		}
	}
}
