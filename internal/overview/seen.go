package overview

import (
	"time"

	"github.com/tier-cli/tier/internal/store"
)

const seenFile = "seen"

// seen maps "provider/key" to when tier first got an answer from it.
type seen map[string]time.Time

// MarkSeen records the first time tier used provider/key; later calls
// change nothing and take no lock.
func MarkSeen(st *store.Store, provider, key string, at time.Time) error {
	id := provider + "/" + key
	if cur, err := store.Read[seen](st, seenFile); err == nil && !cur[id].IsZero() {
		return nil
	}
	return store.Update(st, seenFile, func(s *seen) error {
		if *s == nil {
			*s = seen{}
		}
		if (*s)[id].IsZero() {
			(*s)[id] = at.UTC().Truncate(time.Second)
		}
		return nil
	})
}

// FirstSeen returns a lookup of MarkSeen's records, read once.
func FirstSeen(st *store.Store) func(provider, key string) (time.Time, bool) {
	s, _ := store.Read[seen](st, seenFile)
	return func(provider, key string) (time.Time, bool) {
		t, ok := s[provider+"/"+key]
		return t, ok && !t.IsZero()
	}
}
