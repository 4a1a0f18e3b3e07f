package recipe

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// ctVolume is a 300-slice CT whose values sweep −1124…1175 HU, so every
// window of every CT recipe has pixels below, inside and above it.
func ctVolume(slices int) dicomtest.Volume {
	return dicomtest.Volume{
		Modality: "CT", Slices: slices, Rows: 40, Cols: 48,
		StudyUID: "2.25.100", SeriesUID: "2.25.101", StudyDate: "20240105",
		Intercept: -1024, Slope: 1,
		Value: func(x, y, z int) int16 { return int16((x*37+y*53+z*11)%2300 - 100) },
	}
}

// mrVolume is a 120-slice MR whose slices have different ranges, so a
// per-slice stretch differs from the volume's; the rescale (slope 2,
// intercept 10) must not change the result.
func mrVolume() dicomtest.Volume {
	return dicomtest.Volume{
		Modality: "MR", Slices: 120, Rows: 32, Cols: 36,
		StudyUID: "2.25.200", SeriesUID: "2.25.201", StudyDate: "20240106",
		Slope: 2, Intercept: 10,
		Value: func(x, y, z int) int16 { return int16((x*y+z*13)%(500+z*20) + 3*z) },
	}
}

func openOne(t *testing.T, dir string) *dicomview.Series {
	t.Helper()
	series, skipped, err := dicomview.OpenSeries(dir)
	if err != nil || len(skipped) > 0 || len(series) != 1 {
		t.Fatalf("open %s: %v, skipped %v, %d series", dir, err, skipped, len(series))
	}
	return series[0]
}

func get(t *testing.T, name string) *Recipe {
	t.Helper()
	r, err := Open("").Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// python is Debian's interpreter, which has python3-pydicom and
// python3-numpy (scripts/setup.sh installs them).
func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil {
			if exec.Command(path, "-c", "import pydicom, numpy").Run() == nil {
				return path
			}
		}
	}
	t.Fatal("no python3 with pydicom and numpy: run scripts/setup.sh (Debian python3-pydicom python3-numpy)")
	return ""
}

type refOut struct {
	Indices    []int `json:"indices"`
	Rows, Cols int
}

func reference(t *testing.T, kind, src string, max int, windows []dicomview.Range) (refOut, string) {
	t.Helper()
	out := t.TempDir()
	args := []string{"testdata/reference.py", kind, src, out, fmt.Sprint(max)}
	if windows != nil {
		b, _ := json.Marshal(windows)
		args = append(args, string(b))
	}
	cmd := exec.Command(python(t), args...)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference.py %s: %v", kind, err)
	}
	var ro refOut
	if err := json.Unmarshal(b, &ro); err != nil {
		t.Fatalf("reference.py output %q: %v", b, err)
	}
	return ro, out
}

// maxDiff compares an image with the reference's raw bytes (ch channels).
func maxDiff(t *testing.T, img image.Image, raw []byte, ch int) int {
	t.Helper()
	b := img.Bounds()
	if len(raw) != b.Dx()*b.Dy()*ch {
		t.Fatalf("reference has %d bytes, image is %v × %d channels", len(raw), b, ch)
	}
	worst := 0
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			var got []uint8
			switch m := img.(type) {
			case *image.RGBA:
				o := m.PixOffset(x, y)
				got = m.Pix[o : o+3]
			case *image.Gray:
				got = []uint8{m.Pix[m.PixOffset(x, y)]}
			default:
				t.Fatalf("image type %T", img)
			}
			for c := range ch {
				d := int(got[c]) - int(raw[(y*b.Dx()+x)*ch+c])
				worst = max(worst, d, -d)
			}
		}
	}
	return worst
}

// worstDiff renders the chosen slices with r and returns the largest
// difference from the reference's raw files in out (ch channels).
func worstDiff(t *testing.T, r *Recipe, s *dicomview.Series, chosen []int, out string, ch int) int {
	t.Helper()
	worst := 0
	for j, i := range chosen {
		img, err := r.Render(s, i, nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(out, fmt.Sprintf("%04d.raw", j)))
		if err != nil {
			t.Fatal(err)
		}
		worst = max(worst, maxDiff(t, img, raw, ch))
	}
	return worst
}

