package ui

import (
	"slices"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestResetWindowAndFitLookApart: the window row's Reset and the tool
// bar's fit show different icons, and Reset says what it does (no button
// has a tooltip).
func TestResetWindowAndFitLookApart(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	reset, fit := h.wb.pane.resetWindowButton(), h.wb.pane.toolButton("fit")
	if reset.Icon == nil || fit.Icon == nil {
		t.Fatalf("reset icon %v, fit icon %v; want both", reset.Icon, fit.Icon)
	}
	if hasIcon(reset, fit.Icon) || string(reset.Icon.Content()) == string(fit.Icon.Content()) {
		t.Errorf("Reset and fit both show %s", fit.Icon.Name())
	}
	if reset.Text == "" {
		t.Error("Reset has no text")
	}
}

// TestMeasureToolsOfferEveryKind: the tool bar offers each measurement
// kind once, after the window, and its labels name the kinds the select
// stores.
func TestMeasureToolsOfferEveryKind(t *testing.T) {
	var kinds []core.MeasurementKind
	for _, tool := range measureTools[1:] {
		kinds = append(kinds, tool.kind)
		if got := measureKind(tool.label); got != tool.kind {
			t.Errorf("measureKind(%q) = %q, want %q", tool.label, got, tool.kind)
		}
	}
	if measureTools[0].kind != "" || measureKind(measureTools[0].label) != "" {
		t.Errorf("the first tool %+v draws something; want the window", measureTools[0])
	}
	if !slices.Equal(kinds, core.MeasurementKinds) {
		t.Errorf("tools draw %v, want core.MeasurementKinds %v", kinds, core.MeasurementKinds)
	}
}
