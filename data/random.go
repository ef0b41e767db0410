package data

import (
	"math/rand/v2"
	"strconv"
)

// Random returns n images of h×w×c uniform noise labelled round-robin with
// classes classes ("0", "1", ...), from seed: data with nothing to learn,
// for benchmarks and smoke tests of the training machinery.
func Random(n, h, w, c, classes int, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	ds := &Dataset{Height: h, Width: w, Channels: c, Pixels: make([]uint8, n*h*w*c)}
	for k := 0; k < classes; k++ {
		ds.Classes = append(ds.Classes, strconv.Itoa(k))
	}
	for i := range ds.Pixels {
		ds.Pixels[i] = uint8(rng.IntN(256))
	}
	for i := 0; i < n; i++ {
		ds.Labels = append(ds.Labels, int32(i%classes))
		ds.Sources = append(ds.Sources, "random#"+strconv.Itoa(i))
	}
	return ds
}