// TestCTWindowsMatchPythonReference: for each CT recipe, the same 85 of
// 300 slices as the notebook's rule, and every pixel of every chosen slice
// within 1 grey level of the Python re-implementation, before resizing.
func TestCTWindowsMatchPythonReference(t *testing.T) {
	dir := t.TempDir()
	if _, err := ctVolume(300).Write(dir); err != nil {
		t.Fatal(err)
	}
	s := openOne(t, dir)
	for _, name := range []string{"medgemma-1.5-ct", "medgemma-1.5-ct-report-windows", "medgemma-ct-serving-windows"} {
		t.Run(name, func(t *testing.T) {
			r := get(t, name)
			ref, out := reference(t, "ct", dir, r.Images.Max, r.Encoding.Windows)
			ours := Select(len(s.Slices), r.Images.Max, r.Images.Sample)
			if !slices.Equal(ours, ref.Indices) {
				t.Fatalf("slice indices differ:\n ours %v\n python %v", ours, ref.Indices)
			}
			if len(ours) != 85 || ours[0] != 4 || ours[84] != 299 {
				t.Fatalf("85 of 300 should run from slice index 4 to 299: %v", ours)
			}
			worst := worstDiff(t, r, s, ours, out, 3)
			if worst > 1 {
				t.Errorf("%s: largest difference from the Python reference %d grey levels, want ≤ 1", name, worst)
			}
			t.Logf("%s: 85 slices, largest difference %d", name, worst)
		})
	}
}

// TestMRStretchMatchesPythonReference: one stretch over the whole 120-slice
// volume, within 1 grey level of the reference, and visibly not the
// per-slice stretch.
func TestMRStretchMatchesPythonReference(t *testing.T) {
	dir := t.TempDir()
	if _, err := mrVolume().Write(dir); err != nil {
		t.Fatal(err)
	}
	s := openOne(t, dir)
	r := get(t, "medgemma-1.5-mr")
	ref, out := reference(t, "mr", dir, r.Images.Max, nil)
	ours := Select(len(s.Slices), r.Images.Max, r.Images.Sample)
	if !slices.Equal(ours, ref.Indices) {
		t.Fatalf("slice indices differ:\n ours %v\n python %v", ours, ref.Indices)
	}
	worst := worstDiff(t, r, s, ours, out, 1)
	if worst > 1 {
		t.Errorf("largest difference from the Python reference %d grey levels, want ≤ 1", worst)
	}
	// Slice 0's own range is much narrower than the volume's: a per-slice
	// stretch would reach 255 there, the volume stretch must not.
	img, _ := r.Render(s, 0, nil)
	top := 0
	for _, v := range img.(*image.Gray).Pix {
		top = max(top, int(v))
	}
	if top > 200 {
		t.Errorf("first slice reaches %d: stretched on its own, not over the volume", top)
	}
}

