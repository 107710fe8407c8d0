package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/tier-cli/tier/internal/overview"
	"github.com/tier-cli/tier/internal/quota"
	"github.com/tier-cli/tier/internal/shared"
)

// fleet is the run's handle on the shared state (TIER_SHARED), nil when
// it is not set; opened once per run.
func (a *app) fleet() (*shared.Fleet, error) {
	if a.shared != nil || a.sharedOff {
		return a.shared, nil
	}
	cfg, ok, err := shared.FromEnv(a.env.Getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	if !ok {
		cat, err := a.catalog()
		if err != nil {
			return nil, err
		}
		if cat.Shared == nil || cat.Shared.URL == "" {
			a.sharedOff = true
			return nil, nil
		}
		if cfg, err = shared.FromCatalog(cat.Shared.URL, cat.Shared.Mode); err != nil {
			return nil, usageErr(err)
		}
		cfg.Password = a.env.Getenv("TIER_SHARED_PASSWORD")
		if cfg.Password == "" && cat.Shared.PasswordCmd != "" {
			if cfg.Password, err = passwordCmd(cat.Shared.PasswordCmd); err != nil {
				return nil, err
			}
		}
	}
	var mu sync.Mutex
	warn := func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(a.env.Stderr, "tier: warning: %s\n", msg)
	}
	f, err := shared.Open(cfg, warn, a.now)
	if err != nil {
		return nil, usageErr(err)
	}
	a.shared = f
	return f, nil
}

// passwordCmd runs providers.yaml's shared.password_cmd (sh -c, 5 s, at
// most 4 KiB of output) for the Redis password; what it prints is never
// shown.
func passwordCmd(command string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Stdout = &limitWriter{w: &out, n: 4096}
	if err := cmd.Run(); err != nil {
		return "", usagef("providers.yaml: shared: password_cmd failed: %v", err)
	}
	pw := strings.TrimSpace(out.String())
	if pw == "" {
		return "", usagef("providers.yaml: shared: password_cmd printed nothing")
	}
	return pw, nil
}

// limitWriter keeps the first n bytes written to it.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	k := min(len(p), l.n)
	if k > 0 {
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

// learnFleet merges the fleet's snapshots into local state before tier
// quota reads it, and returns them to mark the rows they make. In required
// mode a Redis out of reach fails (exit 6).
func (a *app) learnFleet(ctx context.Context) ([]shared.Entry, error) {
	f, err := a.fleet()
	if f == nil || err != nil {
		return nil, err
	}
	if err := f.Check(ctx); err != nil {
		return nil, err
	}
	entries, err := f.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	st, err := a.store()
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if _, err := st.SaveSnapshotMerged(e.Snapshot); err != nil {
			return entries, err
		}
	}
	return entries, nil
}

// markShared marks the rows whose figures are a fleet snapshot's (the
// same observed_at): who saw them, when.
func markShared(rows []overview.Row, entries []shared.Entry) {
	for i := range rows {
		s := &rows[i].Snapshot
		for _, e := range entries {
			es := e.Snapshot
			if es.Provider == s.Provider && es.Key == s.Key && es.Model == s.Model && es.ObservedAt.Equal(s.ObservedAt) {
				s.Shared = &quota.Shared{Host: e.Host, At: e.At, Fingerprint: e.Fingerprint}
			}
		}
	}
}

// printShared says on stderr which rows are the fleet's.
func printShared(env *Env, rows []overview.Row, now time.Time) {
	for _, r := range rows {
		if sh := r.Snapshot.Shared; sh != nil {
			name := r.Snapshot.Provider + "/" + r.Snapshot.Key
			if r.Snapshot.Model != "" {
				name += "/" + r.Snapshot.Model
			}
			if sh.Fingerprint != "" {
				name += " (" + sh.Fingerprint + ")"
			}
			fmt.Fprintf(env.Stderr, "shared: %s seen by %s %s ago\n", name, sh.Host, now.Sub(sh.At).Round(time.Second))
		}
	}
}

// runSharedStatus is tier quota --shared-status: reachable, latency, keys
// held, clock skew; exit 6 when not reachable.
func runSharedStatus(ctx context.Context, env *Env, asJSON bool) error {
	a := newApp(env)
	f, err := a.fleet()
	if err != nil {
		return err
	}
	if f == nil {
		return usagef("--shared-status: shared state is off: set TIER_SHARED=redis://host:6379/0")
	}
	defer f.Close()
	st := f.Status(ctx)
	if asJSON {
		b, _ := json.MarshalIndent(st, "", "  ")
		fmt.Fprintln(env.Stdout, string(b))
	} else {
		fmt.Fprintf(env.Stdout, "url:        %s\nmode:       %s\nhost:       %s\n", st.URL, st.Mode, st.Host)
		if st.Reachable {
			fmt.Fprintf(env.Stdout, "reachable:  yes (Redis %s)\nlatency:    %.2f ms\nkeys held:  %d (%d snapshots)\nclock skew: %d ms\n",
				st.Server, st.LatencyMS, st.Keys, st.Snapshots, st.SkewMS)
		} else {
			fmt.Fprintf(env.Stdout, "reachable:  no (%s)\n", st.Error)
		}
	}
	if !st.Reachable {
		return silent(networkErr(fmt.Errorf("shared state unreachable: %s", st.Error)))
	}
	return nil
}
