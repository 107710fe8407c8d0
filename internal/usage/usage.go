// Package usage owns the usage log: one row per call tier makes (chat,
// probe, batch row) in a SQLite database, usage.db in the state directory,
// that sqlite3 or datasette can open. It knows the schema and its
// append-only migrations, the journal that keeps logging off a chat's
// critical path, the cost of a call (reported, or estimated from the
// catalog's prices), and the queries of `tier usage` and of budgets.
//
// Logging is an append of one JSON line to usage.journal (O_APPEND, one
// write, no lock): about 30 µs, where opening the database and inserting
// costs ~2 ms. Every reader (Open) first ingests the journal into the
// database inside one write transaction that also records how far each
// journal file was read, so that a line is ingested exactly once however
// many readers and writers run at once. The API key is never logged: only
// its name and fingerprint.
package usage

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// File names in the state directory.
const (
	DBFile      = "usage.db"
	JournalFile = "usage.journal"
)

// Kinds of call.
const (
	KindChat  = "chat"
	KindProbe = "probe"
	KindBatch = "batch"
)

// Entry is one logged call. Cost is nil when no price is known (shown as
// unknown, never as 0).
type Entry struct {
	// ID is unique per call (filled by Append); a line ingested twice
	// leaves one row.
	ID               string    `json:"id"`
	At               time.Time `json:"at"`
	Kind             string    `json:"kind"`
	Provider         string    `json:"provider"`
	Key              string    `json:"key"`
	Fingerprint      string    `json:"fingerprint,omitempty"`
	Model            string    `json:"model"`
	PromptTokens     int64     `json:"prompt_tokens"`
	CompletionTokens int64     `json:"completion_tokens"`
	// TokensEstimated says the provider sent no usage: the tokens are
	// counted from the bytes sent and received.
	TokensEstimated bool     `json:"tokens_estimated,omitempty"`
	Cost            *float64 `json:"cost,omitempty"`
	Currency        string   `json:"currency,omitempty"`
	// CostEstimated says Cost is the catalog's price, not the provider's
	// reported cost.
	CostEstimated bool   `json:"cost_estimated,omitempty"`
	LatencyMS     int64  `json:"latency_ms"`
	Outcome       string `json:"outcome"`
	Tag           string `json:"tag,omitempty"`
}

// Log is the usage log of one state directory.
type Log struct {
	Dir string
}

// New is the log in state directory dir (created on first write).
func New(dir string) *Log { return &Log{Dir: dir} }

// Append logs e: one line appended to the journal, with one write to a
// file opened O_APPEND, so that lines of concurrent processes never
// interleave. It fills e.ID when empty.
func (l *Log) Append(e Entry) error {
	if e.ID == "" {
		e.ID = newID()
	}
	e.At = e.At.UTC()
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return fmt.Errorf("usage log: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(l.Dir, JournalFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("usage log: %w", err)
	}
	_, werr := f.Write(line)
	cerr := f.Close()
	if werr != nil {
		return fmt.Errorf("usage log: %w", werr)
	}
	if cerr != nil {
		return fmt.Errorf("usage log: %w", cerr)
	}
	return nil
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
