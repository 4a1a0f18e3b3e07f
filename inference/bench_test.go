package inference

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference/demomodel"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// BenchmarkSideBySide sends 4 prompts to the demo model one after another
// and then all at once, on a managed runtime with OLLAMA_NUM_PARALLEL=4,
// and reports the aggregate generated tokens per second of each and their
// ratio.
func BenchmarkSideBySide(b *testing.B) {
	dir := b.TempDir()
	rt, err := NewRuntime(RuntimeConfig{DataDir: dir, NumParallel: 4})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := rt.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer rt.Stop()
	c, err := rt.Client(ctx)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "demo.gguf")
	if _, err := demomodel.Write(path); err != nil {
		b.Fatal(err)
	}
	if err := c.ImportGGUF(ctx, core.DemoModelName, path, "", nil); err != nil {
		b.Fatal(err)
	}
	const n, tokens = 4, 32
	req := func(i int) core.Request {
		s := i + 1
		return core.Request{Model: core.DemoModelName, Prompt: fmt.Sprintf("Describe finding %d", i), Options: core.Options{NumPredict: tokens, NumCtx: 4096, Seed: &s}}
	}
	one := func(i int) int {
		res, err := c.Chat(ctx, req(i), nil)
		if err != nil {
			b.Error(err)
		}
		return res.EvalCount
	}
	one(0) // load
	var seqTok, parTok int
	var seqT, parT time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		for i := range n {
			seqTok += one(i)
		}
		seqT += time.Since(t0)

		t0 = time.Now()
		var wg sync.WaitGroup
		counts := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); counts[i] = one(i) }()
		}
		wg.Wait()
		parT += time.Since(t0)
		for _, k := range counts {
			parTok += k
		}
	}
	seqRate := float64(seqTok) / seqT.Seconds()
	parRate := float64(parTok) / parT.Seconds()
	b.ReportMetric(seqRate, "seq-tok/s")
	b.ReportMetric(parRate, "side-by-side-tok/s")
	b.ReportMetric(parRate/seqRate, "ratio")
	b.Logf("4 prompts × %d tokens: one after another %.1f tok/s, side by side %.1f tok/s: ratio %.2f", tokens, seqRate, parRate, parRate/seqRate)
}
