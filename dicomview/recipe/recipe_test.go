package recipe

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
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

// python is Debian's interpreter, which has python3-pydicom, python3-numpy
// and python3-pil (scripts/setup.sh installs them).
func python(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts python3, the independent reference")
	}
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil {
			if exec.Command(path, "-c", "import pydicom, numpy, PIL").Run() == nil {
				return path
			}
		}
	}
	t.Fatal("no python3 with pydicom, numpy and PIL: run scripts/setup.sh (Debian python3-pydicom python3-numpy python3-pil)")
	return ""
}

// refOut is what testdata/reference.py prints: the chosen files in the
// order it sends them, and the source size.
type refOut struct {
	Files      []string `json:"files"`
	Indices    []int    `json:"indices"`
	Rows, Cols int
}

// reference runs testdata/reference.py, written from Google's notebook,
// transformers' processor and Pillow, not from this package: args after
// the mode and the output folder it fills.
func reference(t *testing.T, mode, src string, args ...string) (refOut, string) {
	t.Helper()
	out := t.TempDir()
	cmd := exec.Command(python(t), append([]string{"testdata/reference.py", mode, src, out}, args...)...)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference.py %s: %v", mode, err)
	}
	var ro refOut
	if err := json.Unmarshal(b, &ro); err != nil {
		t.Fatalf("reference.py output %q: %v", b, err)
	}
	return ro, out
}

// samples returns img's samples, ch a pixel (1 grey, 3 RGB).
func samples(t *testing.T, img image.Image, ch int) []byte {
	t.Helper()
	p := dicomview.PixelsOf(img)
	if ch == 3 {
		p = p.RGB()
	}
	if p.Channels != ch {
		t.Fatalf("image has %d channels, want %d", p.Channels, ch)
	}
	return p.Pix
}

// agreement compares two images' samples: the largest difference and the
// share of samples within 1 grey level.
func agreement(t *testing.T, got, want []byte) (worst int, within1 float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d samples, the reference has %d", len(got), len(want))
	}
	ok := 0
	for i := range want {
		d := int(got[i]) - int(want[i])
		worst = max(worst, d, -d)
		if d >= -1 && d <= 1 {
			ok++
		}
	}
	return worst, float64(ok) / float64(len(want))
}

// decodePNG decodes a model input's PNG.
func decodePNG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sourcesOf are the file names of b's images, in the order sent.
func sourcesOf(b *Built) []string {
	var out []string
	for _, im := range b.Images {
		out = append(out, im.Source)
	}
	return out
}

// scannerCT is a 300-slice CT numbered as scanners number an axial series:
// InstanceNumber 1 at the top of the body (the highest z), rising towards
// the feet, in files with random names, so that InstanceNumber order,
// position order and file-name order all differ.
func scannerCT(t *testing.T) (string, *dicomview.Series) {
	t.Helper()
	dir := t.TempDir()
	v := ctVolume(300)
	v.Instance = func(z int) int { return 300 - z }
	seed := uint64(0x5eed)
	v.Name = func(int) string {
		seed = seed*6364136223846793005 + 1442695040888963407
		return fmt.Sprintf("%016x", seed)
	}
	if _, err := v.Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir, openOne(t, dir)
}

