package app

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// sphereSeries writes dicomtest.Sphere (a 15 mm sphere of 200 HU in a CT
// of 0.8 mm pixels and 2 mm slices) and returns its folder.
func sphereSeries(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := dicomtest.Sphere().Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// brightExtent is the width and height of the pixels above 128 in a grey
// PNG.
func brightExtent(t *testing.T, path string) (w, h int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	x0, y0, x1, y1 := math.MaxInt, math.MaxInt, -1, -1
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r>>8 > 128 {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	return x1 - x0 + 1, y1 - y0 + 1
}

// TestPreparePlaneAndRegion: prepare --plane cuts the series and the
// sphere stays round in the model input (square pixels however thick the
// slices); --region's input is the library's for the same region, and
// the whole frame as a region is the frame's input; bad planes and
// regions are bad input.
func TestPreparePlaneAndRegion(t *testing.T) {
	dir := sphereSeries(t)
	out := filepath.Join(t.TempDir(), "cut.png")
	text, err := runCLI("prepare", dir, "--plane", "coronal", "--slice", "39", "--window", "0,2000", "--out", out, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		SHA256 string `json:"sha256"`
		Plane  string `json:"plane"`
		Slice  int    `json:"slice"`
		Slices int    `json:"slices"`
		Width  int    `json:"width"`
	}
	if err := json.Unmarshal([]byte(text), &got); err != nil || got.Plane != "coronal" || got.Slice != 39 || got.Slices != 64 || got.Width != 896 {
		t.Fatalf("prepare --plane printed %s (%v)", text, err)
	}
	// 30 mm at 0.8 mm a pixel, the 100-pixel-high cut scaled to 896: 336.
	w, h := brightExtent(t, out)
	if math.Abs(float64(w-h)) > 18 || math.Abs(float64(w)-336) > 18 {
		t.Errorf("the sphere is %d×%d pixels in the coronal input, want round, about 336", w, h)
	}

	first := filepath.Join(dir, "slice-0021.dcm")
	im, err := dicomview.Load(first)
	if err != nil {
		t.Fatal(err)
	}
	region := filepath.Join(t.TempDir(), "region.png")
	text, err = runCLI("prepare", first, "--region", "10,20,40,30", "--out", region, "--json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := im.Prepare(dicomview.PrepareOptions{Region: image.Rect(10, 20, 50, 50)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, `"sha256":"`+p.SHA256+`"`) || !strings.Contains(text, `"region":{"h":30,"w":40,"x":10,"y":20}`) {
		t.Errorf("prepare --region printed %s, want the library's %s and the region", text, p.SHA256)
	}
	whole, err := im.Prepare(dicomview.PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all, err := im.Prepare(dicomview.PrepareOptions{Region: image.Rect(0, 0, 64, 64)})
	if err != nil || all.SHA256 != whole.SHA256 {
		t.Errorf("the whole frame as a region gave %v, %v; want the frame's input", all, err)
	}

	for _, bad := range [][]string{
		{"prepare", dicomtest.File(t, "4.dcm"), "--plane", "coronal", "--out", out},
		{"prepare", dir, "--plane", "oblique", "--out", out},
		{"prepare", dir, "--plane", "sagittal", "--slice", "65", "--out", out},
		{"prepare", first, "--region", "60,60,10,10", "--out", out},
		{"prepare", first, "--region", "1,2,3", "--out", out},
	} {
		if _, err := runCLI(bad...); ExitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", bad[3:], ExitCode(err), err)
		}
	}
}

// TestRecipeOnReformat: a recipe samples the cuts of a plane as it
// samples stored slices. The axial cuts of an axial series are its slices,
// so --plane axial gives the very bytes of the recipe without a plane;
// --plane coronal sends coronal cuts and says so; a radiograph has no
// planes.
func TestRecipeOnReformat(t *testing.T) {
	dir := sphereSeries(t)
	run := func(args ...string) []map[string]any {
		t.Helper()
		text, err := runCLI(append([]string{"prepare", dir, "--recipe", "medgemma-1.5-ct", "--slices", "5", "--out-dir", t.TempDir(), "--json"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		var out []map[string]any
		for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			out = append(out, m)
		}
		return out
	}
	stored, axial, coronal := run(), run("--plane", "axial"), run("--plane", "coronal")
	if len(stored) != 5 || len(axial) != 5 || len(coronal) != 5 {
		t.Fatalf("%d, %d and %d images, want 5 each", len(stored), len(axial), len(coronal))
	}
	for i := range stored {
		if axial[i]["sha256"] != stored[i]["sha256"] || axial[i]["slice"] != stored[i]["slice"] || axial[i]["plane"] != "axial" {
			t.Errorf("image %d: axial cut %v %v, stored slice %v %v", i+1, axial[i]["slice"], axial[i]["sha256"], stored[i]["slice"], stored[i]["sha256"])
		}
		if coronal[i]["plane"] != "coronal" {
			t.Errorf("image %d of the coronal cuts: %v", i+1, coronal[i])
		}
	}
	// The middle cuts cross the sphere, seen from the side. (The first
	// and last are all air: the recipe stretches to the square, so an air
	// cut is the same image whatever its shape.)
	if coronal[2]["sha256"] == stored[2]["sha256"] {
		t.Errorf("the middle coronal cut is the middle axial slice: %v", coronal[2])
	}
	if label, _ := coronal[0]["label"].(string); label == "" {
		t.Errorf("coronal image 1 has no label: %v", coronal[0])
	}
	if _, err := runCLI("prepare", dicomtest.File(t, "4.dcm"), "--recipe", "medgemma-cxr", "--plane", "sagittal", "--out-dir", t.TempDir()); ExitCode(err) != 2 {
		t.Errorf("a radiograph's sagittal cuts: %v (exit %d), want exit 2", err, ExitCode(err))
	}
}
