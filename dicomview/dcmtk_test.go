package dicomview

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// variant is a re-encoding of a sample file made by a reference toolkit.
type variant struct {
	name   string
	ts     string   // the transfer syntax the encoder must produce
	encode []string // encoder command (input and output files appended); nil: the file itself
	decode []string // the toolkit's own decoder back to native; nil: dcm2pnm reads it directly
	lossy  bool     // compared with the toolkit's decode, not the original
	// unsigned: the encoder refuses signed data (dcmcjpls near-lossless).
	unsigned bool
}

// conformanceVariants are made by dcmtk's encoders (Debian dcmtk) and
// GDCM's gdcmconv (Debian libgdcm-tools), both installed by setup.sh.
var conformanceVariants = []variant{
	{name: "native"},
	{name: "deflated", ts: tsDeflated, encode: []string{"dcmconv", "+td"}},
	{name: "rle", ts: tsRLE, encode: []string{"dcmcrle"}, decode: []string{"dcmdrle"}},
	{name: "jpeg-lossless-sv1", ts: tsJPEGLosslessSV, encode: []string{"dcmcjpeg", "+e1"}, decode: []string{"dcmdjpeg"}},
	{name: "jpeg-lossless-sv6", ts: tsJPEGLossless, encode: []string{"dcmcjpeg", "+el", "+sv", "6"}, decode: []string{"dcmdjpeg"}},
	{name: "jpeg-lossless-sv7-fragments", ts: tsJPEGLossless, encode: []string{"dcmcjpeg", "+el", "+sv", "7", "+fs", "8", "-ot"}, decode: []string{"dcmdjpeg"}},
	{name: "jpeg-baseline", ts: tsJPEGBaseline, encode: []string{"dcmcjpeg", "+eb"}, decode: []string{"dcmdjpeg"}, lossy: true},
	{name: "jpeg-extended", ts: tsJPEGExtended, encode: []string{"dcmcjpeg", "+ee"}, decode: []string{"dcmdjpeg"}, lossy: true},
	{name: "jpeg-ls", ts: tsJPEGLS, encode: []string{"dcmcjpls"}, decode: []string{"dcmdjpls"}},
	{name: "jpeg-ls-near", ts: tsJPEGLSNear, encode: []string{"dcmcjpls", "+en"}, decode: []string{"dcmdjpls"}, lossy: true, unsigned: true},
	{name: "j2k", ts: tsJ2KLossless, encode: []string{"gdcmconv", "--j2k"}, decode: []string{"gdcmconv", "--raw"}},
	{name: "j2k-lossy", ts: tsJ2K, encode: []string{"gdcmconv", "--j2k", "--lossy", "-r", "10"}, decode: []string{"gdcmconv", "--raw"}, lossy: true},
}

// TestMatchesDcmtk renders every sample file, and every re-encoding of it
// in conformanceVariants, with the same window as dcmtk's dcm2pnm (the
// reference DICOM renderer) renders the toolkit's own decode, and requires
// at least 99.9% of pixels to agree within 1 grey level (dcmtk truncates
// where we round). Lossless variants must also decode to exactly the
// original modality values.
func TestMatchesDcmtk(t *testing.T) {
	for _, tool := range []string{"dcm2pnm", "dcmconv", "dcmcrle", "dcmdrle", "dcmcjpeg", "dcmdjpeg", "dcmcjpls", "dcmdjpls", "gdcmconv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s, a reference tool (Debian dcmtk or libgdcm-tools), is not installed: run scripts/setup.sh", tool)
		}
	}
	files := []string{"1.dcm", "2.dcm", "3.dcm", "4.dcm", "5.dcm", "testdata/3_explicit_big_endian.dcm"}
	for _, file := range files {
		path := file
		if filepath.Dir(path) == "." {
			path = dicomtest.File(t, file)
		}
		orig, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range conformanceVariants {
			if v.unsigned && orig.layout.signed {
				continue
			}
			t.Run(filepath.Base(file)+"/"+v.name, func(t *testing.T) {
				t.Parallel()
				conformance(t, orig, v)
			})
		}
	}
}

func conformance(t *testing.T, orig *Image, v variant) {
	dir := t.TempDir()
	enc, ref := orig.Path, orig.Path
	if v.encode != nil {
		enc = filepath.Join(dir, "enc.dcm")
		run(t, append(v.encode, orig.Path, enc)...)
		ref = enc
	}
	if v.decode != nil {
		ref = filepath.Join(dir, "ref.dcm")
		run(t, append(v.decode, enc, ref)...)
	}
	im, err := Load(enc)
	if err != nil {
		t.Fatal(err)
	}
	if v.ts != "" && im.TransferSyntax != v.ts {
		t.Fatalf("the encoder wrote transfer syntax %s, want %s", im.TransferSyntax, v.ts)
	}
	if im.Frames != orig.Frames || im.Width != orig.Width || im.Height != orig.Height {
		t.Fatalf("decoded %d×%d×%d, original %d×%d×%d", im.Width, im.Height, im.Frames, orig.Width, orig.Height, orig.Frames)
	}
	for frame := 1; frame <= im.Frames; frame++ {
		if !v.lossy {
			got, want := im.mustModality(frame), orig.mustModality(frame)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("frame %d pixel %d: modality value %v, original %v", frame, i, got[i], want[i])
				}
			}
		}
		compareDcmtk(t, im, ref, frame, false)
		// dcmtk 3.6.7 does not read windows from functional groups, and a
		// lossy re-encoding may rewrite them.
		if len(im.Windows) > 0 && orig.Info.Modality != "CT" && !v.lossy {
			compareDcmtk(t, im, ref, frame, true)
		}
	}
}

// compareDcmtk renders frame of im and ref (dcm2pnm) with the file's first
// window or with the min-max window, and compares them.
func compareDcmtk(t *testing.T, im *Image, ref string, frame int, fileWindow bool) {
	t.Helper()
	w := minMaxWindow(minMax(im.mustModality(frame)))
	args := []string{"dcm2pnm", "--write-png", "--frame", fmt.Sprint(frame)}
	if fileWindow {
		w = im.Windows[0]
		args = append(args, "--use-window", "1")
	} else {
		args = append(args, "--min-max-window")
	}
	out := filepath.Join(t.TempDir(), "ref.png")
	run(t, append(args, ref, out)...)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	refImg, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := im.Render(frame, w)
	if err != nil {
		t.Fatal(err)
	}
	g := got.(*image.Gray)
	r, ok := refImg.(*image.Gray)
	if !ok {
		t.Fatalf("dcm2pnm wrote a %T, want *image.Gray", refImg)
	}
	if r.Bounds() != g.Bounds() {
		t.Fatalf("dcmtk image is %v, ours %v", r.Bounds(), g.Bounds())
	}
	maxDiff, off := 0, 0
	for i := range g.Pix {
		d := diff(r.Pix[i], g.Pix[i])
		maxDiff = max(maxDiff, d)
		if d > 1 {
			off++
		}
	}
	agree := 1 - float64(off)/float64(len(g.Pix))
	t.Logf("frame %d, window %v: %.4f%% of pixels within 1 grey level, max difference %d", frame, w, 100*agree, maxDiff)
	if agree < 0.999 {
		t.Errorf("frame %d, window %v: only %.4f%% of pixels within 1 grey level of dcm2pnm, want ≥ 99.9%% (max difference %d)", frame, w, 100*agree, maxDiff)
	}
}

// run runs a reference tool and fails the test if it fails.
func run(t testing.TB, args ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs a reference toolkit (dcmtk, gdcm)")
	}
	cmd := exec.Command(args[0], args[1:]...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, b)
	}
}
