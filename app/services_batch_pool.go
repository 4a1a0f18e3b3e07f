package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/netaddr"
)

// This file is a batch spread over several endpoints (BatchSpec.Endpoints):
// each endpoint's client, health check and model check, for the runner's
// pool (batch/pool.go).

// poolBackendName is the backend in the runs' keys of a batch over
// several endpoints. The key names the pool, not the endpoint, so that a
// run is the same run whichever endpoint answers it, and a batch resumes
// with endpoints added, removed or down.
const poolBackendName = "pool"

// poolBackend sets the runner's endpoints and the spec's server for a
// batch over spec.Endpoints. The returned check, run when there is
// something to do, refuses a model an answering endpoint does not serve
// and Ollama endpoints that hold different weights under one name, and
// warns of endpoints that are not answering (the others start without
// them; they join when they answer).
func (s *Services) poolBackend(ctx context.Context, r *batch.Runner, spec BatchSpec, items []batch.Item, js *batch.Spec) (func() error, error) {
	most := 0
	for _, it := range items {
		most = max(most, len(it.Paths))
	}
	var checks []func(context.Context) (map[string]string, error)
	for _, es := range spec.Endpoints {
		e := batch.Endpoint{Backend: es.Kind, Concurrency: es.Concurrency, Weight: es.Weight}
		if e.Concurrency == 0 {
			e.Concurrency = spec.Concurrency
		}
		var models func(context.Context) (map[string]string, error)
		switch es.Kind {
		case batch.KindOllama:
			u, err := inference.ParseHost(es.URL)
			if err != nil {
				return nil, &batchInputError{field: fieldEndpoint, err: err}
			}
			c := inference.NewBearerClient(u, es.APIKey) // a user and password in u go as basic authentication
			oe := &ollamaEndpoint{c: c, cfg: &s.cfg}
			e.Name = c.URL()
			e.Health = func(ctx context.Context) error { _, err := c.Version(ctx); return err }
			e.Ask = batch.BackendFunc(func(ctx context.Context, req inference.Request) (int64, inference.Result, error) {
				return s.AskWith(ctx, s.cfg.requestDefaults(req), nil, oe.chat)
			})
			models = func(ctx context.Context) (map[string]string, error) { return oe.check(ctx, spec.Models, most) }
		default:
			oc, err := inference.NewOpenAIClient(es.URL, es.APIKey)
			if err != nil {
				return nil, &batchInputError{field: fieldEndpoint, err: err}
			}
			e.Name = oc.URL()
			e.Health = func(ctx context.Context) error {
				_, err := oc.Models(ctx)
				var he *inference.HTTPError
				if errors.As(err, &he) && he.StatusCode < 500 {
					return nil // it answers; it may have no /models
				}
				return err
			}
			e.Ask = batch.BackendFunc(func(ctx context.Context, req inference.Request) (int64, inference.Result, error) {
				return s.AskWith(ctx, req, nil, oc.Chat)
			})
			models = func(ctx context.Context) (map[string]string, error) {
				return nil, checkEndpointModels(ctx, oc, spec.Models)
			}
		}
		if r.Endpoint == "" && !netaddr.IsLocal(e.Name) {
			r.Endpoint = e.Name // for the burned-in annotations warning
		}
		r.Endpoints = append(r.Endpoints, e)
		checks = append(checks, models)
	}
	r.BackendName = poolBackendName
	js.Backend, js.Endpoint, js.Digests = poolBackendName, "", nil
	return func() error {
		health := batch.CheckEndpoints(ctx, r.Endpoints)
		up := 0
		digests := map[string]string{} // model → digest, and where from
		from := map[string]string{}
		for i, e := range r.Endpoints {
			if health[i] != nil {
				r.EndpointChanged(e.Name, health[i])
				continue
			}
			up++
			ds, err := checks[i](ctx)
			if err != nil {
				return fmt.Errorf("endpoint %s: %w", e.Name, err)
			}
			for m, d := range ds {
				if prev, ok := digests[m]; ok && prev != d && d != "" && prev != "" {
					return fmt.Errorf("model %q is %s at %s but %s at %s: one batch must not mix weights (pull the same model on both)", m, short(prev), from[m], short(d), e.Name)
				}
				digests[m], from[m] = d, e.Name
			}
		}
		if up == 0 {
			var why []string
			for i, e := range r.Endpoints {
				why = append(why, e.Name+": "+health[i].Error())
			}
			return fmt.Errorf("%w: %s", batch.ErrAllDown, strings.Join(why, "; "))
		}
		return nil
	}, nil
}

func short(digest string) string {
	d := strings.TrimPrefix(digest, "sha256:")
	return d[:min(len(d), 12)]
}

// ollamaEndpoint is an Ollama server of a batch over several endpoints:
// its runs are checked and sized as the runtime's are (pre-flight, the
// model's digest and the server's version in each row).
type ollamaEndpoint struct {
	c       *inference.Client
	cfg     *Config
	once    sync.Once
	version string
}

// check refuses a model the server does not have, or one that cannot
// read the items' images, and returns each model's digest.
func (o *ollamaEndpoint) check(ctx context.Context, models []string, images int) (map[string]string, error) {
	ds := map[string]string{}
	for _, m := range models {
		f, err := o.c.Facts(ctx, m)
		if err != nil {
			return nil, err
		}
		if _, err := inference.Preflight(inference.Request{Model: m, Images: make([]inference.Image, images)}, f); err != nil {
			return nil, err
		}
		ds[m] = f.Digest
	}
	return ds, nil
}

// chat answers req as the managed runtime's runs are answered.
func (o *ollamaEndpoint) chat(ctx context.Context, req inference.Request, onChunk func(string)) (inference.Result, error) {
	res := inference.Result{Model: req.Model, Status: inference.StatusError}
	fail := func(err error) (inference.Result, error) {
		if batch.Cancelled(ctx, inference.Result{}, err) {
			res.Status, res.DoneReason = inference.StatusCancelled, "cancelled"
		}
		res.Error = err.Error()
		return res, err
	}
	o.once.Do(func() { o.version, _ = o.c.Version(ctx) })
	facts, err := o.c.Facts(ctx, req.Model)
	if err != nil {
		return fail(err)
	}
	plan, err := inference.Preflight(req, facts)
	if err != nil {
		return fail(err)
	}
	out, err := o.c.Chat(ctx, plan.Request, onChunk)
	out.ModelDigest, out.RuntimeVersion = facts.Digest, o.version
	return out, err
}
