// Command messyfolder writes the messy-folder fixture set (internal/messy)
// into a folder, e.g. to look at it or to remake the PIL golden file:
//
//	go run ./scripts/messyfolder /tmp/messy
//	/usr/bin/python3 scripts/pil_golden.py /tmp/messy > data/testdata/pil_golden.json
package main

import (
	"fmt"
	"os"

	"github.com/cnnscope/cnnscope/internal/messy"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: messyfolder DIR")
		os.Exit(2)
	}
	if err := messy.Write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
