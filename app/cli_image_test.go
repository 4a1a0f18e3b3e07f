package app

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// TestPrepareCT3AndCompressedRender runs prepare --encoding ct3 and render
// on a JPEG-LS file made by dcmtk, as a script would.
func TestPrepareCT3AndCompressedRender(t *testing.T) {
	dir := t.TempDir()
	ct := dicomtest.File(t, "5.dcm")
	out, err := runCLI("prepare", ct, "--frame", "2", "--encoding", "ct3", "--out", filepath.Join(dir, "ct3.png"), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Encoding string `json:"encoding"`
		Frame    int    `json:"frame"`
		Windows  []struct{ Center, Width float64 }
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if p.Encoding != "ct3" || p.Frame != 2 || len(p.Windows) != 3 || p.Windows[2].Center != 40 || p.Windows[2].Width != 80 {
		t.Errorf("prepare --encoding ct3 --json = %s", out)
	}
	for _, bad := range [][]string{
		{"prepare", ct, "--out", filepath.Join(dir, "x.png"), "--encoding", "ct3", "--window", "40,400"},
		{"prepare", ct, "--out", filepath.Join(dir, "x.png"), "--encoding", "ct9"},
		{"prepare", dicomtest.File(t, "4.dcm"), "--out", filepath.Join(dir, "x.png"), "--encoding", "ct3"},
	} {
		if _, err := runCLI(bad...); ExitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", bad, ExitCode(err), err)
		}
	}

	jls := filepath.Join(dir, "3-jpegls.dcm")
	if b, err := exec.Command("dcmcjpls", dicomtest.File(t, "3.dcm"), jls).CombinedOutput(); err != nil {
		t.Fatalf("dcmcjpls (Debian dcmtk; run scripts/setup.sh): %v %s", err, b)
	}
	out, err = runCLI("render", jls, "--out", filepath.Join(dir, "r.png"), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var r struct{ Width, Height int }
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Width != 176 || r.Height != 176 {
		t.Errorf("render of a JPEG-LS file: %s (%v)", out, err)
	}
}

// seriesFolder builds a study folder from the dicom module's sample files
// with dcmtk's dcmodify: a PET series of four slices (1.dcm and 2.dcm,
// each also copied to a second position; 2.dcm joins 1.dcm's series) and
// an MR series of one slice (3.dcm), plus a text file to skip. Along the
// patient axis the PET slices are 2.dcm, its copy, 1.dcm's copy, 1.dcm.
func seriesFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	const petUID = "1.3.6.1.4.1.14519.5.2.1.7009.2401.156320467167446933671661793694"
	files := []struct {
		src, dst string
		mods     []string
	}{
		{"1.dcm", "pet/a.dcm", nil},
		{"1.dcm", "pet/b.dcm", []string{`(0020,0032)=-342.11083849009\-528.74934994385\-500`, "(0020,0013)=61", "(0008,0018)=1.2.826.0.1.3680043.9.7.1"}},
		{"2.dcm", "pet/c.dcm", []string{"(0020,000e)=" + petUID, `(0020,0032)=-342.13771999955\-510.62771999046\-700`, "(0008,0018)=1.2.826.0.1.3680043.9.7.2"}},
		{"2.dcm", "pet/d.dcm", []string{"(0020,000e)=" + petUID}},
		{"3.dcm", "mr/e.dcm", nil},
	}
	for _, f := range files {
		p := dicomtest.CopyTo(t, f.src, filepath.Join(dir, f.dst))
		if len(f.mods) == 0 {
			continue
		}
		args := []string{"-nb"}
		for _, m := range f.mods {
			args = append(args, "-m", m)
		}
		if b, err := exec.Command("dcmodify", append(args, p)...).CombinedOutput(); err != nil {
			t.Fatalf("dcmodify (Debian dcmtk; run scripts/setup.sh): %v %s", err, b)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// zipFolder writes the files under dir into a ZIP archive and returns
// its path.
func zipFolder(t *testing.T, dir string) string {
	t.Helper()
	zpath := filepath.Join(t.TempDir(), "study.zip")
	f, err := os.Create(zpath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return zpath
}

type sliceJSON struct {
	SHA256   string    `json:"sha256"`
	Slice    int       `json:"slice"`
	Slices   int       `json:"slices"`
	Label    string    `json:"label"`
	Position []float64 `json:"position"`
	Source   string    `json:"source"`
	Out      string    `json:"out"`
	Width    int       `json:"width"`
}

// TestPrepareRenderSeries runs prepare and render on a folder, a ZIP and
// a DICOMDIR of two series, choosing the series and slice, and prepare
// --slices on the PET series.
func TestPrepareRenderSeries(t *testing.T) {
	dir := seriesFolder(t)
	if err := os.WriteFile(filepath.Join(dir, "DICOMDIR"), []byte("index"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	png := filepath.Join(out, "x.png")

	// The reference: each sample file prepared on its own.
	single := func(name string) string {
		t.Helper()
		o, err := runCLI("prepare", dicomtest.File(t, name), "--out", png, "--json")
		if err != nil {
			t.Fatal(err)
		}
		var p sliceJSON
		if err := json.Unmarshal([]byte(o), &p); err != nil {
			t.Fatal(err)
		}
		return p.SHA256
	}
	sha1, sha2, sha3 := single("1.dcm"), single("2.dcm"), single("3.dcm")

	for _, path := range []string{dir, zipFolder(t, dir), filepath.Join(dir, "DICOMDIR")} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, err := runCLI("prepare", path, "--out", png)
			if ExitCode(err) != 2 || !strings.Contains(err.Error(), "2 series") || !strings.Contains(err.Error(), "4 slices") {
				t.Fatalf("prepare of two series without --series: exit %d, %v; want 2 and a list of the series", ExitCode(err), err)
			}
			for _, tt := range []struct {
				args []string
				want string
			}{
				{[]string{"--series", "1"}, sha3}, // MR sorts before PT
				{[]string{"--series", "2"}, sha2}, // the first slice along the axis
				{[]string{"--series", "2", "--slice", "4"}, sha1},
				{[]string{"--series", "1.3.6.1.4.1.14519.5.2.1.7009.2401.156320467167446933671661793694", "--slice", "1"}, sha2},
			} {
				o, err := runCLI(append([]string{"prepare", path, "--out", png, "--json"}, tt.args...)...)
				if err != nil {
					t.Fatalf("%v: %v", tt.args, err)
				}
				var p sliceJSON
				if err := json.Unmarshal([]byte(o), &p); err != nil || p.SHA256 != tt.want {
					t.Errorf("prepare %v: sha %s (%v), want %s", tt.args, p.SHA256, err, tt.want)
				}
			}
			for _, bad := range [][]string{
				{"--series", "3"}, {"--series", "1.2.3"}, {"--series", "2", "--slice", "5"},
				{"--series", "2", "--slice", "1", "--frame", "1"}, {"--series", "2", "--frame", "2"},
			} {
				if _, err := runCLI(append([]string{"prepare", path, "--out", png}, bad...)...); ExitCode(err) != 2 {
					t.Errorf("prepare %v: exit %d (%v), want 2", bad, ExitCode(err), err)
				}
			}
			o, err := runCLI("render", path, "--series", "2", "--slice", "2", "--out", png, "--json")
			var r struct {
				Width, Height int
				Frame         int
			}
			if err != nil || json.Unmarshal([]byte(o), &r) != nil || r.Width != 168 || r.Height != 168 || r.Frame != 1 {
				t.Errorf("render --slice 2: %s (%v), want a 168×168 PET slice", o, err)
			}
		})
	}

	t.Run("slices", func(t *testing.T) {
		dst := filepath.Join(out, "sampled")
		o, err := runCLI("prepare", dir, "--series", "2", "--slices", "3", "--out-dir", dst, "--json")
		if err != nil {
			t.Fatal(err)
		}
		var lines []sliceJSON
		for _, l := range strings.Split(strings.TrimSpace(o), "\n") {
			var p sliceJSON
			if err := json.Unmarshal([]byte(l), &p); err != nil {
				t.Fatalf("%v: %q", err, l)
			}
			lines = append(lines, p)
		}
		if len(lines) != 3 {
			t.Fatalf("--slices 3 printed %d lines, want 3:\n%s", len(lines), o)
		}
		wantZ := []float64{-992, -500, -278.5} // slices 1, 3 (2.5 rounded up) and 4 of 4
		for i, p := range lines {
			if len(p.Position) != 3 || p.Position[2] != wantZ[i] || p.Slices != 4 || p.Width != 896 ||
				p.Label != fmt.Sprintf("slice %d of 4", p.Slice) || filepath.Base(p.Out) != fmt.Sprintf("slice-%d.png", p.Slice) {
				t.Errorf("line %d = %+v, want position z %v", i, p, wantZ[i])
			}
			data, err := os.ReadFile(p.Out)
			if err != nil {
				t.Fatal(err)
			}
			if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != p.SHA256 {
				t.Errorf("%s: the file's SHA-256 differs from the one printed", p.Out)
			}
		}
		if lines[0].SHA256 != sha2 || lines[2].SHA256 != sha1 {
			t.Errorf("first and last sampled slices are not 2.dcm and 1.dcm")
		}
		for _, bad := range [][]string{
			{"--slices", "3"}, {"--out-dir", dst}, {"--slices", "0", "--out-dir", dst},
			{"--slices", "2", "--out-dir", dst, "--out", png}, {"--slices", "2", "--out-dir", dst, "--slice", "1"},
		} {
			if _, err := runCLI(append([]string{"prepare", dir, "--series", "2"}, bad...)...); ExitCode(err) != 2 {
				t.Errorf("prepare %v: exit %d (%v), want 2", bad, ExitCode(err), err)
			}
		}
	})

	// ask checks its images before starting anything: a folder of two
	// series is bad input.
	if _, err := runCLI("ask", "--prompt", "x", "--image", dir, "--slices", "2"); ExitCode(err) != 2 || !strings.Contains(err.Error(), "2 series") {
		t.Errorf("ask --image of two series: exit %d (%v), want 2", ExitCode(err), err)
	}
}
