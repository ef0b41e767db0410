//go:build !purego

package kernels

//go:generate go run -C _asm . -winograd -out ../winograd_amd64.s -stubs ../winograd_stub_amd64.go -pkg kernels

// avx512Winograd runs the transforms in AVX-512 (masked channel tails).
var avx512Winograd = &winogradImpl{
	name: "avx512",
	input: func(d *[16][]float32, step, tiles, c int, o []float32, stride int) {
		if tiles == 0 || c == 0 {
			return
		}
		var p [16]*float32
		for i := range d {
			_ = d[i][(tiles-1)*step+c-1]
			p[i] = &d[i][0]
		}
		_ = o[15*stride+tiles*c-1]
		winogradInputAVX512(&p[0], step, tiles, c, &o[0], stride)
	},
	output: func(m []float32, stride, tiles, f int, bias []float32, dst *[4][]float32, step int, relu bool) {
		if tiles == 0 || f == 0 {
			return
		}
		_ = m[15*stride+tiles*f-1]
		_ = bias[f-1]
		var p [4]*float32
		for k := range dst {
			_ = dst[k][(tiles-1)*step+f-1]
			p[k] = &dst[k][0]
		}
		winogradOutputAVX512(&m[0], stride, tiles, f, &bias[0], &p[0], step, relu)
	},
	gradOut: func(dy *[4][]float32, step, tiles, f int, o []float32, stride int) {
		if tiles == 0 || f == 0 {
			return
		}
		var p [4]*float32
		for k := range dy {
			_ = dy[k][(tiles-1)*step+f-1]
			p[k] = &dy[k][0]
		}
		_ = o[15*stride+tiles*f-1]
		winogradGradOutAVX512(&p[0], step, tiles, f, &o[0], stride)
	},
}

// wino is the fastest implementation this CPU supports.
var wino = supportedWinograd()[0]

// supportedWinograd lists the implementations this CPU can run, the
// fastest first; tests check each of them against the pure-Go one.
func supportedWinograd() []*winogradImpl {
	if hasAVX512BMI2 {
		return []*winogradImpl{avx512Winograd, goWinograd}
	}
	return []*winogradImpl{goWinograd}
}
