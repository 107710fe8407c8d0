// Command bench measures tier against the speed targets of issue 3 and
// prints PASS or FAIL with the numbers for each:
//
//   - streaming 100,000 tokens from a local OpenAI-compatible server to
//     /dev/null at 500,000 tokens/s or more, with peak RSS under 20 MiB;
//   - 1,000,000 tokens take at most 10x as long as 100,000 (linear cost);
//   - `tier --version` starts in 5 ms or less (median);
//   - a 20-token non-streaming reply completes no slower than curl's
//     (medians).
//
// The server is internal/fakeprovider, in this process, on 127.0.0.1 only;
// every loop is bounded. Run it through bench/stream.sh, which builds tier
// first, or: go run ./bench -tier /path/to/tier
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tier-cli/tier/internal/fakeprovider"
)

const fakeKey = "test-key-bench-0001"

func main() {
	tier := flag.String("tier", "", "path to the tier binary (required)")
	runs := flag.Int("runs", 5, "runs of each streaming size (the best is kept)")
	startRuns := flag.Int("start-runs", 100, "runs of `tier --version`")
	replyRuns := flag.Int("reply-runs", 60, "runs of the 20-token reply, for tier and for curl")
	small := flag.Int("small", 100_000, "tokens of the first streaming run")
	large := flag.Int("large", 1_000_000, "tokens of the linearity run")
	serve := flag.Duration("serve", 0, "only run the fake server for this long, printing its URL and a TIER_CONFIG_DIR (for profiling by hand)")
	flag.Parse()
	if *serve > 0 {
		b, err := newBench(os.Args[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		fmt.Printf("%s\nexport TIER_CONFIG_DIR=%s FAKE_KEY=%s\n", b.url, filepath.Join(b.dir, "config"), fakeKey)
		time.Sleep(*serve)
		b.close()
		return
	}
	if *tier == "" {
		fmt.Fprintln(os.Stderr, "bench: pass -tier PATH (bench/stream.sh builds it)")
		os.Exit(2)
	}
	b, err := newBench(*tier)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	defer b.close()

	fails := 0
	report := func(ok bool, name, format string, a ...any) {
		verdict := "PASS"
		if !ok {
			verdict = "FAIL"
			fails++
		}
		fmt.Printf("%s  %-28s %s\n", verdict, name, fmt.Sprintf(format, a...))
	}

	// Streaming throughput, memory and linearity.
	s, err := b.stream(*small, *runs)
	if err != nil {
		report(false, "stream", "%v", err)
	} else {
		tps := float64(*small) / s.wall.Seconds()
		report(tps >= 500_000, fmt.Sprintf("stream %d tokens", *small), "%.0f tokens/s (target >= 500000; %s wall, %s user+sys)",
			tps, s.wall.Round(time.Millisecond), s.cpu.Round(time.Millisecond))
		report(s.maxRSS < 20<<20, "stream peak RSS", "%.1f MiB (target < 20 MiB)", float64(s.maxRSS)/(1<<20))
		l, err := b.stream(*large, *runs)
		if err != nil {
			report(false, "stream linearity", "%v", err)
		} else {
			ratio := l.wall.Seconds() / s.wall.Seconds()
			want := float64(*large) / float64(*small)
			report(ratio <= want, fmt.Sprintf("stream %d tokens", *large), "%.0f tokens/s, %.1fx the time of %d (target <= %.0fx; CPU %.1fx); peak RSS %.1f MiB",
				float64(*large)/l.wall.Seconds(), ratio, *small, want, l.cpu.Seconds()/s.cpu.Seconds(), float64(l.maxRSS)/(1<<20))
		}
	}

	// Start-up.
	med, cpu, err := b.median(*startRuns, exec.Command(b.tier, "--version"))
	if err != nil {
		report(false, "tier --version", "%v", err)
	} else {
		report(med <= 5*time.Millisecond, "tier --version", "median %s over %d runs (target <= 5ms); median CPU %s",
			round(med), *startRuns, round(cpu))
	}

	// A 20-token non-streaming reply: tier against curl, run in turns (tier,
	// curl, tier, ...) so that both see the same machine: a burst of load
	// from elsewhere falls on both, not on whichever ran at the time.
	tierReply := exec.Command(b.tier, "chat", "-p", "fake", "--no-stream", "--no-stdin", "-q", "--max-tokens", "20", "say", "twenty", "tokens")
	if curl, lerr := exec.LookPath("curl"); lerr != nil {
		tmed, _, err := b.median(*replyRuns, tierReply)
		if err != nil {
			report(false, "20-token reply", "tier: %v", err)
		} else {
			report(false, "20-token reply", "tier median %s; curl not found, cannot compare", round(tmed))
		}
	} else {
		body := `{"model":"m1","messages":[{"role":"user","content":"say twenty tokens"}],"max_tokens":20}`
		c := exec.Command(curl, "-sS", "-f", "-o", "/dev/null", "-X", "POST", b.url+"/chat/completions",
			"-H", "Content-Type: application/json", "-H", "@"+b.curlHeaders, "--data", body)
		med, err := b.medians(*replyRuns, tierReply, c)
		if err != nil {
			report(false, "20-token reply", "%v", err)
		} else {
			report(med[0].wall <= med[1].wall, "20-token reply vs curl", "tier median %s (CPU %s), curl median %s (CPU %s) over %d runs each, in turns",
				round(med[0].wall), round(med[0].cpu), round(med[1].wall), round(med[1].cpu), *replyRuns)
		}
	}
	if fails > 0 {
		fmt.Printf("%d target(s) failed\n", fails)
		b.close() // os.Exit skips deferred calls
		os.Exit(1)
	}
	fmt.Println("all targets met")
}

type bench struct {
	tier        string
	dir         string
	url         string
	curlHeaders string
	env         []string
	srv         *http.Server
	fake        *fakeprovider.Server
}

func newBench(tier string) (*bench, error) {
	tier, err := filepath.Abs(tier)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(tier); err != nil {
		return nil, fmt.Errorf("no tier binary at %s: build it first (bench/stream.sh does)", tier)
	}
	dir, err := os.MkdirTemp("", "tier-bench-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	fake := fakeprovider.New(fakeprovider.OpenAI, fakeprovider.Step{Tokens: fakeprovider.FromMaxTokens})
	fake.Key = fakeKey
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	b := &bench{tier: tier, dir: dir, url: "http://" + ln.Addr().String() + "/v1", srv: srv, fake: fake}

	cfg := filepath.Join(dir, "config")
	if err := os.MkdirAll(cfg, 0o700); err != nil {
		return nil, err
	}
	yaml := fmt.Sprintf("providers:\n  fake:\n    base_url: %q\n    key_env: FAKE_KEY\n    default_model: m1\n    dialect: openai\n", b.url)
	if err := os.WriteFile(filepath.Join(cfg, "providers.yaml"), []byte(yaml), 0o600); err != nil {
		return nil, err
	}
	// curl reads the key from a file, so that it is not in its argv either.
	b.curlHeaders = filepath.Join(dir, "curl-headers")
	if err := os.WriteFile(b.curlHeaders, []byte("Authorization: Bearer "+fakeKey+"\n"), 0o600); err != nil {
		return nil, err
	}
	b.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"TIER_CONFIG_DIR=" + cfg,
		"TIER_STATE_DIR=" + filepath.Join(dir, "state"),
		"FAKE_KEY=" + fakeKey,
		"NO_COLOR=1",
	}
	return b, nil
}

func (b *bench) close() {
	b.srv.Close()
	os.RemoveAll(b.dir)
}

type streamResult struct {
	wall, cpu time.Duration
	maxRSS    int64
}

// stream runs `tier chat` for n tokens to /dev/null, runs times, and keeps
// the fastest run (the least disturbed by other load on the machine), the
// least CPU time and the highest peak RSS.
func (b *bench) stream(n, runs int) (streamResult, error) {
	var best streamResult
	for i := 0; i < runs; i++ {
		cmd := exec.Command(b.tier, "chat", "-p", "fake", "--no-stdin", "-q", "--max-tokens", strconv.Itoa(n), "stream", "please")
		r, err := b.run(cmd)
		if err != nil {
			return best, err
		}
		if i == 0 || r.wall < best.wall {
			best.wall = r.wall
		}
		if i == 0 || r.cpu < best.cpu {
			best.cpu = r.cpu
		}
		best.maxRSS = max(best.maxRSS, r.maxRSS)
	}
	// Check once that the stream really arrived in full.
	cmd := exec.Command(b.tier, "chat", "-p", "fake", "--no-stdin", "-q", "--max-tokens", strconv.Itoa(n), "stream", "please")
	var out countWriter
	cmd.Stdout = &out
	cmd.Env = b.env
	if err := cmd.Run(); err != nil {
		return best, fmt.Errorf("tier chat for %d tokens: %v", n, err)
	}
	if want := int64(n*len(fakeprovider.Token) + 1); out.n != want {
		return best, fmt.Errorf("tier wrote %d bytes for %d tokens, want %d", out.n, n, want)
	}
	return best, nil
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// run runs cmd with stdout and stderr on /dev/null (no pipe, no copying
// goroutine to wait for: only the process is timed); a failed run is run
// again with stderr captured, to say why.
func (b *bench) run(cmd *exec.Cmd) (streamResult, error) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return streamResult{}, err
	}
	defer null.Close()
	cmd.Stdout, cmd.Stderr = null, null
	cmd.Env = b.env
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		var stderr bytes.Buffer
		again := exec.Command(cmd.Path, cmd.Args[1:]...)
		again.Env, again.Stderr = b.env, &stderr
		again.Run()
		return streamResult{}, fmt.Errorf("%s: %v: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(stderr.String()))
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	r := streamResult{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru != nil {
		r.maxRSS = ru.Maxrss << 10 // kilobytes on Linux
	}
	return r, nil
}

// median runs a copy of cmd n times (after one warm-up run) and returns the
// median wall time and the median CPU time (user+sys, which other load on
// the machine does not inflate).
func (b *bench) median(n int, cmd *exec.Cmd) (wall, cpu time.Duration, err error) {
	if n < 1 {
		return 0, 0, errors.New("no runs")
	}
	walls := make([]time.Duration, 0, n)
	cpus := make([]time.Duration, 0, n)
	for i := 0; i <= n; i++ {
		c := exec.Command(cmd.Path, cmd.Args[1:]...)
		r, err := b.run(c)
		if err != nil {
			return 0, 0, err
		}
		if i > 0 {
			walls = append(walls, r.wall)
			cpus = append(cpus, r.cpu)
		}
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	return walls[len(walls)/2], cpus[len(cpus)/2], nil
}

// medians runs cmds in turns, n times each after one warm-up round, and
// returns the median wall and CPU time of each.
func (b *bench) medians(n int, cmds ...*exec.Cmd) ([]streamResult, error) {
	if n < 1 {
		return nil, errors.New("no runs")
	}
	walls := make([][]time.Duration, len(cmds))
	cpus := make([][]time.Duration, len(cmds))
	for i := 0; i <= n; i++ {
		for j, cmd := range cmds {
			r, err := b.run(exec.Command(cmd.Path, cmd.Args[1:]...))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Base(cmd.Path), err)
			}
			if i > 0 {
				walls[j] = append(walls[j], r.wall)
				cpus[j] = append(cpus[j], r.cpu)
			}
		}
	}
	med := make([]streamResult, len(cmds))
	for j := range cmds {
		slices.Sort(walls[j])
		slices.Sort(cpus[j])
		med[j] = streamResult{wall: walls[j][n/2], cpu: cpus[j][n/2]}
	}
	return med, nil
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
