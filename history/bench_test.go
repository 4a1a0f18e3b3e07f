package history

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Benchmarks of the run log at the size of a busy research project. Each
// prints its own reference measured in the same run, so the ratio holds on
// any machine:
//
//	go test -tags sqlite_fts5 -run '^$' -bench . -benchtime 2000x ./history/
//
// Results are in docs/perf.md.

// benchRuns is the number of synthetic runs the search benchmarks query.
const benchRuns = 100_000

// vocabulary is what synthetic prompts and answers are made of: radiology
// words, and rare words that each occur in a few runs.
var vocabulary = strings.Fields(`no acute findings lungs clear heart size normal mediastinum pleural effusion
pneumothorax consolidation opacity nodule mass fracture rib clavicle spine vertebral alignment soft tissue
calcification atelectasis cardiomegaly edema interstitial markings hilar lymphadenopathy diaphragm costophrenic
angle sharp blunted right left upper lower lobe middle lingula apex base bilateral unilateral mild moderate
severe small large stable unchanged compared prior study chest abdomen pelvis head brain ventricles sulci
hemorrhage infarct territory white matter hypodensity hyperdensity midline shift contrast enhancement lesion
cyst liver kidney spleen pancreas bowel obstruction free air fluid collection bone density degenerative
changes osteophytes disc space narrowing sclerosis lytic blastic periosteal reaction`)

// syntheticText returns n words drawn from the vocabulary.
func syntheticText(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = vocabulary[r.IntN(len(vocabulary))]
	}
	return strings.Join(w, " ")
}

var (
	benchOnce  sync.Once
	benchStore *Store
	benchErr   error
)

// searchStore returns a store holding benchRuns synthetic runs, built once
// per benchmark process. One run in 10,000 mentions "zygomatic" and one in
// 20,000 "osteochondroma", so the searches for them must read the index
// rather than stop early.
func searchStore(b *testing.B) *Store {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := osMkdirTemp()
		if err != nil {
			benchErr = err
			return
		}
		benchStore, benchErr = Open(filepath.Join(dir, "history.db"))
		if benchErr != nil {
			return
		}
		benchErr = fill(benchStore, benchRuns)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchStore
}

