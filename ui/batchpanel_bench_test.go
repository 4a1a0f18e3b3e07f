package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// TestBatchPanelRunsBenchmarkRow: the Batch tab lists the model card's
// rows, says what the picked one runs and what the card reports, runs it
// with the first checked model and shows our score beside the card's.
func TestBatchPanelRunsBenchmarkRow(t *testing.T) {
	batchFiles(t)
	fake := twoModels()
	h := newHarness(t, fake)
	b := h.openBatch()
	h.waitFor("the rows to be listed", waitTimeout, func() bool { return len(b.bench.pick.Options) == 2 })

	win := h.wb.Window()
	test.Tap(b.bench.run)
	if got := overlayTexts(win); !strings.Contains(got, "Choose a model-card row") {
		t.Errorf("no row: dialog %q", got)
	}
	win.Canvas().Overlays().Top().Hide()
	win.Canvas().Overlays().Remove(win.Canvas().Overlays().Top())
	b.bench.pick.SetSelected("vqa-rad")
	if info := b.bench.info.Text; !strings.Contains(info, "49.9") || !strings.Contains(info, "split test") || !strings.Contains(info, "Get the data: OSF") {
		t.Errorf("row info %q", info)
	}
	b.bench.data.SetText("/data/VQA_RAD")
	b.bench.limit.SetText("3")
	test.Tap(b.bench.run)
	h.waitFor("the row's score", waitTimeout, func() bool { return b.bench.result.Visible() })
	spec := fake.benchSpecs[0]
	if spec.Name != "vqa-rad" || spec.Data != "/data/VQA_RAD" || spec.Limit != 3 || spec.Model != testModel {
		t.Errorf("row spec %+v", spec)
	}
	if got := b.bench.result.Text; !strings.Contains(got, "Ours 41.2 [30.5, 52.0] vs card 49.9") || !strings.Contains(got, "Report: /tmp/report.html") {
		t.Errorf("result %q", got)
	}
	if b.start.Disabled() || b.bench.run.Disabled() {
		t.Error("Start and Run row should be enabled again")
	}
}

// TestBatchPanelNewFromExample: the examples written are put in the form.
func TestBatchPanelNewFromExample(t *testing.T) {
	batchFiles(t)
	fake := twoModels()
	h := newHarness(t, fake)
	b := h.openBatch()
	b.writeExamples("/home/r/study")
	h.waitFor("the examples in the form", waitTimeout, func() bool { return b.prompts.Text != "" })
	if b.manifest.Text != "/home/r/study/example-manifest.jsonl" || b.prompts.Text != "/home/r/study/example-prompts.yaml" {
		t.Errorf("form: %q, %q", b.manifest.Text, b.prompts.Text)
	}
}
