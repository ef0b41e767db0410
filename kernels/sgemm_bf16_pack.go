package kernels

// Packing for SgemmBF16: fp32 operands rounded to bf16 pairs of
// consecutive k (element 2q in a dword's low half, 2q+1 in its high half,
// a zero partner after an odd k's last element), the layouts its kernels
// read.

// packA converts rows [i0, i0+rows) of op(A), pairs [q0, q0+kql), into
// dst, rows padded with zeros to padded, and returns the strides of pair
// (i, q) in it: row-major (kql apart) for A, pair-major (padded apart)
// for a transposed A, whose two rows of a pair are converted together.
func (g *bf16Gemm) packA(dst []uint32, i0, rows, padded, q0, kql int) (rsA, csA int) {
	dst = dst[:padded*kql]
	if !g.transA {
		p0, p1 := 2*q0, min(2*(q0+kql), g.k)
		for r := 0; r < rows; r++ {
			row := g.a[(i0+r)*g.lda:]
			bf16Row(dst[r*kql:(r+1)*kql], row[p0:p1])
		}
		clear(dst[rows*kql:])
		return kql, 1
	}
	for q := 0; q < kql; q++ {
		d := dst[q*padded : (q+1)*padded]
		p := 2 * (q0 + q)
		bf16Rows(d[:rows], g.a[p*g.lda+i0:p*g.lda+i0+rows], g.a, p+1 < g.k, (p+1)*g.lda+i0)
		clear(d[rows:])
	}
	return 1, padded
}

// packBF16B converts op(B) (k×n) into dst: kq rows of np pairs, columns
// from n on zero.
func packBF16B(dst []uint32, b []float32, ldb int, transB bool, k, n, np int) {
	kq := (k + 1) / 2
	if transB {
		// op(B)(p, j) = B[j*ldb+p]: row j of B is column j of op(B).
		for j := 0; j < n; j++ {
			row := b[j*ldb : j*ldb+k]
			for q := 0; q < kq; q++ {
				var hi float32
				if 2*q+1 < k {
					hi = row[2*q+1]
				}
				dst[q*np+j] = bf16Pair(row[2*q], hi)
			}
		}
	} else {
		for q := 0; q < kq; q++ {
			p := 2 * q
			bf16Rows(dst[q*np:q*np+n], b[p*ldb:p*ldb+n], b, p+1 < k, (p+1)*ldb)
		}
	}
	for q := 0; q < kq; q++ {
		clear(dst[q*np+n : (q+1)*np])
	}
}

// bf16Rows sets d[j] = pair (r0[j], x[off+j]) for j < len(r0), or
// (r0[j], 0) when !second (an odd k's last pair).
func bf16Rows(d []uint32, r0 []float32, x []float32, second bool, off int) {
	n := len(r0)
	if !second {
		for j, v := range r0 {
			d[j] = uint32(bf16Round(v))
		}
		return
	}
	r1 := x[off : off+n]
	v := n &^ 15
	if bf16Native && v > 0 {
		bf16PairsAsm(d[:v], r0[:v], r1[:v])
	}
	if !bf16Native {
		v = 0
	}
	bf16PairsGo(d[v:n], r0[v:], r1[v:])
}

// bf16Row sets d[q] = pair (src[2q], src[2q+1]), the last partner zero
// when len(src) is odd; len(d) = ceil(len(src)/2).
func bf16Row(d []uint32, src []float32) {
	v := 0
	if bf16Native {
		v = len(src) &^ 31
		if v > 0 {
			bf16RowAsm(d[:v/2], src[:v])
		}
	}
	bf16RowGo(d[v/2:], src[v:])
	if len(src)%2 == 1 {
		d[len(d)-1] = uint32(bf16Round(src[len(src)-1]))
	}
}
