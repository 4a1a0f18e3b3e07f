package demomodel

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// demoModelName is the name the app imports the demo model under.
const demoModelName = core.DemoModelName

// startOllama starts the managed runtime (the Ollama built by
// scripts/setup.sh) in a temporary data dir and stops it when the test
// ends; on failure the server log is attached to the test output.
func startOllama(t *testing.T) *inference.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts the managed runtime (ollama serve)")
	}
	rt, err := inference.NewRuntime(inference.RuntimeConfig{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		rt.Stop()
		b, err := os.ReadFile(rt.LogPath())
		switch {
		case err != nil:
			t.Log(err)
		case t.Failed():
			t.Logf("ollama log:\n%s", tail(string(b), 60))
		case testing.Verbose():
			for _, line := range strings.Split(string(b), "\n") {
				if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
					t.Logf("ollama: %s", line)
				}
			}
		}
	})
	c, err := rt.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ollama %s up after %v", c.URL(), time.Since(start).Round(time.Millisecond))
	return c
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	return strings.Join(l[max(0, len(l)-lines):], "\n")
}

// testPNG returns an 896×896 gradient, an input of exactly the vision
// tower's size.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, ImageSize, ImageSize))
	for y := range ImageSize {
		for x := range ImageSize {
			img.Set(x, y, color.RGBA{uint8(x * 255 / ImageSize), uint8(y * 255 / ImageSize), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// chatRun is one streamed chat: its non-empty chunks and final accounting.
type chatRun struct {
	chunks []string
	final  api.ChatResponse
	wall   time.Duration
}

func chat(ctx context.Context, c *api.Client, images []api.ImageData) (chatRun, error) {
	var run chatRun
	req := &api.ChatRequest{
		Model: demoModelName,
		Messages: []api.Message{{
			Role:    "user",
			Content: "Describe this image.",
			Images:  images,
		}},
		Options: map[string]any{"seed": 1, "temperature": 0, "num_predict": 16},
	}
	start := time.Now()
	err := c.Chat(ctx, req, func(r api.ChatResponse) error {
		if r.Message.Content != "" {
			run.chunks = append(run.chunks, r.Message.Content)
		}
		if r.Done {
			run.final = r
		}
		return nil
	})
	run.wall = time.Since(start)
	return run, err
}

func TestOllamaServesDemoModel(t *testing.T) {
	path, digest := sharedModel(t)
	ic := startOllama(t)
	base, err := url.Parse(ic.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := api.NewClient(base, http.DefaultClient)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	start := time.Now()
	err = ic.ImportGGUF(ctx, demoModelName, path, "", func(p core.Progress) { t.Logf("import: %s", p.Status) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("imported %s as %s in %v", digest, demoModelName, time.Since(start).Round(time.Millisecond))

	show, err := c.Show(ctx, &api.ShowRequest{Model: demoModelName})
	if err != nil {
		t.Fatal(err)
	}
	var caps []string
	for _, c := range show.Capabilities {
		caps = append(caps, string(c))
	}
	t.Logf("capabilities %v, template starts %q", caps, show.Template[:min(40, len(show.Template))])
	for _, want := range []string{"completion", "vision"} {
		if !slices.Contains(caps, want) {
			t.Errorf("capabilities %v lack %q", caps, want)
		}
	}
	if !strings.Contains(show.Template, "<start_of_turn>") {
		t.Errorf("template not detected as Gemma 3's: %q", show.Template)
	}

	runs := map[string]chatRun{}
	tests := []struct {
		name   string
		images []api.ImageData
	}{
		{"text", nil},
		{"image", []api.ImageData{testPNG(t)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := chat(ctx, c, tt.images)
			if err != nil {
				t.Fatal(err)
			}
			m := run.final.Metrics
			t.Logf("wall %v, load %v, prompt_eval_count %d in %v, eval_count %d in %v, done_reason %q",
				run.wall.Round(time.Millisecond), m.LoadDuration.Round(time.Millisecond),
				m.PromptEvalCount, m.PromptEvalDuration.Round(time.Millisecond),
				m.EvalCount, m.EvalDuration.Round(time.Millisecond), run.final.DoneReason)
			t.Logf("answer in %d chunks: %q", len(run.chunks), strings.Join(run.chunks, ""))
			if len(run.chunks) < 2 {
				t.Errorf("answer in %d non-empty chunks, want at least 2", len(run.chunks))
			}
			runs[tt.name] = run
		})
	}

	text, image := runs["text"], runs["image"]
	if text.final.Done && image.final.Done {
		tc, ic := text.final.PromptEvalCount, image.final.PromptEvalCount
		if ic < tc+TokensPerImage {
			t.Errorf("prompt_eval_count %d with image, %d without: want the image to add at least %d", ic, tc, TokensPerImage)
		}
	} else if !t.Failed() {
		t.Error("a chat ended without a final response")
	}
}
