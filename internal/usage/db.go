package usage

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, pure Go

	"github.com/tier-cli/tier/internal/store"
)

// DB is the usage database, open. Close it when done.
type DB struct {
	db  *sql.DB
	log *Log
}

// rotateAt is the size past which an ingested journal is set aside
// (renamed) and a new one started; a set-aside journal is removed once it
// was read to its end and no writer can still hold it open.
var rotateAt int64 = 1 << 20

// Open opens (creating and migrating) the database and ingests the journal.
// Connections that open a new database together can be told SQLITE_BUSY
// without the busy timeout applying (switching it to WAL takes a lock
// that does not wait): such an open is tried again, a few times.
func (l *Log) Open() (*DB, error) { return whileBusy(l.open, time.Sleep) }

// busyTries is how many times whileBusy tries; its waits add up to about
// a second (5 ms, 10 ms, ... 100 ms).
const busyTries = 20

// whileBusy calls open until it succeeds, fails otherwise than with
// SQLITE_BUSY, or was told SQLITE_BUSY busyTries times, sleeping a little
// longer each time.
func whileBusy[T any](open func() (T, error), sleep func(time.Duration)) (T, error) {
	for try := 1; ; try++ {
		v, err := open()
		if err == nil || try == busyTries || !isBusy(err) {
			return v, err
		}
		sleep(time.Duration(try*5) * time.Millisecond)
	}
}

// isBusy says whether err is SQLite's SQLITE_BUSY (5) or SQLITE_LOCKED (6).
func isBusy(err error) bool {
	var c interface{ Code() int }
	if errors.As(err, &c) {
		return c.Code()&0xff == 5 || c.Code()&0xff == 6
	}
	return false
}

func (l *Log) open() (*DB, error) {
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return nil, store.DirError(l.Dir, err)
	}
	path := filepath.Join(l.Dir, DBFile)
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("usage log: %w", err)
	}
	db.SetMaxOpenConns(1)
	d := &DB{db: db, log: l}
	if err := d.migrate(); err != nil {
		db.Close()
		return nil, openError(path, err)
	}
	os.Chmod(path, 0o600)
	if err := d.Ingest(); err != nil {
		db.Close()
		return nil, openError(path, err)
	}
	return d, nil
}

// openError is err from opening the database at path; a file that SQLite
// says is no database, or a corrupt one, is a damaged state file
// (store.ErrCorrupt, exit 2) and the message says how to move it aside.
func openError(path string, err error) error {
	var c interface{ Code() int }
	if errors.As(err, &c) && (c.Code()&0xff == sqliteCorrupt || c.Code()&0xff == sqliteNotADB) {
		return &damagedError{path: path, err: err}
	}
	return fmt.Errorf("usage log %s: %w", path, err)
}

// SQLite's result codes of a damaged database.
const (
	sqliteCorrupt = 11
	sqliteNotADB  = 26
)

// damagedError is a usage database that cannot be read.
type damagedError struct {
	path string
	err  error
}

func (e *damagedError) Error() string {
	return fmt.Sprintf("usage log %s is unreadable (%s): move it aside and tier starts a new one (tier usage then counts from there): %s",
		e.path, strings.Join(strings.Fields(e.err.Error()), " "), store.MoveAsideCommand(e.path))
}
func (e *damagedError) Is(target error) bool { return target == store.ErrCorrupt }
func (e *damagedError) Unwrap() error        { return e.err }

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// SQL is the database handle, for queries of other packages (budgets).
func (d *DB) SQL() *sql.DB { return d.db }

