package kernels

// gemmDriver runs the blocked, packed algorithm (GotoBLAS/BLIS style) for
// one problem C = alpha*op(A)*op(B) + beta*C, or for one k-chunk of it.
//
// Loops, outermost first:
//
//	column chunk of B panels (bounded so that packed B stays a few MB)
//	  pack what must be packed of op(B) in the chunk, per k-block
//	  task = (block of mr-row panels) × (block of nr-column panels)
//	    k-block of about kern.kc  (beta applied on the first only)
//	      pack what must be packed of the task's A panels
//	      B panel (kc×nr, from L1/L2)
//	        A panel (mr×kc, from L2): micro-kernel on one mr×nr tile
//
// The k-blocks and panel boundaries depend only on the shape and the
// kernel, never on the number of threads, and every element of C is
// written by exactly one task, so the result is bit-identical however
// tasks are scheduled.
//
// Row panels are read in place through the strides of op(A), the bottom
// one by a kernel variant with fewer rows; column panels of op(B) too,
// unless B is transposed. What cannot be read in place (a panel cut by
// the right edge, a transposed B, the bottom edge for a kernel without
// variants, or everything when packA/packB are forced) is packed with
// zero padding, and a tile cut by the right edge is computed into a small
// buffer whose valid part is then copied into C.
type gemmDriver struct {
	kern           *sgemmKernel
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32
	ldc            int

	kc, nkb          int  // k-block length (<= 1.5 kern.kc) and count: [kb*kc, min(kb*kc+kc, k))
	packA, packB     bool // pack interior panels too
	mPanels, nPanels int  // mr-row panels of C, nr-column panels of C

	// The current column chunk: B panels [jp0, jp1), of which npk per
	// k-block are packed into bp.
	jp0, jp1 int
	npk      int
	bp       []float32

	// Task grid over the chunk (row tasks vary fastest).
	nRowTasks, nColTasks int  // row panels and column panels split in as many blocks
	packing              bool // which phase runTask runs
}

// Blocking and scheduling constants.
const (
	// maxPackedB bounds packed B per column chunk, in elements.
	maxPackedB = 1 << 20
	// parallelPackB is the packed-B size above which packing is shared
	// among threads.
	parallelPackB = 1 << 14
)

// init sets up the blocking of d for its shape; the fields describing the
// problem must be set.
func (d *gemmDriver) init(mode packMode) {
	mr, nr := d.kern.mr, d.kern.nr
	d.mPanels = ceilDiv(d.m, mr)
	d.nPanels = ceilDiv(d.n, nr)
	d.nkb, d.kc = kBlocks(d.kern, d.k)
	// By default interior panels are read in place: on Zen 5 the kernels
	// run as fast from strided, even power-of-two-strided, operands as
	// from packed ones (see BenchmarkSgemmPack), and packing costs a
	// pass over the data. A transposed B is always packed, since the
	// kernels load contiguous rows of op(B).
	d.packA, d.packB = mode == packAll, mode == packAll || d.transB
}

// edgeB reports whether column panel jp is cut by the edge of C.
func (d *gemmDriver) edgeB(jp int) bool { return jp == d.nPanels-1 && d.n%d.kern.nr != 0 }

// edgeA reports whether row panel ip is cut by the edge of C.
func (d *gemmDriver) edgeA(ip int) bool { return ip == d.mPanels-1 && d.m%d.kern.mr != 0 }

// setChunk selects the column chunk [jp0, jp1) and sizes its packed B.
func (d *gemmDriver) setChunk(jp0, jp1 int) {
	d.jp0, d.jp1 = jp0, jp1
	switch {
	case d.packB:
		d.npk = jp1 - jp0
	case d.edgeB(jp1 - 1):
		d.npk = 1
	default:
		d.npk = 0
	}
}

// chunkPanels is how many column panels one chunk holds.
func (d *gemmDriver) chunkPanels() int {
	if !d.packB {
		return d.nPanels
	}
	return max(1, min(d.nPanels, maxPackedB/(d.k*d.kern.nr)))
}

// kBlock returns the start and length of k-block kb.
func (d *gemmDriver) kBlock(kb int) (p0, kl int) {
	p0 = kb * d.kc
	return p0, min(d.kc, d.k-p0)
}

