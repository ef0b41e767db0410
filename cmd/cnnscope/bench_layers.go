package main

import (
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/cnnscope/cnnscope/kernels"
	"github.com/cnnscope/cnnscope/nn"
)

// layerTimer is a model that times its layers (nn.Sequential, nn.Graph).
type layerTimer interface {
	TimeLayers(on bool)
	LayerTimes() []nn.LayerTime
}

// benchLayer is one layer's row of bench --layers: wall ms per training
// step (forward, backward) and per inference call, and the rates of its
// direct-method multiply-adds ×2 (0 for layers without a kernel).
type benchLayer struct {
	Name        string  `json:"name"`
	Type        string  `json:"type"`
	TrainFwdMs  float64 `json:"train_forward_ms"`
	TrainBwdMs  float64 `json:"train_backward_ms"`
	TrainGFLOPs float64 `json:"train_gflop_per_s"`
	InferMs     float64 `json:"infer_ms"`
	InferGFLOPs float64 `json:"infer_gflop_per_s"`
	Large3x3    bool    `json:"large_3x3,omitempty"` // one of the convolutions benchConvs sums
}

// benchConvs sums the large 3×3 convolutions' rows (3×3 kernels, at least
// bigConvChannels input channels and filters): issue 12's bar is 60% of
// the FMA peak on them.
type benchConvs struct {
	Layers        int     `json:"layers"`
	TrainMs       float64 `json:"train_ms"`
	TrainGFLOPs   float64 `json:"train_gflop_per_s"`
	TrainPctPeak  float64 `json:"train_pct_of_peak"`
	InferMs       float64 `json:"infer_ms"`
	InferGFLOPs   float64 `json:"infer_gflop_per_s"`
	InferPctPeak  float64 `json:"infer_pct_of_peak"`
	MinChannelsIn int     `json:"min_channels"`
}

// bigConvChannels: from 32 channels in and out a 3×3 convolution is
// large (vgg-small's layers after its first; nn runs them as Winograd).
const bigConvChannels = 32

// measurePeak measures the FMA peak on the bench's threads in the same
// process and run as the layers, for a second (less when the whole bench
// is to take under 4 s).
func measurePeak(r *benchResult, seconds float64) {
	d := min(time.Second, time.Duration(seconds/4*float64(time.Second)))
	r.FMAPeak, r.FMAPeakISA = kernels.FMAPeak(runtime.GOMAXPROCS(0), d)
}

// layerRows joins the training and inference totals of each layer into
// per-step rows, and sums the large 3×3 convolutions.
func layerRows(train, infer []nn.LayerTime, trainSteps, inferCalls int, peak float64) ([]benchLayer, *benchConvs) {
	rows := make([]benchLayer, len(train))
	var cv benchConvs
	var trainFLOP, inferFLOP float64
	rate := func(flop float64, d time.Duration) float64 {
		if flop == 0 || d <= 0 {
			return 0
		}
		return flop / d.Seconds() / 1e9
	}
	for i, t := range train {
		in := infer[i]
		rows[i] = benchLayer{Name: t.Layer, Type: t.Type,
			TrainFwdMs:  ms(t.Forward) / float64(trainSteps),
			TrainBwdMs:  ms(t.Backward) / float64(trainSteps),
			TrainGFLOPs: rate(t.ForwardFLOP+t.BackwardFLOP, t.Forward+t.Backward),
			InferMs:     ms(in.Forward) / float64(inferCalls),
			InferGFLOPs: rate(in.ForwardFLOP, in.Forward),
		}
		if t.KernelSize == [2]int{3, 3} && t.InChannels >= bigConvChannels && t.Filters >= bigConvChannels {
			rows[i].Large3x3 = true
			cv.Layers++
			cv.TrainMs += rows[i].TrainFwdMs + rows[i].TrainBwdMs
			cv.InferMs += rows[i].InferMs
			trainFLOP += (t.ForwardFLOP + t.BackwardFLOP) / float64(trainSteps)
			inferFLOP += in.ForwardFLOP / float64(inferCalls)
		}
	}
	if cv.Layers == 0 {
		return rows, nil
	}
	cv.MinChannelsIn = bigConvChannels
	cv.TrainGFLOPs = rate(trainFLOP, time.Duration(cv.TrainMs*1e6))
	cv.InferGFLOPs = rate(inferFLOP, time.Duration(cv.InferMs*1e6))
	if peak > 0 {
		cv.TrainPctPeak, cv.InferPctPeak = 100*cv.TrainGFLOPs/peak, 100*cv.InferGFLOPs/peak
	}
	return rows, &cv
}

func ms(d time.Duration) float64 { return d.Seconds() * 1000 }

// printLayers writes bench --layers' table: per layer, training ms per
// step (forward, backward) and GFLOP/s, inference ms per call and
// GFLOP/s, with % of the FMA peak measured in the same run; then the rest
// of a training step (loss, optimizer) and the large 3×3 convolutions' sums.
func printLayers(w io.Writer, r benchResult) error {
	fmt.Fprintf(w, "FMA peak: %.1f GFLOP/s (%s, %d threads, measured in this run)\n", r.FMAPeak, orNA(r.FMAPeakISA), r.Threads)
	width := len("(loss, optimizer, rest of a step)")
	for _, l := range r.Layers {
		width = max(width, len(l.Name)+len(l.Type)+3)
	}
	fmt.Fprintf(w, "%-*s %9s %9s %16s %9s %16s\n", width, "Layer (type)", "train fwd", "bwd ms", "GFLOP/s (peak)", "infer ms", "GFLOP/s (peak)")
	sum := 0.0
	for _, l := range r.Layers {
		sum += l.TrainFwdMs + l.TrainBwdMs
		fmt.Fprintf(w, "%-*s %9.2f %9.2f %16s %9.2f %16s\n", width, l.Name+" ("+l.Type+")", l.TrainFwdMs, l.TrainBwdMs,
			rateOfPeak(l.TrainGFLOPs, r.FMAPeak), l.InferMs, rateOfPeak(l.InferGFLOPs, r.FMAPeak))
	}
	fmt.Fprintf(w, "%-*s %9.2f\n", width, "(loss, optimizer, rest of a step)", r.TrainStepMillisec-sum)
	if c := r.Conv3x3; c != nil {
		fmt.Fprintf(w, "3x3 convolutions from %d channels (%d layers): train %.2f ms/step, %s GFLOP/s; infer %.2f ms/call, %s GFLOP/s\n",
			c.MinChannelsIn, c.Layers, c.TrainMs, rateOfPeak(c.TrainGFLOPs, r.FMAPeak), c.InferMs, rateOfPeak(c.InferGFLOPs, r.FMAPeak))
	}
	_, err := fmt.Fprintf(w, "(ms: wall time per training step / inference call; GFLOP/s: direct-method multiply-adds x2, whatever algorithm ran; (%%): of the FMA peak)\n")
	return err
}

// rateOfPeak prints a rate with its share of the peak: "155.1 (97%)", "-"
// for none.
func rateOfPeak(g, peak float64) string {
	switch {
	case g == 0:
		return "-"
	case peak > 0:
		return fmt.Sprintf("%.1f (%.0f%%)", g, 100*g/peak)
	}
	return fmt.Sprintf("%.1f", g)
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}
