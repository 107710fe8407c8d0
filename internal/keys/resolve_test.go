package keys

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tier-cli/tier/internal/catalog"
)

func TestResolvePrecedence(t *testing.T) {
	const (
		envKey     = "test-key-from-env-01"
		env2Key    = "test-key-from-env-02"
		keyringKey = "test-key-in-keyring1"
		fileKey    = "test-key-in-file-001"
		cmdKey     = "test-key-from-cmd-01"
	)
	unavailable := &UnavailableError{Reason: "no D-Bus session bus"}
	tests := []struct {
		name       string
		keyName    string
		env        map[string]string
		keyring    map[string]string // user -> secret
		keyringErr error             // every keyring call fails with this
		file       map[string]string
		cmd        bool // the profile has a key_cmd printing cmdKey
		noKey      bool
		wantKey    string
		wantSource Source
		wantErr    error
	}{
		{name: "env beats everything", env: map[string]string{"GROQ_API_KEY": envKey}, keyring: map[string]string{"default": keyringKey},
			file: map[string]string{"default": fileKey}, cmd: true, wantKey: envKey, wantSource: "env:GROQ_API_KEY"},
		{name: "key_env in order: the first set one wins", env: map[string]string{"GROQ_KEY_OLD": env2Key},
			keyring: map[string]string{"default": keyringKey}, wantKey: env2Key, wantSource: "env:GROQ_KEY_OLD"},
		{name: "a blank env var is not set", env: map[string]string{"GROQ_API_KEY": "  "}, keyring: map[string]string{"default": keyringKey},
			wantKey: keyringKey, wantSource: SourceKeyring},
		{name: "env value is trimmed", env: map[string]string{"GROQ_API_KEY": envKey + "\n"}, wantKey: envKey, wantSource: "env:GROQ_API_KEY"},
		{name: "keyring beats file and cmd", keyring: map[string]string{"default": keyringKey}, file: map[string]string{"default": fileKey}, cmd: true,
			wantKey: keyringKey, wantSource: SourceKeyring},
		{name: "file beats cmd", file: map[string]string{"default": fileKey}, cmd: true, wantKey: fileKey, wantSource: SourceFile},
		{name: "cmd last", cmd: true, wantKey: cmdKey, wantSource: SourceCmd},
		{name: "keyring unavailable falls through to file", keyringErr: unavailable, file: map[string]string{"default": fileKey},
			wantKey: fileKey, wantSource: SourceFile},
		{name: "keyring timeout falls through to cmd", keyringErr: ErrTimeout, cmd: true, wantKey: cmdKey, wantSource: SourceCmd},
		{name: "nothing", wantErr: ErrNoKey},
		{name: "named key ignores env", keyName: "work", env: map[string]string{"GROQ_API_KEY": envKey},
			keyring: map[string]string{"default": keyringKey, "work": "test-key-work-000001"}, wantKey: "test-key-work-000001", wantSource: SourceKeyring},
		{name: "named key from file", keyName: "work", file: map[string]string{"work": "test-key-work-file-01"}, wantKey: "test-key-work-file-01", wantSource: SourceFile},
		{name: "named key never comes from env or cmd", keyName: "work", env: map[string]string{"GROQ_API_KEY": envKey}, cmd: true,
			keyring: map[string]string{"default": keyringKey}, wantErr: ErrNoKey},
		{name: "a previous key is not the key", keyring: map[string]string{"default.previous": keyringKey}, wantErr: ErrNoKey},
		{name: "no_key profile needs nothing", noKey: true, env: map[string]string{"GROQ_API_KEY": envKey}, wantKey: "", wantSource: SourceNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cmd && runtime.GOOS == "windows" {
				t.Skip("key_cmd fixture uses sh")
			}
			te := newTestEnv(t)
			te.profile.KeyEnv = catalog.StringList{"GROQ_API_KEY", "GROQ_KEY_OLD"}
			te.profile.NoKey = tt.noKey
			for k, v := range tt.env {
				te.env[k] = v
			}
			for u, s := range tt.keyring {
				te.b.MemoryBackend.Set(Service("groq"), u, s)
			}
			for u, s := range tt.file {
				if err := te.m.fileSet("groq", u, s); err != nil {
					t.Fatal(err)
				}
			}
			if tt.keyringErr != nil {
				te.b.fail = func(op, service, user string) error { return tt.keyringErr }
			}
			if tt.cmd {
				te.profile.KeyCmd = "echo " + cmdKey
			}
			r, err := te.m.Resolve(t.Context(), te.profile, tt.keyName)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Resolve = %v, %v; want error %v", r, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if r.Key != tt.wantKey || r.Source != tt.wantSource {
				t.Errorf("Resolve = key %s from %q; want %s from %q", Fingerprint(r.Key), r.Source, Fingerprint(tt.wantKey), tt.wantSource)
			}
		})
	}
}

