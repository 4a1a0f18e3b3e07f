package app

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// This file pins what commands print and refuse, byte for byte: each test
// runs a table of command lines (none starts the runtime) and compares
// their exit codes, errors, stdout and stderr with a golden file in
// testdata/pins, written from the commands before they were split into
// steps. go test -run 'Pins' -update-pins rewrites the files.

var updatePins = flag.Bool("update-pins", false, "rewrite testdata/pins from the commands' output")

// pinCase is one command line; "$D" in an argument is the test's folder,
// and the names of paths (the files a case reads) stand for them.
type pinCase struct {
	name string
	args []string
}

// pinRun runs the cases, each with --data-dir $D/data, and compares what
// they did with testdata/pins/NAME.txt. paths maps a placeholder
// ("$CT") to a path, replaced in arguments and back in the output.
func pinRun(t *testing.T, name string, paths map[string]string, cases []pinCase) {
	t.Helper()
	for _, env := range []string{EnvPACSURL, EnvPACSUser, EnvPACSPassword, EnvPACSToken, EnvPACSTokenHeader, EnvUIDRoot} {
		t.Setenv(env, "")
	}
	root := t.TempDir()
	subst := map[string]string{"$D": root}
	for k, v := range paths {
		subst[k] = v
	}
	keys := slices.SortedFunc(maps.Keys(subst), func(a, b string) int { return len(subst[b]) - len(subst[a]) })
	expand := func(s string) string {
		for _, k := range keys {
			s = strings.ReplaceAll(s, k, subst[k])
		}
		return s
	}
	hide := func(s string) string { // the longest path first
		for _, k := range keys {
			s = strings.ReplaceAll(s, subst[k], k)
		}
		return s
	}
	var got strings.Builder
	for _, tc := range cases {
		args := []string{"--data-dir", filepath.Join(root, "data")}
		for _, a := range tc.args {
			args = append(args, expand(a))
		}
		var out, errb bytes.Buffer
		c := &cli{stdout: &out, stderr: &errb}
		err := c.run(args)
		fmt.Fprintf(&got, "== %s: %s\nexit %d\n", tc.name, strings.Join(tc.args, " "), ExitCode(err))
		if err != nil {
			fmt.Fprintf(&got, "error: %s\n", hide(err.Error()))
		}
		fmt.Fprintf(&got, "-- stdout\n%s-- stderr\n%s\n", hide(out.String()), hide(errb.String()))
	}
	golden := filepath.Join("testdata", "pins", name+".txt")
	if *updatePins {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update-pins to write it)", err)
	}
	if got.String() != string(want) {
		gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got %q\nwant %q", golden, i+1, g, w)
			}
		}
	}
}

// writeEvalRows writes a small result file and a half-written one into
// dir for TestEvalPins.
func writeEvalRows(t *testing.T, dir string) (rows, half string) {
	t.Helper()
	var b strings.Builder
	for i, a := range []string{"yes", "no", "yes", "no"} {
		for _, p := range []string{"p", "q"} {
			out := a
			if p == "q" && i%2 == 1 {
				out = "yes"
			}
			fmt.Fprintf(&b, `{"key":"%s%d","item_id":"i%d","prompt_name":%q,"prompt_version":"abcdef012345","model":"m","repetition":1,"run_id":%d,"status":"ok","output":%q,"answer":%q,"meta":{"organ":"chest"},"fields":{"finding":%q}}`+"\n",
				p, i, i, p, i+1, out, a, out)
		}
	}
	rows, half = filepath.Join(dir, "rows.jsonl"), filepath.Join(dir, "half.jsonl")
	os.WriteFile(rows, []byte(b.String()), 0o600)
	os.WriteFile(half, []byte(b.String()+`{"key":"x","item_`), 0o600)
	return rows, half
}

