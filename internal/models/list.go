package models

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tier-cli/tier/internal/catalog"
	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/store"
)

// FetchFunc fetches provider p's live list, with the quota result of the
// response when one arrived (api.Client.Models has this shape). It must
// honour ctx; List stops waiting for it when ctx ends anyway.
type FetchFunc func(ctx context.Context, p *catalog.Profile) ([]openai.Model, *quota.Result, error)

// Options say how List gets the lists.
type Options struct {
	Store *store.Store // the models cache and the quota snapshots; required
	Fetch FetchFunc    // required
	// Key names the key whose snapshots are saved and shown ("default").
	Key string
	// MaxAge: a cached list younger than this is used without fetching.
	// 0 means a cached list is never fresh enough.
	MaxAge time.Duration
	// Refresh fetches even when the cached list is fresh.
	Refresh bool
	// Timeout bounds each provider's fetch; 0 means no bound.
	Timeout time.Duration
	Now     func() time.Time
}

// Result is one provider's outcome.
type Result struct {
	Provider string
	// Entries are the merged models; nil when no list is known (the fetch
	// failed and nothing was cached).
	Entries []Entry
	// FetchedAt is when the list shown was fetched; zero when none is.
	FetchedAt time.Time
	// Cached: the list comes from the cache, fresh, or stale after Err.
	Cached bool
	// Err is the fetch's failure: a *TimeoutError, the context's error, or
	// whatever Fetch returned. Entries may still hold a stale cached list.
	Err error
	// Warnings are one-line notes that do not fail the provider (the cache
	// or a snapshot could not be read or written).
	Warnings []string
}

// TimeoutError is a provider that did not answer within Options.Timeout.
type TimeoutError struct {
	Provider string
	After    time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s: no answer within %s; try again later, or allow longer with --timeout", e.Provider, e.After)
}

// List gets the model list of every profile at once and merges each with
// the catalog; results are in the order of profiles. A list cached less than
// MaxAge ago is used as it is (unless Refresh); otherwise it is fetched
// under Timeout, cached, and the rate-limit windows of the response, when
// it carries any, are saved as the provider's snapshot (model ""). When a
// fetch fails, a cached list of any age is shown with the error.
func List(ctx context.Context, profiles []*catalog.Profile, opt Options) []Result {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Key == "" {
		opt.Key = keys.DefaultName
	}
	out := make([]Result, len(profiles))
	var wg sync.WaitGroup
	for i, p := range profiles {
		wg.Go(func() { out[i] = one(ctx, p, opt) })
	}
	wg.Wait()
	return out
}

func one(ctx context.Context, p *catalog.Profile, opt Options) Result {
	r := Result{Provider: p.Name}
	cached, at, ok, err := opt.Store.Models(p.Name)
	if err != nil {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s: the models cache is unreadable (%v); fetching the list", p.Name, err))
		ok = false
	}
	if age := opt.Now().Sub(at); ok && !opt.Refresh && age >= 0 && age < opt.MaxAge {
		r.Cached, r.FetchedAt = true, at
		r.Entries = Merge(p, cached, quotas(opt, p.Name, &r))
		return r
	}

	live, qr, err := fetch(ctx, p, opt)
	if qr != nil && len(qr.Snapshot.Windows) > 0 {
		if serr := opt.Store.SaveAccountSnapshot(qr.Snapshot, p.Name, opt.Key, opt.Now()); serr != nil {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: quota not saved: %v", p.Name, serr))
		}
	}
	if err != nil {
		r.Err = err
		if ok {
			r.Cached, r.FetchedAt = true, at
			r.Entries = Merge(p, cached, quotas(opt, p.Name, &r))
		}
		return r
	}
	list := make([]store.CachedModel, 0, len(live))
	for _, m := range live {
		list = append(list, store.CachedModel{ID: m.ID, OwnedBy: m.OwnedBy, Created: m.CreatedAt})
	}
	now := opt.Now()
	if serr := opt.Store.SaveModels(p.Name, list, now); serr != nil {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s: models list not cached: %v", p.Name, serr))
	}
	r.FetchedAt = now
	r.Entries = Merge(p, list, quotas(opt, p.Name, &r))
	return r
}

// fetch runs opt.Fetch under the provider's timeout, and stops waiting for
// it when the timeout or ctx ends even if Fetch does not return.
func fetch(ctx context.Context, p *catalog.Profile, opt Options) ([]openai.Model, *quota.Result, error) {
	fctx, cancel := ctx, context.CancelFunc(func() {})
	if opt.Timeout > 0 {
		fctx, cancel = context.WithTimeout(ctx, opt.Timeout)
	}
	defer cancel()
	type answer struct {
		live []openai.Model
		qr   *quota.Result
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		live, qr, err := opt.Fetch(fctx, p)
		ch <- answer{live, qr, err}
	}()
	var a answer
	select {
	case a = <-ch:
	case <-fctx.Done():
		a.err = fctx.Err()
	}
	if a.err != nil && fctx.Err() != nil {
		if ctx.Err() != nil {
			a.err = ctx.Err()
		} else if errors.Is(fctx.Err(), context.DeadlineExceeded) {
			a.err = &TimeoutError{Provider: p.Name, After: opt.Timeout}
		}
	}
	return a.live, a.qr, a.err
}

// quotas is the last snapshot of each of provider's models under opt.Key.
func quotas(opt Options, provider string, r *Result) map[string]quota.Snapshot {
	all, err := opt.Store.Snapshots()
	if err != nil {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s: quota snapshots unreadable (%v); shown without them", provider, err))
		return nil
	}
	out := map[string]quota.Snapshot{}
	for _, s := range all {
		if s.Provider == provider && s.Key == opt.Key && s.Model != "" {
			out[s.Model] = s
		}
	}
	return out
}
