package inference

import (
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Lines as Ollama v0.17.4 logs them (discover/types.go LogDetails). The CPU
// line is copied from this project's own runtime log; the GPU lines follow
// the same source's format with the device of the project's GPU runs.
const (
	cpuLine = `time=2026-11-26T19:44:20.461Z level=INFO source=types.go:60 msg="inference compute" id=cpu library=cpu compute="" name=cpu description=cpu libdirs=ollama driver="" pci_id="" type="" total="23.5 GiB" available="20.6 GiB"`
	gpuLine = `time=2026-11-26T19:50:02.118Z level=INFO source=types.go:42 msg="inference compute" id=GPU-5b1c6a3e-0f2d-4c1e-9a43-2e8f7b9d0c11 filter_id="" library=CUDA compute=9.0 name=CUDA0 description="NVIDIA H100 80GB HBM3" libdirs=ollama,cuda_v12 driver=13.0 pci_id=0000:19:00.0 type=discrete total="79.1 GiB" available="78.6 GiB"`
)

func TestParseComputeLog(t *testing.T) {
	for _, tc := range []struct {
		name, log, want string
		n               int
	}{
		{"cpu only", "time=x level=INFO msg=\"server config\"\n" + cpuLine + "\n", "CPU only", 1},
		{"gpu", gpuLine + "\n", "NVIDIA H100 80GB HBM3 (CUDA, 79.1 GiB)", 1},
		{"two gpus", gpuLine + "\n" + strings.Replace(gpuLine, "CUDA0", "CUDA1", 1) + "\n", "NVIDIA H100 80GB HBM3 (CUDA, 79.1 GiB); NVIDIA H100 80GB HBM3 (CUDA, 79.1 GiB)", 2},
		{"last start wins", gpuLine + "\n=== medgemma-workbench: starting ===\n" + cpuLine + "\n", "CPU only", 1},
		{"no lines", "time=x level=INFO msg=\"Listening on 127.0.0.1:1\"\n", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			devs, err := ParseComputeLog(strings.NewReader(tc.log))
			if err != nil {
				t.Fatal(err)
			}
			if len(devs) != tc.n {
				t.Fatalf("%d devices %+v, want %d", len(devs), devs, tc.n)
			}
			if got := ComputeSummary(devs); got != tc.want {
				t.Errorf("summary %q, want %q", got, tc.want)
			}
		})
	}
	devs, _ := ParseComputeLog(strings.NewReader(gpuLine))
	want := core.Compute{ID: "GPU-5b1c6a3e-0f2d-4c1e-9a43-2e8f7b9d0c11", Library: "CUDA", Name: "CUDA0",
		Description: "NVIDIA H100 80GB HBM3", Total: "79.1 GiB", Available: "78.6 GiB"}
	if devs[0] != want {
		t.Errorf("device %+v, want %+v", devs[0], want)
	}
}

func TestReadComputeLogFromOffset(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ollama.log")
	old := gpuLine + "\n=== start ===\n"
	if err := os.WriteFile(p, []byte(old+cpuLine+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	devs, err := readComputeLog(p, int64(len(old)))
	if err != nil || ComputeSummary(devs) != "CPU only" {
		t.Errorf("from the last start: %+v, %v", devs, err)
	}
}

// TestManagedRuntimeKnowsItsDevices starts the real runtime: its state
// names the devices it found, on a machine without a GPU "CPU only".
func TestManagedRuntimeKnowsItsDevices(t *testing.T) {
	rt, _ := demoRuntime(t)
	st := rt.State()
	sum := ComputeSummary(st.Compute)
	t.Logf("devices: %+v → %q", st.Compute, sum)
	if len(st.Compute) == 0 || sum == "" {
		t.Fatalf("no devices in the state of a ready runtime: %+v", st)
	}
	if _, err := os.Stat("/dev/nvidia0"); err != nil && sum != "CPU only" {
		t.Errorf("no GPU here, but the summary is %q", sum)
	}
}