// migrations are applied in order, each once, each in its own
// transaction, and recorded by name in _migrations: append only, never
// edit one that shipped (simonw/llm's pattern).
var migrations = []struct{ name, sql string }{
	{"m001_calls", `
CREATE TABLE calls (
	id TEXT PRIMARY KEY,
	at INTEGER NOT NULL,            -- unix milliseconds, UTC
	kind TEXT NOT NULL,             -- chat, probe, batch
	provider TEXT NOT NULL,
	key_name TEXT NOT NULL,
	key_fingerprint TEXT,           -- never the key
	model TEXT NOT NULL,
	prompt_tokens INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	tokens_estimated INTEGER NOT NULL DEFAULT 0,
	cost REAL,                      -- NULL: no price known
	currency TEXT,
	cost_estimated INTEGER NOT NULL DEFAULT 0,
	latency_ms INTEGER NOT NULL,
	outcome TEXT NOT NULL,
	tag TEXT
);
CREATE INDEX calls_at ON calls(at);
CREATE TABLE journal (name TEXT PRIMARY KEY, offset INTEGER NOT NULL);`},
	{"m002_alerts", `
CREATE TABLE alerts (
	budget TEXT NOT NULL,
	period_start INTEGER NOT NULL,  -- unix milliseconds, UTC
	threshold INTEGER NOT NULL,     -- percent
	at INTEGER NOT NULL,
	PRIMARY KEY (budget, period_start, threshold)
);`},
	// slots adds the calls up per quarter hour (which every time zone's
	// offset is a whole number of) and group, kept by triggers, so that a
	// report reads thousands of rows, not every call.
	{"m003_slots", `
CREATE TABLE slots (
	slot INTEGER NOT NULL,          -- at / 900000
	currency TEXT NOT NULL,         -- '' for the calls with no known cost
	provider TEXT NOT NULL,
	key_name TEXT NOT NULL,
	model TEXT NOT NULL,
	tag TEXT NOT NULL,
	requests INTEGER NOT NULL,
	prompt_tokens INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	cost REAL,                      -- of the calls with a known cost
	unknown_cost INTEGER NOT NULL,  -- calls with no known cost
	cost_estimated INTEGER NOT NULL,
	-- in this order, so that a report grouping by a prefix reads in order
	PRIMARY KEY (slot, currency, provider, key_name, model, tag)
) WITHOUT ROWID;
INSERT INTO slots SELECT at / 900000, coalesce(currency, ''), provider, key_name, model, coalesce(tag, ''), count(*),
	sum(prompt_tokens), sum(completion_tokens), sum(cost), sum(cost IS NULL), max(cost_estimated)
	FROM calls WHERE true GROUP BY 1, 2, 3, 4, 5, 6;
CREATE TRIGGER calls_slots_insert AFTER INSERT ON calls BEGIN
	INSERT INTO slots VALUES (new.at / 900000, coalesce(new.currency, ''), new.provider, new.key_name, new.model, coalesce(new.tag, ''),
		1, new.prompt_tokens, new.completion_tokens, new.cost, new.cost IS NULL, new.cost_estimated)
	ON CONFLICT DO UPDATE SET requests = requests + 1,
		prompt_tokens = prompt_tokens + excluded.prompt_tokens,
		completion_tokens = completion_tokens + excluded.completion_tokens,
		cost = CASE WHEN excluded.cost IS NULL THEN cost ELSE coalesce(cost, 0) + excluded.cost END,
		unknown_cost = unknown_cost + excluded.unknown_cost,
		cost_estimated = max(cost_estimated, excluded.cost_estimated);
END;
CREATE TRIGGER calls_slots_delete AFTER DELETE ON calls BEGIN
	UPDATE slots SET requests = requests - 1, prompt_tokens = prompt_tokens - old.prompt_tokens,
		completion_tokens = completion_tokens - old.completion_tokens, cost = cost - coalesce(old.cost, 0),
		unknown_cost = unknown_cost - (old.cost IS NULL)
	WHERE slot = old.at / 900000 AND provider = old.provider AND key_name = old.key_name AND model = old.model
		AND tag = coalesce(old.tag, '') AND currency = coalesce(old.currency, '');
	DELETE FROM slots WHERE requests <= 0;
END;`},
	// window_alerts marks the thresholds of a provider's window or credit
	// (subject) alerted, each until the window resets: a crossing alerts
	// once when the upsert that moves until past now changes a row.
	{"m004_window_alerts", `
CREATE TABLE window_alerts (
	subject TEXT NOT NULL,          -- kind, provider, key, model, window
	threshold INTEGER NOT NULL,     -- percent
	until INTEGER NOT NULL,         -- unix milliseconds: alerts again from then
	at INTEGER NOT NULL,
	PRIMARY KEY (subject, threshold)
);`},
	// slot_groups adds the calls up per quarter hour and one grouping of
	// tier usage --by at a time ('' for none, provider, key, model, tag),
	// so that a report reads a row per group it shows, not one per
	// combination of them all (slots): 100,000 calls each in a group of
	// its own are 100,000 rows of slots but at most slots × groups here.
	{"m005_slot_groups", `
CREATE TABLE slot_groups (
	grouping TEXT NOT NULL,         -- '', provider, key, model or tag
	slot INTEGER NOT NULL,          -- at / 900000
	currency TEXT NOT NULL,
	grp TEXT NOT NULL,              -- the group: '', a provider, provider/key, a model or a tag
	requests INTEGER NOT NULL,
	prompt_tokens INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	cost REAL,
	unknown_cost INTEGER NOT NULL,
	cost_estimated INTEGER NOT NULL,
	PRIMARY KEY (grouping, slot, currency, grp)
) WITHOUT ROWID;
INSERT INTO slot_groups SELECT '', slot, currency, '', sum(requests), sum(prompt_tokens), sum(completion_tokens),
	sum(cost), sum(unknown_cost), max(cost_estimated) FROM slots WHERE true GROUP BY 2, 3, 4;
INSERT INTO slot_groups SELECT 'provider', slot, currency, provider, sum(requests), sum(prompt_tokens), sum(completion_tokens),
	sum(cost), sum(unknown_cost), max(cost_estimated) FROM slots WHERE true GROUP BY 2, 3, 4;
INSERT INTO slot_groups SELECT 'key', slot, currency, provider || '/' || key_name, sum(requests), sum(prompt_tokens), sum(completion_tokens),
	sum(cost), sum(unknown_cost), max(cost_estimated) FROM slots WHERE true GROUP BY 2, 3, 4;
INSERT INTO slot_groups SELECT 'model', slot, currency, model, sum(requests), sum(prompt_tokens), sum(completion_tokens),
	sum(cost), sum(unknown_cost), max(cost_estimated) FROM slots WHERE true GROUP BY 2, 3, 4;
INSERT INTO slot_groups SELECT 'tag', slot, currency, tag, sum(requests), sum(prompt_tokens), sum(completion_tokens),
	sum(cost), sum(unknown_cost), max(cost_estimated) FROM slots WHERE true GROUP BY 2, 3, 4;
CREATE TRIGGER calls_slot_groups_insert AFTER INSERT ON calls BEGIN
	INSERT INTO slot_groups VALUES ('', new.at / 900000, coalesce(new.currency, ''), '',
		1, new.prompt_tokens, new.completion_tokens, new.cost, new.cost IS NULL, new.cost_estimated)
	ON CONFLICT DO UPDATE SET requests = requests + 1,
		prompt_tokens = prompt_tokens + excluded.prompt_tokens,
		completion_tokens = completion_tokens + excluded.completion_tokens,
		cost = CASE WHEN excluded.cost IS NULL THEN cost ELSE coalesce(cost, 0) + excluded.cost END,
		unknown_cost = unknown_cost + excluded.unknown_cost,
		cost_estimated = max(cost_estimated, excluded.cost_estimated);
	INSERT INTO slot_groups VALUES ('provider', new.at / 900000, coalesce(new.currency, ''), new.provider,
		1, new.prompt_tokens, new.completion_tokens, new.cost, new.cost IS NULL, new.cost_estimated)
	ON CONFLICT DO UPDATE SET requests = requests + 1,
		prompt_tokens = prompt_tokens + excluded.prompt_tokens,
		completion_tokens = completion_tokens + excluded.completion_tokens,
		cost = CASE WHEN excluded.cost IS NULL THEN cost ELSE coalesce(cost, 0) + excluded.cost END,
		unknown_cost = unknown_cost + excluded.unknown_cost,
		cost_estimated = max(cost_estimated, excluded.cost_estimated);
	INSERT INTO slot_groups VALUES ('key', new.at / 900000, coalesce(new.currency, ''), new.provider || '/' || new.key_name,
		1, new.prompt_tokens, new.completion_tokens, new.cost, new.cost IS NULL, new.cost_estimated)
	ON CONFLICT DO UPDATE SET requests = requests + 1,
		prompt_tokens = prompt_tokens + excluded.prompt_tokens,
		completion_tokens = completion_tokens + excluded.completion_tokens,
		cost = CASE WHEN excluded.cost IS NULL THEN cost ELSE coalesce(cost, 0) + excluded.cost END,
		unknown_cost = unknown_cost + excluded.unknown_cost,
		cost_estimated = max(cost_estimated, excluded.cost_estimated);
	INSERT INTO slot_groups VALUES ('model', new.at / 900000, coalesce(new.currency, ''), new.model,
		1, new.prompt_tokens, new.completion_tokens, new.cost, new.cost IS NULL, new.cost_estimated)
	ON CONFLICT DO UPDATE SET requests = requests + 1,
		prompt_tokens = prompt_tokens + excluded.prompt_tokens,
		completion_tokens = completion_tokens + excluded.completion_tokens,
		cost = CASE WHEN excluded.cost IS NULL THEN cost ELSE coalesce(cost, 0) + excluded.cost END,
		unknown_cost = unknown_cost + excluded.unknown_cost,
		cost_estimated = max(cost_estimated, excluded.cost_estimated);
	INSERT INTO slot_groups VALUES ('tag', new.at / 900000, coalesce(new.currency, ''), coalesce(new.tag, ''),
		1, new.prompt_tokens, new.completion_tokens, new.cost, new.cost IS NULL, new.cost_estimated)
	ON CONFLICT DO UPDATE SET requests = requests + 1,
		prompt_tokens = prompt_tokens + excluded.prompt_tokens,
		completion_tokens = completion_tokens + excluded.completion_tokens,
		cost = CASE WHEN excluded.cost IS NULL THEN cost ELSE coalesce(cost, 0) + excluded.cost END,
		unknown_cost = unknown_cost + excluded.unknown_cost,
		cost_estimated = max(cost_estimated, excluded.cost_estimated);
END;
CREATE TRIGGER calls_slot_groups_delete AFTER DELETE ON calls BEGIN
	UPDATE slot_groups SET requests = requests - 1, prompt_tokens = prompt_tokens - old.prompt_tokens,
		completion_tokens = completion_tokens - old.completion_tokens, cost = cost - coalesce(old.cost, 0),
		unknown_cost = unknown_cost - (old.cost IS NULL)
	WHERE grouping = '' AND slot = old.at / 900000 AND currency = coalesce(old.currency, '') AND grp = '';
	UPDATE slot_groups SET requests = requests - 1, prompt_tokens = prompt_tokens - old.prompt_tokens,
		completion_tokens = completion_tokens - old.completion_tokens, cost = cost - coalesce(old.cost, 0),
		unknown_cost = unknown_cost - (old.cost IS NULL)
	WHERE grouping = 'provider' AND slot = old.at / 900000 AND currency = coalesce(old.currency, '') AND grp = old.provider;
	UPDATE slot_groups SET requests = requests - 1, prompt_tokens = prompt_tokens - old.prompt_tokens,
		completion_tokens = completion_tokens - old.completion_tokens, cost = cost - coalesce(old.cost, 0),
		unknown_cost = unknown_cost - (old.cost IS NULL)
	WHERE grouping = 'key' AND slot = old.at / 900000 AND currency = coalesce(old.currency, '') AND grp = old.provider || '/' || old.key_name;
	UPDATE slot_groups SET requests = requests - 1, prompt_tokens = prompt_tokens - old.prompt_tokens,
		completion_tokens = completion_tokens - old.completion_tokens, cost = cost - coalesce(old.cost, 0),
		unknown_cost = unknown_cost - (old.cost IS NULL)
	WHERE grouping = 'model' AND slot = old.at / 900000 AND currency = coalesce(old.currency, '') AND grp = old.model;
	UPDATE slot_groups SET requests = requests - 1, prompt_tokens = prompt_tokens - old.prompt_tokens,
		completion_tokens = completion_tokens - old.completion_tokens, cost = cost - coalesce(old.cost, 0),
		unknown_cost = unknown_cost - (old.cost IS NULL)
	WHERE grouping = 'tag' AND slot = old.at / 900000 AND currency = coalesce(old.currency, '') AND grp = coalesce(old.tag, '');
	DELETE FROM slot_groups WHERE requests <= 0;
END;`},
}

