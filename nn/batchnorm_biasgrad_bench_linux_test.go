package nn

import (
	"testing"

	"github.com/cnnscope/cnnscope/tensor"
)

// BenchmarkConvBiasFromBN interleaves resnet-20 training steps
// (32×32×3, batch 32) of two copies: A whose 3×3 convolutions take their
// bias gradient from the BatchNormalization after them
// (batchnorm_biasgrad.go), B whose convolutions sum it over dz
// (dz.off); it reports each copy's median process CPU and wall ms per
// step and the median of B's less A's in the same round.
//
//	go test ./nn -run '^$' -bench ConvBiasFromBN -benchtime 1x -cpu 2
func BenchmarkConvBiasFromBN(b *testing.B) {
	in := tensor.Shape{32, 32, 3}
	var ms []Model
	for i := range 2 {
		g := ResNet20(in, 10)
		if err := g.Build(1); err != nil {
			b.Fatal(err)
		}
		for _, l := range fdLayers[*BatchNormalization](g) {
			l.dz.off = i == 1
		}
		ms = append(ms, g)
	}
	cpu, wall := abTrainSteps(b, ms, in, true)
	b.ReportMetric(medianMs(roundDiffs(cpu[1], cpu[0])), "B-A-cpu-ms")
	b.ReportMetric(medianMs(roundDiffs(wall[1], wall[0])), "B-A-wall-ms")
	for i, ab := range []string{"A-", "B-"} {
		b.ReportMetric(medianMs(cpu[i]), ab+"step-cpu-ms")
		b.ReportMetric(medianMs(wall[i]), ab+"step-wall-ms")
	}
}
