package inference

import (
	"errors"
	"fmt"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"os"
	"os/exec"
	"path/filepath"
)

// ErrRuntimeNotFound is returned when no Ollama binary can be found for the
// managed runtime.
var ErrRuntimeNotFound = errors.New("ollama runtime not found")

// FindBinary locates the ollama binary: explicit, then a bundle's runtime
// beside the executable (see [BundledBinary]), then the project's build
// (build/ollama/ollama above the executable or the working directory),
// then PATH. Without one, the error says what to run ([RuntimeHelp]).
func FindBinary(explicit string) (string, error) {
	if explicit != "" {
		if isExecutable(explicit) {
			return explicit, nil
		}
		return "", fmt.Errorf("%w: %s is not an executable file; fix --ollama-bin, or %s", ErrRuntimeNotFound, explicit, RuntimeHelp())
	}
	if p := BundledBinary(); p != "" {
		return p, nil
	}
	if p := sourceTreeBinary(); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("ollama"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w: %s, or pass --ollama-url to use a running server", ErrRuntimeNotFound, RuntimeHelp())
}

// BundleRuntimeDir is where a bundle (scripts/package.sh) keeps the
// runtime, beside the workbench binary: runtime/ollama/ollama and its
// backends in runtime/lib/ollama, as build/ holds them in the source tree
// (Ollama finds ../lib/ollama from its own folder).
const BundleRuntimeDir = "runtime"

// exeDir is the folder of the running executable, links resolved; "" if
// unknown.
func exeDir() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	return filepath.Dir(exe)
}

// BundledBinary is the runtime a bundle carries beside the executable:
// <exe dir>/runtime/ollama/ollama, or, installed under a prefix,
// <prefix>/lib/medgemma-workbench/runtime/ollama/ollama with the
// executable in <prefix>/bin. "" when there is none.
func BundledBinary() string {
	d := exeDir()
	if d == "" {
		return ""
	}
	for _, p := range []string{
		filepath.Join(d, BundleRuntimeDir, "ollama", "ollama"),
		filepath.Join(d, "..", "lib", "medgemma-workbench", BundleRuntimeDir, "ollama", "ollama"),
	} {
		if isExecutable(p) {
			return filepath.Clean(p)
		}
	}
	return ""
}

// sourceTreeBinary is build/ollama/ollama in a folder above the executable
// or the working directory (a source checkout after scripts/setup.sh).
func sourceTreeBinary() string {
	for _, dir := range searchStarts() {
		if p := filepath.Join(dir, "build", "ollama", "ollama"); isExecutable(p) {
			return p
		}
	}
	return ""
}

// searchStarts are the executable's folder and the working directory
// and every folder above them.
func searchStarts() []string {
	var starts, out []string
	if d := exeDir(); d != "" {
		starts = append(starts, d)
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, s := range starts {
		for dir := s; ; dir = filepath.Dir(dir) {
			out = append(out, dir)
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return out
}

// SourceTree is the medgemma-workbench checkout above the executable or
// the working directory (the folder holding scripts/setup.sh), or "".
func SourceTree() string {
	for _, dir := range searchStarts() {
		if isExecutable(filepath.Join(dir, core.SetupCommand)) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir
			}
		}
	}
	return ""
}

// InstallCommand installs the Ollama version the workbench manages onto
// PATH, where [FindBinary] finds it, with Ollama's own installer.
const InstallCommand = "curl -fsSL https://ollama.com/install.sh | OLLAMA_VERSION=" + core.RuntimeVersion + " sh"

// RuntimeHelp says how to get the runtime: in a source checkout, the
// command that builds it there; elsewhere (a `go install`ed binary), the
// command that installs Ollama onto PATH, or the bundle that carries it.
func RuntimeHelp() string {
	if dir := SourceTree(); dir != "" {
		return fmt.Sprintf("run %s to build Ollama %s into %s", filepath.Join(dir, core.SetupCommand), core.RuntimeVersion, filepath.Join(dir, "build", "ollama"))
	}
	return fmt.Sprintf("install Ollama %s with `%s` (it puts ollama on PATH), use the medgemma-workbench bundle (it carries the runtime in %s/ beside the binary), or build it in a source checkout with %s",
		core.RuntimeVersion, InstallCommand, BundleRuntimeDir, core.SetupCommand)
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