// fill inserts n synthetic runs in one transaction (the triggers index
// them for full-text search as SaveRun's inserts are).
func fill(s *Store, n int) error {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `
INSERT INTO runs (started_at, source, system, prompt, model, model_digest, runtime_version, options, output,
	prompt_eval_count, eval_count, total_duration_ns, load_duration_ns, prompt_eval_duration_ns, eval_duration_ns,
	first_token_ns, done_reason, status, error)
VALUES (?, '', 'You are an expert radiologist.', ?, ?, 'sha256:0', '0.17.4', '{}', ?, 300, 60, 0, 0, 0, 0, 0, 'stop', 'ok', '')`)
	if err != nil {
		return err
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	models := []string{"medgemma:4b", "medgemma:27b", "demo-medgemma-arch"}
	for i := range n {
		prompt := "Describe the " + syntheticText(r, 6)
		answer := syntheticText(r, 60)
		if i%10_000 == 7 {
			answer += " zygomatic arch fracture"
		}
		if i%20_000 == 11 {
			answer += " osteochondroma"
		}
		if _, err := stmt.ExecContext(ctx, formatTime(t0.Add(time.Duration(i)*time.Minute)), prompt, models[i%3], answer); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// quantiles returns the 50th and 99th percentiles of ds.
func quantiles(ds []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(ds)
	return ds[len(ds)/2], ds[len(ds)*99/100]
}

func reportLatency(b *testing.B, name string, ds []time.Duration) time.Duration {
	p50, p99 := quantiles(ds)
	b.ReportMetric(float64(p50.Microseconds())/1000, name+"-p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, name+"-p99-ms")
	return p50
}

// BenchmarkInsertRun logs runs the way the workbench does (BeginRun, then
// FinishRun, each a transaction with its full-text index update) into a
// database of benchRuns runs, and, as the reference, the cheapest durable
// write SQLite can do on the same file: a one-row INSERT into a one-column
// table.
func BenchmarkInsertRun(b *testing.B) {
	ctx := context.Background()
	s := searchStore(b)
	if _, err := s.db.Exec(`CREATE TABLE IF NOT EXISTS bench_ref (v INTEGER)`); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	begin := make([]time.Duration, 0, b.N)
	finish := make([]time.Duration, 0, b.N)
	ref := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		run := &core.Run{StartedAt: time.Now(), System: "You are an expert radiologist.", Prompt: "Describe " + syntheticText(r, 6),
			Model: "medgemma:4b", Options: core.Options{Seed: &i}}
		t := time.Now()
		if _, err := s.BeginRun(ctx, run); err != nil {
			b.Fatal(err)
		}
		begin = append(begin, time.Since(t))
		run.Output, run.Status, run.DoneReason = syntheticText(r, 60), core.StatusOK, "stop"
		t = time.Now()
		if err := s.FinishRun(ctx, run); err != nil {
			b.Fatal(err)
		}
		finish = append(finish, time.Since(t))
		t = time.Now()
		if _, err := s.db.ExecContext(ctx, `INSERT INTO bench_ref (v) VALUES (?)`, i); err != nil {
			b.Fatal(err)
		}
		ref = append(ref, time.Since(t))
	}
	b.StopTimer()
	p50b := reportLatency(b, "begin", begin)
	reportLatency(b, "finish", finish)
	p50r := reportLatency(b, "ref-insert", ref)
	b.ReportMetric(float64(p50b)/float64(p50r), "begin/ref-p50")
}

// BenchmarkSearch searches benchRuns runs for words in their answers with
// the FTS5 index (Search), and, as the reference, with the LIKE scan that
// search would be without it, in the same run on the same database.
func BenchmarkSearch(b *testing.B) {
	s := searchStore(b)
	ctx := context.Background()
	for _, q := range []struct{ name, text string }{
		{"rare-word", "osteochondroma"},
		{"two-words", "zygomatic fracture"},
		{"common-word", "effusion"},
	} {
		b.Run(q.name, func(b *testing.B) {
			var fts, like []time.Duration
			var nFTS, nLike int
			words := strings.Fields(q.text)
			cond := strings.Repeat(" AND (r.system || ' ' || r.prompt || ' ' || r.output || ' ' || r.notes) LIKE ?", len(words))
			args := make([]any, 0, len(words)+1)
			for _, w := range words {
				args = append(args, "%"+w+"%")
			}
			args = append(args, 50)
			likeQuery := selectRuns + ` WHERE 1` + cond + ` ORDER BY r.started_at DESC, r.id DESC LIMIT ?`
			for b.Loop() {
				t := time.Now()
				runs, err := s.Search(ctx, core.Filter{Text: q.text, Limit: 50})
				if err != nil {
					b.Fatal(err)
				}
				fts = append(fts, time.Since(t))
				nFTS = len(runs)

				t = time.Now()
				rows, err := s.db.QueryContext(ctx, likeQuery, args...)
				if err != nil {
					b.Fatal(err)
				}
				runs, err = readAll(rows, scanRun)
				if err != nil {
					b.Fatal(err)
				}
				like = append(like, time.Since(t))
				nLike = len(runs)
			}
			if nFTS != nLike {
				b.Fatalf("FTS found %d runs, LIKE %d", nFTS, nLike)
			}
			p50f := reportLatency(b, "fts", fts)
			p50l := reportLatency(b, "like", like)
			b.ReportMetric(float64(nFTS), "runs-found")
			b.ReportMetric(float64(p50l)/float64(p50f), "like/fts-p50")
		})
	}
}

// osMkdirTemp makes the directory of the benchmark database. It is left
// for the operating system to clean, as the store stays open until the
// process exits.
func osMkdirTemp() (string, error) {
	return os.MkdirTemp("", fmt.Sprintf("history-bench-%d-", benchRuns))
}
