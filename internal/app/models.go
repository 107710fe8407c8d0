package app

import (
	"context"
	"io"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/models"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/ui"
)

// Models is what 'tier models' is given.
type Models struct {
	Providers       []string
	All, Free       bool
	Refresh         bool
	MaxAge, Timeout time.Duration
	Key             string
}

// ModelsDone is what listing models came to: the merged entries (never
// nil), how many providers were listed, and each provider's failure (said
// on its line already, by models.Report).
type ModelsDone struct {
	Entries  []models.Entry
	Listed   int
	Failures []error
	Now      time.Time
}

// Models fetches the model lists of the providers o names (with All,
// every provider whose key resolves) concurrently through the engine,
// cached, merged with the catalog; what was skipped or failed is said on
// errw, one line each.
func (a *App) Models(ctx context.Context, o Models, errw io.Writer) (ModelsDone, error) {
	c, err := a.Catalog()
	if err != nil {
		return ModelsDone{}, err
	}
	st, err := a.Store() // loaded before the fetches run concurrently
	if err != nil {
		return ModelsDone{}, err
	}
	profiles, skipped, err := a.ModelsProviders(c, o.Providers, o.All, o.Key)
	if err != nil {
		return ModelsDone{}, err
	}
	if err := a.CheckState(ModelsState(profiles)...); err != nil {
		return ModelsDone{}, err
	}
	eng := a.NewEngine(c, st)
	results := models.List(ctx, profiles, models.Options{
		Store: st, Key: o.Key, MaxAge: o.MaxAge, Refresh: o.Refresh, Timeout: o.Timeout, Now: a.Now,
		Fetch: func(ctx context.Context, p *catalog.Profile) ([]openai.Model, *quota.Result, error) {
			return eng.Models(ctx, p, o.Key)
		},
	})
	if ctx.Err() != nil {
		return ModelsDone{}, ctx.Err()
	}
	d := ModelsDone{Listed: len(profiles), Now: a.Now()}
	names := make([]string, len(profiles))
	for i, p := range profiles {
		names[i] = p.Name
	}
	d.Entries, d.Failures = models.Report(errw, names, results, skipped, d.Now, ui.Age)
	if o.Free {
		d.Entries = models.Free(d.Entries)
	}
	if d.Entries == nil {
		d.Entries = []models.Entry{}
	}
	return d, nil
}
