package usage

import (
	"fmt"
	"testing"
	"time"
)

func benchEntry() Entry {
	c := 0.000123
	return Entry{At: time.Now(), Kind: KindChat, Provider: "groq", Key: "default", Fingerprint: "…a1b2",
		Model: "llama-3.1-8b-instant", PromptTokens: 20, CompletionTokens: 40, Cost: &c, Currency: "USD",
		CostEstimated: true, LatencyMS: 300, Outcome: "ok"}
}

// BenchmarkAppend is what logging adds to a chat: one journal line.
func BenchmarkAppend(b *testing.B) {
	l := New(b.TempDir())
	for b.Loop() {
		if err := l.Append(benchEntry()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDirectWrite is the alternative: open the database, insert the
// row, close, as one chat process would.
func BenchmarkDirectWrite(b *testing.B) {
	l := New(b.TempDir())
	db, err := l.Open() // created and migrated once, as after the first run
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	for b.Loop() {
		db, err := l.Open()
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Insert(benchEntry()); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

// seed100k fills a database in dir with 100,000 calls over 30 days (a
// busy CI: 3,300 calls a day), each hour's job on one provider, key and
// tag, with two models; or, adversarial, every call in a different group
// from the one before (every call its own row of the slots table).
func seed100k(b *testing.B, dir string, adversarial bool) {
	db, err := New(dir).Open()
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Insert(Calls100k(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), adversarial)...); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReport100k is `tier usage` (open, ingest, report) over 100,000
// logged calls.
func BenchmarkReport100k(b *testing.B) {
	for _, adversarial := range []bool{false, true} {
		dir := b.TempDir()
		seed100k(b, dir, adversarial)
		for _, by := range []string{"", "provider", "tag"} {
			b.Run(fmt.Sprintf("adversarial=%v/by=%s", adversarial, by), func(b *testing.B) {
				for b.Loop() {
					db, err := New(dir).Open()
					if err != nil {
						b.Fatal(err)
					}
					rep, err := db.Report(Query{Bucket: Daily, By: by, Loc: time.UTC})
					if err != nil || rep.Total.Requests != 100000 {
						b.Fatal(err, rep.Total.Requests)
					}
					db.Close()
				}
			})
		}
	}
}
