package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// evalRows writes a result file without running a batch: two prompts ×
// twelve multiple-choice items × two repetitions. "good" answers right on
// items 0-8, "weak" on 0-2, each the same in both repetitions except
// weak's item 11 (wrong, then right); both carry choice probabilities.
func evalRows(t *testing.T) (path string, rows []batch.Row) {
	t.Helper()
	ch := []string{"CT", "MRI", "PET"}
	for _, prompt := range []string{"good", "weak"} {
		for i := range 12 {
			for rep := 1; rep <= 2; rep++ {
				right := i <= 8
				if prompt == "weak" {
					right = i <= 2 || (i == 11 && rep == 2)
				}
				out, probs := "A", map[string]float64{"A": 0.6, "B": 0.3, "C": 0.1}
				if right {
					out, probs = "B", map[string]float64{"A": 0.1, "B": 0.8, "C": 0.1}
				}
				rows = append(rows, batch.Row{Key: fmt.Sprint(prompt, i, rep), ItemID: fmt.Sprint("item", i), PromptName: prompt,
					Model: "m", Repetition: rep, RunID: int64(len(rows) + 1), Status: "ok", Output: out, Answer: "B",
					Choices: ch, ChoiceProbs: probs})
			}
		}
	}
	path = filepath.Join(t.TempDir(), "out.jsonl")
	var b strings.Builder
	for _, r := range rows {
		line, _ := json.Marshal(r)
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, rows
}

func TestEvalPaired(t *testing.T) {
	path, _ := evalRows(t)
	js, err := runCLI("eval", path, "--paired", "--json", "--seed", "3", "--resamples", "500")
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(js), &p); err != nil || strings.Count(js, "\n") != 1 {
		t.Fatalf("eval --paired --json: %v:\n%s", err, js)
	}
	for _, f := range []string{"a", "b", "metric", "n", "diff", "ci_low", "ci_high", "p_value", "p_adjusted", "test"} {
		if _, ok := p[f]; !ok {
			t.Errorf("pair lacks %q: %s", f, js)
		}
	}
	// good: 18 of 24 runs right; weak: 7 of 24. Items are the clusters.
	a := p["a"].(map[string]any)
	if a["prompt_name"] != "good" || p["metric"] != "mcq" || p["n"] != 12.0 || p["runs"] != 24.0 || p["test"] != batch.TestClusterBootstrap ||
		fmt.Sprintf("%.4f", p["diff"]) != fmt.Sprintf("%.4f", 18.0/24-7.0/24) || p["p_adjusted"] != p["p_value"] {
		t.Errorf("pair %s", js)
	}
	// The same seed and resamples give the same line.
	if again, _ := runCLI("eval", path, "--paired", "--json", "--seed", "3", "--resamples", "500"); again != js {
		t.Errorf("not deterministic:\n%s\n%s", js, again)
	}
	table, err := runCLI("eval", path, "--paired")
	if lines := strings.Split(strings.TrimSpace(table), "\n"); err != nil || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "A ") || !strings.Contains(lines[1], "good / m") || !strings.Contains(lines[1], "cluster-bootstrap") {
		t.Errorf("eval --paired: %v:\n%s", err, table)
	}
}

