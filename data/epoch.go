package data

import (
	"math/rand/v2"
	"sync"
)

// EpochIter delivers one epoch's batches in order while workers prepare
// the next ones. Use it from one goroutine:
//
//	it := loader.Epoch(e)
//	defer it.Close()
//	for b, ok := it.Next(); ok; b, ok = it.Next() {
//		... use b ...
//		b.Release()
//	}
type EpochIter struct {
	ordered chan *job
	quit    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

type job struct {
	step   int
	lo, hi int
	done   chan *Batch
}

// Epoch starts preparing epoch's batches. Batches come out in step order;
// their contents depend only on the loader's configuration and the epoch,
// never on how the workers are scheduled, so resuming at epoch e gives the
// batches an uninterrupted run would have seen.
func (l *Loader) Epoch(epoch int) *EpochIter {
	order := l.Order(epoch)
	nb, bs := l.Batches(), l.cfg.BatchSize
	it := &EpochIter{ordered: make(chan *job, l.prefetch), quit: make(chan struct{})}
	jobs := make(chan *job)
	it.wg.Add(1 + l.workers)
	go func() { // dispatcher: hands out steps in order
		defer it.wg.Done()
		defer close(it.ordered)
		defer close(jobs)
		for s := range nb {
			j := &job{step: s, lo: s * bs, hi: min((s+1)*bs, len(order)), done: make(chan *Batch, 1)}
			select {
			case jobs <- j:
			case <-it.quit:
				return
			}
			// Every job in ordered has a worker, so Next never waits on a
			// job nobody prepares.
			select {
			case it.ordered <- j:
			case <-it.quit:
				return
			}
		}
	}()
	for range l.workers {
		go func() {
			defer it.wg.Done()
			pcg := rand.NewPCG(0, 0)
			rng := rand.New(pcg)
			for j := range jobs {
				b := l.getBatch()
				l.fill(b, epoch, j.step, order, j.lo, j.hi, pcg, rng)
				j.done <- b
			}
		}()
	}
	return it
}

// Next returns the next batch, or false at the end of the epoch.
func (it *EpochIter) Next() (*Batch, bool) {
	j, ok := <-it.ordered
	if !ok {
		return nil, false
	}
	return <-j.done, true
}

// Close stops the epoch's workers and waits for them; call it (deferred)
// whether or not the epoch ran to its end. Batches already returned stay
// valid.
func (it *EpochIter) Close() {
	it.once.Do(func() { close(it.quit) })
	it.wg.Wait()
}
