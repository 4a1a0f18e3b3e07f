package app

import "github.com/medgemma-workbench/medgemma-workbench/ui"

// This file fills the configuration from the window's saved settings
// (ui.Settings) before the services are built.

// applySettings fills what the command line and the environment left
// unset in cfg from the workbench's saved settings: flags and environment
// variables override preferences. getenv is os.Getenv outside tests.
func applySettings(cfg *Config, s ui.Settings, getenv func(string) string) {
	if cfg.DataDir == "" && getenv(EnvDataDir) == "" && s.DataDir != "" {
		cfg.DataDir = s.DataDir
	}
	if s.RuntimeMode == ui.RuntimeAttach && cfg.OllamaURL == "" && getenv("OLLAMA_HOST") == "" && s.OllamaURL != "" {
		cfg.OllamaURL = s.OllamaURL
		if cfg.OllamaToken == "" && getenv(EnvOllamaToken) == "" {
			cfg.OllamaToken = s.OllamaToken
		}
	}
	if cfg.OllamaBin == "" && getenv(EnvOllamaBin) == "" && s.RuntimeMode != ui.RuntimeAttach {
		cfg.OllamaBin = s.OllamaBin
	}
	if cfg.NumCtx == 0 {
		cfg.NumCtx = s.NumCtx
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = s.KeepAlive
	}
	if cfg.NumGPU == nil && s.NumGPU != nil {
		n := *s.NumGPU
		cfg.NumGPU = &n
	}
	if cfg.NumParallel == 0 {
		cfg.NumParallel = s.Parallel
	}
}
