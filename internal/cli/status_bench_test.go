package cli

import (
	"fmt"
	"path/filepath"
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
	bin := releaseBinary(b)
	dir := b.TempDir()
	// The floor: the same binary's start-up alone (tier --version, the
	// start-up target of bench/), so the line's own cost reads apart.
	b.Run("baseline=--version", func(b *testing.B) { benchProcess(b, bin, nil, nil, "--version") })
	for _, n := range []int{16, 240} {
		b.Run(fmt.Sprintf("ledger-series=%d", n), func(b *testing.B) {
			env := environOf(quotaBenchState(b, filepath.Join(dir, fmt.Sprint("state-", n)), time.Now(), n))
			benchProcess(b, bin, env, func(out []byte) bool { return len(out) >= 100 }, "status")
		})
	}
}
