package ui

import (
	"context"
	"fmt"
	"image"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/viewport"
)

// frameBudget is the time one drag step may take to reach the screen at
// 60 frames per second.
const frameBudget = 16 * time.Millisecond

// answerChunks is the length of one streamed answer in the benchmark,
// about that of a long MedGemma report.
const answerChunks = 600

// benchQueue stands in for fyne.Do like uiQueue, and wakes the goroutine
// that plays the UI goroutine when work arrives, so that it need not spin.
type benchQueue struct {
	mu   sync.Mutex
	fns  []func()
	wake chan struct{}
}

func (q *benchQueue) do(fn func()) {
	q.mu.Lock()
	q.fns = append(q.fns, fn)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// runUntil runs queued calls, waiting for them, until cond holds.
func (q *benchQueue) runUntil(cond func() bool) {
	for {
		q.mu.Lock()
		fns := q.fns
		q.fns = nil
		q.mu.Unlock()
		for _, fn := range fns {
			fn()
		}
		if cond() {
			return
		}
		if len(fns) == 0 {
			select {
			case <-q.wake:
			case <-time.After(time.Millisecond):
			}
		}
	}
}

// BenchmarkDragStep is issue 6's check that the UI thread never waits on
// I/O: on 4.dcm (CR, 1760×2140), one step of a window drag (Viewer.Dragged
// on the UI goroutine) until the viewer's raster is drawn with the new
// window at 1024×1024 device pixels. "idle" drags alone; "streaming"
// drags while a fake backend streams answers at 2000 chunks a second
// (generations of answerChunks chunks, one after the other) whose
// throttled updates run on the same UI goroutine. Each reports the
// latency's p50 and p99 in milliseconds against the 16 ms of one frame at
// 60 Hz.
func BenchmarkDragStep(b *testing.B) {
	b.Run("idle", func(b *testing.B) { benchDragStep(b, false) })
	b.Run("streaming", func(b *testing.B) { benchDragStep(b, true) })
}

func benchDragStep(b *testing.B, stream bool) {
	a := test.NewTempApp(b)
	q := &benchQueue{wake: make(chan struct{}, 1)}
	fake := &fakeBackend{models: []core.Model{{Name: testModel}}}
	var chunks atomic.Int64
	fake.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
		t := time.NewTicker(500 * time.Microsecond)
		defer t.Stop()
		for range answerChunks {
			select {
			case <-ctx.Done():
				return 1, core.Result{Status: core.StatusCancelled}, ctx.Err()
			case <-t.C:
				chunks.Add(1)
				onChunk("token ")
			}
		}
		return 1, core.Result{Status: core.StatusOK, DoneReason: "length"}, nil
	}
	wb := newWorkbench(a, fake, q.do, time.Hour)
	b.Cleanup(wb.Window().Close)
	wb.Window().Resize(fyne.NewSize(1800, 1300))
	wb.OpenPaths([]string{dicomtest.File(b, "4.dcm")})
	settled := func() bool {
		return !wb.pane.rendering && wb.pane.display != nil && wb.pane.displayFor == wb.pane.key()
	}
	q.runUntil(func() bool { return settled() && wb.cmp.columns[0].modelSelect.Selected == testModel })
	wb.pane.viewer.Resize(fyne.NewSize(1024, 1024))
	r := test.WidgetRenderer(wb.pane.viewer).(*viewerRenderer)
	if stream {
		wb.cmp.runAll()
		q.runUntil(func() bool { return wb.cmp.columns[0].answer.Text != "" })
	}

	lat := make([]time.Duration, 0, 1024)
	dx := float32(3)
	for b.Loop() {
		if stream && !wb.cmp.running {
			wb.cmp.runAll() // the next generation
		}
		t0 := time.Now()
		dx = -dx // back and forth, as a hand does
		wb.pane.viewer.Dragged(&fyne.DragEvent{Dragged: fyne.NewDelta(dx, 1)})
		q.runUntil(settled)
		r.draw(1024, 1024)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()

	wb.cmp.stopAll()
	q.runUntil(func() bool { return !wb.cmp.running })
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(pct(0.50)), "p50-ms")
	b.ReportMetric(ms(pct(0.99)), "p99-ms")
	b.ReportMetric(ms(frameBudget), "budget-ms")
	if len(lat) > 10 {
		fmt.Printf("drag step on 4.dcm at 1024 px, %s (%d chunks streamed): p50 %.2f ms, p99 %.2f ms, max %.2f ms; budget %.0f ms\n",
			b.Name(), chunks.Load(), ms(pct(0.50)), ms(pct(0.99)), ms(lat[len(lat)-1]), ms(frameBudget))
	}
}

