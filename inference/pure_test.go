package inference

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/ollama/ollama/api"
)

func TestSplitThinking(t *testing.T) {
	for _, tc := range []struct{ name, in, answer, thinking string }{
		{"none", "A normal chest.", "A normal chest.", ""},
		{"thought first", "<unused94>thought\nLungs look clear.<unused95>No acute findings.", "No acute findings.", "thought\nLungs look clear."},
		{"blank after thought", "<unused94>x<unused95>\n\nAnswer", "Answer", "x"},
		{"unterminated", "<unused94>still thinking", "", "still thinking"},
		{"marker-like text", "a <unused9 b <unused", "a <unused9 b <unused", ""},
		{"two thoughts", "<unused94>a<unused95>B<unused94>c<unused95>D", "BD", "ac"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, th := SplitThinking(tc.in)
			if a != tc.answer || th != tc.thinking {
				t.Errorf("SplitThinking(%q) = %q, %q; want %q, %q", tc.in, a, th, tc.answer, tc.thinking)
			}
			// Streamed in chunks split at every position, the answer side
			// never shows thinking and the pieces add up.
			for cut := 1; cut < len(tc.in); cut++ {
				var s thinkingSplitter
				var ga, gth strings.Builder
				for _, part := range []string{tc.in[:cut], tc.in[cut:]} {
					a, th := s.Write(part)
					if strings.Contains(a, "unused94") || (tc.thinking != "" && strings.Contains(a, tc.thinking)) {
						t.Fatalf("cut %d: answer chunk %q shows thinking", cut, a)
					}
					ga.WriteString(a)
					gth.WriteString(th)
				}
				a, th := s.Flush()
				ga.WriteString(a)
				gth.WriteString(th)
				if got := strings.TrimLeft(ga.String(), " \n"); got != tc.answer || gth.String() != tc.thinking {
					t.Errorf("cut %d: %q, %q; want %q, %q", cut, got, gth.String(), tc.answer, tc.thinking)
				}
			}
		})
	}
}

func TestPreflight(t *testing.T) {
	vision := core.Facts{Name: "m", ContextLength: 8192, Capabilities: []string{"completion", "vision"}}
	text := core.Facts{Name: "t", ContextLength: 8192, Capabilities: []string{"completion"}}
	img := core.Image{PNG: []byte{1}}
	imgs := func(n int) []core.Image { return make([]core.Image, n) }
	for _, tc := range []struct {
		name    string
		req     core.Request
		facts   core.Facts
		wantErr error
		numCtx  int
	}{
		{"text default", core.Request{Prompt: "hi"}, text, nil, 4096},
		{"image on vision", core.Request{Prompt: "hi", Images: []core.Image{img}}, vision, nil, 4096},
		{"image on text-only", core.Request{Prompt: "hi", Images: []core.Image{img}}, text, ErrNoVision, 0},
		{"raised for 12 slices", core.Request{Prompt: "hi", Images: imgs(12)}, vision, nil, 5120},
		{"capped at the model", core.Request{Prompt: "hi", Images: imgs(26), Options: core.Options{NumPredict: 1000}}, core.Facts{Name: "c", ContextLength: 8000, Capabilities: []string{"vision"}}, nil, 8000},
		{"too many slices", core.Request{Prompt: "hi", Images: imgs(40)}, vision, ErrContextTooSmall, 0},
		{"explicit too small", core.Request{Prompt: "hi", Images: imgs(2), Options: core.Options{NumCtx: 512}}, vision, ErrContextTooSmall, 0},
		{"explicit kept", core.Request{Prompt: "hi", Options: core.Options{NumCtx: 2048}}, vision, nil, 2048},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Preflight(tc.req, tc.facts)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tc.facts.Name) {
					t.Errorf("error %q does not name the model", err)
				}
				return
			}
			o := p.Request.Options
			if o.NumCtx != tc.numCtx {
				t.Errorf("num_ctx = %d, want %d", o.NumCtx, tc.numCtx)
			}
			if p.PromptTokens < len(tc.req.Images)*core.ImageTokens {
				t.Errorf("estimate %d < %d images × %d", p.PromptTokens, len(tc.req.Images), core.ImageTokens)
			}
			if o.NumPredict <= 0 || p.PromptTokens+o.NumPredict > o.NumCtx {
				t.Errorf("num_predict %d with %d prompt tokens overflows num_ctx %d", o.NumPredict, p.PromptTokens, o.NumCtx)
			}
		})
	}
	_, err := Preflight(core.Request{Prompt: "x", Images: []core.Image{img}}, text)
	for _, want := range []string{"vision", "models import", "--safetensors"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no-vision error %q does not say %q", err, want)
		}
	}
}

func TestProgressMeter(t *testing.T) {
	var got []core.Progress
	m := newProgressMeter(100*time.Millisecond, func(p core.Progress) { got = append(got, p) })
	t0 := m.start
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	m.update(at(0), api.ProgressResponse{Status: "pulling manifest"})
	// A layer resumed at 400 of 1000 bytes, then 10 updates 10 ms apart.
	for i := range 11 {
		m.update(at(1000+10*i), api.ProgressResponse{Status: "pulling abc", Digest: "sha256:abc", Total: 1000, Completed: int64(400 + 30*i)})
	}
	m.update(at(2000), api.ProgressResponse{Status: "success"})
	// manifest, the first layer update, one more at ≥100 ms, success.
	if len(got) != 4 {
		t.Fatalf("%d updates delivered, want 4 (throttled): %+v", len(got), got)
	}
	mid := got[2]
	if mid.Total != 1000 || mid.Completed != 700 || mid.Percent != 70 {
		t.Errorf("update = %+v, want 700 of 1000, 70%%", mid)
	}
	// 300 new bytes in 1.1 s: ≈273 B/s (the 400 resumed ones do not count).
	if mid.BytesPerSec < 250 || mid.BytesPerSec > 300 {
		t.Errorf("speed %.0f B/s, want ≈273", mid.BytesPerSec)
	}
	if mid.ETA < time.Second || mid.ETA > 1200*time.Millisecond {
		t.Errorf("ETA %s, want ≈1.1 s for 300 bytes left", mid.ETA)
	}
	if last := got[len(got)-1]; !last.Done {
		t.Errorf("last update %+v is not Done", last)
	}
}