func TestEvalPins(t *testing.T) {
	rows, half := writeEvalRows(t, t.TempDir())
	pinRun(t, "eval", map[string]string{"$ROWS": rows, "$HALF": half}, []pinCase{
		{"no file", []string{"eval"}},
		{"two files", []string{"eval", "$ROWS", "$ROWS"}},
		{"unknown flag", []string{"eval", "$ROWS", "--nope"}},
		{"usage before metric", []string{"eval", "--metric", "nope"}},
		{"metric", []string{"eval", "$ROWS", "--metric", "nope"}},
		{"metric before resamples", []string{"eval", "$ROWS", "--metric", "nope", "--resamples", "0"}},
		{"resamples", []string{"eval", "$ROWS", "--resamples", "0"}},
		{"seed", []string{"eval", "$ROWS", "--seed", "0"}},
		{"resamples before calibration", []string{"eval", "$ROWS", "--resamples", "0", "--calibration", "--metric", "f1"}},
		{"calibration metric", []string{"eval", "$ROWS", "--calibration", "--metric", "f1"}},
		{"calibration metric before paired", []string{"eval", "$ROWS", "--calibration", "--metric", "f1", "--paired"}},
		{"paired calibration", []string{"eval", "$ROWS", "--paired", "--calibration"}},
		{"paired before by", []string{"eval", "$ROWS", "--paired", "--calibration", "--by", "organ"}},
		{"by calibration", []string{"eval", "$ROWS", "--by", "organ", "--calibration"}},
		{"by before report", []string{"eval", "$ROWS", "--by", "organ", "--calibration", "--report", "x.docx"}},
		{"report", []string{"eval", "$ROWS", "--report", "x.docx"}},
		{"report before file", []string{"eval", "$D/missing.jsonl", "--report", "x.docx"}},
		{"missing file", []string{"eval", "$D/missing.jsonl"}},
		{"prompt version", []string{"eval", "$ROWS", "--prompt-version", "xyz"}},
		{"prompt version before field", []string{"eval", "$ROWS", "--prompt-version", "xyz", "--field", "nope"}},
		{"prompt version absent", []string{"eval", "$ROWS", "--prompt-version", "ffff"}},
		{"field", []string{"eval", "$ROWS", "--field", "nope"}},
		{"field before by", []string{"eval", "$ROWS", "--field", "nope", "--by", "nope"}},
		{"by", []string{"eval", "$ROWS", "--by", "modality"}},
		{"table", []string{"eval", "$ROWS", "--metric", "yesno"}},
		{"json", []string{"eval", "$ROWS", "--metric", "yesno", "--json"}},
		{"half-written", []string{"eval", "$HALF", "--metric", "yesno"}},
		{"by organ", []string{"eval", "$ROWS", "--by", "organ", "--metric", "yesno", "--json"}},
		{"by version", []string{"eval", "$ROWS", "--by-version", "--prompt-version", "abcd", "--metric", "yesno"}},
		{"field finding", []string{"eval", "$ROWS", "--field", "finding", "--metric", "yesno"}},
		{"paired", []string{"eval", "$ROWS", "--paired", "--metric", "yesno"}},
		{"paired json", []string{"eval", "$ROWS", "--paired", "--metric", "yesno", "--json"}},
		{"calibration", []string{"eval", "$ROWS", "--calibration", "--metric", "yesno"}},
		{"history ratings", []string{"eval", "$ROWS", "--history-ratings", "--metric", "yesno"}},
		{"auto", []string{"eval", "$ROWS"}},
		{"per class", []string{"eval", "$ROWS", "--metric", "balanced-accuracy"}},
		{"per class json", []string{"eval", "$ROWS", "--metric", "balanced-accuracy", "--json"}},
		{"report html", []string{"eval", "$ROWS", "--metric", "yesno", "--report", "$D/r.html"}},
		{"csv and chart", []string{"eval", "$ROWS", "--metric", "yesno", "--csv", "$D/s.csv", "--chart", "$D/s.png"}},
	})
}

func TestPacsPins(t *testing.T) {
	pinRun(t, "pacs", nil, []pinCase{
		{"nothing", []string{"pacs"}},
		{"unknown subcommand", []string{"pacs", "move"}},
		{"unknown flag", []string{"pacs", "find", "--nope"}},
		{"find flag in series", []string{"pacs", "series", "--date", "20060101", "1.2"}},
		{"series flag in find", []string{"pacs", "find", "--series", "1.2"}},
		{"find with argument", []string{"pacs", "find", "--url", "http://127.0.0.1:9/dicom-web", "1.2"}},
		{"series without uid", []string{"pacs", "series", "--url", "http://127.0.0.1:9/dicom-web"}},
		{"get with two", []string{"pacs", "get", "--url", "http://127.0.0.1:9/dicom-web", "1.2", "1.3"}},
		{"store without files", []string{"pacs", "store", "--url", "http://127.0.0.1:9/dicom-web"}},
		{"arguments before date", []string{"pacs", "find", "--date", "x", "1.2"}},
		{"date", []string{"pacs", "find", "--url", "http://127.0.0.1:9/dicom-web", "--date", "2006-01-01"}},
		{"date backwards", []string{"pacs", "find", "--url", "http://127.0.0.1:9/dicom-web", "--date", "20070101-20060101"}},
		{"date before url", []string{"pacs", "find", "--date", "x"}},
		{"no url", []string{"pacs", "find"}},
		{"token header", []string{"pacs", "find", "--url", "http://127.0.0.1:9/dicom-web", "--token", "t", "--token-header", "Authorization"}},
		{"find without server", []string{"pacs", "find", "--url", "http://127.0.0.1:9/dicom-web", "--timeout", "5s"}},
		{"series without server", []string{"pacs", "series", "--url", "http://127.0.0.1:9/dicom-web", "--json", "1.2"}},
		{"get without server", []string{"pacs", "get", "--url", "http://127.0.0.1:9/dicom-web", "1.2", "--series", "1.2.3"}},
		{"store missing file", []string{"pacs", "store", "--url", "http://127.0.0.1:9/dicom-web", "$D/missing.dcm"}},
		{"header without token", []string{"pacs", "series", "--url", "http://127.0.0.1:9/dicom-web", "--token-header", "X-Api-Key", "1.2"}},
	})
}