// bSlot is the index of panel jp among the packed panels of a k-block, or
// -1 when it is read in place.
func (d *gemmDriver) bSlot(jp int) int {
	switch {
	case d.packB:
		return jp - d.jp0
	case d.edgeB(jp):
		return 0
	}
	return -1
}

// bPanel returns k-block kb of column panel jp and its row stride.
func (d *gemmDriver) bPanel(kb, jp int) ([]float32, int) {
	nr := d.kern.nr
	p0, kl := d.kBlock(kb)
	if s := d.bSlot(jp); s >= 0 {
		off := p0*d.npk*nr + s*kl*nr
		return d.bp[off : off+kl*nr], nr
	}
	return d.b[p0*d.ldb+jp*nr:], d.ldb
}

// packBTask packs task t of the packing phase: one panel of one k-block.
func (d *gemmDriver) packBTask(t int) {
	kb, s := t/d.npk, t%d.npk
	jp := d.jp0 + s
	if !d.packB {
		jp = d.nPanels - 1
	}
	nr := d.kern.nr
	p0, kl := d.kBlock(kb)
	off := p0*d.npk*nr + s*kl*nr
	j0 := jp * nr
	packBPanel(d.bp[off:], d.b, d.ldb, d.transB, p0, kl, j0, min(nr, d.n-j0), nr)
}

// Task sizing. When a problem is split, each thread gets at least
// tasksPerThread tasks, and tasks hold at most about taskWork
// multiply-adds as long as they keep minTaskRows row panels: tasks are
// claimed dynamically, so a thread that starts late (a helper being
// woken) or is slowed down by other load costs at most one task's time,
// but a task streams all of its B panels, so it needs a few row panels
// to reuse them.
const (
	tasksPerThread = 4
	taskWork       = 1 << 21
	minTaskRows    = 4
)

// planTasks lays the task grid over the current chunk for threads
// goroutines: blocks of at most kern.mc rows, more blocks per the task
// sizing above when split, in rows first, then in columns when rows
// alone are too few. Blocks are as even as the panels allow.
func (d *gemmDriver) planTasks(threads int) {
	mp, np := d.mPanels, d.jp1-d.jp0
	maxRows := max(1, d.kern.mc/d.kern.mr)
	rt := ceilDiv(mp, maxRows)
	ct := 1
	if threads > 1 {
		minTasks := tasksPerThread * threads
		work := d.m * min(d.n, np*d.kern.nr) * d.k
		rt = max(rt, min(work/taskWork, mp/minTaskRows), min(minTasks, mp))
		if rt < minTasks {
			ct = min(np, ceilDiv(minTasks, rt))
		}
	}
	d.nRowTasks, d.nColTasks = rt, ct
}

// taskRange splits n panels into parts as evenly as possible and returns
// part i: [i*n/parts, (i+1)*n/parts).
func taskRange(i, n, parts int) (lo, hi int) { return i * n / parts, (i + 1) * n / parts }

// runTask implements gemmTasker for both phases.
func (d *gemmDriver) runTask(t int, s *gemmScratch) {
	if d.packing {
		d.packBTask(t)
		return
	}
	d.computeTask(t, s)
}

