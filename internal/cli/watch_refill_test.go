package cli

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/ptytest"
)

// TestQuotaWatchRefillsBetweenReadings: with a long --interval, a window
// whose reset passes between two readings of the state shows refilled at
// the next tick of the clock, not at the next reading.
func TestQuotaWatchRefillsBetweenReadings(t *testing.T) {
	t.Parallel()
	_, env := watchWorld(t) // RPM 0/30, resetting 1.5 s from the start
	master, tty := ptytest.Open(t)
	ptytest.SetSize(t, tty, 120, 30)
	screen := &ptytest.Buffer{}
	go io.Copy(screen, master)
	e := &Env{Stdin: tty, Stdout: tty, Stderr: tty, Getenv: func(k string) string { return env[k] }, Now: clockOf(env)}
	done := make(chan int, 1)
	go func() { done <- Run(context.Background(), e, []string{"quota", "--watch", "--interval", "1h"}) }()
	waitFor(t, screen, "0/30", "q quits")
	waitFor(t, screen, "30/30 (refilled)")
	master.Write([]byte("q"))
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("q did not quit")
	}
}
