//go:build unix

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tier-cli/tier/internal/fakeprovider"
	"github.com/tier-cli/tier/internal/quota"
)

// readmeSection is the README's section headed "## name", up to the next.
func readmeSection(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## "+name+"\n")
	if !ok {
		t.Fatalf("the README has no %q section", name)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	return section
}

// TestSeeItEverywhereCommands runs, as a user would paste them, every
// command of the README's "See it everywhere" in its sh blocks (the
// snippets of 'tier status --install' are run by internal/cli's
// TestStatusSnippets), with the real binary on PATH, against Groq's
// built-in profile pointed at a fake and a DeepSeek balance in the state.
func TestSeeItEverywhereCommands(t *testing.T) {
	w := newWorld(t, fakeprovider.Groq, fakeprovider.Step{Reply: "Azure"})
	w.fake.SetLimits(fakeprovider.Limits{RPM: 30, RPD: 1000, TPM: 6000, TPD: 500000})
	w.writeConfig("providers:\n  groq:\n    base_url: " + w.srv.URL + "/v1\n")
	w.setenv("GROQ_API_KEY="+testKey, "FAKE_KEY=", "NO_COLOR=1", "PATH="+filepath.Dir(tierBin)+":"+os.Getenv("PATH"))
	if r := w.tier("chat", "-q", "-p", "groq", "hi"); r.code != 0 {
		t.Fatalf("seeding groq: %s", r)
	}
	bal, now := 4.2, time.Now()
	expires := now.Add(12*24*time.Hour + time.Hour)
	if err := w.store().SaveSnapshot(quota.Snapshot{Provider: "deepseek", Key: "default", ObservedAt: now, Windows: []quota.Window{},
		Credit: &quota.Credit{Remaining: &bal, Unit: "USD", ExpiresAt: &expires, Source: quota.SourceBalance}}); err != nil {
		t.Fatal(err)
	}

	section := readmeSection(t, "See it everywhere")
	// The console example is what tier status prints for these: Groq's
	// headers report requests per day (and tokens per minute), not RPM.
	m := regexp.MustCompile("(?s)```console\n\\$ tier status\n(.*?)\n```").FindStringSubmatch(section)
	if m == nil {
		t.Fatal("no `$ tier status` example")
	}
	r := w.tier("status")
	shape := regexp.MustCompile(`^deepseek \$4\.20 exp 12d · groq \d+/1000rpd$`)
	if r.code != 0 || !shape.MatchString(strings.TrimSuffix(r.stdout, "\n")) || !shape.MatchString(m[1]) {
		t.Errorf("the README shows %q; tier status printed:\n%s", m[1], r)
	}

	promDir := t.TempDir()
	var ran int
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		for _, line := range strings.Split(strings.TrimSpace(block[1]), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			ran++
			// The textfile collector's directory, in a temporary one.
			cmdline := strings.ReplaceAll(line, "/var/lib/node_exporter", promDir)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			cmd := exec.CommandContext(ctx, "sh", "-c", cmdline)
			cmd.Env, cmd.Dir = w.env, w.dir
			out, err := cmd.Output()
			cancel()
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			got := string(out)
			var ok bool
			switch {
			case strings.HasPrefix(line, "tier status --format '{{range"):
				ok = regexp.MustCompile(`^deepseek: groq: \d+/1000rpd \d+/6000tpm \n$`).MatchString(got)
			case strings.HasPrefix(line, "tier status --format '{{with index"):
				ok = got == "$4.20\n"
			case strings.HasPrefix(line, "tier quota --format prometheus"):
				f, ferr := os.Open(filepath.Join(promDir, "tier.prom"))
				if ferr != nil {
					t.Errorf("%s: %v", line, ferr)
					continue
				}
				parser := expfmt.NewTextParser(model.LegacyValidation)
				fams, perr := parser.TextToMetricFamilies(f)
				f.Close()
				ok = got == "" && perr == nil && fams["tier_window_remaining"] != nil && fams["tier_credit_remaining"] != nil
				if leftover, _ := filepath.Glob(filepath.Join(promDir, "tier.prom.*")); len(leftover) > 0 {
					t.Errorf("%s left %v", line, leftover)
				}
			case strings.HasPrefix(line, "tier quota groq --jq"):
				ok = regexp.MustCompile(`^\d+\n$`).MatchString(got)
			case strings.HasPrefix(line, "tier chat -p groq --jq .content"):
				ok = got == "Azure\n"
			default:
				t.Errorf("a command of See it everywhere this test does not know: %s", line)
				continue
			}
			if err != nil || !ok {
				t.Errorf("%s\n(as run: %s)\nexit %v, stdout %q, stderr %q", line, cmdline, err, got, stderr)
			}
		}
	}
	if ran != 5 {
		t.Errorf("ran %d commands of See it everywhere, want the 5 it had when this test was written", ran)
	}
}
