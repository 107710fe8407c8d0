package usage

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tier-cli/tier/internal/quota"
)

// FillRunways fills in, from the usage log in dir (when there is one),
// when each snapshot's windows and credit run out at the current pace
// (Runway). The pace is a nicety: nothing is filled in when the log
// cannot be read, and no log is created when nothing was logged.
func FillRunways(dir string, snaps []*quota.Snapshot, now time.Time) {
	if len(snaps) == 0 {
		return
	}
	if !exists(filepath.Join(dir, DBFile)) && !exists(filepath.Join(dir, JournalFile)) {
		return // nothing logged: no need to create the database
	}
	db, err := New(dir).Open()
	if err != nil {
		return
	}
	defer db.Close()
	for _, s := range snaps {
		hour, err1 := db.Pace(s.Provider, s.Key, s.Model, now.Add(-time.Hour))
		week, err2 := db.Pace(s.Provider, s.Key, "", now.AddDate(0, 0, -7))
		if err1 == nil && err2 == nil {
			Runway(s, hour, week, now)
		}
	}
}

// WriteRunways says on w what runs out when, one line a snapshot that has
// a runway.
func WriteRunways(w io.Writer, snaps []quota.Snapshot, now time.Time, loc *time.Location) {
	for _, s := range snaps {
		if t := RunwayText(s, now, loc); t != "" {
			who := s.Provider + " " + s.Key
			if s.Model != "" {
				who += " " + s.Model
			}
			fmt.Fprintf(w, "tier: %s: %s, at the current pace\n", who, t)
		}
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