// BenchmarkAnswerRelayout times what each throttled stream update costs
// the UI goroutine with the answer in a word-wrapped widget.Label (as
// workbench.go shows it today) at answerChunks tokens: the whole text is
// measured and wrapped again on every SetText.
func BenchmarkAnswerRelayout(b *testing.B) {
	test.NewTempApp(b)
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	w := test.NewTempWindow(b, container.NewVScroll(l))
	w.Resize(fyne.NewSize(700, 800))
	text := strings.Repeat("token ", answerChunks)
	i := 0
	for b.Loop() {
		i++
		l.SetText(text[:len(text)-i%2]) // a change each time
	}
}

// BenchmarkDrawView times the viewer's raster at 1024×1024 from a
// 1024-pixel grey preview, fitted.
func BenchmarkDrawView(b *testing.B) {
	src := image.NewGray(image.Rect(0, 0, 842, 1024))
	dst := image.NewRGBA(image.Rect(0, 0, 1024, 1024))
	for b.Loop() {
		viewport.Draw(dst, src, 1760, 2140, viewport.View{Zoom: 1024.0 / 2140, Center: [2]float64{880, 1070}}, false)
	}
}

// BenchmarkPlanesDragStep is the drag-step budget on the Planes tab: a CT
// of 160 slices of 512×512 (0.7 mm pixels, 1.25 mm slices) in its three
// planes; one step of a window drag on the coronal view until all three
// cuts are drawn again with the new window at square pixels (the coronal
// and sagittal ones resampled to 512×292). It reports p50 and p99 against
// the 16 ms of one frame.
func BenchmarkPlanesDragStep(b *testing.B) {
	dir := b.TempDir()
	v := dicomtest.Volume{Modality: "CT", Slices: 160, Rows: 512, Cols: 512, StudyUID: "1.2.3", SeriesUID: "1.2.3.5",
		Intercept: -1024, Spacing: 1.25, PixelSpacing: [2]float64{0.7, 0.7},
		Value: func(x, y, z int) int16 { return int16((x*7 + y*3 + z*11) % 2000) }}
	if _, err := v.Write(dir); err != nil {
		b.Fatal(err)
	}
	a := test.NewTempApp(b)
	q := &benchQueue{wake: make(chan struct{}, 1)}
	wb := newWorkbench(a, &fakeBackend{}, q.do, time.Hour)
	b.Cleanup(wb.Window().Close)
	wb.OpenPaths([]string{dir})
	p := wb.pane
	q.runUntil(func() bool { return p.cur != nil })
	p.tabs.Select(p.mprTab)
	q.runUntil(func() bool { return planesDone(p.mpr) })
	cor := p.mpr.views[1].area
	lat := make([]time.Duration, 0, 1024)
	dx := float32(3)
	for b.Loop() {
		t0 := time.Now()
		dx = -dx
		cor.Dragged(&fyne.DragEvent{Dragged: fyne.NewDelta(dx, 1)})
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(f float64) time.Duration { return lat[min(len(lat)-1, int(f*float64(len(lat))))] }
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(pct(0.50)), "p50-ms")
	b.ReportMetric(ms(pct(0.99)), "p99-ms")
	b.ReportMetric(ms(frameBudget), "budget-ms")
	if len(lat) > 10 {
		fmt.Printf("drag step on the three planes of a 512×512×160 CT: p50 %.2f ms, p99 %.2f ms, max %.2f ms; budget %.0f ms (p99/budget %.2f)\n",
			ms(pct(0.50)), ms(pct(0.99)), ms(lat[len(lat)-1]), ms(frameBudget), ms(pct(0.99))/ms(frameBudget))
	}
}
