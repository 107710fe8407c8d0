package usage

import (
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
