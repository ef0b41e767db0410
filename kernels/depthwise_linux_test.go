package kernels

import (
	"math/rand/v2"
	"syscall"
	"testing"
)

// TestDepthwiseNoReadPastEnd runs every implementation with each tensor
// ending where an inaccessible page begins, one tensor at a time: a
// kernel that reads past the last channel (the masked AVX-512 tail) or
// past the last pixel faults.
func TestDepthwiseNoReadPastEnd(t *testing.T) {
	atEnd := guardedCopy(t, syscall.Getpagesize()/4) // one readable page, then an inaccessible one
	rng := rand.New(rand.NewPCG(11, 5))
	for _, g := range []ConvGeom{dwGeom(1, 5, 4, 17, 3, 3, 1, 1, true), dwGeom(1, 7, 7, 13, 3, 3, 2, 2, false), dwGeom(1, 3, 3, 3, 3, 3, 1, 1, true)} {
		c := newDwCase(rng, g)
		for _, impl := range supportedDepthwise() {
			for which := range 7 {
				v := [7][]float32{c.x, c.k, make([]float32, c.ny), c.dz, make([]float32, c.nk), make([]float32, c.nx), normals(rng, g.C)}
				v[which] = atEnd(v[which])
				depthwiseForwardWith(impl, g, v[0], v[1], nil, false, v[2], nil, false)
				depthwiseForwardWith(impl, g, v[0], v[1], v[6], true, v[2], nil, true) // starting from the bias (v[6])
				depthwiseBackwardWith(impl, g, v[0], v[1], v[3], v[4], v[5], make([]float32, c.nk))
			}
		}
	}
}
