package app

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
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
