package kernels

// The pure-Go twins of the depthwise kernels, over channels [c0, c). The
// assembly (depthwise_amd64.s) computes the same sums in the same order,
// each product rounded to float32 before it is added (the conversions
// keep the compiler from fusing a multiply-add), so the bits agree.

var goDepthwise = &depthwiseImpl{
	name: "go",
	taps: func(y, x, k, init []float32, off []int, n, c, ys, xs int, relu6 bool) {
		dwTapsGo(y, x, k, init, off, n, 0, c, ys, xs, relu6)
	},
	gradK: func(dk, x, dz []float32, off []int, n, c, xs, zs int) {
		dwGradKGo(dk, x, dz, off, n, 0, c, xs, zs)
	},
}

// dwTapsGo adds to each of n pixels (pixel j's channel i is y[j*ys+i])
// its taps, in order: y[j*ys+i] += x[off[2t]+j*xs+i] * k[off[2t+1]+i],
// after setting y[j*ys+i] = init[i] unless init is nil; with relu6 it
// then applies relu6Go to the pixel's channels.
func dwTapsGo(y, x, k, init []float32, off []int, n, c0, c, ys, xs int, relu6 bool) {
	for j := range n {
		yj := y[j*ys+c0 : j*ys+c]
		if init != nil {
			copy(yj, init[c0:c])
		}
		for t := 0; t < len(off); t += 2 {
			xt := x[off[t]+j*xs+c0 : off[t]+j*xs+c]
			kt, yt := k[off[t+1]+c0 : off[t+1]+c][:len(xt)], yj[:len(xt)]
			for i, v := range xt {
				yt[i] += float32(v * kt[i])
			}
		}
		if relu6 {
			relu6Go(yj, yj)
		}
	}
}

// dwGradKGo adds to each tap's kernel gradient its n pixels, in order:
// dk[off[2t+1]+i] += x[off[2t]+j*xs+i] * dz[j*zs+i]. The pixels are the
// outer loop here and the inner one in the assembly (which keeps each sum
// in a register); either way every sum grows in pixel order.
func dwGradKGo(dk, x, dz []float32, off []int, n, c0, c, xs, zs int) {
	for j := range n {
		zj := dz[j*zs+c0 : j*zs+c]
		for t := 0; t < len(off); t += 2 {
			xt := x[off[t]+j*xs+c0 : off[t]+j*xs+c]
			dt, zt := dk[off[t+1]+c0 : off[t+1]+c][:len(xt)], zj[:len(xt)]
			for i, v := range xt {
				dt[i] += float32(v * zt[i])
			}
		}
	}
}
