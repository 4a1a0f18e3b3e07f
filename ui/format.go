package ui

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

// Fixed texts of the window.
const (
	windowTitle   = "MedGemma Workbench"
	disclaimer    = "Draft output for research — not for clinical diagnosis."
	defaultSystem = "You are an expert radiologist."
	defaultPrompt = "Describe this X-ray"
	labelSep      = " — "
	statsSep      = " · "
)

// modelLabel is how m is offered in the model picker: its name, and for the
// demo model a warning that its output is noise.
func modelLabel(m core.Model) string {
	if m.Demo {
		return m.Name + labelSep + core.DemoModelLabel
	}
	return m.Name
}

// shortSHA returns the first 12 hex digits of a SHA-256.
func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// imageInfo describes an opened image in one line, without any identifying
// study facts.
func imageInfo(im *dicomview.Image) string {
	parts := []string{filepath.Base(im.Path)}
	if im.Modality != "" {
		parts = append(parts, im.Modality)
	}
	parts = append(parts, fmt.Sprintf("%d×%d", im.Width, im.Height))
	if im.Photometric != "" {
		parts = append(parts, im.Photometric)
	}
	if im.Frames > 1 {
		parts = append(parts, fmt.Sprintf("%d frames", im.Frames))
	}
	return strings.Join(parts, statsSep)
}

// preparedInfo describes the model input in one line.
func preparedInfo(p *dicomview.Prepared) string {
	s := fmt.Sprintf("Model input %d×%d%sSHA-256 %s", p.Width, p.Height, statsSep, shortSHA(p.SHA256))
	if r := p.Region; !r.Empty() {
		s += fmt.Sprintf("%sof the region %d,%d %d×%d px", statsSep, r.Min.X, r.Min.Y, r.Dx(), r.Dy())
	}
	return s
}

// formatFloat formats a window value without needless digits.
func formatFloat(v float64) string {
	return fmt.Sprintf("%.6g", v)
}

// runStatus says how a run ended, treating a cancellation (isCancel) as a
// cancelled run whatever the backend reported.
func runStatus(res core.Result, err error) core.Status {
	switch {
	case res.Status == core.StatusCancelled || isCancel(err):
		return core.StatusCancelled
	case err != nil || res.Status == core.StatusError:
		return core.StatusError
	}
	return core.StatusOK
}

// statsText is the line shown under the answer once a run is done.
func statsText(runID int64, res core.Result, status core.Status) string {
	var parts []string
	if status != core.StatusOK {
		parts = append(parts, string(status))
	}
	if runID > 0 {
		parts = append(parts, fmt.Sprintf("run %d", runID))
	}
	if res.EvalCount > 0 {
		parts = append(parts, fmt.Sprintf("%d tokens", res.EvalCount))
		if rate := units.Rate(int64(res.EvalCount), res.EvalDuration, "tokens"); rate != "" {
			parts = append(parts, rate)
		}
	}
	if res.FirstToken > 0 {
		parts = append(parts, "first token "+units.Duration(res.FirstToken))
	}
	switch text := core.DoneReasonText(res.DoneReason); {
	case res.DoneReason == "":
	case text != res.DoneReason:
		parts = append(parts, text) // "stopped: the runtime ends an answer after 31 identical tokens"
	default:
		parts = append(parts, "done: "+res.DoneReason)
	}
	if v := res.SchemaValid; v != nil {
		if *v {
			parts = append(parts, "fits the schema")
		} else {
			parts = append(parts, "does not fit the schema: "+res.SchemaError)
		}
	}
	if len(parts) == 0 {
		return "done"
	}
	return strings.Join(parts, statsSep)
}

// runtimeLine is where the runtime's state is written.
type runtimeLine int

const (
	// statusLine is the line under the window: "Runtime (managed): ready ·
	// URL · Ollama 0.17.4 · devices".
	statusLine runtimeLine = iota
	// modelsLine is the Models tab's runtime section: "Managed runtime at
	// URL · Ollama 0.17.4 · ready" (its devices have a line of their own).
	modelsLine
)

// stateText is the window's one wording of the runtime's state, as line
// shows it; missing is the managed runtime's set-up error, if any.
func stateText(st core.State, missing error, line runtimeLine) string {
	if missing != nil {
		return "Runtime not set up — " + errorMessage(missing)
	}
	phase := st.Phase
	if phase == "" {
		phase = "unknown"
	}
	version := ""
	if st.Version != "" {
		version = "Ollama " + st.Version
	}
	var parts []string
	if line == statusLine {
		head := "Runtime"
		if st.Mode != "" {
			head += " (" + st.Mode.String() + ")"
		}
		parts = []string{head + ": " + phase, st.URL, version, core.ComputeSummary(st.Compute)}
	} else {
		parts = []string{runtimeWhere(st), version, phase}
	}
	if st.Restarts > 0 {
		parts = append(parts, fmt.Sprintf("%d restarts", st.Restarts))
	}
	if st.Err != "" {
		parts = append(parts, "error: "+st.Err)
	}
	return strings.Join(nonEmpty(parts...), statsSep)
}

// runtimeWhere says how the runtime is run and where.
func runtimeWhere(st core.State) string {
	switch st.Mode {
	case "attached":
		return "Attached to " + st.URL
	case "managed":
		if st.URL != "" {
			return "Managed runtime at " + st.URL
		}
		return "Managed runtime"
	}
	return "Runtime"
}

// defaultMaxTokens bounds an answer unless the user changes it: Ollama's
// own default generates until the context is full.
const defaultMaxTokens = 1024

// parseOptions reads the generation option entries; empty temperature and
// seed leave the runtime's defaults.
func parseOptions(maxTokens, temp, seed string) (core.Options, error) {
	var o core.Options
	n, err := strconv.Atoi(strings.TrimSpace(maxTokens))
	if err != nil || n <= 0 {
		return o, fmt.Errorf("max tokens %q: want a whole number above 0", maxTokens)
	}
	o.NumPredict = n
	if t := strings.TrimSpace(temp); t != "" {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil || f < 0 || f > 2 {
			return o, fmt.Errorf("temperature %q: want a number from 0 to 2", temp)
		}
		o.Temperature = &f
	}
	if sd := strings.TrimSpace(seed); sd != "" {
		v, err := strconv.Atoi(sd)
		if err != nil {
			return o, fmt.Errorf("seed %q: want a whole number", seed)
		}
		o.Seed = &v
	}
	return o, nil
}
