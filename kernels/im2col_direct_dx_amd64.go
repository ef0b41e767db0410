//go:build !purego

package kernels

//go:generate go run -C _asm . -convdx -out ../convdx_amd64.s -stubs ../convdx_stub_amd64.go -pkg kernels

// dxKernelFor is the dxKernel for c channels: the AVX-512 one
// (convDxAVX512) where SGEMM runs its AVX-512 kernels and c is a multiple
// of 16, else convDxGo.
func dxKernelFor(c int) dxKernel {
	if dxKernelIsVector(c) {
		return convDxAVX512
	}
	return convDxGo
}

// dxKernelIsVector reports whether dxKernelFor(c) is the AVX-512 kernel.
func dxKernelIsVector(c int) bool { return bestKernel == avx512Kernel && c%16 == 0 }

// convDxAVX512 is the dxKernel in AVX-512 (convDxTaps<r>x16AVX512): 16
// channels at a time, rows in calls of as even a number of rows as 12
// allow (30 as 10+10+10). width is a multiple of 16.
func convDxAVX512(rows, taps int, offs []int, a []float32, rsA int, b []float32, ldb, kc int, c []float32, ldc, width int, _ []float32) {
	if rows <= 0 || width <= 0 {
		return
	}
	if width%16 != 0 || kc < 1 || len(offs) < 2*taps {
		panic("kernels: convDxAVX512 on a width not a multiple of 16")
	}
	_ = c[(rows-1)*ldc+width-1]
	for t := 0; t < taps; t++ {
		_ = a[offs[2*t]+(rows-1)*rsA+kc-1]
		_ = b[offs[2*t+1]+(kc-1)*ldb+width-1]
		if offs[2*t] < 0 || offs[2*t+1] < 0 {
			panic("kernels: convDxAVX512 offset out of range")
		}
	}
	op := &noTaps[0]
	if taps > 0 {
		op = &offs[0]
	}
	calls := ceilDiv(rows, 12)
	for call, i := 0, 0; call < calls; call++ {
		n := (call+1)*rows/calls - call*rows/calls
		for j := 0; j < width; j += 16 {
			convDxRowsAVX512[n](taps, op, &a[i*rsA], rsA, &b[j], ldb, kc, &c[i*ldc+j], ldc)
		}
		i += n
	}
}

// noTaps is convDxAVX512's offsets when there are no taps (never read).
var noTaps [2]int

// convDxRowsAVX512[r] computes r rows.
var convDxRowsAVX512 = [13]func(taps int, offs *int, a *float32, rsA int, b *float32, ldb, kc int, c *float32, ldc int){
	1: convDxTaps1x16AVX512, 2: convDxTaps2x16AVX512, 3: convDxTaps3x16AVX512, 4: convDxTaps4x16AVX512,
	5: convDxTaps5x16AVX512, 6: convDxTaps6x16AVX512, 7: convDxTaps7x16AVX512, 8: convDxTaps8x16AVX512,
	9: convDxTaps9x16AVX512, 10: convDxTaps10x16AVX512, 11: convDxTaps11x16AVX512, 12: convDxTaps12x16AVX512,
}
