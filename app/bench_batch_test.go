package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// BenchmarkBatchThroughput runs the DICOM test manifest (5 items × 1
// prompt × 2 repetitions, 8 tokens each) through the batch runner against
// the managed runtime started with OLLAMA_NUM_PARALLEL=4, at concurrency
// 1 and 4 on the same warm server, and reports runs per second for each
// and their ratio. Run it with -benchtime=1x: one iteration is 20 runs.
func BenchmarkBatchThroughput(b *testing.B) {
	dir := b.TempDir()
	if _, err := runCLI("--data-dir", dir, "models", "demo"); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s, err := NewServices(ctx, Config{DataDir: dir, NumParallel: 4}, "bench batch")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	m := dicomBatch(b)
	items, err := batch.LoadManifest(filepath.Join(m, "manifest.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	prompts, err := batch.LoadPrompts(filepath.Join(m, "prompts.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	prompts.Prompts = prompts.Prompts[:1]
	seed, temp := 1, 0.0
	opts := inference.Options{Seed: &seed, Temperature: &temp, NumPredict: 8}
	spec := batch.Spec{Items: items, Prompts: prompts, Models: []string{inference.DemoModelName}, Repeat: 2, Options: opts}
	jobs, err := spec.Jobs()
	if err != nil {
		b.Fatal(err)
	}
	run := func(concurrency int) time.Duration {
		out, err := batch.OpenOutput(filepath.Join(b.TempDir(), "out.jsonl"))
		if err != nil {
			b.Fatal(err)
		}
		r := &batch.Runner{Concurrency: concurrency, Options: opts,
			Backend: batch.BackendFunc(func(ctx context.Context, req inference.Request) (int64, inference.Result, error) {
				return s.Ask(ctx, req, nil)
			}),
			Prepare: func(path string) (inference.Image, error) {
				_, p, err := PrepareImage(path, dicomview.PrepareOptions{})
				if err != nil {
					return inference.Image{}, err
				}
				return inference.NewImage(p), nil
			}}
		start := time.Now()
		sum, err := r.Run(ctx, jobs, out)
		took := time.Since(start)
		out.Finish(jobs, "")
		if err != nil || sum.OK != len(jobs) {
			b.Fatalf("concurrency %d: %+v, %v", concurrency, sum, err)
		}
		return took
	}
	run(4) // warm up: load the model with 4 slots, fill the page cache
	var t1, t4 time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Alternate the order so both see the same machine load.
		if i%2 == 0 {
			t1 += run(1)
			t4 += run(4)
		} else {
			t4 += run(4)
			t1 += run(1)
		}
	}
	n := float64(len(jobs) * b.N)
	r1, r4 := n/t1.Seconds(), n/t4.Seconds()
	b.ReportMetric(r1, "runs/s-c1")
	b.ReportMetric(r4, "runs/s-c4")
	b.ReportMetric(r4/r1, "c4/c1")
	b.Logf("%d runs each: concurrency 1 %.3f runs/s (%.2f s/run), concurrency 4 %.3f runs/s (%.2f s/run), ratio %.2f",
		len(jobs)*b.N, r1, 1/r1, r4, 1/r4, r4/r1)
}
