package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// BenchmarkAskVsDirectChat compares the workbench's ask (pre-flight with
// /api/tags and /api/show, streaming through the client, thinking split,
// history logging) with a bare HTTP POST /api/chat of the same request to
// the same server and model, alternating the two; it reports the ratio of
// their mean end-to-end times (the workbench's overhead; want ≤ 1.03).
func BenchmarkAskVsDirectChat(b *testing.B) {
	dir := b.TempDir()
	if _, err := runCLI("--data-dir", dir, "models", "demo"); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s, err := NewServices(ctx, Config{DataDir: dir}, "bench ask")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c, err := s.Runtime().Client(ctx)
	if err != nil {
		b.Fatal(err)
	}
	seed, temp := 1, 0.0
	req := core.Request{Model: core.DemoModelName, System: "You are an expert radiologist.", Prompt: "Describe this chest X-ray.",
		Options: core.Options{Seed: &seed, Temperature: &temp, NumPredict: 32}}
	facts, err := c.Facts(ctx, req.Model)
	if err != nil {
		b.Fatal(err)
	}
	plan, err := inference.Preflight(req, facts)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{
		"model": req.Model, "stream": true, "truncate": false, "shift": false,
		"messages": []map[string]string{{"role": "system", "content": req.System}, {"role": "user", "content": req.Prompt}},
		"options":  plan.Request.Options.Map(),
	})
	direct := func() int {
		resp, err := http.Post(c.URL()+"/api/chat", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		n := 0
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			var r struct {
				Done      bool `json:"done"`
				EvalCount int  `json:"eval_count"`
			}
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				b.Fatal(err)
			}
			if r.Done {
				n = r.EvalCount
			}
		}
		return n
	}
	ask := func() int {
		_, res, err := s.Ask(ctx, req, nil)
		if err != nil {
			b.Fatal(err)
		}
		return res.EvalCount
	}
	// Warm up: load the model with these options once.
	ask()
	direct()
	// Each iteration times one ask and one direct call back to back (in
	// alternating order), so both see the same machine load; the median
	// of the per-pair ratios is reported next to the ratio of the totals.
	var tAsk, tDirect time.Duration
	var ratios []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var da, dd time.Duration
		for _, first := range []bool{i%2 == 0, i%2 != 0} {
			t0 := time.Now()
			var n int
			if first {
				n = ask()
				da = time.Since(t0)
			} else {
				n = direct()
				dd = time.Since(t0)
			}
			if n != 32 {
				b.Fatalf("%d tokens generated, want 32", n)
			}
		}
		tAsk += da
		tDirect += dd
		ratios = append(ratios, float64(da)/float64(dd))
	}
	slices.Sort(ratios)
	median := ratios[len(ratios)/2]
	if len(ratios)%2 == 0 {
		median = (ratios[len(ratios)/2-1] + ratios[len(ratios)/2]) / 2
	}
	ratio := float64(tAsk) / float64(tDirect)
	b.ReportMetric(float64(tAsk.Milliseconds())/float64(b.N), "ask-ms/op")
	b.ReportMetric(float64(tDirect.Milliseconds())/float64(b.N), "direct-ms/op")
	b.ReportMetric(ratio, "ask/direct")
	b.ReportMetric(median, "median-ask/direct")
	b.Logf("ask %.1f ms, direct /api/chat %.1f ms per request over %d pairs: ratio of totals %.3f, median pair ratio %.3f",
		float64(tAsk.Microseconds())/1e3/float64(b.N), float64(tDirect.Microseconds())/1e3/float64(b.N), b.N, ratio, median)
}