func TestReportPins(t *testing.T) {
	pinRun(t, "report", nil, []pinCase{
		{"nothing", []string{"report"}},
		{"unknown flag", []string{"report", "--nope"}},
		{"no out", []string{"report", "--run", "1", "--format", "md"}},
		{"argument", []string{"report", "--run", "1", "--format", "md", "--out", "$D/r.md", "extra"}},
		{"no run", []string{"report", "--format", "md", "--out", "$D/r.md"}},
		{"format", []string{"report", "--run", "1", "--format", "docx", "--out", "$D/r.docx"}},
		{"no format", []string{"report", "--run", "1", "--out", "$D/r.md"}},
		{"format before runs", []string{"report", "--run", "1", "--run", "2", "--format", "docx", "--out", "$D/r.docx"}},
		{"dicom two runs", []string{"report", "--run", "1", "--run", "2", "--format", "dicom-sr", "--out", "$D/r.dcm"}},
		{"dicom two runs before stow", []string{"report", "--run", "1", "--run", "2", "--format", "dicom-pdf", "--stow", "http://127.0.0.1:9/dicom-web"}},
		{"stow not dicom", []string{"report", "--run", "1", "--format", "md", "--stow", "http://127.0.0.1:9/dicom-web"}},
		{"stow not dicom with out", []string{"report", "--run", "1", "--format", "html", "--out", "$D/r.html", "--stow", "http://127.0.0.1:9/dicom-web"}},
		{"stow credentials", []string{"report", "--run", "1", "--format", "dicom-sr", "--stow", "http://127.0.0.1:9/dicom-web", "--token", "t", "--token-header", "Cookie"}},
		{"stow credentials before run id", []string{"report", "--run", "x", "--format", "dicom-sr", "--stow", "http://127.0.0.1:9/dicom-web", "--token-header", "X-Api-Key"}},
		{"run id", []string{"report", "--run", "x", "--format", "md", "--out", "$D/r.md"}},
		{"second run id", []string{"report", "--run", "1", "--run", "0", "--format", "md", "--out", "$D/r.md"}},
		{"no such run", []string{"report", "--run", "7", "--format", "md", "--out", "$D/r.md"}},
		{"no such runs", []string{"report", "--run", "7", "--run", "8", "--format", "html", "--out", "$D/r.html"}},
		{"uid root", []string{"report", "--run", "7", "--format", "dicom-sr", "--out", "$D/r.dcm", "--uid-root", "1.2.x"}},
		{"no such run dicom", []string{"report", "--run", "7", "--format", "dicom-sr", "--out", "$D/r.dcm"}},
		{"no such run stow", []string{"report", "--run", "7", "--format", "dicom-pdf", "--stow", "http://127.0.0.1:9/dicom-web", "--token", "t"}},
	})
}

