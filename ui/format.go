package ui

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
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
	return fmt.Sprintf("Model input %d×%d%sSHA-256 %s", p.Width, p.Height, statsSep, shortSHA(p.SHA256))
}

// formatFloat formats a window value without needless digits.
func formatFloat(v float64) string {
	return fmt.Sprintf("%.6g", v)
}

// runStatus says how a run ended, treating a cancelled context as a
// cancelled run whatever the backend reported.
func runStatus(res core.Result, err error, cancelled bool) core.Status {
	switch {
	case res.Status == core.StatusCancelled || cancelled:
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
		if res.EvalDuration > 0 {
			parts = append(parts, fmt.Sprintf("%.1f tokens/s", float64(res.EvalCount)/res.EvalDuration.Seconds()))
		}
	}
	if res.FirstToken > 0 {
		parts = append(parts, "first token "+formatDuration(res.FirstToken))
	}
	if res.DoneReason != "" {
		parts = append(parts, "done: "+res.DoneReason)
	}
	if len(parts) == 0 {
		return "done"
	}
	return strings.Join(parts, statsSep)
}

// formatDuration shows d in milliseconds below a second, else in seconds.
func formatDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// stateText is the status line for the runtime's state.
func stateText(s core.State) string {
	parts := []string{"Runtime"}
	if s.Mode != "" {
		parts[0] += " (" + s.Mode + ")"
	}
	phase := s.Phase
	if phase == "" {
		phase = "unknown"
	}
	parts[0] += ": " + phase
	if s.URL != "" {
		parts = append(parts, s.URL)
	}
	if s.Version != "" {
		parts = append(parts, "Ollama "+s.Version)
	}
	if c := core.ComputeSummary(s.Compute); c != "" {
		parts = append(parts, c)
	}
	if s.Restarts > 0 {
		parts = append(parts, fmt.Sprintf("%d restarts", s.Restarts))
	}
	if s.Err != "" {
		parts = append(parts, "error: "+s.Err)
	}
	return strings.Join(parts, statsSep)
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
