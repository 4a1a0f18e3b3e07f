package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestBundleCarriesItsRuntime builds the bundle with scripts/package.sh
// --bundle-only, unpacks it in a temporary folder outside the source
// tree, with no ollama on PATH, and runs it there: doctor finds the
// runtime beside the binary, the demo model installs, ask answers, and
// doctor then says everything is here (exit 0). The bare binary moved
// elsewhere alone finds no runtime and its doctor says the command that
// gets one (exit 1).
func TestBundleCarriesItsRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the bundle")
	}
	if _, err := os.Stat(filepath.Join("..", "build", "ollama", "ollama")); err != nil {
		t.Skip("no build/ollama/ollama: run scripts/setup.sh")
	}
	dist := t.TempDir()
	start := time.Now()
	pkg := exec.Command("scripts/package.sh", "--bundle-only")
	pkg.Dir = ".."
	// The package's own build (-trimpath, stripped) misses the build cache
	// the tests share: the binary the other tests run is packed instead.
	pkg.Env = append(os.Environ(), "DIST="+dist, "WORKBENCH_BIN="+binary(t))
	if out, err := pkg.CombinedOutput(); err != nil {
		t.Fatalf("package.sh: %v\n%s", err, out)
	}
	t.Logf("package.sh --bundle-only: %s", time.Since(start).Round(time.Millisecond))
	tarball, _ := filepath.Glob(filepath.Join(dist, "medgemma-workbench-linux-*.tar.gz"))
	if len(tarball) != 1 {
		t.Fatalf("bundle: %v", tarball)
	}
	place := t.TempDir()
	if out, err := exec.Command("tar", "-C", place, "-xzf", tarball[0]).CombinedOutput(); err != nil {
		t.Fatalf("untar: %v %s", err, out)
	}
	exe := filepath.Join(place, "medgemma-workbench", "medgemma-workbench")
	data := filepath.Join(place, "data")
	run := func(bin string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--data-dir", data}, args...)...)
		cmd.Dir = place // outside the source tree
		cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + place}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s %v: exit %d\n%s", filepath.Base(filepath.Dir(bin)), args, code, stderr.String())
		return stdout.String(), code
	}
	doctor := func(bin string) (doctorReport, int) {
		t.Helper()
		out, code := run(bin, "doctor", "--json")
		var rep doctorReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("doctor --json printed %q: %v", out, err)
		}
		return rep, code
	}

	rep, code := doctor(exe)
	wantBin := filepath.Join(place, "medgemma-workbench", "runtime", "ollama", "ollama")
	if !rep.Runtime.Found || rep.Runtime.Source != "bundle" || rep.Runtime.Path != wantBin || rep.Runtime.Version != core.RuntimeVersion ||
		code != 1 || rep.OK || len(rep.Models.Names) != 0 || !strings.Contains(rep.Models.Fix, "models demo") {
		t.Errorf("doctor of the bundle before a model (exit %d): %+v", code, rep)
	}
	if _, code := run(exe, "models", "demo"); code != 0 {
		t.Fatal("models demo failed")
	}
	out, code := run(exe, "ask", "--model", core.DemoModelName, "--prompt", "Hello", "--num-predict", "4", "--json")
	var a askJSON
	if code != 0 || json.Unmarshal([]byte(out), &a) != nil || a.Status != "ok" || a.RuntimeVersion != core.RuntimeVersion {
		t.Fatalf("ask with the bundle: exit %d, %s", code, out)
	}
	rep, code = doctor(exe)
	if code != 0 || !rep.OK || len(rep.Models.Names) == 0 || !strings.HasPrefix(rep.Models.Names[0], core.DemoModelName) ||
		rep.Runtime.Support == nil || !rep.Runtime.Support.Supported || len(rep.Runtime.Support.Missing) != 0 || rep.Runtime.Fix != "" {
		t.Errorf("doctor of the bundle with the demo model (exit %d): %+v", code, rep)
	}

	// The binary alone, as `go install` leaves it.
	bare := filepath.Join(t.TempDir(), "medgemma-workbench")
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bare, b, 0o755)
	rep, code = doctor(bare)
	if code != 1 || rep.OK || rep.Runtime.Found || !strings.Contains(rep.Runtime.Fix, inference.InstallCommand) {
		t.Errorf("doctor of the bare binary (exit %d): %+v", code, rep.Runtime)
	}
	if _, code := run(bare, "ask", "--model", core.DemoModelName, "--prompt", "Hello"); code == 0 {
		t.Error("ask with no runtime succeeded")
	}
}
