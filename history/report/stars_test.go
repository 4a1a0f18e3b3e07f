package report

import (
	"context"
	"flag"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

var starsPage = flag.String("stars-page", "", "write the page of the rated run's PDF report with its rating as a PNG to this path (to look at the stars)")

// TestReportPDFDrawsRatingStars (issue 28, item 7): the Go fonts have no ★
// or ☆, so the PDF draws the rating's stars and says "(3 of 5)"; the page
// rendered by pdftoppm has dark pixels where the stars are.
func TestReportPDFDrawsRatingStars(t *testing.T) {
	ctx := context.Background()
	h := openStore(t)
	r := logRun(t, h, dicomtest.File(t, "5.dcm"), "medgemma:4b", "No acute intracranial abnormality.")
	if err := h.SetRating(ctx, r.ID, 3); err != nil {
		t.Fatal(err)
	}
	doc, err := Build(ctx, h, []int64{r.ID}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := PDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	if !strings.Contains(text, "(3 of 5)") || strings.ContainsAny(text, "★☆") {
		t.Errorf("the rating reads %q in the PDF's text, want the stars drawn and (3 of 5)", lineWith(text, "Rating"))
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	// The run's facts, the rating among them, are on the last page.
	pages := strings.Count(strings.TrimRight(text, "\f"), "\f") + 1
	last := filepath.Join(dir, fmt.Sprintf("page-%d.png", pages))
	if out, err := exec.Command("pdftoppm", "-png", "-r", "110", "-f", fmt.Sprint(pages), "-l", fmt.Sprint(pages), path, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	f, err := os.Open(last)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatal(err)
	}
	if *starsPage != "" {
		b, _ := os.ReadFile(last)
		if err := os.WriteFile(*starsPage, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// lineWith is the line of text holding s, or "".
func lineWith(text, s string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
