package train

import (
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/cnnscope/cnnscope/data"
	"github.com/cnnscope/cnnscope/nn"
	"github.com/cnnscope/cnnscope/spec"
)

// Prepared is a run's data: the training images split into training and
// validation indices, the test set, the fitted preprocessing and the
// class weights.
type Prepared struct {
	Train            *data.Dataset
	TrainIdx, ValIdx []int
	Test             *data.Dataset // nil when there is none
	Classes          []string
	Preprocess       *data.Preprocess
	ClassWeights     []float64 // nil: none
	Counts           []int     // per-class counts of the training split
	// Notes are choices made about the data the user should know of (a
	// train/test folder layout recognized, a stratified --limit).
	Notes []string
	// valFrom, when >= 0, is the first index of Train that came from a
	// separate validation folder (the images from there on are ValIdx).
	valFrom int
}

// PrepareData loads and splits the data a spec.Data describes (after
// Defaults) and fits the preprocessing on the training split only.
func PrepareData(ds spec.Data, seed uint64) (*Prepared, error) {
	p := Prepared{valFrom: -1}
	var err error
	if slices.Contains(data.Builtins, ds.Source) {
		if p.Train, err = data.LoadBuiltin(ds.Source, "train"); err != nil {
			return nil, err
		}
		if p.Test, err = data.LoadBuiltin(ds.Source, "test"); err != nil {
			return nil, err
		}
	} else {
		if ds.Source == "" {
			return nil, fmt.Errorf("data.source: empty; want mnist, fashion-mnist or a folder of class folders")
		}
		if st, err := os.Stat(ds.Source); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("data.source %q: not %s and not a folder of class folders", ds.Source, "mnist or fashion-mnist")
		}
		if err := p.loadFolders(ds); err != nil {
			return nil, err
		}
	}
	p.Classes = p.Train.Classes
	if len(p.Classes) < 2 {
		return nil, fmt.Errorf("data %s: %d class(es); a classifier needs at least 2", ds.Source, len(p.Classes))
	}
	all := make([]int, p.Train.Len())
	for i := range all {
		all[i] = i
	}
	if p.valFrom >= 0 {
		all, p.ValIdx = all[:p.valFrom], all[p.valFrom:]
	}
	if ds.Limit > 0 && ds.Limit < len(all) {
		all = data.LimitStratified(p.Train.Labels, all, ds.Limit, seed)
		p.Notes = append(p.Notes, fmt.Sprintf("limit: %d of %d training images, drawn at random per class (seed %d)", ds.Limit, p.Train.Len()-len(p.ValIdx), seed))
	}
	split := 0.0
	if ds.ValidationSplit != nil && p.valFrom < 0 {
		split = *ds.ValidationSplit
	}
	if p.valFrom >= 0 {
		p.TrainIdx = all
	} else if split > 0 {
		if p.TrainIdx, p.ValIdx, err = data.SplitStratified(p.Train.Labels, all, split, seed); err != nil {
			return nil, err
		}
	} else {
		p.TrainIdx = all
	}
	pp := data.Preprocess{}
	if ds.Preprocessing != nil {
		pp = *ds.Preprocessing
	}
	// Statistics given (a pre-trained model's) are kept, not refitted.
	if len(pp.Mean) == 0 && len(pp.Std) == 0 {
		if err := pp.Fit(p.Train, p.TrainIdx); err != nil {
			return nil, err
		}
	} else if err := pp.Check(p.Train.Channels); err != nil {
		return nil, fmt.Errorf("data.preprocessing: %w", err)
	}
	p.Preprocess = &pp
	p.Counts = data.CountClasses(p.Train.Labels, p.TrainIdx, len(p.Classes))
	switch ds.ClassWeight.Mode {
	case "balanced":
		sub := make([]int32, len(p.TrainIdx))
		for i, j := range p.TrainIdx {
			sub[i] = p.Train.Labels[j]
		}
		p.ClassWeights = data.ClassWeightsBalanced(sub, len(p.Classes))
	case "map":
		if p.ClassWeights, err = data.ClassWeightsFromMap(ds.ClassWeight.Map, p.Classes); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

// Resolve writes into ds what the load detected and ds left unset: a
// folder source's target size and color mode, so that the spec a run
// keeps loads the same images again (a folder that gains images of
// another size or mode would otherwise change them).
func (p *Prepared) Resolve(ds *spec.Data) {
	if slices.Contains(data.Builtins, ds.Source) {
		return
	}
	if ds.TargetSize == nil {
		ds.TargetSize = []int{p.Train.Height, p.Train.Width}
	}
	if ds.ColorMode == "" {
		ds.ColorMode = string(data.ColorModeOf(p.Train.Channels))
	}
}

// loadFolders loads a folder source: DIR/<class>/..., or the split
// layout DIR/train, DIR/test and DIR/val (or validation), each holding
// class folders, which is recognized and said. Test and validation
// folders are loaded with the training classes, size and color mode.
func (p *Prepared) loadFolders(ds spec.Data) error {
	opts := data.FolderOptions{ColorMode: data.ColorMode(ds.ColorMode), Interpolation: data.Interpolation(ds.Interpolation), Strict: ds.Strict}
	if len(ds.TargetSize) == 2 {
		opts.Height, opts.Width = ds.TargetSize[0], ds.TargetSize[1]
	}
	trainDir, testDir := ds.Source, ds.Test
	splits, layout := data.FindSplits(ds.Source)
	if layout {
		trainDir = splits.Train
		if testDir == "" {
			testDir = splits.Test
		} else {
			splits.Test = testDir
		}
		note := fmt.Sprintf("%s holds split folders: %s", data.DisplayPath(ds.Source), splits)
		if splits.Validation != "" && ds.ValidationSplit != nil && *ds.ValidationSplit > 0 {
			note += fmt.Sprintf(" (instead of a validation split of %v)", *ds.ValidationSplit)
		}
		p.Notes = append(p.Notes, note)
	}
	var err error
	if p.Train, err = data.LoadFolder(trainDir, opts); err != nil {
		return err
	}
	opts.Height, opts.Width, opts.Classes = p.Train.Height, p.Train.Width, p.Train.Classes
	opts.ColorMode = data.ColorModeOf(p.Train.Channels)
	if layout && splits.Validation != "" {
		val, err := data.LoadFolder(splits.Validation, opts)
		if err != nil {
			return err
		}
		p.valFrom = p.Train.Len()
		merged, err := data.Concat(p.Train, val)
		p.Train.Close()
		val.Close()
		if err != nil {
			return err
		}
		p.Train = merged
	}
	if testDir != "" {
		if p.Test, err = data.LoadFolder(testDir, opts); err != nil {
			return err
		}
	}
	return nil
}

// Loaders returns the training, validation and test loaders (validation
// and test may be nil).
func (p *Prepared) Loaders(ds spec.Data, fit spec.Fit, seed uint64) (tr, val, test *data.Loader, err error) {
	tr, err = data.NewTrainLoader(p.Train, p.TrainIdx, data.TrainConfig{
		BatchSize: fit.BatchSize, Seed: seed, NoShuffle: fit.NoShuffle, Augment: ds.Augmentation,
		Preprocess: p.Preprocess, ClassWeights: p.ClassWeights, Sampling: data.Sampling(samplingOf(ds.Sampling)),
	})
	if err != nil {
		return nil, nil, nil, err
	}
	evalBatch := nn.EvalBatch(fit.BatchSize, p.Train.Height*p.Train.Width*p.Train.Channels)
	if len(p.ValIdx) > 0 {
		if val, err = data.NewEvalLoader(p.Train, p.ValIdx, data.EvalConfig{BatchSize: evalBatch, Preprocess: p.Preprocess}); err != nil {
			return nil, nil, nil, err
		}
	}
	if p.Test != nil {
		if test, err = data.NewEvalLoader(p.Test, nil, data.EvalConfig{BatchSize: evalBatch, Preprocess: p.Preprocess}); err != nil {
			return nil, nil, nil, err
		}
	}
	return tr, val, test, nil
}

func samplingOf(s string) string {
	if s == "none" {
		return ""
	}
	return s
}

// WriteSummary prints the data summary shown before training: sizes,
// skipped files and the per-class count table. source and test are the
// spec's data.source and data.test ("" when the test images come with
// the source).
func (p *Prepared) WriteSummary(w io.Writer, source, test string) error {
	fmt.Fprintf(w, "Data %s: %d training, %d validation", source, len(p.TrainIdx), len(p.ValIdx))
	if p.Test != nil {
		fmt.Fprintf(w, ", %d test", p.Test.Len())
	}
	fmt.Fprintf(w, " images of %dx%dx%d, %d classes\n", p.Train.Height, p.Train.Width, p.Train.Channels, len(p.Classes))
	for _, n := range p.Notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
	for _, d := range []*data.Dataset{p.Train, p.Test} {
		if d == nil {
			continue
		}
		for _, n := range d.Notes {
			fmt.Fprintf(w, "Note: %s\n", n)
		}
		for _, wn := range d.Warnings {
			fmt.Fprintf(w, "Warning: %s\n", wn)
		}
		src := source
		if d == p.Test && test != "" {
			src = test
		}
		data.WriteSkipped(w, src, d.Skipped, d.Len())
	}
	return data.WriteCountTable(w, p.Classes, p.Counts, p.ClassWeights)
}