func TestImagePrepareRecipePins(t *testing.T) {
	ct := ctSeries(t, 3)
	cr := dicomtest.File(t, "4.dcm")
	pinRun(t, "prepare-recipe", map[string]string{"$CT": ct, "$CR": cr}, []pinCase{
		{"no input", []string{"prepare", "--recipe", "plain", "--out-dir", "$D/o"}},
		{"no out-dir", []string{"prepare", "$CR", "--recipe", "plain"}},
		{"out", []string{"prepare", "$CR", "--recipe", "plain", "--out-dir", "$D/o", "--out", "$D/x.png"}},
		{"slice", []string{"prepare", "$CT", "--recipe", "plain", "--out-dir", "$D/o", "--slice", "2"}},
		{"frame", []string{"prepare", "$CR", "--recipe", "plain", "--out-dir", "$D/o", "--frame", "1"}},
		{"encoding", []string{"prepare", "$CR", "--recipe", "plain", "--out-dir", "$D/o", "--encoding", "ct3"}},
		{"fit", []string{"prepare", "$CR", "--recipe", "plain", "--out-dir", "$D/o", "--fit", "stretch"}},
		{"out-dir before out", []string{"prepare", "$CR", "--recipe", "plain", "--out", "$D/x.png"}},
		{"out before recipe", []string{"prepare", "$CR", "--recipe", "nope", "--out-dir", "$D/o", "--out", "$D/x.png"}},
		{"unknown recipe", []string{"prepare", "$CR", "--recipe", "nope", "--out-dir", "$D/o"}},
		{"recipe before window", []string{"prepare", "$CR", "--recipe", "nope", "--out-dir", "$D/o", "--window", "x"}},
		{"window", []string{"prepare", "$CR", "--recipe", "plain", "--out-dir", "$D/o", "--window", "x"}},
		{"window and preset", []string{"prepare", "$CR", "--recipe", "plain", "--out-dir", "$D/o", "--window", "40,400", "--preset", "lung"}},
		{"window not display", []string{"prepare", "$CT", "--recipe", "medgemma-1.5-ct", "--out-dir", "$D/o", "--window", "40,400"}},
		{"missing input", []string{"prepare", "$D/missing.dcm", "--recipe", "plain", "--out-dir", "$D/o"}},
		{"wrong modality", []string{"prepare", "$CR", "--recipe", "medgemma-1.5-ct", "--out-dir", "$D/o"}},
		{"plane", []string{"prepare", "$CT", "--recipe", "plain", "--out-dir", "$D/o", "--plane", "oblique"}},
		{"plain", []string{"prepare", "$CR", "--recipe", "plain", "--out-dir", "$D/plain"}},
		{"plain json window", []string{"prepare", "$CR", "--recipe", "plain", "--out-dir", "$D/plain2", "--window", "500,1000", "--json"}},
		{"ct json", []string{"prepare", "$CT", "--recipe", "medgemma-1.5-ct", "--out-dir", "$D/ct", "--json"}},
		{"ct slices", []string{"prepare", "$CT", "--recipe", "medgemma-1.5-ct-lossless", "--out-dir", "$D/ct2", "--slices", "2"}},
		{"plain slices", []string{"prepare", "$CT", "--recipe", "plain", "--out-dir", "$D/ct3", "--slices", "2", "--json"}},
		{"plane json", []string{"prepare", "$CT", "--recipe", "plain", "--out-dir", "$D/ct4", "--plane", "coronal", "--json"}},
	})
}

func TestRecipeShowPins(t *testing.T) {
	dir := t.TempDir()
	mine := `{"name":"my-ct","version":"2","title":"mine","source":"somewhere","notes":"a note","modalities":["CT","MR"],"model":"m",
	  "images":{"from":"series","sample":"even","max":20},
	  "encoding":{"kind":"windows","windows":[{"lo":-160,"hi":240},{"lo":-1350,"hi":150},{"lo":-1000,"hi":2000}],"fit":"stretch","codec":"jpeg","quality":90,"resize":"bilinear"},
	  "prompt":{"layout":"interleaved","instruction":"Look.","label":"Slice {n} of {of}","query":"  Q: {prompt} ","default":"Findings?"},
	  "system":"You are careful.","sampling":{"temperature":0.5,"num_predict":300},"output":"boxes"}`
	other := `{"name":"my-cr","version":"1","title":"other","images":{"from":"each"},"encoding":{"kind":"display","fit":"pad","codec":"jpeg"},
	  "prompt":{"layout":"images-first","query":"{prompt}"},"sampling":{"num_predict":10}}`
	temp := `{"name":"my-t","version":"1","title":"t","images":{"from":"longitudinal","sample":"even"},"encoding":{"kind":"radiograph","fit":"pad"},
	  "prompt":{"layout":"images-first"},"sampling":{"temperature":0}}`
	data := filepath.Join(dir, "data")
	os.MkdirAll(filepath.Join(data, "recipes"), 0o700)
	os.WriteFile(filepath.Join(data, "recipes", "a.json"), []byte(mine), 0o600)
	os.WriteFile(filepath.Join(data, "recipes", "b.json"), []byte(other), 0o600)
	os.WriteFile(filepath.Join(data, "recipes", "c.json"), []byte(temp), 0o600)
	os.WriteFile(filepath.Join(data, "recipes", "d.json"), []byte(`{"name":"broken"}`), 0o600)
	cases := []pinCase{
		{"usage", []string{"recipes"}},
		{"unknown", []string{"recipes", "show", "nope", "--data-dir", "$R"}},
		{"list", []string{"recipes", "list", "--data-dir", "$R"}},
		{"mine", []string{"recipes", "show", "my-ct", "--data-dir", "$R"}},
		{"mine json", []string{"recipes", "show", "my-ct", "--json", "--data-dir", "$R"}},
		{"other", []string{"recipes", "show", "my-cr", "--data-dir", "$R"}},
		{"temperature 0", []string{"recipes", "show", "my-t", "--data-dir", "$R"}},
		{"old version", []string{"recipes", "show", "medgemma-1.5-ct@1"}},
	}
	for _, r := range []string{"medgemma-1.5-ct", "medgemma-1.5-ct-lossless", "medgemma-1.5-ct-report-windows", "medgemma-1.5-cxr-localize",
		"medgemma-1.5-cxr-longitudinal", "medgemma-1.5-mr", "medgemma-ct-serving-windows", "medgemma-cxr", "plain"} {
		cases = append(cases, pinCase{r, []string{"recipes", "show", r}})
	}
	pinRun(t, "recipes-show", map[string]string{"$R": data}, cases)
}

