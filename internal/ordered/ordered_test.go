package ordered

import (
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestMapEmitsInOrder: results arrive in the list's order although later
// items finish first, and never more than the window are held.
func TestMapEmitsInOrder(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var held, most atomic.Int32
	var got []int
	err := Map(40, 6, func(i int) (int, error) {
		time.Sleep(time.Duration(40-i) * 100 * time.Microsecond) // later items are quicker
		n := held.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		return i * i, nil
	}, func(i, v int) error {
		held.Add(-1)
		if v != i*i {
			t.Errorf("item %d: got %d", i, v)
		}
		got = append(got, i)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("emitted %v, want 0…39 in order", got)
		}
	}
	if len(got) != 40 {
		t.Fatalf("emitted %d items, want 40", len(got))
	}
	if m := most.Load(); m > 6 {
		t.Errorf("%d results held at once, window is 6", m)
	}
}

// TestMapStopsAtFirstError: an error from produce or from emit is
// returned, nothing after it is emitted, and the items after it are not
// all made.
func TestMapStopsAtFirstError(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	boom := errors.New("slice 5 is truncated")
	for _, where := range []string{"produce", "emit"} {
		var made atomic.Int32
		var emitted []int
		err := Map(1000, 4, func(i int) (int, error) {
			made.Add(1)
			if where == "produce" && i == 5 {
				return 0, boom
			}
			return i, nil
		}, func(i, v int) error {
			if where == "emit" && i == 5 {
				return boom
			}
			emitted = append(emitted, i)
			return nil
		})
		if !errors.Is(err, boom) {
			t.Fatalf("%s: err = %v, want %v", where, err, boom)
		}
		if len(emitted) != 5 || emitted[4] != 4 {
			t.Errorf("%s: emitted %v, want 0…4", where, emitted)
		}
		if n := made.Load(); n > 20 {
			t.Errorf("%s: %d items made after the error at 5, want the window's few", where, n)
		}
	}
}
