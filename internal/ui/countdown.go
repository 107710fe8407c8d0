package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
)

// clock is the time source of Countdown; tests swap in a fake one.
type clock struct {
	now   func() time.Time
	after func(time.Duration) <-chan time.Time
}

var realClock = clock{now: time.Now, after: time.After}

// Countdown waits d, or until ctx is done (then it returns ctx.Err()).
//
// On a terminal it redraws "⏳ <label>: retrying in 12s" in place every
// second and blanks the line when done. Elsewhere it prints one line
// "<label>: retrying in 12s" and waits silently.
func Countdown(ctx context.Context, w io.Writer, d time.Duration, label string) error {
	return countdown(ctx, w, d, label, IsTerminal(w), realClock)
}

// CountdownOn is Countdown on output the caller has found to be a terminal
// or not (tty).
func CountdownOn(ctx context.Context, w io.Writer, d time.Duration, label string, tty bool) error {
	return countdown(ctx, w, d, label, tty, realClock)
}

func countdown(ctx context.Context, w io.Writer, d time.Duration, label string, tty bool, c clock) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	if !tty {
		fmt.Fprintf(w, "%s: retrying in %s\n", label, FormatCountdown(d))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.after(d):
			return nil
		}
	}

	// Overwrite with spaces rather than an erase escape, which not every
	// console understands.
	drawn := 0 // columns written so far on this line
	draw := func(s string) {
		pad := max(drawn-lipgloss.Width(s), 0)
		fmt.Fprint(w, "\r"+s+strings.Repeat(" ", pad))
		drawn = max(drawn, lipgloss.Width(s))
	}
	defer func() {
		draw("")
		fmt.Fprint(w, "\r")
	}()

	deadline := c.now().Add(d)
	for {
		left := deadline.Sub(c.now())
		if left <= 0 {
			return nil
		}
		draw(fmt.Sprintf("⏳ %s: retrying in %s", label, FormatCountdown(left)))
		// Sleep to the next whole second of the remaining time, so the
		// figure shown changes exactly when it should.
		step := left % time.Second
		if step == 0 {
			step = time.Second
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.after(step):
		}
	}
}
