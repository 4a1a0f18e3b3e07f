// Package ordered runs the items of a list side by side and hands their
// results on in the list's order, with a bound on how many are made and
// not yet handed on.
package ordered

import (
	"runtime"
	"sync"
)

// Map computes produce(i) for i in [0, n) on up to runtime.GOMAXPROCS(0)
// goroutines at once and calls emit(i, v) on the calling goroutine in
// order of i, while later items are still being made; at most window
// results (at least the number of goroutines) are made and not yet
// emitted, which bounds the memory they hold. It stops at the first error
// in order, from produce or emit, returns it, and waits for the items under
// way; no item after it is emitted.
func Map[T any](n, window int, produce func(i int) (T, error), emit func(i int, v T) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			v, err := produce(i)
			if err != nil {
				return err
			}
			if err := emit(i, v); err != nil {
				return err
			}
		}
		return nil
	}
	window = max(window, workers)
	type result struct {
		v   T
		err error
	}
	results := make([]chan result, n)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	slots := make(chan struct{}, window) // items made and not yet emitted
	work := make(chan int)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				v, err := produce(i)
				results[i] <- result{v, err}
			}
		}()
	}
	go func() {
		defer close(work)
		for i := range n {
			select {
			case slots <- struct{}{}:
			case <-stop:
				return
			}
			select {
			case work <- i:
			case <-stop:
				return
			}
		}
	}()
	var err error
	for i := range n {
		r := <-results[i]
		<-slots
		if err = r.err; err == nil {
			err = emit(i, r.v)
		}
		if err != nil {
			break
		}
	}
	close(stop)
	wg.Wait()
	return err
}