func (d *DB) migrate() error {
	if _, err := d.db.Exec(`CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return err
	}
	for _, m := range migrations {
		if err := d.apply(m.name, m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

func (d *DB) apply(name, stmt string) error {
	tx, err := d.db.Begin() // immediate: one process migrates at a time
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM _migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.Exec(stmt); err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO _migrations (name, applied_at) VALUES (?, ?)`, name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	return tx.Commit()
}

// Insert adds entries directly (tests, benchmarks, imports); the hot path
// is Log.Append.
func (d *DB) Insert(entries ...Entry) error {
	tx, err := d.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := insert(tx, entries); err != nil {
		return err
	}
	return tx.Commit()
}

func insert(tx *sql.Tx, entries []Entry) error {
	st, err := tx.Prepare(`INSERT OR IGNORE INTO calls (id, at, kind, provider, key_name, key_fingerprint, model,
	prompt_tokens, completion_tokens, tokens_estimated, cost, currency, cost_estimated, latency_ms, outcome, tag)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, e := range entries {
		if e.ID == "" {
			e.ID = newID()
		}
		if _, err := st.Exec(e.ID, e.At.UnixMilli(), e.Kind, e.Provider, e.Key, nullStr(e.Fingerprint), e.Model,
			e.PromptTokens, e.CompletionTokens, e.TokensEstimated, e.Cost, nullStr(e.Currency), e.CostEstimated,
			e.LatencyMS, e.Outcome, nullStr(e.Tag)); err != nil {
			return err
		}
	}
	return nil
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Ingest moves what the journal holds into the database: in one write
// transaction, each journal file is read from where the last ingest
// stopped to its last complete line, its lines inserted and the new
// offset recorded, so that a line is never ingested twice nor lost, with
// any number of readers and writers at once. A line that does not decode
// is skipped.
func (d *DB) Ingest() error {
	dir := d.log.Dir
	live := filepath.Join(dir, JournalFile)
	names, err := filepath.Glob(live + "*")
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	tx, err := d.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var done []string // set-aside journals to remove once committed
	// Should the commit fail after a rename, the set-aside journal has no
	// offset and is read again from its start: the IDs of its lines
	// (the primary key) keep each row once.
	for _, path := range names {
		name := filepath.Base(path)
		var off int64
		err := tx.QueryRow(`SELECT offset FROM journal WHERE name = ?`, name).Scan(&off)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		entries, end, size, err := readJournal(path, off)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := insert(tx, entries); err != nil {
			return err
		}
		switch {
		case name != JournalFile && end == size && oldFile(path):
			// Set aside, read to its end and idle: done with.
			if _, err := tx.Exec(`DELETE FROM journal WHERE name = ?`, name); err != nil {
				return err
			}
			done = append(done, path)
			continue
		case name == JournalFile && end >= rotateAt && end == size:
			aside := fmt.Sprintf("%s.%d", JournalFile, time.Now().UnixNano())
			if _, err := tx.Exec(`INSERT OR REPLACE INTO journal (name, offset) VALUES (?, ?)`, aside, end); err != nil {
				return err
			}
			if _, err := tx.Exec(`DELETE FROM journal WHERE name = ?`, name); err != nil {
				return err
			}
			if err := os.Rename(path, filepath.Join(dir, aside)); err != nil {
				return err
			}
			continue
		}
		if end != off {
			if _, err := tx.Exec(`INSERT OR REPLACE INTO journal (name, offset) VALUES (?, ?)`, name, end); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, path := range done {
		os.Remove(path)
	}
	return nil
}

// oldFile says path was last written long enough ago that no writer can
// still be about to append to it.
func oldFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && time.Since(fi.ModTime()) > 10*time.Second
}

// readJournal decodes path's complete lines from offset off; it returns
// them, the offset after the last complete line, and the file's size.
func readJournal(path string, off int64) ([]Entry, int64, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, off, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, off, 0, err
	}
	size := fi.Size()
	if size < off {
		off = 0 // replaced under us by a new file: read it whole (IDs dedupe)
	}
	if size == off {
		return nil, off, size, nil
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil, off, size, err
	}
	data, err := io.ReadAll(io.LimitReader(f, size-off))
	if err != nil {
		return nil, off, size, err
	}
	last := bytes.LastIndexByte(data, '\n')
	if last < 0 {
		return nil, off, size, nil
	}
	data = data[:last+1]
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var e Entry
		if json.Unmarshal([]byte(line), &e) != nil || e.ID == "" {
			continue
		}
		out = append(out, e)
	}
	return out, off + int64(last+1), size, nil
}
