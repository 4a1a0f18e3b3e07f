package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"slices"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// This file is the doctor command: what this install of the workbench
// finds (the runtime and its backends, a GPU, the models, the data dir)
// and what to do about anything missing. It starts nothing: the runtime
// is asked its version, the models are read from its models folder.

const doctorUsage = "usage: medgemma-workbench doctor [--json]"

// doctorReport is what doctor finds; doctor --json prints it.
type doctorReport struct {
	// OK is true when everything a run needs was found: a runtime (or a
	// server that answers at --ollama-url), a writable data dir and a
	// model. A GPU is not needed.
	OK        bool            `json:"ok"`
	Workbench doctorWorkbench `json:"workbench"`
	Runtime   doctorRuntime   `json:"runtime"`
	GPU       doctorGPU       `json:"gpu"`
	DataDir   doctorCheck     `json:"data_dir"`
	Models    doctorModels    `json:"models"`
	// Problems are the missing things, each with what to do.
	Problems []string `json:"problems"`
	// Warnings are what is not missing but exposes the user's data: a
	// data dir others may read, other users logged in.
	Warnings []string `json:"warnings"`
}

type doctorWorkbench struct {
	Version    string `json:"version"`
	Go         string `json:"go"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	Executable string `json:"executable"`
}

type doctorRuntime struct {
	Found bool `json:"found"`
	// Source is where it was found: "bundle" (beside the binary),
	// "source tree" (build/ollama), "--ollama-bin", "PATH", or "attached"
	// (--ollama-url).
	Source  string `json:"source,omitempty"`
	Path    string `json:"path,omitempty"`
	URL     string `json:"url,omitempty"`
	Version string `json:"version,omitempty"`
	Want    string `json:"want_version"`
	// Support is what the version found supports (absent when no
	// version was found): below inference.OldestRuntimeVersion it is not
	// supported, and doctor counts that as a problem.
	Support *inference.RuntimeSupport `json:"support,omitempty"`
	// Backends are the compute libraries beside it (lib/ollama): the CPU
	// ones, and cuda_v12 or cuda_v13 where built.
	Backends []string `json:"backends"`
	Fix      string   `json:"fix,omitempty"`
}

type doctorGPU struct {
	NvidiaSMI string   `json:"nvidia_smi,omitempty"`
	GPUs      []string `json:"gpus"`
	Note      string   `json:"note,omitempty"`
}

type doctorCheck struct {
	Path string `json:"path"`
	OK   bool   `json:"ok"`
	Fix  string `json:"fix,omitempty"`
}

type doctorModels struct {
	Names []string `json:"names"`
	Fix   string   `json:"fix,omitempty"`
}

func (c *cli) doctor(args []string) error {
	fs := newFlags("doctor", &c.cfg)
	asJSON := fs.Bool("json", false, "print the findings as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("doctor: unexpected argument %q\n%s", pos[0], doctorUsage)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep := c.examine(ctx)
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		rep.write(c.stdout)
	}
	if !rep.OK {
		return fmt.Errorf("doctor: %d thing(s) missing (see above)", len(rep.Problems))
	}
	return nil
}

// examine finds what doctor reports.
func (c *cli) examine(ctx context.Context) doctorReport {
	exe, _ := os.Executable()
	rep := doctorReport{
		Workbench: doctorWorkbench{Version: Version, Go: goruntime.Version(), OS: goruntime.GOOS, Arch: goruntime.GOARCH, Executable: exe},
		Runtime:   doctorRuntime{Want: core.RuntimeVersion, Backends: []string{}},
		GPU:       doctorGPU{GPUs: []string{}},
		Models:    doctorModels{Names: []string{}},
		Problems:  []string{},
	}
	problem := func(s string) { rep.Problems = append(rep.Problems, s) }

	// The data dir.
	err := c.cfg.resolve()
	rep.DataDir.Path = c.cfg.DataDir
	if err == nil {
		err = writable(c.cfg.DataDir)
	}
	if rep.DataDir.OK = err == nil; !rep.DataDir.OK {
		rep.DataDir.Fix = fmt.Sprintf("the data dir is not writable (%v): give another with --data-dir DIR", err)
		problem(rep.DataDir.Fix)
	}
	rep.Warnings = append([]string{}, sharingWarnings(c.cfg.DataDir, "/proc")...)

	// The runtime: attached, or the binary the workbench would start.
	rt := &rep.Runtime
	if c.cfg.OllamaURL != "" {
		rt.Source = "attached"
		u, err := inference.ParseHost(c.cfg.OllamaURL)
		if err == nil {
			cl := inference.NewBearerClient(u, c.cfg.OllamaToken)
			rt.URL = cl.URL()
			rt.Version, err = cl.Version(ctx)
		}
		if rt.Found = err == nil; !rt.Found {
			rt.Fix = fmt.Sprintf("the server at --ollama-url does not answer (%v): start it, or drop --ollama-url to use the managed runtime", err)
			problem(rt.Fix)
		} else {
			checkSupport(rt, problem)
		}
	} else if p, err := inference.FindBinary(c.cfg.OllamaBin); err != nil {
		rt.Fix = strings.TrimPrefix(err.Error(), inference.ErrRuntimeNotFound.Error()+": ")
		problem("no Ollama runtime: " + rt.Fix)
	} else {
		rt.Found, rt.Path = true, p
		rt.Source = runtimeSource(c.cfg.OllamaBin, p)
		rt.Version = binaryVersion(ctx, p)
		rt.Backends = backends(p)
		checkSupport(rt, problem)
	}

	// A GPU: optional.
	if smi, err := exec.LookPath("nvidia-smi"); err == nil {
		rep.GPU.NvidiaSMI = smi
		out, err := exec.CommandContext(ctx, smi, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader").Output()
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				rep.GPU.GPUs = append(rep.GPU.GPUs, l)
			}
		}
		if err != nil || len(rep.GPU.GPUs) == 0 {
			rep.GPU.Note = "nvidia-smi is installed but lists no GPU (driver not loaded?); models run on the CPU"
		}
	} else {
		rep.GPU.Note = "no NVIDIA GPU (no nvidia-smi): models run on the CPU, a MedGemma 4B answer in tens of seconds"
	}
	if len(rep.GPU.GPUs) > 0 && rt.Found && rt.Source != "attached" && !slices.ContainsFunc(rt.Backends, func(b string) bool { return strings.HasPrefix(b, "cuda") }) {
		rep.GPU.Note = "a GPU is here but the runtime has no CUDA backend beside it (lib/ollama/cuda_v*): it runs on the CPU; " + cudaHelp()
	}

	// The models, from the managed runtime's models folder (an attached
	// server's are its own).
	if rt.Source != "attached" {
		rep.Models.Names = installedModels(filepath.Join(c.cfg.DataDir, "runtime", "models"))
		if len(rep.Models.Names) == 0 {
			rep.Models.Fix = "no models: run `medgemma-workbench models pull medgemma` (needs the internet) or `medgemma-workbench models demo` (offline, " + core.DemoModelLabel + ")"
			problem(rep.Models.Fix)
		}
	}
	rep.OK = len(rep.Problems) == 0
	return rep
}

// checkSupport says what the runtime's version supports: a version below
// the oldest supported one is a problem, with what to do; a supported one
// other than the managed version, or one lacking something, gets a note.
func checkSupport(rt *doctorRuntime, problem func(string)) {
	if rt.Version == "" {
		return
	}
	s := inference.CheckRuntimeVersion(rt.Version)
	rt.Support = &s
	var fix string
	switch {
	case rt.Source == "attached":
		fix = "upgrade the server at --ollama-url, or drop --ollama-url to use the managed runtime (Ollama " + core.RuntimeVersion + ")"
	default:
		fix = inference.RuntimeHelp()
	}
	switch {
	case !s.Supported:
		rt.Fix = s.String() + ": " + fix
		problem(rt.Fix)
	case len(s.Missing) > 0:
		rt.Fix = s.String() + "; the workbench manages Ollama " + core.RuntimeVersion
	case rt.Version != core.RuntimeVersion:
		rt.Fix = fmt.Sprintf("Ollama %s is supported; the workbench manages and is tested with %s (and %s)", rt.Version, core.RuntimeVersion, inference.OldestRuntimeVersion)
	}
}

// cudaHelp says how to get the CUDA backend.
func cudaHelp() string {
	if dir := inference.SourceTree(); dir != "" {
		return "with a CUDA toolkit (nvcc) installed, run " + filepath.Join(dir, core.SetupCommand) + " to build it"
	}
	return "use a bundle built where CUDA is (scripts/package.sh ships build/lib/ollama), or " + inference.InstallCommand
}

// writable checks that dir takes a file.
func writable(dir string) error {
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// runtimeSource says where the runtime at p was found.
func runtimeSource(explicit, p string) string {
	switch {
	case explicit != "":
		return "--ollama-bin"
	case p == inference.BundledBinary():
		return "bundle"
	case strings.HasSuffix(filepath.ToSlash(p), "/build/ollama/ollama"):
		return "source tree"
	}
	return "PATH"
}

var versionRE = regexp.MustCompile(`version is ([0-9][^\s]*)`)

// binaryVersion is the version the ollama binary at p reports ("" if it
// says none): `ollama --version` prints the client's version even with no
// server running, or the stamp file setup.sh and the bundle put beside it.
func binaryVersion(ctx context.Context, p string) string {
	if b, err := os.ReadFile(filepath.Join(filepath.Dir(p), "VERSION")); err == nil {
		if v := strings.TrimSpace(string(b)); v != "" {
			return v
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, p, "--version")
	// A free port: the binary must not find, and report, another server.
	cmd.Env = append(os.Environ(), "OLLAMA_HOST=127.0.0.1:1")
	out, _ := cmd.CombinedOutput()
	ms := versionRE.FindAllSubmatch(out, -1)
	if len(ms) == 0 {
		return ""
	}
	return string(ms[len(ms)-1][1])
}

// backends lists the compute libraries beside the runtime at p: the
// entries of lib/ollama next to it or one folder up, as Ollama looks.
func backends(p string) []string {
	out := []string{}
	for _, d := range []string{filepath.Join(filepath.Dir(p), "lib", "ollama"), filepath.Join(filepath.Dir(p), "..", "lib", "ollama")} {
		es, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range es {
			n := e.Name()
			if e.IsDir() || strings.HasPrefix(n, "libggml-") {
				out = append(out, n)
			}
		}
		break
	}
	return out
}

// installedModels lists the models in an Ollama models folder, from its
// manifests (manifests/HOST/NAMESPACE/MODEL/TAG), as Ollama names them.
func installedModels(dir string) []string {
	root := filepath.Join(dir, "manifests")
	names := []string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 4 {
			return nil
		}
		name := parts[1] + "/" + parts[2]
		if parts[0] == "registry.ollama.ai" && parts[1] == "library" {
			name = parts[2]
		} else if parts[0] != "registry.ollama.ai" {
			name = parts[0] + "/" + name
		}
		names = append(names, name+":"+parts[3])
		return nil
	})
	slices.Sort(names)
	return names
}

// write prints the report for a person.
func (r doctorReport) write(w io.Writer) {
	var b bytes.Buffer
	mark := func(ok bool) string {
		if ok {
			return "ok     "
		}
		return "MISSING"
	}
	fmt.Fprintf(&b, "workbench  %s (%s, %s/%s) at %s\n", r.Workbench.Version, r.Workbench.Go, r.Workbench.OS, r.Workbench.Arch, r.Workbench.Executable)
	rt := r.Runtime
	switch {
	case rt.Found && rt.Source == "attached":
		fmt.Fprintf(&b, "%s runtime: Ollama %s at %s (attached)\n", mark(true), rt.Version, rt.URL)
	case rt.Found:
		be := "CPU only"
		if len(rt.Backends) > 0 {
			be = strings.Join(rt.Backends, ", ")
		}
		fmt.Fprintf(&b, "%s runtime: Ollama %s at %s (%s; backends: %s)\n", mark(true), orUnknown(rt.Version), rt.Path, rt.Source, be)
	default:
		fmt.Fprintf(&b, "%s runtime: none found\n", mark(false))
	}
	if rt.Fix != "" {
		fmt.Fprintf(&b, "        → %s\n", rt.Fix)
	}
	if len(r.GPU.GPUs) > 0 {
		fmt.Fprintf(&b, "ok      GPU: %s\n", strings.Join(r.GPU.GPUs, "; "))
	} else {
		fmt.Fprintf(&b, "-       GPU: none\n")
	}
	if r.GPU.Note != "" {
		fmt.Fprintf(&b, "        → %s\n", r.GPU.Note)
	}
	fmt.Fprintf(&b, "%s data dir: %s\n", mark(r.DataDir.OK), r.DataDir.Path)
	if r.DataDir.Fix != "" {
		fmt.Fprintf(&b, "        → %s\n", r.DataDir.Fix)
	}
	if rt.Source == "attached" {
		fmt.Fprintf(&b, "-       models: the attached server's (medgemma-workbench models list)\n")
	} else {
		fmt.Fprintf(&b, "%s models: %s\n", mark(len(r.Models.Names) > 0), orNone(strings.Join(r.Models.Names, ", ")))
	}
	if r.Models.Fix != "" {
		fmt.Fprintf(&b, "        → %s\n", r.Models.Fix)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "WARNING %s\n", w)
	}
	if r.OK {
		fmt.Fprintln(&b, "everything needed is here")
	}
	w.Write(b.Bytes())
}

func orUnknown(s string) string {
	if s == "" {
		return "(version unknown)"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
