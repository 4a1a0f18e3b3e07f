package dicomview

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// TestMatchesDcmtk compares renders with dcmtk's dcm2pnm, the reference
// DICOM toolkit, (Debian package dcmtk, installed by scripts/setup.sh). Pixels may
// differ by 1 where dcmtk truncates and we round.
func TestMatchesDcmtk(t *testing.T) {
	dcm2pnm, err := exec.LookPath("dcm2pnm")
	if err != nil {
		t.Fatal("dcm2pnm (Debian package dcmtk), the reference renderer, is not installed: run scripts/setup.sh")
	}
	tests := []struct {
		file  string
		frame int
		// fileWindow: dcm2pnm --use-window 1 against the file's first
		// window; else --min-max-window against DefaultWindow's fallback.
		fileWindow bool
	}{
		{"1.dcm", 1, true}, {"1.dcm", 1, false},
		{"2.dcm", 1, true}, {"2.dcm", 1, false},
		{"3.dcm", 1, true}, {"3.dcm", 1, false},
		{"4.dcm", 1, true}, {"4.dcm", 1, false},
		// dcmtk 3.6.7 does not read windows from functional groups.
		{"5.dcm", 1, false}, {"5.dcm", 2, false},
		{"testdata/3_explicit_big_endian.dcm", 1, true},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/frame%d/file-window=%v", filepath.Base(tt.file), tt.frame, tt.fileWindow)
		t.Run(name, func(t *testing.T) {
			path := tt.file
			if filepath.Dir(path) == "." {
				path = dicomtest.File(t, tt.file)
			}
			im, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			w := minMaxWindow(minMax(im.modality(tt.frame)))
			args := []string{"--write-png", "--frame", fmt.Sprint(tt.frame)}
			if tt.fileWindow {
				w = im.Windows[0]
				args = append(args, "--use-window", "1")
			} else {
				args = append(args, "--min-max-window")
			}
			out := filepath.Join(t.TempDir(), "ref.png")
			if b, err := exec.Command(dcm2pnm, append(args, path, out)...).CombinedOutput(); err != nil {
				t.Fatalf("dcm2pnm: %v\n%s", err, b)
			}
			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ref, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := im.Render(tt.frame, w)
			if err != nil {
				t.Fatal(err)
			}
			g := got.(*image.Gray)
			r, ok := ref.(*image.Gray)
			if !ok {
				t.Fatalf("dcm2pnm wrote a %T, want *image.Gray", ref)
			}
			if r.Bounds() != g.Bounds() {
				t.Fatalf("dcmtk image is %v, ours %v", r.Bounds(), g.Bounds())
			}
			maxDiff, differing := 0, 0
			for i := range g.Pix {
				if d := diff(r.Pix[i], g.Pix[i]); d > 0 {
					differing++
					maxDiff = max(maxDiff, d)
				}
			}
			t.Logf("window %v: max difference %d, %d of %d pixels differ", w, maxDiff, differing, len(g.Pix))
			if maxDiff > 1 {
				t.Errorf("max difference from dcm2pnm is %d, want at most 1", maxDiff)
			}
		})
	}
}