// computeTask computes the C block of task t.
func (d *gemmDriver) computeTask(t int, s *gemmScratch) {
	mr, nr := d.kern.mr, d.kern.nr
	ip0, ip1 := taskRange(t%d.nRowTasks, d.mPanels, d.nRowTasks)
	jpa, jpb := taskRange(t/d.nRowTasks, d.jp1-d.jp0, d.nColTasks)
	jpa, jpb = jpa+d.jp0, jpb+d.jp0
	if d.packA {
		s.a = grow(s.a, (ip1-ip0)*d.kc*mr)
	} else {
		s.a = grow(s.a, d.kc*mr)
	}
	s.tile = grow(s.tile, mr*nr)
	for kb := 0; kb < d.nkb; kb++ {
		p0, kl := d.kBlock(kb)
		beta := d.beta
		if kb > 0 {
			beta = 1
		}
		for ip := ip0; ip < ip1; ip++ {
			if slot := d.aSlot(ip, ip0); slot >= 0 {
				i0 := ip * mr
				packAPanel(s.a[slot*kl*mr:], d.a, d.lda, d.transA, i0, min(mr, d.m-i0), p0, kl, mr)
			}
		}
		for jp := jpa; jp < jpb; jp++ {
			bpan, ldbk := d.bPanel(kb, jp)
			j0 := jp * nr
			nv := min(nr, d.n-j0)
			for ip := ip0; ip < ip1; ip++ {
				apan, rs, cs := d.aPanel(s.a, ip, ip0, p0, kl)
				i0 := ip * mr
				mv := min(mr, d.m-i0)
				kern, cols := d.kern, nr
				if h := kern.half; h != nil && nv == h.nr {
					kern, cols = h, h.nr
				}
				kfn, rows := kern.fn, mr
				if mv < mr && d.aSlot(ip, ip0) < 0 {
					kfn, rows = kern.edge[mv], mv
				}
				if rows == mv && nv == cols {
					kfn(kl, apan, rs, cs, bpan, ldbk, d.c[i0*d.ldc+j0:], d.ldc, d.alpha, beta)
					continue
				}
				tile := s.tile
				if beta != 0 {
					for i := 0; i < mv; i++ {
						copy(tile[i*nr:i*nr+nv], d.c[(i0+i)*d.ldc+j0:])
					}
				}
				kfn(kl, apan, rs, cs, bpan, ldbk, tile, nr, d.alpha, beta)
				for i := 0; i < mv; i++ {
					copy(d.c[(i0+i)*d.ldc+j0:(i0+i)*d.ldc+j0+nv], tile[i*nr:])
				}
			}
		}
	}
}

// aSlot is the index of row panel ip among the task's packed A panels, or
// -1 when it is read in place.
func (d *gemmDriver) aSlot(ip, ip0 int) int {
	switch {
	case d.packA:
		return ip - ip0
	case d.edgeA(ip) && d.kern.edge == nil:
		return 0
	}
	return -1
}

// aPanel returns the k-block [p0, p0+kl) of row panel ip with its row and
// column strides: packed in ap, or in place in A.
func (d *gemmDriver) aPanel(ap []float32, ip, ip0, p0, kl int) ([]float32, int, int) {
	mr := d.kern.mr
	if slot := d.aSlot(ip, ip0); slot >= 0 {
		return ap[slot*kl*mr : (slot+1)*kl*mr], 1, mr
	}
	i0 := ip * mr
	if d.transA {
		return d.a[p0*d.lda+i0:], 1, d.lda
	}
	return d.a[i0*d.lda+p0:], d.lda, 1
}

// run computes the problem on up to threads goroutines.
func (d *gemmDriver) run(threads int, bp []float32) []float32 {
	cw := d.chunkPanels()
	for jp0 := 0; jp0 < d.nPanels; jp0 += cw {
		d.setChunk(jp0, min(jp0+cw, d.nPanels))
		nb := d.k * d.npk * d.kern.nr
		bp = grow(bp, nb)
		d.bp = bp
		d.packing = true
		if nb >= parallelPackB {
			parallelRun(d, d.nkb*d.npk, threads)
		} else {
			for t := 0; t < d.nkb*d.npk; t++ {
				d.packBTask(t)
			}
		}
		d.packing = false
		d.planTasks(threads)
		parallelRun(d, d.nRowTasks*d.nColTasks, threads)
	}
	d.bp = nil
	return bp
}

// runSerial computes the problem on the calling goroutine with the
// buffers of s.
func (d *gemmDriver) runSerial(s *gemmScratch) {
	cw := d.chunkPanels()
	for jp0 := 0; jp0 < d.nPanels; jp0 += cw {
		d.setChunk(jp0, min(jp0+cw, d.nPanels))
		s.b = grow(s.b, d.k*d.npk*d.kern.nr)
		d.bp = s.b
		for t := 0; t < d.nkb*d.npk; t++ {
			d.packBTask(t)
		}
		d.planTasks(1)
		for t := 0; t < d.nRowTasks*d.nColTasks; t++ {
			d.computeTask(t, s)
		}
	}
	d.bp = nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
