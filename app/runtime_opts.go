package app

import (
	"path/filepath"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// KindGUI is the session kind of the desktop workbench.
const KindGUI = "gui"

// runtimeConfig is how the runtime is run or reached under c.
func (c *Config) runtimeConfig() inference.RuntimeConfig {
	return inference.RuntimeConfig{
		URL:         c.OllamaURL,
		Token:       c.OllamaToken,
		Binary:      c.OllamaBin,
		DataDir:     filepath.Join(c.DataDir, "runtime"),
		NumParallel: c.NumParallel,
		KeepAlive:   c.KeepAlive,
		Debug:       c.OllamaDebug,
	}
}

// requestDefaults fills what req leaves unset from the configuration:
// num_gpu (--num-gpu), the default context window, and keep_alive (the
// managed server has it in its environment too; an attached one only
// learns it per request).
func (c *Config) requestDefaults(req core.Request) core.Request {
	if req.Options.NumGPU == nil && c.NumGPU != nil {
		n := *c.NumGPU
		req.Options.NumGPU = &n
	}
	if req.Options.NumCtx == 0 && c.NumCtx > 0 {
		// A default that is too small is left out, so that the pre-flight
		// check raises num_ctx instead of refusing a request the user did
		// not size (1024: its room for an answer when num_predict is unset).
		room := req.Options.NumPredict
		if room <= 0 {
			room = 1024
		}
		if core.EstimatePromptTokens(req)+room <= c.NumCtx {
			req.Options.NumCtx = c.NumCtx
		}
	}
	if req.KeepAlive == nil && c.KeepAlive != 0 {
		d := c.KeepAlive
		req.KeepAlive = &d
	}
	return req
}
