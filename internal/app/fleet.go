package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/tier-cli/tier/internal/shared"
)

// Fleet is the run's handle on the shared state (TIER_SHARED, else
// providers.yaml's shared:), nil when none is set; opened once per run.
func (a *App) Fleet() (*shared.Fleet, error) {
	if a.fleet != nil || a.fleetOff {
		return a.fleet, nil
	}
	cfg, ok, err := shared.FromEnv(a.cfg.Getenv)
	if err != nil {
		return nil, usageErr(err)
	}
	if !ok {
		cat, err := a.Catalog()
		if err != nil {
			return nil, err
		}
		if cat.Shared == nil || cat.Shared.URL == "" {
			a.fleetOff = true
			return nil, nil
		}
		if cfg, err = shared.FromCatalog(cat.Shared.URL, cat.Shared.Mode); err != nil {
			return nil, usageErr(err)
		}
		// The environment wins over the file, as TIER_SHARED does: a CI
		// job makes a team's shared: strict with TIER_SHARED_MODE=required.
		if mode := strings.TrimSpace(a.cfg.Getenv("TIER_SHARED_MODE")); mode != "" {
			if cfg.Mode, err = shared.ParseMode(mode); err != nil {
				return nil, usageErr(err)
			}
		}
		cfg.Password = a.cfg.Getenv("TIER_SHARED_PASSWORD")
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
		fmt.Fprintf(a.cfg.Stderr, "tier: warning: %s\n", msg)
	}
	f, err := shared.Open(cfg, warn, a.Now)
	if err != nil {
		return nil, usageErr(err)
	}
	a.fleet = f
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

// LearnFleet merges the fleet's snapshots into local state before tier
// quota, status or a watch's reading reads it, and returns them to mark the
// rows they make. Without TIER_SHARED it does nothing; in required mode a
// Redis out of reach fails (exit 6).
func (a *App) LearnFleet(ctx context.Context) ([]shared.Entry, error) {
	f, err := a.Fleet()
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
	st, err := a.Store()
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

// sharedStatusAlone are the flags of 'tier quota' that --shared-status, a
// check of Redis only, cannot honour.
var sharedStatusAlone = []string{"key", "model", "refresh", "probe", "require", "allow-unknown", "timeout", "format", "watch", "interval", "count"}

// SharedStatus is 'tier quota --shared-status': Redis pinged, what it
// holds, the clock skew (shared.Fleet.Status). args are the PROVIDER
// arguments and changed says which flags were given: any of those it
// cannot honour is a usage error, not ignored (a --require that seemed to
// pass, a --watch that returned at once).
func (a *App) SharedStatus(ctx context.Context, args []string, changed func(flag string) bool) (shared.Status, error) {
	if len(args) > 0 {
		return shared.Status{}, usagef("--shared-status checks Redis only: it takes no PROVIDER (%s); run 'tier quota %s' apart", args[0], args[0])
	}
	for _, name := range sharedStatusAlone {
		if changed(name) {
			return shared.Status{}, usagef("--shared-status checks Redis only: it does not go with --%s", name)
		}
	}
	f, err := a.Fleet()
	if err != nil {
		return shared.Status{}, err
	}
	if f == nil {
		return shared.Status{}, usagef("--shared-status: shared state is off: set TIER_SHARED=redis://host:6379/0")
	}
	defer f.Close()
	return f.Status(ctx), nil
}
