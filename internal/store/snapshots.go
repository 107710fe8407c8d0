package store

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

const snapshotsFile = "snapshots"

// formatVersion is the layout of the JSON files this package writes; a
// file with a higher version was written by a newer tier. (The binary files
// carry their own versions: ledger_codec.go, snapshots_codec.go.)
const formatVersion = 1

// snapshotsState is every stored snapshot, sorted by provider, key, model,
// with no duplicates; its file format is in snapshots_codec.go.
type snapshotsState struct {
	Snapshots []quota.Snapshot
}

// SaveSnapshot merges snap into the stored snapshot of the same
// provider/key/model. Key is a key's name or fingerprint, never the secret.
//
// Merge rules (the newer observation is the one with the later ObservedAt;
// the result does not depend on the order two processes save in):
//   - a window both snapshots have is the same window when the older one
//     had not reset when the newer was seen and their resets are no further
//     apart than the time between them, give or take sameWindow (a reset
//     given as "in 41.5s" is rounded up to a second): then the figure with
//     less left wins,
//     being the later one on the provider's side whatever the order the
//     replies reached the store in (50 parallel chats); otherwise, and for
//     windows without a reset, the newer snapshot's window wins (a later
//     reset is a new window);
//   - an older window the newer snapshot does not mention is kept only while
//     its reset_at is after the newer snapshot's observed_at (the provider may
//     simply not have repeated it); one with no reset_at is dropped;
//   - a window that comes from the older observation keeps the time it was
//     seen (Window.ObservedAt), so it is never passed off as fresh;
//   - the newer snapshot's credit replaces the older one; if it has none, the
//     older credit is kept;
//   - retry_after_s comes from the newer snapshot only.
func (s *Store) SaveSnapshot(snap quota.Snapshot) error {
	_, err := s.SaveSnapshotMerged(snap)
	return err
}

// SaveAccountSnapshot records what a response that is not a chat (GET
// /models) said about the key named key of provider as a whole: the
// account's snapshot (model ""), observed now unless it says when.
func (s *Store) SaveAccountSnapshot(snap quota.Snapshot, provider, key string, now time.Time) error {
	snap.Provider, snap.Key, snap.Model = provider, key, ""
	if snap.ObservedAt.IsZero() {
		snap.ObservedAt = now
	}
	return s.SaveSnapshot(snap)
}

// SaveSnapshotMerged is SaveSnapshot that also returns the snapshot as it
// now stands in the store (merged with what was there), saving the caller
// a second read of the file. A merge that changes nothing (a fleet's
// snapshot learned before) leaves the file unwritten.
func (s *Store) SaveSnapshotMerged(snap quota.Snapshot) (quota.Snapshot, error) {
	if snap.Provider == "" {
		return snap, errors.New("cannot save a snapshot without a provider: this is a bug in tier, please report it")
	}
	if snap.ObservedAt.IsZero() {
		return snap, fmt.Errorf("cannot save the %s snapshot: it has no observed_at time: this is a bug in tier, please report it", snap.Provider)
	}
	snap = normalizeSnapshot(snap)
	merged := snap
	err := Update(s, snapshotsFile, func(st *snapshotsState) error {
		i, found := slices.BinarySearchFunc(st.Snapshots, snap, compareSnapshotID)
		if found {
			m := mergeSnapshots(st.Snapshots[i], snap)
			if reflect.DeepEqual(normalizeSnapshot(m), normalizeSnapshot(st.Snapshots[i])) {
				merged = normalizeSnapshot(st.Snapshots[i])
				return errUnchanged // the same again (a fleet's snapshot learned before): no write
			}
			st.Snapshots[i] = m
		} else {
			st.Snapshots = slices.Insert(st.Snapshots, i, snap)
		}
		merged = normalizeSnapshot(st.Snapshots[i]) // a deep copy
		return nil
	})
	if errors.Is(err, errUnchanged) {
		err = nil
	}
	return merged, err
}

// errUnchanged leaves the snapshots file as it is: merging changed nothing.
var errUnchanged = errors.New("unchanged")

// Snapshots returns every stored snapshot, sorted by provider, key, model.
func (s *Store) Snapshots() ([]quota.Snapshot, error) {
	st, err := Read[snapshotsState](s, snapshotsFile)
	if err != nil {
		return nil, err
	}
	return st.Snapshots, nil
}

// Snapshot returns the stored snapshot of provider/key/model, and false when
// there is none.
func (s *Store) Snapshot(provider, key, model string) (quota.Snapshot, bool, error) {
	all, err := s.Snapshots()
	if err != nil {
		return quota.Snapshot{}, false, err
	}
	i, found := slices.BinarySearchFunc(all, quota.Snapshot{Provider: provider, Key: key, Model: model}, compareSnapshotID)
	if !found {
		return quota.Snapshot{}, false, nil
	}
	return all[i], true, nil
}

