package ui

import (
	"math"
	"strconv"
	"time"

	"github.com/tier-cli/tier/internal/keys"
)

// KeyHeaders are the columns of tier keys list.
var KeyHeaders = []string{"provider", "name", "source", "key", "created", "rotated", "verified", "age", "rotation", "in use"}

// KeyRow is a key's row in tier keys list: where it comes from, its
// fingerprint (never the key), its dates and when to rotate it.
func KeyRow(r keys.JSONRow, now time.Time, th Theme) []string {
	date := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Local().Format("2006-01-02")
	}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	source := r.Source
	if r.Plaintext {
		source = th.Warning.Render("file (plaintext)")
	}
	age := "-"
	if r.AgeDays != nil {
		age = strconv.Itoa(*r.AgeDays) + "d"
	}
	rotation := "-"
	switch {
	case r.Overdue:
		rotation = th.Warning.Render("rotate due")
	case !r.RotateDue.IsZero():
		rotation = "in " + strconv.Itoa(int(math.Ceil(r.RotateDue.Sub(now).Hours()/24))) + "d"
	}
	use := r.Note
	switch {
	case r.Default && use != "":
		use = "default, " + use
	case r.Default:
		use = "default"
	case use == "" && r.Name != keys.DefaultName:
		use = "with --key " + r.Name
	}
	return []string{th.Provider.Render(r.Provider), r.Name, source, dash(r.Fingerprint), date(r.Created),
		date(r.LastRotated), date(r.LastVerified), age, rotation, dash(use)}
}

// KeyRows are the cells of 'tier keys list' for rows (KeyRow each).
func KeyRows(rows []keys.JSONRow, now time.Time, th Theme) [][]string {
	var table [][]string
	for _, r := range rows {
		table = append(table, KeyRow(r, now, th))
	}
	return table
}
