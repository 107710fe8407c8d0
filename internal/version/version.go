// Package version owns tier's version facts: the version, commit and build
// date set through -ldflags by releases, else read from the Go build info.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set through -ldflags "-X github.com/tier-cli/tier/internal/version.version=..." by releases.
var (
	version = ""
	commit  = ""
	date    = ""
)

// Info is what `tier version --json` prints.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
}

// String is what `tier --version` prints after "tier ".
func String() string {
	v := Current()
	return fmt.Sprintf("%s (commit %s, built %s)", v.Version, v.Commit, v.Date)
}

// Current is this binary's version facts.
func Current() Info {
	v, c, d := version, commit, date
	if bi, ok := debug.ReadBuildInfo(); ok && (v == "" || c == "") {
		if v == "" && bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if c == "" {
					c = s.Value
				}
			case "vcs.time":
				if d == "" {
					d = s.Value
				}
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if len(c) > 12 {
		c = c[:12]
	}
	if c == "" {
		c = "unknown"
	}
	if d == "" {
		d = "unknown"
	}
	return Info{Version: v, Commit: c, Date: d, Go: runtime.Version()}
}

// Short is the version set by -ldflags, else "dev" (the User-Agent's).
func Short() string {
	if version != "" {
		return version
	}
	return "dev"
}
