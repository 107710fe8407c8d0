package cli

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// 'tier status' must take 5 ms or less as a process with the full state
// store of the quota benchmarks (quota_bench_test.go): it runs at every
// prompt and every tmux status refresh.
//
//	go test -run '^$' -bench Status -benchtime 100x ./internal/cli/

// BenchmarkStatusRun: 'tier status' in process, the files read afresh.
func BenchmarkStatusRun(b *testing.B) { runQuotaBench(b, "status") }

// BenchmarkStatusBinary: the built binary, process start included, as a
// prompt runs it.
func BenchmarkStatusBinary(b *testing.B) {
	if testing.Short() {
		b.Skip("builds the binary")
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "tier")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	if out, err := exec.Command(goTool, "build", "-o", bin, "github.com/tier-cli/tier/cmd/tier").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	// The floor: the same binary's start-up alone (tier --version, the
	// start-up target of bench/), so the line's own cost reads apart.
	b.Run("baseline=--version", func(b *testing.B) {
		for b.Loop() {
			if out, err := exec.Command(bin, "--version").CombinedOutput(); err != nil {
				b.Fatalf("tier --version: %v\n%s", err, out)
			}
		}
	})
	for _, n := range []int{16, 240} {
		b.Run(fmt.Sprintf("ledger-series=%d", n), func(b *testing.B) {
			env := quotaBenchState(b, filepath.Join(dir, fmt.Sprint("state-", n)), time.Now(), n)
			var environ []string
			for k, v := range env {
				environ = append(environ, k+"="+v)
			}
			for b.Loop() {
				cmd := exec.Command(bin, "status")
				cmd.Env = environ
				if out, err := cmd.CombinedOutput(); err != nil || len(out) < 100 {
					b.Fatalf("tier status: %v\n%s", err, out)
				}
			}
		})
	}
}