func TestEvalKappaAndCalibration(t *testing.T) {
	path, _ := evalRows(t)
	js, err := runCLI("eval", path, "--json")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(js), "\n")
	if len(lines) != 2 {
		t.Fatalf("eval --json: %d lines:\n%s", len(lines), js)
	}
	var good, weak map[string]any
	json.Unmarshal([]byte(lines[0]), &good)
	json.Unmarshal([]byte(lines[1]), &weak)
	// good agrees with itself on every item: kappa 1. weak, by hand: 11
	// of 12 items agree (po 11/12); repetition 1 says B on 3 items, 2 on
	// 4, so pe = (3/12)(4/12) + (9/12)(8/12) = 84/144 and kappa =
	// (132 - 84)/(144 - 84) = 0.8.
	if good["kappa_repetitions"] != 1.0 || good["kappa_method"] != "cohen" || good["kappa_raters"] != 2.0 ||
		fmt.Sprintf("%.6f", weak["kappa_repetitions"]) != "0.800000" {
		t.Errorf("kappa:\n%s", js)
	}
	if _, ok := good["auroc"]; ok {
		t.Errorf("calibration without --calibration:\n%s", js)
	}

	js, err = runCLI("eval", path, "--json", "--calibration")
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal([]byte(strings.Split(js, "\n")[0]), &good)
	// good: 18 runs at (0.1, 0.8, 0.1), right; 6 at (0.6, 0.3, 0.1),
	// wrong (argmax A). Arg-max accuracy 0.75; ECE: (0.7, 0.8] 18 runs,
	// gap 0.2; (0.5, 0.6] 6 runs, gap 0.6: (18 × 0.2 + 6 × 0.6)/24 = 0.3.
	// Brier: right (0.01 + 0.04 + 0.01), wrong (0.36 + 0.49 + 0.01):
	// (18 × 0.06 + 6 × 0.86)/24 = 0.26. AUROC: every run's answer is B,
	// so no option has both positives and negatives: undefined (null).
	for f, want := range map[string]float64{"argmax_accuracy": 0.75, "ece": 0.3, "brier": 0.26} {
		if v, ok := good[f].(float64); !ok || fmt.Sprintf("%.6f", v) != fmt.Sprintf("%.6f", want) {
			t.Errorf("%s = %v, want %v:\n%s", f, good[f], want, js)
		}
	}
	if v, ok := good["auroc"]; !ok || v != nil {
		t.Errorf("auroc = %v (present %v), want null: every answer is B", v, ok)
	}
	if bins, _ := good["reliability"].([]any); len(bins) != batch.CalibrationBins {
		t.Errorf("reliability: %v", good["reliability"])
	}
	table, err := runCLI("eval", path, "--calibration")
	if err != nil || !strings.Contains(table, "KAPPA (REPS)") || !strings.Contains(table, "ECE") || !strings.Contains(table, "(0.7, 0.8]") {
		t.Errorf("eval --calibration: %v:\n%s", err, table)
	}
	for _, args := range [][]string{{"--calibration", "--metric", "f1"}, {"--paired", "--calibration"}, {"--metric", "bleu"}} {
		if _, err := runCLI(append([]string{"eval", path}, args...)...); ExitCode(err) != 2 {
			t.Errorf("eval %v: exit %d, %v; want 2", args, ExitCode(err), err)
		}
	}
}

