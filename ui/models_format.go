package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

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
		parts = append(parts, units.Bytes(f.Size))
	}
	if d := strings.TrimPrefix(f.Digest, "sha256:"); d != "" {
		parts = append(parts, "digest "+shortSHA(d))
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
		s := fmt.Sprintf("Loaded: %s — %s, %s VRAM of %s", l.Name, l.Processor(), units.Bytes(l.SizeVRAM), units.Bytes(l.Size))
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
			units.Bytes(p.Completed)+" / "+units.Bytes(p.Total),
			fmt.Sprintf("%.1f%%", p.Percent))
		if p.BytesPerSec > 0 {
			parts = append(parts, units.Bytes(int64(p.BytesPerSec))+"/s")
		}
		if p.ETA > 0 {
			parts = append(parts, "ETA "+p.ETA.Round(time.Second).String())
		}
	}
	return strings.Join(parts, statsSep)
}
