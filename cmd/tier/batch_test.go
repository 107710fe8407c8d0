//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

// batchWorld is a fake provider answering slowly enough to stop a batch
// mid-way, and an input of n prompts.
func batchWorld(t *testing.T, n int) (*world, string, string) {
	w := newWorld(t, fakeprovider.Cerebras, fakeprovider.Step{Reply: "ok", Delay: 40 * time.Millisecond})
	w.fake.SetLimits(fakeprovider.Limits{RPM: 100_000, RPD: 1_000_000, TPM: 10_000_000})
	var in strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&in, "prompt %d\n", i)
	}
	input := filepath.Join(w.dir, "in.txt")
	os.WriteFile(input, []byte(in.String()), 0o600)
	return w, input, filepath.Join(w.dir, "out.jsonl")
}

// stopMidway starts the batch, waits until some rows are written, and
// sends sig.
func stopMidway(t *testing.T, w *world, input, output string, sig syscall.Signal) {
	t.Helper()
	cmd := w.command(run{args: []string{"batch", "-p", "fake", "--prompts", input, "-o", output, "--concurrency", "4"}})
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := os.ReadFile(output)
		if bytes.Count(b, []byte("\n")) >= 5 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no rows written in time; stderr:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(sig)
	err := cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch sig {
	case syscall.SIGKILL:
		if !ws.Signaled() {
			t.Fatalf("not killed: %v", err)
		}
	case syscall.SIGINT:
		if cmd.ProcessState.ExitCode() != 130 || !strings.Contains(stderr.String(), "run the same command to resume") {
			t.Fatalf("after Ctrl-C: exit %d, stderr:\n%s\nwant 130 and how to resume", cmd.ProcessState.ExitCode(), stderr.String())
		}
	}
}

// checkOnce checks that every one of n rows is in output exactly once.
func checkOnce(t *testing.T, output string, n int) {
	t.Helper()
	b, err := os.ReadFile(output)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var row struct {
			CustomID string `json:"custom_id"`
			Response *struct {
				StatusCode int `json:"status_code"`
			} `json:"response"`
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("a torn line in the output: %q", line)
		}
		if row.Response == nil || row.Response.StatusCode != 200 {
			t.Errorf("row %s: %s", row.CustomID, line)
		}
		seen[row.CustomID]++
	}
	for i := 1; i <= n; i++ {
		if id := fmt.Sprintf("line-%d", i); seen[id] != 1 {
			t.Errorf("%s is in the output %d times, want exactly once", id, seen[id])
		}
	}
	if len(seen) != n {
		t.Errorf("%d rows in the output, want %d", len(seen), n)
	}
}

func TestBatchResumeAfterKill(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			const n = 40
			w, input, output := batchWorld(t, n)
			stopMidway(t, w, input, output, sig)
			sentBefore := len(w.fake.Requests())
			b, _ := os.ReadFile(output)
			writtenBefore := bytes.Count(b, []byte("\n"))
			r := w.tier("batch", "-p", "fake", "--prompts", input, "-o", output)
			if r.code != 0 || !strings.Contains(r.stderr, "tier: resuming") {
				t.Fatalf("resume:\n%s", r)
			}
			checkOnce(t, output, n)
			// The summary counts the whole input, and says how many rows
			// the stopped run had written.
			if m := regexp.MustCompile(`tier: (\d+) rows written to \S+ \((\d+) already done, 0 failed`).FindStringSubmatch(r.stderr); m == nil || m[1] != fmt.Sprint(n) || m[2] == "0" {
				t.Errorf("the resumed run's summary does not count the whole input (%d rows, some already done):\n%s", n, r)
			}
			// Only the rows not written are sent again: those left, and
			// those in flight (at most 4) when the run stopped.
			if again, most := len(w.fake.Requests())-sentBefore, n-writtenBefore; again > most {
				t.Errorf("%d requests after the resume, more than the %d rows not written", again, most)
			}
			if sig == syscall.SIGKILL && !strings.Contains(r.stderr, "in flight") {
				t.Errorf("resume after kill -9 does not say rows in flight are sent again:\n%s", r)
			}
			// A second resume has nothing to do and sends nothing.
			before := len(w.fake.Requests())
			if r := w.tier("batch", "-p", "fake", "--prompts", input, "-o", output); r.code != 0 || len(w.fake.Requests()) != before {
				t.Errorf("a finished batch run again sent %d requests:\n%s", len(w.fake.Requests())-before, r)
			}
		})
	}
}

func TestBatchRefusesAnotherInput(t *testing.T) {
	w, input, output := batchWorld(t, 3)
	if r := w.tier("batch", "-p", "fake", "--prompts", input, "-o", output); r.code != 0 {
		t.Fatalf("%s", r)
	}
	os.WriteFile(input, []byte("other\n"), 0o600)
	if r := w.tier("batch", "-p", "fake", "--prompts", input, "-o", output); r.code != 2 || !strings.Contains(r.stderr, "another input") {
		t.Errorf("another input on the same output:\n%s\nwant exit 2", r)
	}
}

func TestBatchStopsWhenTheDayRunsOut(t *testing.T) {
	w, input, output := batchWorld(t, 6)
	w.fake.SetLimits(fakeprovider.Limits{RPM: 1000, RPD: 3, TPM: 10_000_000})
	w.fake.SetEnforce(&fakeprovider.Enforce{})
	r := w.tier("batch", "-p", "fake", "--prompts", input, "-o", output)
	if r.code != 5 || !strings.Contains(r.stderr, "requests per day") || !strings.Contains(r.stderr, "run the same command after") {
		t.Fatalf("want exit 5 naming the day window and when to resume:\n%s", r)
	}
	t.Log(r.stderr)
	b, _ := os.ReadFile(output)
	if n := bytes.Count(b, []byte("\n")); n != 3 {
		t.Errorf("%d rows written, want the 3 the day allowed", n)
	}
}
