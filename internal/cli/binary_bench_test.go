package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// releaseBinary builds tier as releases are built (CGO off, trimmed,
// stripped: .goreleaser.yaml, bench/stream.sh) into a temporary
// directory, for the benchmarks that time whole processes; a dynamic
// build spends another ~1 ms in the loader, which users of a release do
// not pay.
func releaseBinary(b *testing.B) string {
	b.Helper()
	if testing.Short() {
		b.Skip("builds the binary")
	}
	bin := filepath.Join(b.TempDir(), "tier")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(goTool, "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "github.com/tier-cli/tier/cmd/tier")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// environOf is vars as a process environment.
func environOf(vars map[string]string) []string {
	environ := make([]string, 0, len(vars))
	for k, v := range vars {
		environ = append(environ, k+"="+v)
	}
	return environ
}

// benchProcess runs bin with args in environ once per iteration; check,
// when set, judges each run's output.
func benchProcess(b *testing.B, bin string, environ []string, check func(out []byte) bool, args ...string) {
	b.Helper()
	for b.Loop() {
		cmd := exec.Command(bin, args...)
		cmd.Env = environ
		out, err := cmd.CombinedOutput()
		if err != nil || (check != nil && !check(out)) {
			b.Fatalf("tier %v: %v\n%s", args, err, out)
		}
	}
}

// For the benchmarks of package cli_test (the export_test idiom).
var (
	ReleaseBinary = releaseBinary
	EnvironOf     = environOf
	BenchProcess  = benchProcess
)
