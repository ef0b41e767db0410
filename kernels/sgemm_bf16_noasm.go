//go:build purego || !amd64

package kernels

// Without assembly SgemmBF16 runs its pure-Go twins.
const bf16Native = false

func bf16Kernels(nr int) bf16KernelFunc { return bf16KernelGo(nr) }

func bf16RowAsm([]uint32, []float32)              { panic("kernels: no bf16 assembly in this build") }
func bf16PairsAsm([]uint32, []float32, []float32) { panic("kernels: no bf16 assembly in this build") }
