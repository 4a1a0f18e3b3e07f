package dicomview

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ollama/ollama/model/imageproc"
)

// pillowScript is Pillow itself doing what the stages under test claim to
// do (Debian python3-pil, linked with the same libjpeg-turbo): for each job
// of a JSON list it reads IN (raw bytes, W×H, mode L or RGB) and writes
// OUT: "jpeg" Image.save(format="jpeg") with no options, "decode"
// Image.open(IN as a JPEG) raw, "resize" Image.resize((OW, OH),
// Image.BILINEAR) raw.
const pillowScript = `
import io, json, sys
from PIL import Image
for j in json.load(open(sys.argv[1])):
    if j["op"] == "decode":
        im = Image.open(j["in"])
        im.load()
        open(j["out"], "wb").write(im.tobytes())
        continue
    im = Image.frombytes(j["mode"], (j["w"], j["h"]), open(j["in"], "rb").read())
    if j["op"] == "jpeg":
        buf = io.BytesIO()
        im.save(buf, format="jpeg")
        open(j["out"], "wb").write(buf.getvalue())
    else:
        open(j["out"], "wb").write(im.resize((j["ow"], j["oh"]), Image.BILINEAR).tobytes())
`

type pillowJob struct {
	Op     string `json:"op"`
	In     string `json:"in"`
	Out    string `json:"out"`
	Mode   string `json:"mode,omitempty"`
	W      int    `json:"w,omitempty"`
	H      int    `json:"h,omitempty"`
	OW     int    `json:"ow,omitempty"`
	OH     int    `json:"oh,omitempty"`
	pixels Pixels
}

// runPillow runs the jobs with Debian's Pillow.
func runPillow(t *testing.T, jobs []pillowJob) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts python3 (Pillow), the reference")
	}
	dir := t.TempDir()
	list := filepath.Join(dir, "jobs.json")
	b, _ := json.Marshal(jobs)
	if err := os.WriteFile(list, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", pillowScript, list).CombinedOutput()
	if err != nil {
		t.Fatalf("Pillow (Debian python3-pil; run scripts/setup.sh): %v\n%s", err, out)
	}
}

// lesionPixels is a w×h test image with smooth gradients, a hard-edged disc
// (a lesion's edge, where JPEG and resizing differ most) and noise.
func lesionPixels(w, h, ch int) Pixels {
	p := Pixels{W: w, H: h, Channels: ch, Pix: make([]byte, w*h*ch)}
	seed := uint32(7)
	for y := range h {
		for x := range w {
			for c := range ch {
				seed = seed*1664525 + 1013904223
				v := (x*255/w + y*128/h + c*60) % 256
				dx, dy := x-w/3, y-h/2
				if dx*dx+dy*dy < (w/6)*(w/6) {
					v = 230 - c*40
				}
				v += int(seed>>29) - 4
				p.Pix[(y*w+x)*ch+c] = uint8(min(max(v, 0), 255))
			}
		}
	}
	return p
}

