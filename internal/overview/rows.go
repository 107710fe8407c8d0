package overview

import (
	"slices"
	"time"

	"github.com/tier-cli/tier/internal/keys"
	"github.com/tier-cli/tier/internal/quota"
)

// Row is one provider/key/model as it stands now.
type Row struct {
	Snapshot quota.Snapshot // completed: projected, estimates, credit
	// Seen is when the provider last answered for this row; zero when tier
	// has never called it (the row shows published limits only).
	Seen time.Time
	// ExpiryEstimated says the credit's expiry is the catalog's published
	// validity counted from the key's creation (or tier's first use of
	// it), not a date the provider or the user gave.
	ExpiryEstimated bool
	// Reportable names what the provider itself can report: the windows
	// its header dialect has ("requests/day", as Window.Key) and "credit"
	// when it has a balance endpoint. --allow-unknown excuses only what is
	// not among them; nil when the catalog no longer has the provider.
	Reportable map[string]bool
}

// Filter selects rows; empty fields select everything.
type Filter struct {
	Providers []string // when set, each named provider gets a row even if never used
	Key       string
	Model     string
}

// Rows lists every stored provider/key/model that f selects, completed as
// of Now, sorted by provider, key, model. A provider named in f that tier has
// never used gets one row for its default model with the published limits.
func (src Source) Rows(f Filter) ([]Row, error) {
	snaps, err := src.Store.Snapshots()
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, p := range f.Providers {
		want[p] = true
	}
	// Snapshots are sorted by provider, key, model: a key's account
	// snapshot (model "") comes before its models'.
	var rows []Row
	have := map[string]bool{}
	var acct *quota.Snapshot
	for i, s := range snaps {
		if s.Model == "" {
			acct = &snaps[i]
		} else if acct != nil && (acct.Provider != s.Provider || acct.Key != s.Key) {
			acct = nil
		}
		if (len(want) > 0 && !want[s.Provider]) || (f.Key != "" && s.Key != f.Key) || (f.Model != "" && s.Model != f.Model) {
			continue
		}
		have[s.Provider] = true
		rows = append(rows, src.row(s, acct))
	}
	for _, name := range f.Providers {
		if have[name] {
			continue
		}
		p, err := src.Catalog.Profile(name)
		if err != nil {
			return nil, err
		}
		key := f.Key
		if key == "" {
			key = keys.DefaultName
		}
		model := f.Model
		if model == "" {
			model = p.DefaultModel
		}
		s := quota.Snapshot{Provider: name, Key: key, Model: model, Windows: []quota.Window{}}
		rows = append(rows, src.row(s, nil))
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		x, y := a.Snapshot, b.Snapshot
		switch {
		case x.Provider != y.Provider:
			return cmpStr(x.Provider, y.Provider)
		case x.Key != y.Key:
			return cmpStr(x.Key, y.Key)
		}
		return cmpStr(x.Model, y.Model)
	})
	return rows, nil
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// At returns rows, completed as of an earlier moment, as they stand at now
// without reading the state again (a live view between its readings):
// every window whose reset has passed since is refilled, as Rows would
// show it (quota.Snapshot.Project). An estimated window stays marked as an
// estimate: a new window of tier's own count starts full. rows is not
// modified.
func At(rows []Row, now time.Time) []Row {
	out := slices.Clone(rows)
	for i, r := range out {
		s := r.Snapshot.Project(now)
		for j, w := range s.Windows {
			if w.Source == quota.SourceProjected && r.Snapshot.Windows[j].Source == quota.SourceEstimate {
				s.Windows[j].Source = quota.SourceEstimate
			}
		}
		out[i].Snapshot = s
	}
	return out
}
