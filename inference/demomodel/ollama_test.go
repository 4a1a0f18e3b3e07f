package demomodel

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
)

// demoModelName mirrors inference.DemoModelName, which this package cannot
// import.
const demoModelName = "demo-medgemma-arch"

// ollamaBinary is the Ollama built by scripts/setup.sh, relative to this
// package's directory.
var ollamaBinary = filepath.Join("..", "..", "build", "ollama", "ollama")

// startOllama runs `ollama serve` on a free local port with its own models
// directory and home, waits for its heartbeat, and stops it when the test
// ends. On failure the server log is attached to the test output.
func startOllama(t *testing.T) *api.Client {
	t.Helper()
	bin, err := filepath.Abs(ollamaBinary)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("ollama binary %s not found: run scripts/setup.sh to build it", bin)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "ollama.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"OLLAMA_HOST=" + addr,
		"OLLAMA_MODELS=" + filepath.Join(dir, "models"),
		"OLLAMA_NO_CLOUD=1",
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		logFile.Close()
		b, err := os.ReadFile(logPath)
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

	c := api.NewClient(&url.URL{Scheme: "http", Host: addr}, http.DefaultClient)
	start := time.Now()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Heartbeat(ctx)
		cancel()
		if err == nil {
			break
		}
		select {
		case <-exited:
			t.Fatalf("ollama serve exited before answering: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("no heartbeat from ollama at %s after 30 s: %v", addr, err)
		}
	}
	t.Logf("ollama %s up after %v", addr, time.Since(start).Round(time.Millisecond))
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
	c := startOllama(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	start := time.Now()
	err := Import(ctx, c, path, demoModelName, func(status string) { t.Logf("import: %s", status) })
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