// TestCTInterleavedPrompt: the user turn is the instruction, then 85
// placeholders each followed by its "SLICE i", then the query, and the
// context fits 85 images.
func TestCTInterleavedPrompt(t *testing.T) {
	dir := t.TempDir()
	if _, err := ctVolume(300).Write(dir); err != nil {
		t.Fatal(err)
	}
	s := openOne(t, dir)
	r := get(t, "medgemma-1.5-ct")
	b, err := Build(r, []Input{{Path: dir, Series: s}}, Options{Prompt: "Is there a liver lesion?"})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Images) != 85 || strings.Count(b.Prompt, Placeholder) != 85 {
		t.Fatalf("%d images, %d placeholders", len(b.Images), strings.Count(b.Prompt, Placeholder))
	}
	if !strings.HasPrefix(b.Prompt, "You are an instructor teaching medical students.") {
		t.Errorf("prompt should start with the instruction: %.80q", b.Prompt)
	}
	rest := b.Prompt[strings.Index(b.Prompt, Placeholder):]
	for i := 1; i <= 85; i++ {
		want := fmt.Sprintf("%sSLICE %d", Placeholder, i)
		if !strings.HasPrefix(rest, want) {
			t.Fatalf("image %d: want %q next, got %.40q", i, want, rest)
		}
		rest = rest[len(want):]
	}
	if rest != "Is there a liver lesion?" {
		t.Errorf("after the last slice label: %q, want the query", rest)
	}
	if b.Images[0].Label != "SLICE 1" || b.Images[84].Label != "SLICE 85" {
		t.Errorf("labels %q … %q", b.Images[0].Label, b.Images[84].Label)
	}
	if b.Options.NumCtx < 85*256+2000 || b.Options.NumCtx%1024 != 0 {
		t.Errorf("num_ctx %d does not fit 85 images and 2000 answer tokens", b.Options.NumCtx)
	}
	if b.Options.Temperature == nil || *b.Options.Temperature != 0 || b.Options.NumPredict != 2000 {
		t.Errorf("sampling %+v: want greedy with 2000 new tokens", b.Options)
	}
	parts := core.Request{Prompt: b.Prompt, Images: b.Images}.Parts()
	// Gemma 3's template trims each text and joins them: the last label
	// and the query are one text.
	if len(parts) != 1+2*85 || parts[1].Image != 0 || parts[2].Text != "SLICE 1" || parts[169].Image != 84 ||
		parts[170].Text != "SLICE 85Is there a liver lesion?" {
		t.Errorf("parts out of order: %d parts", len(parts))
	}
	if b.Recipe.Name != "medgemma-1.5-ct" || len(b.Recipe.Hash) != 12 {
		t.Errorf("ref %+v", b.Recipe)
	}
	// Wrong modality: a clear refusal naming the file.
	mdir := t.TempDir()
	if _, err := mrVolume().Write(mdir); err != nil {
		t.Fatal(err)
	}
	_, err = Build(r, []Input{{Path: mdir, Series: openOne(t, mdir)}}, Options{})
	if err == nil || !strings.Contains(err.Error(), mdir) || !strings.Contains(err.Error(), "is for CT") {
		t.Errorf("CT recipe on an MR series: %v", err)
	}
}

// TestPlainEqualsPrepare: the plain recipe sends the same bytes as
// Image.Prepare did before recipes, images before the text.
func TestPlainEqualsPrepare(t *testing.T) {
	dir := t.TempDir()
	if _, err := ctVolume(20).Write(dir); err != nil {
		t.Fatal(err)
	}
	s := openOne(t, dir)
	b, err := Build(get(t, Plain), []Input{{Path: dir, Series: s}}, Options{Prompt: "Describe", Slices: 3})
	if err != nil {
		t.Fatal(err)
	}
	if b.Prompt != "Describe" || len(b.Images) != 3 {
		t.Fatalf("prompt %q, %d images", b.Prompt, len(b.Images))
	}
	for i, sl := range s.Sample(3) {
		p, err := sl.Image.Prepare(dicomview.PrepareOptions{Frame: sl.Frame})
		if err != nil {
			t.Fatal(err)
		}
		if p.SHA256 != b.Images[i].SHA256 {
			t.Errorf("image %d: plain recipe %s, Prepare %s", i, b.Images[i].SHA256, p.SHA256)
		}
	}
}

