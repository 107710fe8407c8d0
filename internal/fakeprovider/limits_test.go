package fakeprovider

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, url, prompt string) *http.Response {
	t.Helper()
	body := `{"model":"m1","messages":[{"role":"user","content":"` + prompt + `"}]}`
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestEnforceRPM(t *testing.T) {
	for _, noHeaders := range []bool{false, true} {
		fake := New(Cerebras)
		fake.Limits = Limits{RPM: 3, RPD: 5}
		fake.Enforce = &Enforce{Minute: 400 * time.Millisecond, NoLimitHeaders: noHeaders}
		srv := httptest.NewServer(fake)
		for i := 0; i < 3; i++ {
			r := post(t, srv.URL, "hi")
			if r.StatusCode != 200 {
				t.Fatalf("request %d: %d, want 200", i, r.StatusCode)
			}
			if got, want := r.Header.Get("x-ratelimit-remaining-requests-minute"), []string{"2", "1", "0"}[i]; !noHeaders && got != want {
				t.Errorf("request %d: remaining-requests-minute %q, want %q", i, got, want)
			}
			if noHeaders && r.Header.Get("x-ratelimit-remaining-requests-minute") != "" {
				t.Errorf("headers sent with NoLimitHeaders")
			}
		}
		r := post(t, srv.URL, "hi")
		if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "1" || r.Header.Get("retry-after-ms") == "" {
			t.Fatalf("4th request: %d Retry-After %q retry-after-ms %q, want a 429 with both", r.StatusCode, r.Header.Get("Retry-After"), r.Header.Get("retry-after-ms"))
		}
		time.Sleep(450 * time.Millisecond) // the next minute
		if r := post(t, srv.URL, "hi"); r.StatusCode != 200 {
			t.Fatalf("after the minute: %d, want 200", r.StatusCode)
		}
		post(t, srv.URL, "hi")
		if r := post(t, srv.URL, "hi"); r.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("over RPD: %d, want 429", r.StatusCode)
		}
		if got := fake.Rejected(); got != 2 {
			t.Errorf("Rejected() = %d, want 2", got)
		}
		srv.Close()
	}
}

func TestEnforceTPM(t *testing.T) {
	fake := New(OpenAI, Step{Tokens: 5})
	fake.Limits = Limits{TPM: 20}
	fake.Enforce = &Enforce{Minute: time.Hour}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	// 5 prompt words + 5 reply tokens = 10 a request.
	for i, want := range []int{200, 200, 429} {
		if r := post(t, srv.URL, "one two three four five"); r.StatusCode != want {
			t.Fatalf("request %d: %d, want %d", i, r.StatusCode, want)
		}
	}
}