func compareSnapshotID(a, b quota.Snapshot) int {
	return cmp.Or(cmp.Compare(a.Provider, b.Provider), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Model, b.Model))
}

// sameWindow is how far apart two resets of one window may be: relative
// resets are rounded up to the second of the response they came with.
const sameWindow = 2 * time.Second

// mergeSnapshots applies the rules of SaveSnapshot to a stored and an
// incoming snapshot of the same provider/key/model.
func mergeSnapshots(stored, incoming quota.Snapshot) quota.Snapshot {
	older, newer := stored, incoming
	if incoming.ObservedAt.Before(stored.ObservedAt) {
		older, newer = incoming, stored
	}
	out := newer
	out.Windows = make([]quota.Window, 0, len(newer.Windows)+len(older.Windows))
	// fromOlder is w of the older snapshot, with the time it was seen.
	fromOlder := func(w quota.Window) quota.Window {
		if w.ObservedAt == nil && older.ObservedAt.Before(newer.ObservedAt) {
			at := older.ObservedAt
			w.ObservedAt = &at
		}
		return w
	}
	for _, n := range newer.Windows {
		i := slices.IndexFunc(older.Windows, func(o quota.Window) bool { return o.Metric == n.Metric && o.Period == n.Period })
		if i >= 0 && moreConsumed(older.Windows[i], n, older.ObservedAt, newer.ObservedAt) {
			n = fromOlder(older.Windows[i])
		}
		out.Windows = append(out.Windows, n)
	}
	for _, w := range older.Windows {
		if slices.ContainsFunc(newer.Windows, func(n quota.Window) bool { return n.Metric == w.Metric && n.Period == w.Period }) {
			continue
		}
		switch {
		case w.ResetAt != nil && w.ResetAt.After(newer.ObservedAt):
			out.Windows = append(out.Windows, fromOlder(w))
		case w.Limit != nil && w.Period != quota.PeriodUnknown &&
			(w.Source == quota.SourceError || w.Source == quota.SourceLearned):
			// A limit only an error named (Gemini publishes none): keep
			// the limit, learned when the error came, past its window.
			learned := quota.Window{Metric: w.Metric, Period: w.Period, Limit: w.Limit, Source: quota.SourceLearned, LearnedAt: w.LearnedAt}
			if learned.LearnedAt == nil {
				at := older.ObservedAt
				learned.LearnedAt = &at
			}
			out.Windows = append(out.Windows, learned)
		}
	}
	if newer.Credit == nil {
		out.Credit = older.Credit
	}
	if newer.Budget == nil {
		out.Budget = older.Budget
	}
	return out
}

// moreConsumed says that o, seen at oAt (not after n's nAt), is the same
// window as n and has less left: the provider had counted more calls when
// it sent o. It is the same window when o's had not reset by nAt and n's
// reset is no later than o's moved on by the time between them (a window
// that resets a fixed time after each reply), give or take sameWindow.
func moreConsumed(o, n quota.Window, oAt, nAt time.Time) bool {
	if o.ResetAt == nil || n.ResetAt == nil || o.Remaining == nil || n.Remaining == nil {
		return false
	}
	if !o.ResetAt.After(nAt) {
		return false // o's window had ended: n is a new one
	}
	if d := n.ResetAt.Sub(*o.ResetAt); d > nAt.Sub(oAt)+sameWindow || d < -sameWindow {
		return false
	}
	return *o.Remaining < *n.Remaining
}

// normalizeSnapshot copies snap with every time in UTC, so that the caller's
// values are not changed and the file is the same whatever the local zone.
func normalizeSnapshot(snap quota.Snapshot) quota.Snapshot {
	snap = snap.Clone()
	if snap.Windows == nil {
		snap.Windows = []quota.Window{}
	}
	snap.ObservedAt = snap.ObservedAt.UTC()
	for i := range snap.Windows {
		w := &snap.Windows[i]
		w.ResetAt = utcPtr(w.ResetAt)
		w.ObservedAt = utcPtr(w.ObservedAt)
		if w.ObservedAt != nil && !w.ObservedAt.Before(snap.ObservedAt) {
			w.ObservedAt = nil // seen with the snapshot
		}
		w.LearnedAt = utcPtr(w.LearnedAt)
	}
	if c := snap.Credit; c != nil {
		c.ExpiresAt = utcPtr(c.ExpiresAt)
	}
	if b := snap.Budget; b != nil {
		b.ResetAt = utcPtr(b.ResetAt)
	}
	return snap
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
