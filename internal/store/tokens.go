package store

import "time"

// TokensSince is like UsageSince but splits tokens into prompt and
// completion (for estimating spend at per-direction prices).
func (s *Store) TokensSince(provider, key, model string, since, now time.Time) (prompt, completion int64, err error) {
	v, err := s.readLedger()
	if err != nil {
		return 0, 0, err
	}
	t, err := v.sum(provider, key, model, since, now)
	return t[2], t[3], err
}