func TestAskPins(t *testing.T) {
	ct := ctSeries(t, 3)
	cr := dicomtest.File(t, "4.dcm")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"type": 5}`), 0o600)
	data := t.TempDir()
	os.MkdirAll(filepath.Join(data, "recipes"), 0o700)
	os.WriteFile(filepath.Join(data, "recipes", "n.json"), []byte(`{"name":"no-default","version":"1","title":"t","images":{"from":"each"},
	  "encoding":{"kind":"display","fit":"pad"},"prompt":{"layout":"images-first"}}`), 0o600)
	pinRun(t, "ask", map[string]string{"$CT": ct, "$CR": cr, "$S": dir, "$R": data}, []pinCase{
		{"nothing", []string{"ask"}},
		{"unknown flag", []string{"ask", "--nope"}},
		{"argument", []string{"ask", "--prompt", "x", "extra"}},
		{"slices", []string{"ask", "--prompt", "x", "--slices", "0"}},
		{"usage before slices", []string{"ask", "--slices", "0"}},
		{"rerun recipe", []string{"ask", "--rerun", "3", "--recipe", "plain"}},
		{"slices before rerun", []string{"ask", "--rerun", "3", "--recipe", "plain", "--slices", "0"}},
		{"unknown recipe", []string{"ask", "--prompt", "x", "--recipe", "nope"}},
		{"no default prompt", []string{"ask", "--recipe", "no-default", "--data-dir", "$R"}},
		{"no default prompt with image", []string{"ask", "--recipe", "no-default", "--image", "$CR", "--data-dir", "$R"}},
		{"recipe before no default prompt", []string{"ask", "--recipe", "nope", "--data-dir", "$R"}},
		{"recipe needs image", []string{"ask", "--recipe", "medgemma-1.5-ct"}},
		{"missing image", []string{"ask", "--prompt", "x", "--image", "$D/missing.png"}},
		{"wrong modality", []string{"ask", "--prompt", "x", "--recipe", "medgemma-1.5-ct", "--image", "$CR"}},
		{"plane", []string{"ask", "--prompt", "x", "--recipe", "medgemma-1.5-ct", "--image", "$CT", "--plane", "oblique"}},
		{"schema missing", []string{"ask", "--prompt", "x", "--schema", "$S/missing.json"}},
		{"schema bad", []string{"ask", "--prompt", "x", "--schema", "$S/bad.json"}},
		{"schema bad with image", []string{"ask", "--prompt", "x", "--image", "$CR", "--schema", "$S/bad.json"}},
		{"image error before schema", []string{"ask", "--prompt", "x", "--image", "$D/missing.png", "--schema", "$S/bad.json"}},
		{"rerun image error before schema", []string{"ask", "--rerun", "2", "--image", "$D/missing.png", "--schema", "$S/bad.json"}},
		{"rerun schema", []string{"ask", "--rerun", "2", "--schema", "$S/bad.json"}},
	})
}
