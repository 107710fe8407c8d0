package shared

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// Mark marks the snapshots whose figures are a fleet entry's (the same
// provider, key, model and observed_at): who saw them, when.
func Mark(snaps []*quota.Snapshot, entries []Entry) {
	for _, s := range snaps {
		for _, e := range entries {
			es := e.Snapshot
			if es.Provider == s.Provider && es.Key == s.Key && es.Model == s.Model && es.ObservedAt.Equal(s.ObservedAt) {
				s.Shared = &quota.Shared{Host: e.Host, At: e.At, Fingerprint: e.Fingerprint}
			}
		}
	}
}

// WriteMarked says, one line each, which snapshots are the fleet's
// (Mark): "shared: groq/default/llama (…abcd) seen by host 12s ago".
func WriteMarked(w io.Writer, snaps []quota.Snapshot, now time.Time) {
	for _, s := range snaps {
		if sh := s.Shared; sh != nil {
			name := s.Provider + "/" + s.Key
			if s.Model != "" {
				name += "/" + s.Model
			}
			if sh.Fingerprint != "" {
				name += " (" + sh.Fingerprint + ")"
			}
			fmt.Fprintf(w, "shared: %s seen by %s %s ago\n", name, sh.Host, now.Sub(sh.At).Round(time.Second))
		}
	}
}

// WriteStatus writes st as 'tier quota --shared-status' prints it: aligned
// lines, or an indented JSON object.
func WriteStatus(w io.Writer, st Status, asJSON bool) {
	if asJSON {
		b, _ := json.MarshalIndent(st, "", "  ")
		fmt.Fprintln(w, string(b))
		return
	}
	fmt.Fprintf(w, "url:        %s\nmode:       %s\nhost:       %s\n", st.URL, st.Mode, st.Host)
	if st.Reachable {
		fmt.Fprintf(w, "reachable:  yes (Redis %s)\nlatency:    %.2f ms\nkeys held:  %d (%d snapshots)\nclock skew: %d ms\n",
			st.Server, st.LatencyMS, st.Keys, st.Snapshots, st.SkewMS)
	} else {
		fmt.Fprintf(w, "reachable:  no (%s)\n", st.Error)
	}
}