// TestCTRecipesMatchNotebookReference: each CT recipe, against the
// reference written from Google's notebook (pydicom sort by
// InstanceNumber, the notebook's sampling, windows, np.round, Pillow JPEG
// at its defaults, Pillow decode, Pillow BILINEAR to 896): the same 85
// source files in the same order, each windowed slice identical, each
// JPEG byte for byte Pillow's, and each 896×896 input within 1 grey level
// on ≥ 99.9 % of its samples.
func TestCTRecipesMatchNotebookReference(t *testing.T) {
	dir, s := scannerCT(t)
	for _, name := range []string{"medgemma-1.5-ct", "medgemma-1.5-ct-report-windows", "medgemma-ct-serving-windows", "medgemma-1.5-ct-lossless"} {
		t.Run(name, func(t *testing.T) {
			r := get(t, name)
			wins, _ := json.Marshal(r.Encoding.Windows)
			ref, out := reference(t, "ct", dir, fmt.Sprint(r.Images.Max), string(wins))
			b, err := Build(r, []Input{{Path: dir, Series: s}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if sources := sourcesOf(b); !slices.Equal(sources, ref.Files) {
				t.Fatalf("source files differ from the notebook's:\n ours   %v\n python %v", sources, ref.Files)
			}
			// The notebook skips InstanceNumber 1 (the top slice) and
			// sends 300 (the bottom one), top to bottom.
			first, last := b.Images[0].Path, b.Images[84].Path
			if first != s.Slices[295].Image.Path || last != s.Slices[0].Image.Path {
				t.Errorf("first and last slices sent: %s, %s; want InstanceNumber 5 and 300", first, last)
			}
			worstWin, worst, least := 0, 0, 1.0
			for k, im := range b.Images {
				win, err := r.Render(s, ref.Indices[k], nil)
				if err != nil {
					t.Fatal(err)
				}
				wd, _ := agreement(t, samples(t, win, 3), readFile(t, out, fmt.Sprintf("%04d.win.raw", k)))
				worstWin = max(worstWin, wd)
				if r.Encoding.Codec == CodecJPEG {
					sum := sha256.Sum256(readFile(t, out, fmt.Sprintf("%04d.jpg", k)))
					if im.CodecSHA256 != hex.EncodeToString(sum[:]) || im.Codec != "jpeg q75" {
						t.Errorf("slice %d: JPEG %s (%s) is not Pillow's %x", k+1, im.CodecSHA256, im.Codec, sum)
					}
				} else if im.CodecSHA256 != "" {
					t.Errorf("slice %d: a lossless recipe recorded a codec step %q", k+1, im.Codec)
				}
				if r.Encoding.Codec == CodecJPEG {
					d, share := agreement(t, samples(t, decodePNG(t, im.PNG), 3), readFile(t, out, fmt.Sprintf("%04d.raw", k)))
					worst, least = max(worst, d), min(least, share)
				}
			}
			if worstWin != 0 {
				t.Errorf("windowed slices differ from the notebook's np.round by up to %d grey levels", worstWin)
			}
			if least < 0.999 {
				t.Errorf("896×896 inputs: only %.4f%% of samples within 1 grey level of the reference (largest difference %d)", 100*least, worst)
			}
			if r.Encoding.Codec == CodecJPEG {
				t.Logf("%s: 85 files as the notebook; windows identical; JPEGs Pillow's; 896×896 within 1 on ≥ %.4f%%, largest difference %d", name, 100*least, worst)
			} else {
				t.Logf("%s: 85 files as the notebook; windows identical (its 896×896: TestCTLosslessIsNotTheNotebook)", name)
			}
		})
	}
}

// TestCTLosslessIsNotTheNotebook: the lossless variant sends other pixels
// than the notebook (its JPEG step is what it leaves out), and its input
// is Pillow's BILINEAR of the exact windowed slice.
func TestCTLosslessIsNotTheNotebook(t *testing.T) {
	dir, s := scannerCT(t)
	ct, err := Build(get(t, "medgemma-1.5-ct"), []Input{{Path: dir, Series: s}}, Options{Slices: 3})
	if err != nil {
		t.Fatal(err)
	}
	r := get(t, "medgemma-1.5-ct-lossless")
	ll, err := Build(r, []Input{{Path: dir, Series: s}}, Options{Slices: 3})
	if err != nil {
		t.Fatal(err)
	}
	for k := range ll.Images {
		if ll.Images[k].SHA256 == ct.Images[k].SHA256 || ll.Images[k].Source != ct.Images[k].Source {
			t.Errorf("image %d: lossless %s of %s, notebook %s of %s", k, ll.Images[k].SHA256, ll.Images[k].Source, ct.Images[k].SHA256, ct.Images[k].Source)
		}
		win, err := r.Render(s, Select(300, 3, SampleNotebook)[k], nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := dicomview.ResizeBilinear(dicomview.PixelsOf(win), 896, 896)
		if !bytes.Equal(samples(t, decodePNG(t, ll.Images[k].PNG), 3), want.Pix) {
			t.Errorf("image %d: lossless input is not the bilinear resize of the windowed slice", k)
		}
	}
}

// TestMRStretchMatchesPythonReference: the MR recipe sends the slices the
// notebook's rule chooses in InstanceNumber order, stretched together over
// their range as Google's serving code stretches the volume it is sent,
// within 1 grey level of the reference, and visibly not slice by slice.
func TestMRStretchMatchesPythonReference(t *testing.T) {
	dir := t.TempDir()
	v := mrVolume()
	v.Instance = func(z int) int { return 1000 - 3*z }
	if _, err := v.Write(dir); err != nil {
		t.Fatal(err)
	}
	s := openOne(t, dir)
	r := get(t, "medgemma-1.5-mr")
	ref, out := reference(t, "mr", dir, fmt.Sprint(r.Images.Max))
	b, err := Build(r, []Input{{Path: dir, Series: s}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sources := sourcesOf(b); !slices.Equal(sources, ref.Files) {
		t.Fatalf("source files differ:\n ours   %v\n python %v", sources, ref.Files)
	}
	worst := 0
	for k, i := range ref.Indices {
		img, err := r.Render(s, i, nil)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := agreement(t, samples(t, img, 1), readFile(t, out, fmt.Sprintf("%04d.raw", k)))
		worst = max(worst, d)
	}
	if worst > 1 {
		t.Errorf("largest difference from the Python reference %d grey levels, want ≤ 1", worst)
	}
	// The last slice in InstanceNumber order is the first in position:
	// its own range is much narrower than the volume's, so a per-slice
	// stretch would reach 255 there; the volume stretch must not.
	img, _ := r.Render(s, len(s.Slices)-1, nil)
	top := 0
	for _, v := range img.(*image.Gray).Pix {
		top = max(top, int(v))
	}
	if top > 200 {
		t.Errorf("first slice reaches %d: stretched on its own, not over the volume", top)
	}
}

// radiograph writes a w×h 8-bit radiograph-like image (grey, or RGB with
// a coloured annotation) as PNG or JPEG.
func radiograph(t *testing.T, dir, name string, w, h int, rgb bool) string {
	t.Helper()
	var img image.Image
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := 40 + (x*150)/w + (y*50)/h
			if dx, dy := x-w/3, y-h/2; dx*dx+dy*dy < (w/7)*(w/7) { // a nodule's hard edge
				v = 235
			}
			if (x/7+y/5)%13 == 0 { // ribs
				v -= 30
			}
			g.Pix[y*w+x] = uint8(v)
		}
	}
	img = g
	if rgb {
		c := image.NewRGBA(g.Rect)
		draw.Draw(c, c.Rect, g, image.Point{}, draw.Src)
		draw.Draw(c, image.Rect(w-60, 10, w-10, 30), image.NewUniform(color.RGBA{R: 255, G: 200, A: 255}), image.Point{}, draw.Src)
		img = c
	}
	f := filepath.Join(dir, name)
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(name, ".png") {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCXRRecipesMatchProcessorReference: the model card's quick start, a
// PNG chest X-ray, goes through medgemma-cxr as given and stretched to
// 896×896 by the processor's bilinear; the localization recipe pads a
// JPEG radiograph to a square (the notebook's pad_image_to_square) and
// then resizes it: each within 1 grey level of the reference on ≥ 99.9 %
// of its samples.
func TestCXRRecipesMatchProcessorReference(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ recipe, mode, file string }{
		{"medgemma-cxr", "cxr", radiograph(t, dir, "chest.png", 700, 860, false)},
		{"medgemma-cxr", "cxr", radiograph(t, dir, "annotated.png", 1100, 900, true)},
		{"medgemma-1.5-cxr-localize", "cxr-pad", radiograph(t, dir, "chest.jpg", 701, 880, false)},
		{"medgemma-1.5-cxr-localize", "cxr-pad", radiograph(t, dir, "wide.jpg", 990, 700, true)},
	} {
		t.Run(tc.recipe+"/"+filepath.Base(tc.file), func(t *testing.T) {
			series, _, err := dicomview.OpenSeries(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Build(get(t, tc.recipe), []Input{{Path: tc.file, Series: series[0]}}, Options{})
			if err != nil {
				t.Fatalf("the card's example is refused: %v", err)
			}
			_, out := reference(t, tc.mode, tc.file)
			worst, share := agreement(t, samples(t, decodePNG(t, b.Images[0].PNG), 3), readFile(t, out, "0000.raw"))
			if share < 0.999 {
				t.Errorf("only %.4f%% of samples within 1 grey level of the reference (largest difference %d)", 100*share, worst)
			}
			t.Logf("within 1 grey level: %.4f%%, largest difference %d", 100*share, worst)
		})
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
	if len(b.Images) != 85 || strings.Count(b.Prompt, core.ImagePlaceholder) != 85 {
		t.Fatalf("%d images, %d placeholders", len(b.Images), strings.Count(b.Prompt, core.ImagePlaceholder))
	}
	if !strings.HasPrefix(b.Prompt, "You are an instructor teaching medical students.") {
		t.Errorf("prompt should start with the instruction: %.80q", b.Prompt)
	}
	rest := b.Prompt[strings.Index(b.Prompt, core.ImagePlaceholder):]
	for i := 1; i <= 85; i++ {
		want := fmt.Sprintf("%sSLICE %d", core.ImagePlaceholder, i)
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
	want := []string{"medgemma-1.5-ct", "medgemma-1.5-ct-lossless", "medgemma-1.5-ct-report-windows", "medgemma-1.5-cxr-localize",
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
	// Earlier versions stay reachable as NAME@VERSION, with their own
	// hash; the current one too; an unknown version lists the known ones.
	old, err := l.Get("medgemma-1.5-ct@1")
	if err != nil || old.Version != "1" || old.Encoding.Codec != CodecPNG || old.Images.Order != "" || old.Hash() == get(t, "medgemma-1.5-ct").Hash() {
		t.Errorf("medgemma-1.5-ct@1: %+v, %v", old, err)
	}
	if cur, err := l.Get("medgemma-1.5-ct@2"); err != nil || cur != get(t, "medgemma-1.5-ct") && cur.Hash() != get(t, "medgemma-1.5-ct").Hash() {
		t.Errorf("medgemma-1.5-ct@2: %v", err)
	}
	if _, err := l.Get("medgemma-1.5-ct@9"); err == nil || !strings.Contains(err.Error(), "medgemma-1.5-ct@1, medgemma-1.5-ct@2") {
		t.Errorf("unknown version: %v", err)
	}
	for _, o := range OldBuiltins() {
		if cur := get(t, o.Name); cur.Version == o.Version || cur.Hash() == o.Hash() {
			t.Errorf("%s@%s is kept as old but is the current version", o.Name, o.Version)
		}
	}
	// Sampling out of the runtime's range is refused when read, naming the
	// field (issue 26, item 16).
	for _, bad := range []string{`"temperature": -1e308`, `"temperature": 1e9`, `"num_predict": -5`, `"num_predict": 100000000`} {
		js := strings.Replace(mine, `"prompt":{`, `"sampling":{`+bad+`},"prompt":{`, 1)
		if _, err := Parse("bad.json", []byte(js)); err == nil || !strings.Contains(err.Error(), "sampling.") {
			t.Errorf("sampling {%s}: %v, want a refusal naming the field", bad, err)
		}
	}
	if _, err := Parse("ok.json", []byte(strings.Replace(mine, `"prompt":{`, `"sampling":{"temperature":0.7,"num_predict":512},"prompt":{`, 1))); err != nil {
		t.Errorf("sound sampling refused: %v", err)
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

// BenchmarkCTRecipe makes the medgemma-1.5-ct inputs of a 300-slice CT of
// 512×512 slices (85 images), and the lossless variant's, in one process.
func BenchmarkCTRecipe(b *testing.B) {
	dir := b.TempDir()
	v := ctVolume(300)
	v.Rows, v.Cols = 512, 512
	if _, err := v.Write(dir); err != nil {
		b.Fatal(err)
	}
	series, _, err := dicomview.OpenSeries(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"medgemma-1.5-ct", "medgemma-1.5-ct-lossless", "medgemma-1.5-ct@1"} {
		r, err := Open("").Get(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				if _, err := Build(r, []Input{{Path: dir, Series: series[0]}}, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestBuildEachEqualsBuild: opening the inputs one at a time (BuildEach,
// what the command line does so that many large images are held one at a
// time) sends the same images, labels and text as Build over all of
// them, and opens the next input only after the last one's images.
func TestBuildEachEqualsBuild(t *testing.T) {
	dir := t.TempDir()
	var inputs []Input
	for i, name := range []string{"a.png", "b.png", "c.jpg"} {
		f := radiograph(t, dir, name, 300+40*i, 260, i == 1)
		series, _, err := dicomview.OpenSeries(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, Input{Path: f, Series: series[0]})
	}
	for _, name := range []string{Plain, "medgemma-cxr"} {
		r := get(t, name)
		o := Options{Prompt: "Describe", Slices: 1}
		all, err := Build(r, inputs, o)
		if err != nil {
			t.Fatal(err)
		}
		opened := 0
		each, err := BuildEach(r, len(inputs), func(i int) (Input, error) {
			if opened != i {
				t.Errorf("input %d opened after %d", i, opened)
			}
			opened++
			return inputs[i], nil
		}, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(each.Images) != len(all.Images) || each.Prompt != all.Prompt || each.Options != all.Options {
			t.Fatalf("%s: %d images, prompt %q; Build: %d, %q", name, len(each.Images), each.Prompt, len(all.Images), all.Prompt)
		}
		for i := range all.Images {
			if each.Images[i].SHA256 != all.Images[i].SHA256 || each.Images[i].Label != all.Images[i].Label {
				t.Errorf("%s image %d: %s %q, Build %s %q", name, i, each.Images[i].SHA256, each.Images[i].Label, all.Images[i].SHA256, all.Images[i].Label)
			}
		}
	}
}
