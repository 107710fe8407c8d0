package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Every run of tier pays for every package's initialisation, even
// 'tier --version' (a start-up target: bench/stream.sh). tier's own
// packages compile regexps, reflect over types and parse templates on
// first use (internal/lazyre, sync.OnceValue), never at init: each may
// allocate a little at init, not build tables. Counted in allocations (the
// runtime's GODEBUG=inittrace), which do not depend on the machine's load.
func TestPackageInitIsCheap(t *testing.T) {
	const maxAllocs, maxBytes = 200, 32 << 10
	cmd := exec.Command(tierBin, "--version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tier --version: %v\n%s", err, stderr.String())
	}
	seen := 0
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		// init github.com/tier-cli/tier/internal/x @1.2 ms, 0.01 ms clock, 816 bytes, 7 allocs
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[0] != "init" || !strings.HasPrefix(f[1], "github.com/tier-cli/tier/") {
			continue
		}
		seen++
		bytesN, _ := strconv.Atoi(f[7])
		allocs, _ := strconv.Atoi(f[9])
		if allocs > maxAllocs || bytesN > maxBytes {
			t.Errorf("%s allocates %d bytes in %d allocations at init (at most %d bytes, %d allocations): make the work lazy", f[1], bytesN, allocs, maxBytes, maxAllocs)
		}
	}
	if seen == 0 {
		t.Fatalf("no init lines of tier's packages in GODEBUG=inittrace output:\n%s", stderr.String())
	}
}
