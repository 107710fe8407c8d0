package ui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeClock moves time forward by exactly what each wait asks for.
type fakeClock struct {
	t     time.Time
	waits []time.Duration
	// onWait, when set, runs before each wait and may block it by
	// returning false (the channel then never fires).
	onWait func(n int) bool
}

func (f *fakeClock) clock() clock {
	return clock{
		now: func() time.Time { return f.t },
		after: func(d time.Duration) <-chan time.Time {
			f.waits = append(f.waits, d)
			ch := make(chan time.Time, 1)
			if f.onWait != nil && !f.onWait(len(f.waits)) {
				return ch
			}
			f.t = f.t.Add(d)
			ch <- f.t
			return ch
		},
	}
}

func TestCountdownTerminal(t *testing.T) {
	tests := []struct {
		name      string
		d         time.Duration
		want      string
		wantWaits []time.Duration
	}{
		{
			name: "whole seconds",
			d:    3 * time.Second,
			want: "\r⏳ groq: retrying in 3s" +
				"\r⏳ groq: retrying in 2s" +
				"\r⏳ groq: retrying in 1s" +
				"\r" + strings.Repeat(" ", 23) + "\r",
			wantWaits: []time.Duration{time.Second, time.Second, time.Second},
		},
		{
			name: "a fraction waits to the next whole second first",
			d:    1500 * time.Millisecond,
			want: "\r⏳ groq: retrying in 2s" +
				"\r⏳ groq: retrying in 1s" +
				"\r" + strings.Repeat(" ", 23) + "\r",
			wantWaits: []time.Duration{500 * time.Millisecond, time.Second},
		},
		{
			name: "a shorter line blanks what the longer one left",
			d:    61 * time.Second,
			want: "\r⏳ groq: retrying in 1m01s" +
				"\r⏳ groq: retrying in 1m00s" +
				"\r⏳ groq: retrying in 59s  ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := &fakeClock{t: now}
			var buf bytes.Buffer
			if err := countdown(context.Background(), &buf, tt.d, "groq", true, fc.clock()); err != nil {
				t.Fatalf("countdown: %v", err)
			}
			if !strings.HasPrefix(buf.String(), tt.want) {
				t.Errorf("output = %q\nwant it to start with %q", buf.String(), tt.want)
			}
			if tt.wantWaits != nil && !equalDurations(fc.waits, tt.wantWaits) {
				t.Errorf("waits = %v, want %v", fc.waits, tt.wantWaits)
			}
			var total time.Duration
			for _, w := range fc.waits {
				total += w
			}
			if total != tt.d {
				t.Errorf("waited %v in all, want %v", total, tt.d)
			}
		})
	}
}

func TestCountdownTerminalCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fc := &fakeClock{t: now, onWait: func(n int) bool {
		if n == 2 {
			cancel()
			return false
		}
		return true
	}}
	var buf bytes.Buffer
	err := countdown(ctx, &buf, 10*time.Second, "groq", true, fc.clock())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	want := "\r⏳ groq: retrying in 10s" +
		"\r⏳ groq: retrying in 9s " +
		"\r" + strings.Repeat(" ", 24) + "\r"
	if buf.String() != want {
		t.Errorf("output = %q, want %q (line cleared on cancel)", buf.String(), want)
	}
}

func TestCountdownPipe(t *testing.T) {
	fc := &fakeClock{t: now}
	var buf bytes.Buffer
	if err := countdown(context.Background(), &buf, 12*time.Second, "groq", false, fc.clock()); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "groq: retrying in 12s\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
	if want := []time.Duration{12 * time.Second}; !equalDurations(fc.waits, want) {
		t.Errorf("waits = %v, want one silent wait %v", fc.waits, want)
	}
}

func TestCountdownRealClock(t *testing.T) {
	var buf bytes.Buffer
	start := time.Now()
	if err := Countdown(context.Background(), &buf, 30*time.Millisecond, "groq"); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 30*time.Millisecond {
		t.Errorf("returned after %v, want at least 30ms", elapsed)
	}
	if got, want := buf.String(), "groq: retrying in 1s\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := Countdown(ctx, &buf, time.Hour, "groq"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
