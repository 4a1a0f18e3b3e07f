package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// fakeHistory is the hand-written HistoryBackend part of fakeBackend: an
// in-memory history that records what the UI asked of it. Its zero value
// is an empty history.
type fakeHistory struct {
	hmu         sync.Mutex
	runs        []core.Run // in the order logged
	images      map[string]*dicomview.Image
	templates   []core.PromptTemplate
	versions    map[string][]core.PromptTemplate // by name, oldest first
	comparisons []core.Comparison
	rated       []rating
	exports     []exportCall
	filters     []core.Filter
	rerun       func(ctx context.Context, id int64, onChunk func(string)) (int64, core.Result, error)
}

type rating struct {
	id    int64
	stars int
	note  string
}

type exportCall struct {
	ids        []int64
	format     string
	path       string
	includePHI bool
}

func (f *fakeHistory) lock() func() {
	f.hmu.Lock()
	return f.hmu.Unlock
}

func (f *fakeHistory) Runs(ctx context.Context, filter core.Filter) ([]core.Run, error) {
	defer f.lock()()
	f.filters = append(f.filters, filter)
	var out []core.Run
	for _, r := range slices.Backward(f.runs) {
		if filter.Model != "" && r.Model != filter.Model || filter.Status != "" && r.Status != filter.Status ||
			r.Rating < filter.MinRating {
			continue
		}
		if !matchWords(filter.Text, r.System+" "+r.Prompt+" "+r.Output+" "+r.Notes) {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// matchWords is a stand-in for the full-text search: every word of query
// occurs in text, ignoring case.
func matchWords(query, text string) bool {
	text = strings.ToLower(text)
	for _, w := range strings.Fields(strings.ToLower(query)) {
		if !strings.Contains(text, strings.TrimSuffix(w, "*")) {
			return false
		}
	}
	return true
}

func (f *fakeHistory) Run(ctx context.Context, id int64) (*core.Run, error) {
	defer f.lock()()
	for _, r := range f.runs {
		if r.ID == id {
			return &r, nil
		}
	}
	return nil, fmt.Errorf("run %d: %w", id, core.ErrNotFound)
}

func (f *fakeHistory) RunImage(ctx context.Context, sha string) (*dicomview.Image, error) {
	defer f.lock()()
	if im, ok := f.images[sha]; ok {
		return im, nil
	}
	return nil, fmt.Errorf("image %s: %w", sha, core.ErrNotFound)
}

func (f *fakeHistory) Rate(ctx context.Context, id int64, stars int, note string) error {
	defer f.lock()()
	f.rated = append(f.rated, rating{id, stars, note})
	for i := range f.runs {
		if f.runs[i].ID == id {
			f.runs[i].Rating, f.runs[i].Notes = stars, note
		}
	}
	return nil
}

func (f *fakeHistory) SaveComparison(ctx context.Context, c core.Comparison) (int64, error) {
	defer f.lock()()
	c.ID = int64(len(f.comparisons) + 1)
	f.comparisons = append(f.comparisons, c)
	return c.ID, nil
}

func (f *fakeHistory) Templates(ctx context.Context) ([]core.PromptTemplate, error) {
	defer f.lock()()
	return slices.Clone(f.templates), nil
}

func (f *fakeHistory) SaveTemplate(ctx context.Context, t core.PromptTemplate) error {
	defer f.lock()()
	t = t.Versioned()
	f.templates = slices.DeleteFunc(f.templates, func(o core.PromptTemplate) bool { return o.Name == t.Name })
	f.templates = append(f.templates, t)
	slices.SortFunc(f.templates, func(a, b core.PromptTemplate) int { return strings.Compare(a.Name, b.Name) })
	if f.versions == nil {
		f.versions = map[string][]core.PromptTemplate{}
	}
	if !slices.ContainsFunc(f.versions[t.Name], func(o core.PromptTemplate) bool { return o.Version == t.Version }) {
		f.versions[t.Name] = append(f.versions[t.Name], t)
	}
	return nil
}

func (f *fakeHistory) TemplateVersions(ctx context.Context, name string) ([]core.PromptTemplate, error) {
	defer f.lock()()
	return slices.Clone(f.versions[name]), nil
}

func (f *fakeHistory) DeleteTemplate(ctx context.Context, name string) error {
	defer f.lock()()
	f.templates = slices.DeleteFunc(f.templates, func(o core.PromptTemplate) bool { return o.Name == name })
	delete(f.versions, name)
	return nil
}

func (f *fakeHistory) ExportReport(ctx context.Context, ids []int64, format, path string, includePHI bool) error {
	defer f.lock()()
	f.exports = append(f.exports, exportCall{slices.Clone(ids), format, path, includePHI})
	return nil
}

func (f *fakeHistory) Rerun(ctx context.Context, id int64, onChunk func(string)) (int64, core.Result, error) {
	f.hmu.Lock()
	rerun := f.rerun
	f.hmu.Unlock()
	if rerun == nil {
		return 0, core.Result{Status: core.StatusError}, fmt.Errorf("fake: no rerun")
	}
	return rerun(ctx, id, onChunk)
}

// logRun adds r to the history and returns its id.
func (f *fakeHistory) logRun(r core.Run) int64 {
	defer f.lock()()
	r.ID = int64(len(f.runs) + 1)
	f.runs = append(f.runs, r)
	return r.ID
}

// withHistory runs fn with the history locked.
func (f *fakeHistory) withHistory(fn func(f *fakeHistory)) {
	defer f.lock()()
	fn(f)
}
