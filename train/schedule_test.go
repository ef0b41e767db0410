package train

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cnnscope/cnnscope/optim"
)

// TestSchedules compares each schedule at known points with Keras'
// formulas, evaluated by hand (values from Python's math module).
func TestSchedules(t *testing.T) {
	cos := CosineDecay(0.1, 100, 0)
	for _, tc := range []struct {
		name string
		s    Schedule
		at   map[int]float64
	}{
		// initial * factor^floor(t/dropEvery)
		{"StepDecay", StepDecay(0.1, 10, 0.5), map[int]float64{0: 0.1, 9: 0.1, 10: 0.05, 25: 0.025, 30: 0.0125}},
		// initial * rate^(t/decaySteps)
		{"ExponentialDecay", ExponentialDecay(0.1, 100, 0.96, false), map[int]float64{
			0: 0.1, 50: 0.09797958971132713, 100: 0.096, 250: 0.09029798987795908}},
		{"ExponentialDecay staircase", ExponentialDecay(0.1, 100, 0.96, true), map[int]float64{
			50: 0.1, 150: 0.096, 199: 0.096, 200: 0.09216}},
		// initial * ((1-alpha) * 0.5 * (1 + cos(pi*min(t,d)/d)) + alpha)
		{"CosineDecay", cos, map[int]float64{0: 0.1, 25: 0.08535533905932738, 50: 0.05, 100: 0, 150: 0}},
		{"CosineDecay alpha", CosineDecay(0.1, 100, 0.1), map[int]float64{
			0: 0.1, 25: 0.08681980515339464, 50: 0.055, 100: 0.01, 200: 0.01}},
		// Keras' CosineDecay(0, 100, warmup_target=0.1, warmup_steps=10).
		{"WarmUp cosine", WarmUp(0, 10, cos), map[int]float64{0: 0, 5: 0.05, 10: 0.1, 35: 0.08535533905932738, 60: 0.05, 110: 0, 500: 0}},
		{"WarmUp step", WarmUp(0.01, 4, StepDecay(0.1, 2, 0.5)), map[int]float64{0: 0.01, 2: 0.055, 4: 0.1, 5: 0.1, 6: 0.05}},
	} {
		for at, want := range tc.at {
			if got := tc.s(at); !closeTo(got, want) {
				t.Errorf("%s(%d) = %v, want %v", tc.name, at, got, want)
			}
		}
	}
}

func TestSchedulePanicsOnZeroSteps(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "dropEvery must be positive") {
			t.Errorf("recovered %v", r)
		}
	}()
	StepDecay(0.1, 0, 0.5)
}

// TestLearningRateSchedulerKerasExample is the example of Keras'
// LearningRateScheduler docs: constant for 10 epochs, then lr*exp(-0.1)
// per epoch; after 15 epochs round(lr, 5) is 0.00607.
func TestLearningRateSchedulerKerasExample(t *testing.T) {
	s := fakeState(t, 0.01)
	c := &LearningRateScheduler{Schedule: func(epoch int, lr float64) float64 {
		if epoch < 10 {
			return lr
		}
		return lr * math.Exp(-0.1)
	}}
	runEpochs(t, s, c, "val_loss", make([]float64, 15))
	lr := s.Optimizer.LearningRate()
	if math.Round(lr*1e5)/1e5 != 0.00607 || !closeTo(lr, 0.006065306597126332) {
		t.Errorf("lr after 15 epochs %v, want 0.01*exp(-0.5)", lr)
	}
}

// TestScheduleFit uses the same schedule per epoch (callback) and per
// step (optim.Config.Schedule) in real fits of 6 steps per epoch.
func TestScheduleFit(t *testing.T) {
	h, err := fitTiny(t, tinyModel(t), 5, optim.NewSGD(optim.Config{LearningRate: 1}, 0, false),
		NewLearningRateScheduler(StepDecay(0.1, 2, 0.5)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.Series("lr"), []float64{0.1, 0.1, 0.05, 0.05, 0.025}; !slices.Equal(got, want) {
		t.Errorf("per epoch: lr %v, want %v", got, want)
	}

	opt := optim.NewSGD(optim.Config{Schedule: StepDecay(0.1, 6, 0.5)}, 0, false)
	h, err = fitTiny(t, tinyModel(t), 3, opt)
	if err != nil {
		t.Fatal(err)
	}
	// Fit logs the rate of the next step: iteration 6, 12, 18.
	if got, want := h.Series("lr"), []float64{0.05, 0.025, 0.0125}; !slices.Equal(got, want) {
		t.Errorf("per step: lr %v, want %v", got, want)
	}
	// The callback cannot set a rate that a per-step schedule drives.
	_, err = fitTiny(t, tinyModel(t), 1, optim.NewSGD(optim.Config{Schedule: StepDecay(0.1, 6, 0.5)}, 0, false),
		NewLearningRateScheduler(StepDecay(0.1, 2, 0.5)))
	if err == nil || !strings.Contains(err.Error(), "per-step schedule") {
		t.Errorf("callback over a per-step schedule: %v", err)
	}
}

func TestLearningRateSchedulerErrors(t *testing.T) {
	s := fakeState(t, 0.1)
	if err := (&LearningRateScheduler{}).TrainBegin(s); err == nil {
		t.Error("no schedule accepted")
	}
	c := NewLearningRateScheduler(func(int) float64 { return math.NaN() })
	if err := c.EpochBegin(s, 2); err == nil || !strings.Contains(err.Error(), "gave NaN for epoch 3") {
		t.Errorf("NaN rate: %v", err)
	}
}
