package app

import (
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

func TestSettingsFillWhatFlagsLeave(t *testing.T) {
	two := 2
	set := ui.Settings{DataDir: "/prefs/data", RuntimeMode: ui.RuntimeAttach, OllamaURL: "http://gpu-box:11434",
		OllamaToken: "tok", NumCtx: 8192, KeepAlive: time.Hour, NumGPU: &two, Parallel: 4}
	noEnv := func(string) string { return "" }

	var cfg Config
	applySettings(&cfg, set, noEnv)
	if cfg.DataDir != "/prefs/data" || cfg.OllamaURL != "http://gpu-box:11434" || cfg.OllamaToken != "tok" ||
		cfg.NumCtx != 8192 || cfg.KeepAlive != time.Hour || *cfg.NumGPU != 2 || cfg.NumParallel != 4 {
		t.Errorf("from settings: %+v", cfg)
	}

	zero := 0
	cfg = Config{DataDir: "/flag", OllamaURL: "http://flag:1", NumGPU: &zero, NumParallel: 1, KeepAlive: time.Second}
	applySettings(&cfg, set, noEnv)
	if cfg.DataDir != "/flag" || cfg.OllamaURL != "http://flag:1" || cfg.OllamaToken != "" || *cfg.NumGPU != 0 ||
		cfg.NumParallel != 1 || cfg.KeepAlive != time.Second {
		t.Errorf("flags must win: %+v", cfg)
	}

	env := map[string]string{EnvDataDir: "/env", "OLLAMA_HOST": "envhost:1"}
	cfg = Config{}
	applySettings(&cfg, set, func(k string) string { return env[k] })
	if cfg.DataDir != "" || cfg.OllamaURL != "" {
		t.Errorf("the environment must win (resolve reads it): %+v", cfg)
	}

	cfg = Config{}
	managed := set
	managed.RuntimeMode = ui.RuntimeManaged
	applySettings(&cfg, managed, noEnv)
	if cfg.OllamaURL != "" || cfg.OllamaToken != "" {
		t.Errorf("managed mode attached to %q", cfg.OllamaURL)
	}
}

// TestSettingsRuntimeBinary (issue 28, item 7): Settings' runtime binary is
// the managed runtime's unless --ollama-bin or the environment names one.
func TestSettingsRuntimeBinary(t *testing.T) {
	set := ui.Settings{RuntimeMode: ui.RuntimeManaged, OllamaBin: "/opt/ollama"}
	noEnv := func(string) string { return "" }
	var cfg Config
	if applySettings(&cfg, set, noEnv); cfg.OllamaBin != "/opt/ollama" {
		t.Errorf("from settings: %q", cfg.OllamaBin)
	}
	cfg = Config{OllamaBin: "/flag/ollama"}
	if applySettings(&cfg, set, noEnv); cfg.OllamaBin != "/flag/ollama" {
		t.Errorf("--ollama-bin must win: %q", cfg.OllamaBin)
	}
	cfg = Config{}
	if applySettings(&cfg, set, func(k string) string { return map[string]string{EnvOllamaBin: "/env"}[k] }); cfg.OllamaBin != "" {
		t.Errorf("the environment must win (resolve reads it): %q", cfg.OllamaBin)
	}
}
