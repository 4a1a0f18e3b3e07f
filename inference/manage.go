package inference

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/digest"
	"github.com/ollama/ollama/api"
)

// DefaultProgressInterval is the least time between two progress updates
// delivered to a callback: about one display frame.
const DefaultProgressInterval = 17 * time.Millisecond

// throttle lets an update through at most once per interval, except
// forced ones (a new step, the end).
type throttle struct {
	every time.Duration
	last  time.Time
}

func (t *throttle) allow(now time.Time, force bool) bool {
	if !force && !t.last.IsZero() && now.Sub(t.last) < t.every {
		return false
	}
	t.last = now
	return true
}

// progressMeter turns the runtime's per-layer progress lines into overall
// bytes, percent, speed and ETA, and throttles them.
type progressMeter struct {
	start    time.Time
	layers   map[string][2]int64 // digest → completed, total
	resumed  int64               // bytes already there when each layer was first seen
	status   string
	throttle throttle
	fn       func(core.Progress)
}

func newProgressMeter(every time.Duration, fn func(core.Progress)) *progressMeter {
	if every <= 0 {
		every = DefaultProgressInterval
	}
	return &progressMeter{start: time.Now(), layers: map[string][2]int64{}, throttle: throttle{every: every}, fn: fn}
}

func (m *progressMeter) update(now time.Time, r api.ProgressResponse) {
	if r.Digest != "" && r.Total > 0 {
		if _, seen := m.layers[r.Digest]; !seen {
			m.resumed += r.Completed
		}
		m.layers[r.Digest] = [2]int64{r.Completed, r.Total}
	}
	newStep := r.Status != m.status && r.Digest == ""
	m.status = r.Status
	if m.fn == nil {
		return
	}
	p := m.snapshot(now)
	p.Done = r.Status == "success"
	if m.throttle.allow(now, newStep || p.Done) {
		m.fn(p)
	}
}

func (m *progressMeter) snapshot(now time.Time) core.Progress {
	p := core.Progress{Status: m.status}
	for _, l := range m.layers {
		p.Completed += l[0]
		p.Total += l[1]
	}
	if p.Total > 0 {
		p.Percent = 100 * float64(p.Completed) / float64(p.Total)
	}
	if el := now.Sub(m.start).Seconds(); el > 0 {
		p.BytesPerSec = float64(p.Completed-m.resumed) / el
	}
	if p.BytesPerSec > 0 && p.Total > p.Completed {
		p.ETA = time.Duration(float64(p.Total-p.Completed) / p.BytesPerSec * float64(time.Second))
	}
	return p
}

// Pull downloads the named model from its registry (registry.ollama.ai
// unless the name has a host), reporting progress at most every interval
// (0: [DefaultProgressInterval]). Cancelling ctx stops it; the bytes
// already fetched are kept by the runtime and a later pull of the same
// name resumes from them. On failure no model of that name is left
// registered unless one was there before.
func (c *Client) Pull(ctx context.Context, name string, every time.Duration, progress func(core.Progress)) error {
	_, before := c.FindModel(ctx, name)
	m := newProgressMeter(every, progress)
	err := c.err(c.api.Pull(ctx, &api.PullRequest{Model: name}, func(r api.ProgressResponse) error {
		m.update(time.Now(), r)
		return nil
	}))
	if err == nil {
		return nil
	}
	if before != nil {
		// Never leave a half-registered model behind.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if _, ferr := c.FindModel(dctx, name); ferr == nil {
			_ = c.api.Delete(dctx, &api.DeleteRequest{Model: name})
		}
		cancel()
	}
	if ctx.Err() != nil {
		return fmt.Errorf("pull %s: cancelled; the bytes fetched so far are kept and the next pull resumes from them", name)
	}
	var se api.StatusError
	if errors.As(err, &se) && se.StatusCode == http.StatusNotFound || strings.Contains(err.Error(), "file does not exist") {
		return fmt.Errorf("pull %s: the registry has no such model (%v): check the name (e.g. medgemma:4b): %w", name, err, ErrUnknownModel)
	}
	return fmt.Errorf("pull %s: cannot download from the registry: %v; check the network connection or proxy, or import the model from files with `medgemma-workbench models import`; any bytes fetched are kept for the next pull", name, err)
}

// Delete removes the named model from the runtime. An unknown name's
// error wraps [ErrUnknownModel].
func (c *Client) Delete(ctx context.Context, name string) error {
	m, err := c.FindModel(ctx, name)
	if err != nil {
		return err
	}
	if err := c.api.Delete(ctx, &api.DeleteRequest{Model: m.Name}); err != nil {
		return fmt.Errorf("remove model %s: %w", name, c.err(err))
	}
	return nil
}

