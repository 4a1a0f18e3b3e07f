package inference

import (
	"strings"
	"testing"
)

// TestChildEnvKeepsSecretsOut (issue 26, item 7): the managed server's
// environment has none of the workbench's credentials (the PACS password
// and token, the bearer token for another Ollama) nor unrelated secrets of
// the shell, and keeps what a runtime needs: PATH, the GPU's settings,
// Ollama's own, the proxies for a pull; the settings that would make it
// listen or store elsewhere are replaced by the workbench's.
func TestChildEnvKeepsSecretsOut(t *testing.T) {
	for k, v := range map[string]string{
		"MEDGEMMA_WORKBENCH_PACS_PASSWORD": "pacs-s3cret", "MEDGEMMA_WORKBENCH_PACS_TOKEN": "pacs-tok",
		"MEDGEMMA_WORKBENCH_OLLAMA_TOKEN": "ollama-tok", "AWS_SECRET_ACCESS_KEY": "aws-s3cret",
		"CUDA_VISIBLE_DEVICES": "1", "OLLAMA_FLASH_ATTENTION": "1", "HTTPS_PROXY": "http://proxy:3128",
		"OLLAMA_HOST": "0.0.0.0:11434", "OLLAMA_MODELS": "/elsewhere",
	} {
		t.Setenv(k, v)
	}
	r := &Runtime{cfg: RuntimeConfig{DataDir: t.TempDir()}}
	env := strings.Join(r.childEnv("127.0.0.1:4242"), "\n")
	for _, secret := range []string{"pacs-s3cret", "pacs-tok", "ollama-tok", "aws-s3cret", "MEDGEMMA_WORKBENCH", "0.0.0.0", "/elsewhere"} {
		if strings.Contains(env, secret) {
			t.Errorf("the runtime's environment holds %q", secret)
		}
	}
	for _, want := range []string{"\nPATH=", "CUDA_VISIBLE_DEVICES=1", "OLLAMA_FLASH_ATTENTION=1", "HTTPS_PROXY=http://proxy:3128",
		"OLLAMA_HOST=127.0.0.1:4242", "OLLAMA_NO_CLOUD=1"} {
		if !strings.Contains("\n"+env, want) {
			t.Errorf("the runtime's environment lacks %q", want)
		}
	}
}
