//go:build purego || !amd64

package kernels

// wino16On is false: this build has no vector passes (the three-tap or
// im2col paths run).
func wino16On() bool { return false }

// The passes are their Go twins (functions, not variables: a call through
// a variable would move the rows that go by pointer to the heap).

func wino16Input(rows *[4][]float32, tiles int, v []float32, vstride int, pf *[2][]float32) {
	wino16InputGo(rows, tiles, v, vstride, pf)
}

func wino16Output(m []float32, vstride, tiles int, y0, y1, bias []float32, pf *[2][]float32) {
	wino16OutputGo(m, vstride, tiles, y0, y1, bias, pf)
}

func wino16GradProducts(tiles int, v, d0, d1 []float32, vstride int, s []float32, pf *[2][]float32) {
	wino16GradProductsGo(tiles, v, d0, d1, vstride, s, pf)
}

var (
	wino16Products    = wino16ProductsGo
	wino16GradWeights = wino16GradWeightsGo
)