// ImportGGUF creates model name from a GGUF file: the file is uploaded as
// a blob and the model created from it, quantized when quantize is not
// empty. Vision works when the GGUF carries its vision tower.
func (c *Client) ImportGGUF(ctx context.Context, name, path, quantize string, progress func(core.Progress)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import %s: %w: %v; give the path of a .gguf file", path, ErrBadModelFile, err)
	}
	magic := make([]byte, 4)
	_, rerr := io.ReadFull(f, magic)
	f.Close()
	if rerr != nil || string(magic) != "GGUF" {
		return fmt.Errorf("import %s: %w: not a GGUF file; give a .gguf file or a Hugging Face folder with --safetensors", path, ErrBadModelFile)
	}
	digest, err := c.upload(ctx, path, progress)
	if err != nil {
		return err
	}
	return c.create(ctx, name, map[string]string{"model.gguf": digest}, quantize, progress)
}

// ImportSafetensors creates model name from a Hugging Face download folder
// (config.json, *.safetensors shards, tokenizer files), converted by the
// runtime, quantized when quantize is not empty (the vision tower is kept
// at full precision).
func (c *Client) ImportSafetensors(ctx context.Context, name, dir, quantize string, progress func(core.Progress)) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("import %s: %w: %v; give a Hugging Face model folder", dir, ErrBadModelFile, err)
	}
	var names []string
	hasWeights, hasConfig := false, false
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(n, ".") {
			continue
		}
		switch {
		case strings.HasSuffix(n, ".safetensors"):
			hasWeights = true
		case n == "config.json":
			hasConfig = true
		case strings.HasSuffix(n, ".json"), n == "tokenizer.model":
		default:
			continue // READMEs, images, licences: the runtime needs none
		}
		names = append(names, n)
	}
	if !hasWeights || !hasConfig {
		return fmt.Errorf("import %s: %w: want config.json and *.safetensors files (a Hugging Face download of google/medgemma-4b-it)", dir, ErrBadModelFile)
	}
	sort.Strings(names)
	files := map[string]string{}
	for _, n := range names {
		d, err := c.upload(ctx, filepath.Join(dir, n), progress)
		if err != nil {
			return err
		}
		files[n] = d
	}
	return c.create(ctx, name, files, quantize, progress)
}

func (c *Client) upload(ctx context.Context, path string, progress func(core.Progress)) (string, error) {
	digest, err := FileDigest(path)
	if err != nil {
		return "", fmt.Errorf("import %s: %w: %v", path, ErrBadModelFile, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("import %s: %w: %v", path, ErrBadModelFile, err)
	}
	defer f.Close()
	if progress != nil {
		progress(core.Progress{Status: "uploading " + filepath.Base(path)})
	}
	if err := c.api.CreateBlob(ctx, digest, f); err != nil {
		return "", fmt.Errorf("upload %s: %w", path, c.err(err))
	}
	return digest, nil
}

func (c *Client) create(ctx context.Context, name string, files map[string]string, quantize string, progress func(core.Progress)) error {
	if quantize != "" && !core.IsQuantization(quantize) {
		return fmt.Errorf("import %s: quantization %q is not supported; use one of %s: %w", name, quantize, strings.Join(Quantizations, ", "), ErrBadModelFile)
	}
	m := newProgressMeter(0, progress)
	err := c.err(c.api.Create(ctx, &api.CreateRequest{Model: name, Files: files, Quantize: quantize}, func(r api.ProgressResponse) error {
		m.update(time.Now(), r)
		return nil
	}))
	if err != nil {
		var se api.StatusError
		if errors.As(err, &se) && se.StatusCode < 500 {
			return fmt.Errorf("import %s: the runtime refused the files: %s: %w", name, se.ErrorMessage, ErrBadModelFile)
		}
		return fmt.Errorf("import %s: %w", name, err)
	}
	return nil
}

// FileDigest returns the "sha256:<hex>" digest of the file at path.
func FileDigest(path string) (string, error) { return digest.File(path) }

// Loaded lists the models the runtime has in memory and where they run.
func (c *Client) Loaded(ctx context.Context) ([]core.Loaded, error) {
	ps, err := c.api.ListRunning(ctx)
	if err != nil {
		return nil, fmt.Errorf("list running models at %s: %w", c.URL(), c.err(err))
	}
	out := make([]core.Loaded, 0, len(ps.Models))
	for _, m := range ps.Models {
		out = append(out, core.Loaded{Name: m.Name, Digest: m.Digest, Size: m.Size, SizeVRAM: m.SizeVRAM, NumCtx: m.ContextLength, ExpiresAt: m.ExpiresAt})
	}
	return out, nil
}
