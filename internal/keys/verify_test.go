package keys

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	tests := []struct {
		status     int
		want       VerifyStatus
		wantInText string
	}{
		{200, VerifyOK, "accepted"},
		{204, VerifyOK, "accepted"},
		{401, VerifyRefused, "refused the key (401)"},
		{403, VerifyRefused, "refused the key (403)"},
		{404, VerifyUnverified, "does not list models (404)"},
		{429, VerifyUnverified, "answered 429"},
		{400, VerifyUnverified, "answered 400"},
		{500, VerifyUnreachable, "answered 500"},
		{503, VerifyUnreachable, "answered 503"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			var gotPath, gotAuth string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotPath, gotAuth = r.URL.Path, r.Header.Get("Authorization")
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			r := Verify(t.Context(), srv.Client(), srv.URL+"/openai/v1/", goodKey)
			if r.Status != tt.want || r.HTTPStatus != tt.status {
				t.Errorf("Verify = %+v, want %s", r, tt.want)
			}
			if !strings.Contains(r.Message, tt.wantInText) || strings.Contains(r.Message, goodKey) {
				t.Errorf("message %q should contain %q and not the key", r.Message, tt.wantInText)
			}
			if gotPath != "/openai/v1/models" || gotAuth != "Bearer "+goodKey {
				t.Errorf("request was %s with %q", gotPath, gotAuth)
			}
			if want := strings.TrimPrefix(srv.URL, "http://"); r.Host != want {
				t.Errorf("Host = %q, want %q", r.Host, want)
			}
		})
	}
}

func TestVerifyUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := srv.URL
	srv.Close() // nothing listens there any more
	r := Verify(t.Context(), nil, url+"/v1", goodKey)
	if r.Status != VerifyUnreachable || r.HTTPStatus != 0 || !strings.Contains(r.Message, "could not reach") {
		t.Errorf("Verify = %+v, want unreachable", r)
	}

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	ctx, cancel := contextWithTimeout(t, 200*time.Millisecond)
	defer cancel()
	r = Verify(ctx, slow.Client(), slow.URL+"/v1", goodKey)
	if r.Status != VerifyUnreachable || !strings.Contains(r.Message, "no answer in time") {
		t.Errorf("Verify = %+v, want unreachable with a timeout", r)
	}
}

