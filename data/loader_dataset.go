package data

// Dataset is the dataset the loader reads its batches from (for checks of
// image size and classes before a fit starts).
func (l *Loader) Dataset() *Dataset { return l.ds }
