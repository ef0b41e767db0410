package main

// intFlag is an integer flag's name, value and smallest allowed value.
type intFlag struct {
	name     string
	val, min int
}

// firstBelow is a usage error naming the first flag below its minimum
// ("--batch 0: want 1 or more"); nil when none is.
func firstBelow(flags ...intFlag) error {
	for _, f := range flags {
		if f.val < f.min {
			return usagef("--%s %d: want %d or more", f.name, f.val, f.min)
		}
	}
	return nil
}