func TestHostOf(t *testing.T) {
	tests := map[string]string{
		"https://api.groq.com/openai/v1":     "api.groq.com",
		"https://API.Groq.com:443/openai/v1": "api.groq.com",
		"http://localhost:8080/v1":           "localhost:8080",
		"http://127.0.0.1:80/v1":             "127.0.0.1",
		"http://[::1]:11434/v1":              "[::1]:11434",
		"https://[2001:db8::1]/v1":           "[2001:db8::1]",
	}
	for in, want := range tests {
		if got, err := hostOf(in); err != nil || got != want {
			t.Errorf("hostOf(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "api.groq.com/v1", "ftp://x/y", "://"} {
		if _, err := hostOf(bad); err == nil {
			t.Errorf("hostOf(%q) accepted", bad)
		}
	}
}

func TestCheckHost(t *testing.T) {
	pinned := storedPin{Provider: "groq", Name: "default", Fingerprint: "…0001", Where: "in the keyring", Host: "api.groq.com", Check: pinCheckVerified}
	noHost := pinned
	noHost.Host, noHost.Check = "", pinCheckUnknown
	unverified := pinned
	unverified.Check = pinCheckUnverified
	unrecorded := pinned
	unrecorded.Check = pinCheckUnknown
	work := pinned
	work.Name = "work"
	tests := []struct {
		name    string
		key     storedPin
		baseURL string
		wantErr string
	}{
		{"same host", pinned, "https://api.groq.com/openai/v1", ""},
		{"same host, other path and case", pinned, "https://API.groq.com/v2", ""},
		{"no host on record: never sent", noHost, "https://api.groq.com/openai/v1",
			"the key for groq (…0001) is in the keyring, not verified for any host, so tier does not send it; only if you trust api.groq.com, run 'tier keys test groq' to verify it there and pin it"},
		{"other host", pinned, "https://evil.example/v1",
			`key "default" for groq (…0001) was verified for api.groq.com, but the profile now points at evil.example; only if you trust evil.example, run 'tier keys test groq' to verify it there and pin it`},
		{"other port", pinned, "https://api.groq.com:8443/v1",
			`key "default" for groq (…0001) was verified for api.groq.com, but the profile now points at api.groq.com:8443; only if you trust api.groq.com:8443, run 'tier keys test groq' to verify it there and pin it`},
		{"stored unverified: pinned, never said to be verified", unverified, "https://evil.example/v1",
			`key "default" for groq (…0001) is pinned to api.groq.com (stored unverified), but the profile now points at evil.example; only if you trust evil.example, run 'tier keys test groq' to verify it there and pin it`},
		{"no record of a check: pinned, nothing claimed", unrecorded, "https://evil.example/v1",
			`key "default" for groq (…0001) is pinned to api.groq.com, but the profile now points at evil.example; only if you trust evil.example, run 'tier keys test groq' to verify it there and pin it`},
		{"stored unverified, same host: sent", unverified, "https://api.groq.com/openai/v1", ""},
		{"named key", work, "https://evil.example/v1",
			`key "work" for groq (…0001) was verified for api.groq.com, but the profile now points at evil.example; only if you trust evil.example, run 'tier keys test groq --name work' to verify it there and pin it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkHost(tt.key, tt.baseURL)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("checkHost:\n got %q\nwant %q", got, tt.wantErr)
			}
		})
	}
}

// KeyFor pins stored keys to the host they were verified for; keys from
// the environment are the user's explicit choice and go anywhere.
func TestKeyForPinsStoredKeysOnly(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{}) // verified against the fake provider
	evil := "https://evil.example/v1"

	if _, err := te.m.KeyFor(t.Context(), te.profile, "", ""); err != nil {
		t.Fatalf("same host: %v", err)
	}
	if _, err := te.m.KeyFor(t.Context(), te.profile, "", evil); err == nil || !strings.Contains(err.Error(), "now points at evil.example") {
		t.Fatalf("other host: err = %v, want the pin error", err)
	}
	te.profile.BaseURL = evil
	if _, err := te.m.KeyFor(t.Context(), te.profile, "", ""); err == nil {
		t.Fatal("a profile pointing elsewhere got the stored key")
	}

	te.env["GROQ_API_KEY"] = goodKey2
	r, err := te.m.KeyFor(t.Context(), te.profile, "", evil)
	if err != nil || r.Key != goodKey2 || r.Source != "env:GROQ_API_KEY" {
		t.Fatalf("env key: %v, %v; want the env key, unpinned", r, err)
	}
}

// `tier keys test` verifies against the profile's current host and moves
// the pin there when the key is accepted.
func TestTestMovesThePin(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{})
	oldHost := te.meta(t, "default").VerifiedHost

	moved := newFakeProvider(t) // another host (another port)
	te.m.HTTP = moved.Client()
	te.profile.BaseURL = moved.baseURL()
	if _, err := te.m.KeyFor(t.Context(), te.profile, "", ""); err == nil {
		t.Fatal("the key went to a new host before being tested there")
	}
	*te.now = t0.Add(time.Hour)
	v, r, err := te.m.Test(t.Context(), te.profile, "", "")
	if err != nil || v.Status != VerifyOK || r.Source != SourceKeyring {
		t.Fatalf("Test = %+v, %v, %v", v, r, err)
	}
	k := te.meta(t, "default")
	if k.VerifiedHost == oldHost || k.VerifiedHost != v.Host || !k.LastVerified.Equal(t0.Add(time.Hour)) {
		t.Errorf("metadata after test: host %q (was %q), verified %v", k.VerifiedHost, oldHost, k.LastVerified)
	}
	if _, err := te.m.KeyFor(t.Context(), te.profile, "", ""); err != nil {
		t.Errorf("after test: %v", err)
	}
}

func TestTestRefusedKeyKeepsThePin(t *testing.T) {
	te := newTestEnv(t)
	te.set(t, "", goodKey, SetOptions{})
	before := *te.meta(t, "default")
	te.b.MemoryBackend.Set(Service("groq"), "default", badKey) // replaced behind tier's back
	v, _, err := te.m.Test(t.Context(), te.profile, "", "")
	if err != nil || v.Status != VerifyRefused {
		t.Fatalf("Test = %+v, %v; want refused", v, err)
	}
	after := *te.meta(t, "default")
	if after.LastVerified != before.LastVerified || after.VerifiedHost != before.VerifiedHost {
		t.Errorf("a refused test changed the metadata: %+v -> %+v", before, after)
	}
}