func writeRaw(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func modeOf(ch int) string { return map[int]string{1: "L", 3: "RGB"}[ch] }

// TestPillowJPEGBytesArePillows: the codec stage's JPEG is byte for byte
// the JPEG Pillow saves at its defaults, and decoding it gives Pillow's
// pixels, for an RGB CT slice (the notebook's case) and a grey image.
func TestPillowJPEGBytesArePillows(t *testing.T) {
	dir := t.TempDir()
	var jobs []pillowJob
	for _, tc := range []struct{ w, h, ch int }{{512, 512, 3}, {333, 201, 3}, {300, 257, 1}} {
		p := lesionPixels(tc.w, tc.h, tc.ch)
		name := fmt.Sprintf("%dx%dx%d", tc.w, tc.h, tc.ch)
		in := writeRaw(t, dir, name+".raw", p.Pix)
		jobs = append(jobs,
			pillowJob{Op: "jpeg", In: in, Out: in + ".jpg", Mode: modeOf(tc.ch), W: tc.w, H: tc.h, pixels: p},
			pillowJob{Op: "decode", In: in + ".jpg", Out: in + ".dec"})
	}
	runPillow(t, jobs)
	for i := 0; i < len(jobs); i += 2 {
		enc, dec := jobs[i], jobs[i+1]
		want, err := os.ReadFile(enc.Out)
		if err != nil {
			t.Fatal(err)
		}
		got, err := PillowJPEG(enc.pixels, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: our JPEG (%d bytes) is not Pillow's (%d bytes)", filepath.Base(enc.In), len(got), len(want))
		}
		if !bytes.HasPrefix(got, []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01")) {
			t.Errorf("%s: header % x, want JFIF 1.01, no density unit, 1:1", filepath.Base(enc.In), got[:20])
		}
		px, err := DecodePillowJPEG(want, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		wantPx, _ := os.ReadFile(dec.Out)
		if !bytes.Equal(px.Pix, wantPx) || px.Channels != enc.pixels.Channels {
			t.Errorf("%s: decoded pixels differ from Pillow's (%d×%d×%d)", filepath.Base(enc.In), px.W, px.H, px.Channels)
		}
		// And the JPEG is not lossless: the codec stage changes pixels.
		if bytes.Equal(px.Pix, enc.pixels.Pix) {
			t.Errorf("%s: JPEG round trip returned the input unchanged", filepath.Base(enc.In))
		}
	}
}

// TestResizeBilinearIsPillows: ResizeBilinear gives Pillow's BILINEAR
// bytes exactly, enlarging (a 512 CT slice to 896), reducing (a large
// radiograph: the filter widened) and mixed, grey and RGB.
func TestResizeBilinearIsPillows(t *testing.T) {
	dir := t.TempDir()
	var jobs []pillowJob
	for _, tc := range []struct{ w, h, ch, ow, oh int }{
		{512, 512, 3, 896, 896}, {40, 48, 3, 896, 896}, {2048, 2500, 1, 896, 896},
		{1000, 700, 3, 896, 896}, {700, 1000, 1, 896, 500}, {896, 600, 3, 896, 896}, {300, 896, 1, 896, 896},
	} {
		p := lesionPixels(tc.w, tc.h, tc.ch)
		in := writeRaw(t, dir, fmt.Sprintf("%dx%dx%d-%dx%d.raw", tc.w, tc.h, tc.ch, tc.ow, tc.oh), p.Pix)
		jobs = append(jobs, pillowJob{Op: "resize", In: in, Out: in + ".out", Mode: modeOf(tc.ch), W: tc.w, H: tc.h, OW: tc.ow, OH: tc.oh, pixels: p})
	}
	runPillow(t, jobs)
	for _, j := range jobs {
		want, err := os.ReadFile(j.Out)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ResizeBilinear(j.pixels, j.OW, j.OH)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Pix) != len(want) {
			t.Fatalf("%s: %d bytes, Pillow %d", filepath.Base(j.In), len(got.Pix), len(want))
		}
		diff, worst := 0, 0
		for i := range want {
			d := int(got.Pix[i]) - int(want[i])
			if d != 0 {
				diff++
				worst = max(worst, d, -d)
			}
		}
		if diff > 0 {
			t.Errorf("%s: %d of %d samples differ from Pillow's BILINEAR, by up to %d", filepath.Base(j.In), diff, len(want), worst)
		}
	}
}

// TestOllamaResizeIsIdentityAt896: the 896×896 PNG handed over passes
// through Ollama's own gemma3 preprocessing (image.Decode, then
// imageproc.Composite and imageproc.Resize to 896×896 with x/image/draw's
// BiLinear, model/models/gemma3/process_image.go) unchanged, grey or RGB:
// the model gets exactly the pixels the workbench made.
func TestOllamaResizeIsIdentityAt896(t *testing.T) {
	for _, ch := range []int{1, 3} {
		p := lesionPixels(ModelInputSize, ModelInputSize, ch)
		data, _, err := EncodePNG(p.Image())
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		out := imageproc.Resize(imageproc.Composite(img), image.Point{X: ModelInputSize, Y: ModelInputSize}, imageproc.ResizeBilinear)
		want := p.RGB()
		changed := 0
		for y := range ModelInputSize {
			for x := range ModelInputSize {
				r, g, b, _ := out.At(x, y).RGBA()
				o := 3 * (y*ModelInputSize + x)
				if uint8(r>>8) != want.Pix[o] || uint8(g>>8) != want.Pix[o+1] || uint8(b>>8) != want.Pix[o+2] {
					changed++
				}
			}
		}
		if changed > 0 {
			t.Errorf("%d channel(s): Ollama's resize changed %d of %d pixels of an 896×896 input", ch, changed, ModelInputSize*ModelInputSize)
		}
	}
	// The proof has teeth: a 512×512 input is changed by the same resize.
	p := lesionPixels(512, 512, 3)
	out := imageproc.Resize(imageproc.Composite(p.Image()), image.Point{X: ModelInputSize, Y: ModelInputSize}, imageproc.ResizeBilinear)
	ours, _ := ResizeBilinear(p, ModelInputSize, ModelInputSize)
	same := 0
	for y := range ModelInputSize {
		for x := range ModelInputSize {
			r, _, _, _ := out.At(x, y).RGBA()
			if uint8(r>>8) == ours.Pix[3*(y*ModelInputSize+x)] {
				same++
			}
		}
	}
	if same == ModelInputSize*ModelInputSize {
		t.Error("Ollama's BiLinear and Pillow's BILINEAR agree everywhere on an enlargement: the identity test proves nothing")
	}
	var _ = png.Decode // image.Decode needs the PNG decoder registered
}
