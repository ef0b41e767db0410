//go:build purego || !amd64

package kernels

// wino16On is false: this build has no vector passes (the three-tap or
// im2col paths run).
func wino16On() bool { return false }

var (
	wino16Input    = wino16InputGo
	wino16Products = wino16ProductsGo
	wino16Output   = wino16OutputGo
)

var (
	wino16GradProducts = wino16GradProductsGo
	wino16GradWeights  = wino16GradWeightsGo
)
