package benchmark

import (
	"strings"
	"testing"
)

// TestRowsParse: every built-in row parses, names a known format and
// metric, and a card value only where the card (1.0.1) gives one.
func TestRowsParse(t *testing.T) {
	rows, err := Rows()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"vqa-rad": "49.9", "slake": "72.3", "medqa": "64.4", "medmcqa": "55.7", "pubmedqa": "73.4", "cxr-localization": "not in the card"}
	if len(rows) < len(want) {
		t.Fatalf("%d rows, want at least %d", len(rows), len(want))
	}
	for _, r := range rows {
		if w, ok := want[r.Name]; ok && r.Card.Value() != w {
			t.Errorf("%s: card %s, want %s", r.Name, r.Card.Value(), w)
		}
		if r.Card.Wording == "" || r.Card.Source == "" || r.Dataset.Get == "" {
			t.Errorf("%s: card wording, source or where to get the data missing", r.Name)
		}
		if r.Card.MedGemma15 != nil {
			t.Errorf("%s: a MedGemma 1.5 value, which the card does not give", r.Name)
		}
	}
	if _, err := Find("nope"); err == nil || !strings.Contains(err.Error(), "vqa-rad") {
		t.Errorf("Find(nope): %v", err)
	}
}
