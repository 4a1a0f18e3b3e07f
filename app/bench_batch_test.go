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
// and their ratio; then the same questions without their images (text
// only). Requests that fail with a crashed runner are retried as the CLI
// does, and the retries are reported. Run it with -benchtime=1x: one
// iteration is 40 runs.
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
	jobsOf := func(items []batch.Item) []batch.Job {
		spec := batch.Spec{Items: items, Prompts: prompts, Models: []string{inference.DemoModelName}, Repeat: 2, Options: opts}
		jobs, err := spec.Jobs()
		if err != nil {
			b.Fatal(err)
		}
		return jobs
	}
	textItems := make([]batch.Item, len(items))
	for i, it := range items {
		it.Images, it.Paths = nil, nil
		textItems[i] = it
	}
	imageJobs, textJobs := jobsOf(items), jobsOf(textItems)

	run := func(jobs []batch.Job, concurrency int) (time.Duration, int) {
		out, err := batch.OpenOutput(filepath.Join(b.TempDir(), "out.jsonl"))
		if err != nil {
			b.Fatal(err)
		}
		r := &batch.Runner{Concurrency: concurrency, Options: opts, Backoff: inference.DefaultBackoff,
			Backend: batch.BackendFunc(func(ctx context.Context, req inference.Request) (int64, inference.Result, error) {
				return s.Ask(ctx, req, nil)
			}),
			Prepare: func(path string) (inference.Image, error) {
				_, p, err := PrepareImage(path, dicomview.PrepareOptions{})
				if err != nil {
					return inference.Image{}, err
				}
				return p.RequestImage(), nil
			}}
		start := time.Now()
		sum, err := r.Run(ctx, jobs, out)
		took := time.Since(start)
		if err != nil || sum.OK != len(jobs) {
			b.Fatalf("concurrency %d: %+v, %v", concurrency, sum, err)
		}
		retries := 0
		for _, row := range out.Rows(jobs) {
			retries += row.Attempts - 1
		}
		out.Close()
		return took, retries
	}
	run(imageJobs, 4) // warm up: load the model with 4 slots, fill the page cache
	type result struct {
		t1, t4 time.Duration
		r1, r4 int
	}
	measure := func(jobs []batch.Job, i int) (res result) {
		// Alternate the order so both see the same machine load.
		for _, c := range [][]int{{1, 4}, {4, 1}}[i%2] {
			t, r := run(jobs, c)
			if c == 1 {
				res.t1, res.r1 = res.t1+t, res.r1+r
			} else {
				res.t4, res.r4 = res.t4+t, res.r4+r
			}
		}
		return res
	}
	var img, txt result
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := measure(imageJobs, i)
		c := measure(textJobs, i)
		img.t1, img.t4, img.r1, img.r4 = img.t1+a.t1, img.t4+a.t4, img.r1+a.r1, img.r4+a.r4
		txt.t1, txt.t4, txt.r1, txt.r4 = txt.t1+c.t1, txt.t4+c.t4, txt.r1+c.r1, txt.r4+c.r4
	}
	n := float64(len(imageJobs) * b.N)
	for _, x := range []struct {
		name string
		res  result
	}{{"image", img}, {"text", txt}} {
		r1, r4 := n/x.res.t1.Seconds(), n/x.res.t4.Seconds()
		b.ReportMetric(r1, x.name+"-runs/s-c1")
		b.ReportMetric(r4, x.name+"-runs/s-c4")
		b.ReportMetric(r4/r1, x.name+"-c4/c1")
		b.Logf("%s: %d runs each: concurrency 1 %.3f runs/s (%.2f s/run, %d retries), concurrency 4 %.3f runs/s (%.2f s/run, %d retries), ratio %.2f",
			x.name, len(imageJobs)*b.N, r1, 1/r1, x.res.r1, r4, 1/r4, x.res.r4, r4/r1)
	}
}