// TestLongitudinalOrdersByDate: given current first, the recipe sends the
// prior (earlier StudyDate) first.
func TestLongitudinalOrdersByDate(t *testing.T) {
	mk := func(date string, v int16) (string, *dicomview.Series) {
		dir := t.TempDir()
		vol := dicomtest.Volume{Modality: "CR", Slices: 1, Rows: 30, Cols: 20, StudyUID: "2.25." + date, SeriesUID: "2.25.9" + date,
			StudyDate: date, Value: func(x, y, z int) int16 { return v + int16(x) }}
		if _, err := vol.Write(dir); err != nil {
			t.Fatal(err)
		}
		return dir, openOne(t, dir)
	}
	curDir, cur := mk("20240301", 500)
	priorDir, prior := mk("20230115", 100)
	r := get(t, "medgemma-1.5-cxr-longitudinal")
	b, err := Build(r, []Input{{Path: curDir, Series: cur}, {Path: priorDir, Series: prior}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Images) != 2 || b.Images[0].Path != prior.Slices[0].Image.Path || b.Images[1].Path != cur.Slices[0].Image.Path {
		t.Fatalf("want prior then current: %s, %s", b.Images[0].Path, b.Images[1].Path)
	}
	if b.Images[0].Label != "prior" || b.Images[1].Label != "current" || !strings.HasPrefix(b.Prompt, "Compare the two above images") {
		t.Errorf("labels %q %q, prompt %.40q", b.Images[0].Label, b.Images[1].Label, b.Prompt)
	}
	if _, err := Build(r, []Input{{Path: curDir, Series: cur}, {Path: curDir, Series: cur}}, Options{}); err == nil || !strings.Contains(err.Error(), "same StudyDate") {
		t.Errorf("two studies of one date: %v", err)
	}
	if _, err := Build(r, []Input{{Path: curDir, Series: cur}}, Options{}); err == nil || !strings.Contains(err.Error(), "two studies") {
		t.Errorf("one study: %v", err)
	}
}

// TestBuiltinsAndUserRecipes: every built-in parses and names its source;
// a user file adds one, a bad one is reported with its file, and a user
// recipe cannot shadow a built-in.
func TestBuiltinsAndUserRecipes(t *testing.T) {
	want := []string{"medgemma-1.5-ct", "medgemma-1.5-ct-report-windows", "medgemma-1.5-cxr-localize",
		"medgemma-1.5-cxr-longitudinal", "medgemma-1.5-mr", "medgemma-ct-serving-windows", "medgemma-cxr", "plain"}
	var got []string
	hashes := map[string]bool{}
	for _, r := range Builtins() {
		got = append(got, r.Name)
		if r.Name != Plain && r.Source == "" {
			t.Errorf("%s cites no source", r.Name)
		}
		hashes[r.Hash()] = true
	}
	if !slices.Equal(got, want) {
		t.Errorf("built-ins %v, want %v", got, want)
	}
	if len(hashes) != len(want) {
		t.Errorf("hashes not distinct: %v", hashes)
	}
	dir := t.TempDir()
	mine := `{"name":"my-ct","version":"2","title":"mine","images":{"from":"series","sample":"even","max":20},
	  "encoding":{"kind":"windows","windows":[{"lo":-160,"hi":240},{"lo":-1350,"hi":150},{"lo":-1000,"hi":2000}],"fit":"stretch"},
	  "prompt":{"layout":"interleaved","label":"Slice {n} of {of}","default":"Findings?"}}`
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(mine), 0o600)
	os.WriteFile(filepath.Join(dir, "b.json"), []byte(`{"name":"broken","version":"1","images":{"from":"everything"}}`), 0o600)
	os.WriteFile(filepath.Join(dir, "c.json"), []byte(strings.Replace(mine, "my-ct", "plain", 1)), 0o600)
	l := Open(dir)
	if r, err := l.Get("my-ct"); err != nil || r.File == "" {
		t.Errorf("user recipe: %v", err)
	}
	if len(l.Problems) != 2 || !strings.Contains(l.Problems[0].Error(), "b.json") || !strings.Contains(l.Problems[0].Error(), "images.from") ||
		!strings.Contains(l.Problems[1].Error(), "taken") {
		t.Errorf("problems: %v", l.Problems)
	}
	if _, err := l.Get("nope"); err == nil || !strings.Contains(err.Error(), "medgemma-1.5-ct") {
		t.Errorf("unknown recipe: %v", err)
	}
	// Title and notes do not change the hash; a window does.
	r := *get(t, "medgemma-1.5-ct")
	h := r.Hash()
	r.Notes = "other words"
	if r.Hash() != h {
		t.Error("notes changed the hash")
	}
	r.Encoding.Windows = []dicomview.Range{{Lo: -1000, Hi: 1000}, {Lo: -135, Hi: 215}, {Lo: 0, Hi: 80}}
	if r.Hash() == h {
		t.Error("a window change kept the hash")
	}
}
