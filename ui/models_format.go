package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// formatBytes writes n bytes in decimal units, as Ollama does ("3.3 GB").
func formatBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, i := float64(n), 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %cB", v, "kMGTP"[i-1])
}

// groupDigits writes n with thin separators every three digits
// ("4,300,082,160").
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// capabilityBadge is the badge of a model: whether it can read images.
func capabilityBadge(f core.Facts) string {
	if f.Can("vision") {
		return "vision"
	}
	return "text only — cannot read images"
}

// factsDetail is the line under a model's name: parameters, quantization,
// context length, size and digest.
func factsDetail(f core.Facts) string {
	var parts []string
	switch {
	case f.Parameters != "" && f.ParameterCount > 0:
		parts = append(parts, f.Parameters+" parameters ("+groupDigits(f.ParameterCount)+")")
	case f.Parameters != "":
		parts = append(parts, f.Parameters+" parameters")
	case f.ParameterCount > 0:
		parts = append(parts, groupDigits(f.ParameterCount)+" parameters")
	}
	if f.Quantization != "" {
		parts = append(parts, f.Quantization)
	}
	if f.ContextLength > 0 {
		parts = append(parts, "context "+strconv.Itoa(f.ContextLength))
	}
	if f.Size > 0 {
		parts = append(parts, formatBytes(f.Size))
	}
	if d := strings.TrimPrefix(f.Digest, "sha256:"); d != "" {
		parts = append(parts, "digest "+shortSHA(d))
	}
	return strings.Join(parts, statsSep)
}

// runtimeText is the runtime's line in the Models tab: how it is run,
// where, its version and its phase.
func runtimeText(st core.State, missing error) string {
	if missing != nil {
		return "Runtime not set up — " + errorMessage(missing)
	}
	var parts []string
	switch st.Mode {
	case "attached":
		parts = append(parts, "Attached to "+st.URL)
	case "managed":
		s := "Managed runtime"
		if st.URL != "" {
			s += " at " + st.URL
		}
		parts = append(parts, s)
	default:
		parts = append(parts, "Runtime")
	}
	if st.Version != "" {
		parts = append(parts, "Ollama "+st.Version)
	}
	phase := st.Phase
	if phase == "" {
		phase = "unknown"
	}
	parts = append(parts, phase)
	if st.Restarts > 0 {
		parts = append(parts, fmt.Sprintf("%d restarts", st.Restarts))
	}
	if st.Err != "" {
		parts = append(parts, "error: "+st.Err)
	}
	return strings.Join(parts, statsSep)
}

// computeText says where models run: the GPU's name, "CPU only", or that
// an attached server's devices are not known here.
func computeText(st core.State) string {
	if s := core.ComputeSummary(st.Compute); s != "" {
		return "Compute: " + s
	}
	if st.Mode == "attached" {
		return "Compute: not known for an attached server (see where models run under Loaded)"
	}
	return "Compute: known once the runtime has started"
}

// loadedText lists the models in memory as `ollama ps` does: where they
// run, their GPU memory, context and when they unload.
func loadedText(ls []core.Loaded) string {
	if len(ls) == 0 {
		return "Loaded: none (a model loads with its first run)"
	}
	lines := make([]string, 0, len(ls))
	for _, l := range ls {
		s := fmt.Sprintf("Loaded: %s — %s, %s VRAM of %s", l.Name, l.Processor(), formatBytes(l.SizeVRAM), formatBytes(l.Size))
		if l.NumCtx > 0 {
			s += ", context " + strconv.Itoa(l.NumCtx)
		}
		if !l.ExpiresAt.IsZero() {
			s += ", until " + l.ExpiresAt.Format(time.TimeOnly)
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

// progressText is a pull's or an import's progress: its step, bytes,
// percent, speed and time left, as far as they are known.
func progressText(p core.Progress) string {
	parts := []string{p.Status}
	if p.Total > 0 {
		parts = append(parts,
			formatBytes(p.Completed)+" / "+formatBytes(p.Total),
			fmt.Sprintf("%.1f%%", p.Percent))
		if p.BytesPerSec > 0 {
			parts = append(parts, formatBytes(int64(p.BytesPerSec))+"/s")
		}
		if p.ETA > 0 {
			parts = append(parts, "ETA "+p.ETA.Round(time.Second).String())
		}
	}
	return strings.Join(parts, statsSep)
}