func TestEvalHistoryRatings(t *testing.T) {
	path, rows := evalRows(t)
	dir := t.TempDir()
	// Without ratings the kappa against them is skipped.
	js, err := runCLI("--data-dir", dir, "eval", path, "--json", "--history-ratings")
	if err != nil || strings.Contains(js, "kappa_rating") {
		t.Fatalf("no ratings: %v:\n%s", err, js)
	}
	// Rate good's runs of items 0-5 in history, the ids the rows name:
	// items 0-3 as 5, 4-5 as 2 (12 runs). The metric says right on all
	// of them; the rater on the 8 runs of items 0-3.
	h, err := history.Open(filepath.Join(dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for id := int64(1); id <= rows[len(rows)-1].RunID; id++ {
		saved, err := h.SaveRun(ctx, &history.Run{StartedAt: time.Now(), Model: "m", Status: "ok"})
		if err != nil || saved != id {
			t.Fatalf("save run: %d, %v", saved, err)
		}
	}
	for _, r := range rows {
		var item int
		fmt.Sscanf(r.ItemID, "item%d", &item)
		if r.PromptName != "good" || item > 5 {
			continue
		}
		rating := 5
		if item >= 4 {
			rating = 2
		}
		h.SetRating(ctx, r.RunID, rating)
	}
	// A pair of rated items where the metric is wrong and the rater
	// agrees: good's item 9 (metric wrong), rated 1.
	for _, r := range rows {
		if r.PromptName == "good" && r.ItemID == "item9" {
			h.SetRating(ctx, r.RunID, 1)
		}
	}
	h.Close()
	js, err = runCLI("--data-dir", dir, "eval", path, "--json", "--history-ratings")
	if err != nil {
		t.Fatal(err)
	}
	var good map[string]any
	json.Unmarshal([]byte(strings.Split(js, "\n")[0]), &good)
	// 14 rated runs: metric right & rater right 8, metric right & rater
	// wrong 4, both wrong 2. po = 10/14; metric right 12/14, rater right
	// 8/14: pe = (96 + 12)/196 = 108/196; kappa = (140 - 108)/(196 -
	// 108) = 32/88.
	if good["kappa_rating_runs"] != 14.0 || fmt.Sprintf("%.6f", good["kappa_rating"]) != fmt.Sprintf("%.6f", 32.0/88) {
		t.Errorf("kappa against ratings:\n%s", js)
	}
}

// writeRows writes rows as a result file and returns its path.
func writeRows(t *testing.T, rows []batch.Row) string {
	t.Helper()
	var b strings.Builder
	for _, r := range rows {
		line, _ := json.Marshal(r)
		b.Write(append(line, '\n'))
	}
	path := filepath.Join(t.TempDir(), "out.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEvalField(t *testing.T) {
	valid, invalid := true, false
	var rows []batch.Row
	for i := range 8 {
		r := batch.Row{Key: fmt.Sprint(i), ItemID: fmt.Sprint("item", i), PromptName: "json", Model: "m", Repetition: 1,
			Status: "ok", Answer: "yes", SchemaValid: &valid, Output: `{"finding": true, "note": "no doubt"}`,
			Fields: map[string]string{"finding": "true", "note": "no doubt"}}
		switch i {
		case 6:
			r.SchemaValid, r.Fields, r.Output = &invalid, nil, "yes"
		case 7:
			r.Fields["finding"] = "false"
		}
		rows = append(rows, r)
	}
	path := writeRows(t, rows)
	var out, errb strings.Builder
	c := &cli{stdout: &out, stderr: &errb}
	if err := c.run([]string{"eval", path, "--field", "finding", "--json", "--resamples", "100"}); err != nil {
		t.Fatal(err)
	}
	var g map[string]any
	json.Unmarshal([]byte(out.String()), &g)
	// 6 of 8 right: the invalid run is unparsed (its text "yes" is not
	// scored) and the "false" one wrong. (Scored on the text, every valid
	// reply would read "no", from "no doubt".)
	if g["metric"] != "yesno" || g["score"] != 0.75 || g["unparsed"] != 1.0 {
		t.Errorf("eval --field finding:\n%s", out.String())
	}
	if !strings.Contains(errb.String(), "field finding: 1 runs without it scored as unparsed; 1 runs invalid against their schema") {
		t.Errorf("stderr: %s", errb.String())
	}
	for _, args := range [][]string{{"--paired"}, {"--calibration"}, {"--metric", "exact"}} {
		if _, err := runCLI(append([]string{"eval", path, "--field", "finding"}, args...)...); err != nil {
			t.Errorf("--field with %v: %v", args, err)
		}
	}
	_, err := runCLI("eval", path, "--field", "diagnosis")
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "finding, note") {
		t.Errorf("unknown field: exit %d, %v", ExitCode(err), err)
	}
}

func TestEvalReport(t *testing.T) {
	path, _ := evalRows(t)
	dir := t.TempDir()
	for _, name := range []string{"report.html", "report.pdf"} {
		out := filepath.Join(dir, name)
		if _, err := runCLI("eval", path, "--report", out, "--resamples", "200"); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if name == "report.pdf" && !strings.HasPrefix(string(b), "%PDF-") ||
			name == "report.html" && (!strings.Contains(string(b), "research use only") || !strings.Contains(string(b), "data:image/png;base64,")) {
			t.Errorf("%s: %.80q", name, b)
		}
	}
	if _, err := runCLI("eval", path, "--report", filepath.Join(dir, "report.docx")); ExitCode(err) != 2 {
		t.Errorf("--report report.docx: exit %d, %v; want 2", ExitCode(err), err)
	}
}

// TestEvalByPromptVersion: one prompt name run in two versions (the
// template edited between two batches into one file) is one group unless
// eval tells the versions apart, and --prompt-version keeps one of them.
func TestEvalByPromptVersion(t *testing.T) {
	v1 := core.PromptVersion("", "Is there an effusion?", "", "")
	v2 := core.PromptVersion("", "Is there a pleural effusion?", "", "")
	var rows []batch.Row
	for i := range 10 {
		// Version 1 is right on 4 of 5 items, version 2 on 2 of 5.
		for _, v := range []struct {
			version string
			right   bool
		}{{v1, i%5 != 0}, {v2, i%5 < 2}} {
			if (v.version == v1) != (i < 5) {
				continue
			}
			out := "yes"
			if !v.right {
				out = "no"
			}
			rows = append(rows, batch.Row{Key: fmt.Sprint(i), ItemID: fmt.Sprint("item", i%5), PromptName: "effusion", Model: "m",
				Repetition: 1, Status: "ok", Answer: "yes", Output: out, PromptVersion: v.version})
		}
	}
	path := writeRows(t, rows)
	groups := func(args ...string) map[string]float64 {
		t.Helper()
		out, err := runCLI(append([]string{"eval", path, "--json", "--resamples", "50"}, args...)...)
		if err != nil {
			t.Fatalf("eval %v: %v", args, err)
		}
		got := map[string]float64{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var g struct {
				Prompt string  `json:"prompt_name"`
				Score  float64 `json:"score"`
			}
			if err := json.Unmarshal([]byte(line), &g); err != nil {
				t.Fatalf("eval %v printed %q", args, line)
			}
			got[g.Prompt] = g.Score
		}
		return got
	}
	if got := groups(); len(got) != 1 || got["effusion"] != 0.6 {
		t.Errorf("by name: %v, want effusion 0.6 (6 of 10)", got)
	}
	if got := groups("--by-version"); len(got) != 2 || got["effusion@"+v1] != 0.8 || got["effusion@"+v2] != 0.4 {
		t.Errorf("--by-version: %v, want %s 0.8 and %s 0.4", got, v1, v2)
	}
	if got := groups("--prompt-version", v2[:6]); len(got) != 1 || got["effusion"] != 0.4 {
		t.Errorf("--prompt-version %s: %v, want 0.4", v2[:6], got)
	}
	for _, bad := range []string{"12", "zzzzzz", "ffffffffffff"} {
		if _, err := runCLI("eval", path, "--prompt-version", bad); ExitCode(err) != 2 {
			t.Errorf("--prompt-version %s: %v, want exit 2", bad, err)
		}
	}
}

// TestEvalHelpAndBy: eval's --help lists the metrics from the table and
// none of the runtime's flags; --by on a field no row has is bad usage
// naming the fields there are.
func TestEvalHelpAndBy(t *testing.T) {
	_, err := runCLI("eval", "--help")
	help := fmt.Sprint(err)
	for _, flag := range []string{"ollama-url", "ollama-bin", "keep-alive", "num-gpu", "parallel", "ollama-debug"} {
		if strings.Contains(help, "-"+flag) {
			t.Errorf("eval --help lists --%s:\n%s", flag, help)
		}
	}
	for _, m := range batch.MetricNames() {
		if !strings.Contains(help, m+": ") {
			t.Errorf("eval --help lacks metric %s", m)
		}
	}
	path := filepath.Join(t.TempDir(), "rows.jsonl")
	var b strings.Builder
	for i, a := range []string{"yes", "no", "yes"} {
		fmt.Fprintf(&b, `{"key":"k%d","item_id":"i%d","prompt_name":"p","model":"m","repetition":1,"status":"ok","output":"yes","answer":%q,"meta":{"organ":"chest"}}`+"\n", i, i, a)
	}
	os.WriteFile(path, []byte(b.String()), 0o600)
	if _, err := runCLI("eval", path, "--by", "modality"); ExitCode(err) != 2 || !strings.Contains(err.Error(), "organ") {
		t.Errorf("--by modality: %v", err)
	}
	table, err := runCLI("eval", path, "--by", "organ", "--metric", "balanced-accuracy")
	if err != nil || !strings.Contains(table, "ORGAN") || !strings.Contains(table, "chest") || !strings.Contains(table, "PRECISION") {
		t.Errorf("--by organ: %v\n%s", err, table)
	}
}
