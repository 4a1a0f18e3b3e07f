package ui

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// The ModelsBackend methods of the workbench's fakeBackend: its models
// seen as facts (every model can see, but a name with "text" in it), and
// nothing to pull or import.

func (f *fakeBackend) ModelFacts(ctx context.Context) ([]core.Facts, error) {
	models, err := f.Models(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]core.Facts, 0, len(models))
	for _, m := range models {
		out = append(out, factsOf(m))
	}
	return out, nil
}

func factsOf(m core.Model) core.Facts {
	caps := []string{"completion", "vision"}
	return core.Facts{Name: m.Name, Digest: m.Digest, Size: m.Size, Demo: m.Demo, Capabilities: caps,
		Parameters: m.Parameters, Quantization: m.Quantization}
}

func (f *fakeBackend) Pull(ctx context.Context, name string, _ time.Duration, _ func(core.Progress)) error {
	return errors.New("pull " + name + ": fake: no registry")
}

func (f *fakeBackend) Import(ctx context.Context, spec core.ImportSpec, _ func(core.Progress)) error {
	return errors.New("import " + spec.Name + ": fake: no files")
}

func (f *fakeBackend) RemoveModel(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.models, func(m core.Model) bool { return m.Name == name })
	if i < 0 {
		return errors.New("model " + name + ": unknown model")
	}
	f.models = slices.Delete(f.models, i, i+1)
	return nil
}

func (f *fakeBackend) Loaded(ctx context.Context) ([]core.Loaded, error) { return nil, nil }

func (f *fakeBackend) RuntimeMissing() error { return nil }

var _ ModelsBackend = (*fakeModels)(nil)

// fakeModels is a hand-written ModelsBackend for the Models tab's tests.
type fakeModels struct {
	mu        sync.Mutex
	facts     []core.Facts
	factsErr  error
	state     core.State
	missing   error
	loaded    []core.Loaded
	loadedN   int // calls of Loaded
	pull      func(ctx context.Context, name string, progress func(core.Progress)) error
	imp       func(ctx context.Context, spec core.ImportSpec, progress func(core.Progress)) error
	removed   []string
	demoCalls int
	pulls     []string
	every     time.Duration // the last pull's progress interval
	imports   []core.ImportSpec
}

func (f *fakeModels) set(fn func(f *fakeModels)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// fakeCalls are the calls a fakeModels saw.
type fakeCalls struct {
	pulls     []string
	every     time.Duration
	imports   []core.ImportSpec
	removed   []string
	demoCalls int
}

func (f *fakeModels) snapshot() fakeCalls {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakeCalls{pulls: slices.Clone(f.pulls), every: f.every, imports: slices.Clone(f.imports),
		removed: slices.Clone(f.removed), demoCalls: f.demoCalls}
}

func (f *fakeModels) ModelFacts(ctx context.Context) ([]core.Facts, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.facts), f.factsErr
}

func (f *fakeModels) Pull(ctx context.Context, name string, every time.Duration, progress func(core.Progress)) error {
	f.mu.Lock()
	f.pulls = append(f.pulls, name)
	f.every = every
	pull := f.pull
	f.mu.Unlock()
	if pull == nil {
		return errors.New("fake: no pull")
	}
	return pull(ctx, name, progress)
}

func (f *fakeModels) Import(ctx context.Context, spec core.ImportSpec, progress func(core.Progress)) error {
	f.mu.Lock()
	f.imports = append(f.imports, spec)
	imp := f.imp
	f.mu.Unlock()
	if imp == nil {
		f.mu.Lock()
		f.facts = append(f.facts, core.Facts{Name: spec.Name, Capabilities: []string{"completion", "vision"}})
		f.mu.Unlock()
		return nil
	}
	return imp(ctx, spec, progress)
}

func (f *fakeModels) RemoveModel(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, name)
	f.facts = slices.DeleteFunc(f.facts, func(x core.Facts) bool { return x.Name == name })
	return nil
}

func (f *fakeModels) Loaded(ctx context.Context) ([]core.Loaded, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loadedN++
	return slices.Clone(f.loaded), nil
}

func (f *fakeModels) InstallDemo(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.demoCalls++
	f.facts = append(f.facts, core.Facts{Name: core.DemoModelName + ":latest", Demo: true, Capabilities: []string{"completion", "vision"}})
	return nil
}

func (f *fakeModels) RuntimeState() core.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

func (f *fakeModels) RuntimeMissing() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.missing
}
