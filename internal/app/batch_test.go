package app

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Flag values that mean nothing are usage errors before anything is read
// or sent; they were once taken silently for the defaults.
func TestBatchRefusesMeaninglessFlags(t *testing.T) {
	w := newWorld(t, "")
	input := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(input, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := Batch{Input: input, Provider: "demo", Output: filepath.Join(t.TempDir(), "out.jsonl"), Prompts: true, DryRun: true,
		Concurrency: 32, MaxWait: 90 * time.Second}
	tests := []struct {
		name string
		edit func(*Batch)
		want string // "" accepted; else a piece of the usage error
	}{
		{"the defaults", func(*Batch) {}, ""},
		{"one call at a time", func(b *Batch) { b.Concurrency = 1 }, ""},
		{"--concurrency 0", func(b *Batch) { b.Concurrency = 0 }, "--concurrency 0: give at least 1"},
		{"--concurrency -3", func(b *Batch) { b.Concurrency = -3 }, "--concurrency -3"},
		{"--max-wait 0", func(b *Batch) { b.MaxWait = 0 }, "--max-wait 0s: give a duration above 0"},
		{"--max-wait -5s", func(b *Batch) { b.MaxWait = -5 * time.Second }, "--max-wait -5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ok
			tt.edit(&b)
			err := w.app().Batch(context.Background(), b, BatchIO{Out: io.Discard, Err: io.Discard})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindUsage || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a usage error saying %q", err, tt.want)
			}
		})
	}
}

// A batch over a pool that is not there says so once, with the pools; a
// -p that is neither a provider nor a pool is told both; -m and --key are
// a provider's (a pool's targets name their own).
func TestBatchTargetsRefuse(t *testing.T) {
	w := newWorld(t, poolsYAML)
	tests := []struct {
		pool, provider, model, key string
		want                       string // "" accepted
	}{
		{"free", "", "", "default", ""},
		{"nope", "", "", "default", `unknown pool "nope" (pools: any-key, free)`},
		{"", "nope", "", "default", `unknown provider "nope"; known providers: `},
		{"", "nope", "", "default", "; pools: any-key, free"},
		{"free", "", "m", "default", `-m and --key are for one provider: pool "free"'s targets`},
		{"", "free", "", "work", "drop them, or use -p PROVIDER"},
	}
	for _, tt := range tests {
		_, err := w.app().BatchTargets(tt.pool, tt.provider, tt.model, tt.key, nil)
		if tt.want == "" {
			if err != nil {
				t.Errorf("--pool %q -p %q: %v", tt.pool, tt.provider, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindUsage || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "has no targets") {
			t.Errorf("--pool %q -p %q -m %q --key %q: err = %v, want a usage error saying %q", tt.pool, tt.provider, tt.model, tt.key, err, tt.want)
		}
	}
}