func TestNoKeyMessages(t *testing.T) {
	tests := []struct {
		name       string
		keyEnv     catalog.StringList
		keyURL     string
		keyName    string
		keyringErr error
		want       string
	}{
		{"all three ways", catalog.StringList{"GROQ_API_KEY"}, "https://console.groq.com/keys", "",
			nil, "no key for groq: set GROQ_API_KEY, or run 'tier keys set groq', or add key_cmd to its profile (get a key at https://console.groq.com/keys)"},
		{"no key_env, no key_url", nil, "", "default",
			nil, "no key for groq: run 'tier keys set groq', or add key_cmd to its profile"},
		{"a named key", catalog.StringList{"GROQ_API_KEY"}, "https://console.groq.com/keys", "work",
			nil, `no key "work" for groq: run 'tier keys set groq --name work' (get a key at https://console.groq.com/keys)`},
		{"keyring out of reach", catalog.StringList{"GROQ_API_KEY"}, "", "",
			&UnavailableError{Reason: "no D-Bus session bus"},
			"no key for groq: set GROQ_API_KEY, or run 'tier keys set groq', or add key_cmd to its profile; the keyring could not be read (keyring unavailable: no D-Bus session bus): run 'tier keys doctor'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := newTestEnv(t)
			te.profile.KeyEnv, te.profile.KeyURL = tt.keyEnv, tt.keyURL
			if tt.keyringErr != nil {
				te.b.fail = func(string, string, string) error { return tt.keyringErr }
			}
			_, err := te.m.Resolve(t.Context(), te.profile, tt.keyName)
			var nk *NoKeyError
			if !errors.As(err, &nk) {
				t.Fatalf("err = %v, want a *NoKeyError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("message:\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestKeyCmd(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("fixtures use sh")
	}
	const secretOnStdout = "test-key-printed-0042"
	tests := []struct {
		name       string
		cmd        string
		timeout    time.Duration
		wantKey    string
		wantErr    string // substring
		wantStderr string
	}{
		{name: "stdout trimmed", cmd: "printf '  " + goodKey + "\\n\\n'", wantKey: goodKey},
		{name: "stderr is not passed through when it works", cmd: "echo 'unlocking vault' >&2; echo " + goodKey, wantKey: goodKey},
		{name: "the key echoed on stderr never shows", cmd: "echo " + secretOnStdout + " >&2; echo " + secretOnStdout, wantKey: secretOnStdout},
		{name: "failure shows a few lines of stderr, the key redacted",
			cmd:     "echo " + secretOnStdout + "; echo 'vault: token " + secretOnStdout + " expired' >&2; for i in 1 2 3 4 5 6 7; do echo line $i >&2; done; exit 1",
			wantErr: "failed (exit status 1)", wantStderr: "tier: key_cmd: vault: token …0042 expired\ntier: key_cmd: line 1\ntier: key_cmd: line 2\ntier: key_cmd: line 3\ntier: key_cmd: (4 more lines)\n"},
		{name: "failure redacts what looks like a key even when stdout had none",
			cmd: "echo 'bad token fake-key-abcdefghijklmnopqrstuvwx1234' >&2; exit 2", wantErr: "failed (exit status 2)", wantStderr: "tier: key_cmd: bad token …1234\n"},
		{name: "a timeout shows stderr too, a short key-like word redacted",
			cmd: "echo 'token tok-abcdefgh-0042 is bad' >&2; exec sleep 30", timeout: 300 * time.Millisecond,
			wantErr: "did not finish within 300ms", wantStderr: "tier: key_cmd: token …0042 is bad\n"},
		{name: "failure hides stdout", cmd: "echo " + secretOnStdout + "; exit 3", wantErr: "failed (exit status 3)"},
		{name: "nothing printed", cmd: "true", wantErr: "printed nothing"},
		{name: "more than one line", cmd: "printf '" + secretOnStdout + "\\nlogin: me\\n'", wantErr: "more than one line"},
		{name: "too slow", cmd: "echo " + secretOnStdout + "; exec sleep 30", timeout: 300 * time.Millisecond, wantErr: "did not finish within 300ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := newTestEnv(t)
			te.profile.KeyCmd = tt.cmd
			var stderr bytes.Buffer
			te.m.CmdStderr = &stderr
			te.m.CmdTimeout = tt.timeout
			start := time.Now()
			r, err := te.m.Resolve(t.Context(), te.profile, "")
			if time.Since(start) > 5*time.Second {
				t.Errorf("Resolve took %v", time.Since(start))
			}
			if strings.Contains(stderr.String(), secretOnStdout) {
				t.Errorf("stderr shows the key: %q", stderr.String())
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), secretOnStdout) || strings.Contains(err.Error(), "login") {
					t.Errorf("the error shows the command's stdout: %v", err)
				}
				if stderr.String() != tt.wantStderr {
					t.Errorf("stderr = %q, want %q", stderr.String(), tt.wantStderr)
				}
				return
			}
			if err != nil || r.Key != tt.wantKey || r.Source != SourceCmd {
				t.Fatalf("Resolve = %v, %v; want %s from cmd", r, err, Fingerprint(tt.wantKey))
			}
			if stderr.String() != tt.wantStderr {
				t.Errorf("stderr = %q, want %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

// A key_cmd that does not finish in time is killed with every process it
// started, not only the shell.
func TestKeyCmdTimeoutKillsItsChildren(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("checks processes in /proc")
	}
	te := newTestEnv(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	te.profile.KeyCmd = "sleep 30 & echo $! > " + pidFile + "; wait"
	te.m.CmdTimeout = 300 * time.Millisecond
	te.m.CmdStderr = io.Discard
	if _, err := te.m.Resolve(t.Context(), te.profile, ""); err == nil || !strings.Contains(err.Error(), "did not finish within 300ms") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.TrimSpace(string(b))
	deadline := time.Now().Add(2 * time.Second)
	for running(pid) {
		if time.Now().After(deadline) {
			syscallKill(pid)
			t.Fatalf("the key_cmd's child %s is still running after the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running reports whether process pid exists and is not a zombie.
func running(pid string) bool {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

func syscallKill(pid string) { exec.Command("kill", "-9", pid).Run() }

// Printing a Resolved never shows the key.
func TestResolvedPrintsNoKey(t *testing.T) {
	r := Resolved{Key: goodKey, Source: SourceKeyring}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := sprintf(format, r); strings.Contains(s, goodKey) || !strings.Contains(s, "…0001") {
			t.Errorf("%s gives %q", format, s)
		}
	}
}
