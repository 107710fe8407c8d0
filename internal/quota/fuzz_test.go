package quota

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary header values and error bodies to every test
// dialect. Parse must never panic, and what it returns must hold the
// package's promises: no negative counts, times in UTC whole seconds, a
// one-line message, a non-nil window list, a projection that leaves its
// receiver alone. remaining ≤ limit is not checked: providers lie.
func FuzzParse(f *testing.F) {
	for _, s := range []struct {
		status                         int
		limit, remaining, reset, retry string
		body                           string
	}{
		{200, "60", "59", "6m0s", "", ""},
		{200, "14400", "14370", "2m59.56s", "2", ""},
		{200, "60.0", `"59"`, "1.559999999s", "", ""},
		{200, "14400", "14399", "33011.382867097855", "", ""},
		{429, "50", "0", "1795305600000", "", openRouterDayBody},
		{200, "50", "49", "2026-11-21T10:00:07Z", "", ""},
		{429, "", "", "Sat, 21 Nov 2026 10:05:00 GMT", "Sat, 21 Nov 2026 10:00:30 GMT", ""},
		{429, "-1", "NaN", "-5s", "soon", openAITPMBody},
		{429, "", "", "", "", groqTPDBody},
		{429, "", "", "", "", groqRPDBody},
		{429, "", "", "", "", openAIQuota},
		{429, "", "", "", "", geminiRPMBody},
		{429, "", "", "", "", geminiRPDBody},
		{429, "", "", "", "", openRouterMinBody},
		{402, "", "", "", "", openRouterCredits},
		{403, "", "", "", "", openRouterKeyCap},
		{429, "", "", "", "", sambaNovaTPDBody},
		{402, "", "", "", "", sambaNova402Body},
		{402, "", "", "", "", deepSeek402Body},
		{429, "", "", "", "", cloudflareBody},
		{429, "60000", "0", "11.382867097854614", "", cerebrasTPMBody},
		{429, "", "", "", "", cerebrasRPMBody},
		{429, "", "", "", "", togetherReprBody},
		{402, "", "", "", "", hfCreditsBody},
		{429, "", "", "", "", nvidiaBody},
		{429, "", "", "", "", truncatedBody},
		{502, "", "", "", "", htmlBody},
		{429, "1e400", "9223372036854775808", "1e12", "1e400", `[1,{"error":[]},"x"]`},
		// Limits named only in the text (errortext_test.go has the sources).
		{429, "", "", "", "", `{"error":{"message":"on tokens per min. Limit: 150000.000000 / min. Current: 152160.000000 / min."}}`},
		{413, "", "", "", "", `{"error":{"message":"Request too large on tokens per minute (TPM): Limit 6000, Requested 14810"}}`},
		{429, "", "", "", "", `{"type":"rate_limit_error","message":"would exceed the rate limit for your organization of 30,000 input tokens per minute"}`},
		{429, "", "", "", "", `{"error":{"message":"The maximum rate limit for this model is 0.6 queries per minute."}}`},
		{429, "", "", "", "", `{"error":{"message":"{"error":{"message":"Quota exceeded for metric: x_requests, limit: 0"}}"}}`},
		{429, "", "", "", "", `{"error":{"message":"Provider returned error","metadata":{"raw":"{"error":{"message":"{\"error\":1}"}}"}}}`},
		{429, "", "", "", "", `and limit 'Gemini 2.5 Pro Requests per day per user per tier'`},
	} {
		f.Add(s.status, s.limit, s.remaining, s.reset, s.retry, []byte(s.body), int64(250*time.Millisecond))
	}
	dialects := []*Dialect{nil, openAIDialect, groqDialect, cerebrasDialect, sambaNovaDialect, openRouterDialect,
		anthropicDialect, mistralDialect, fireworksDialect,
		{Name: "gemini", DayResetTZ: "America/Los_Angeles"}, {Name: "cloudflare", DayResetTZ: "UTC"}}

	f.Fuzz(func(t *testing.T, status int, limit, remaining, reset, retry string, body []byte, nanos int64) {
		at := arrival.Add(time.Duration(nanos % int64(time.Hour)))
		for _, format := range []ResetFormat{ResetAuto, ResetDuration, ResetSeconds, ResetEpochS, ResetEpochMS, ResetRFC3339} {
			if tm, ok := ParseReset(reset, format, at); ok {
				if tm.Location() != time.UTC || tm.Nanosecond() != 0 {
					t.Errorf("ParseReset(%q, %s) = %v: not whole seconds UTC", reset, format, tm)
				}
				if d := tm.Sub(at); d > maxAway+time.Second || d < -maxAway {
					t.Errorf("ParseReset(%q, %s) = %v: absurd", reset, format, tm)
				}
			}
		}
		for _, d := range dialects {
			h := headers("Retry-After", retry, "retry-after-ms", retry)
			if d != nil {
				for _, w := range d.Windows {
					h[w.Limit] = []string{limit}
					h[strings.ToUpper(w.Remaining)] = []string{remaining}
					h[w.Reset] = []string{reset}
				}
			}
			res := Parse(d, Response{Status: status, Header: h, Body: body, At: at})
			checkResult(t, res, at)
		}
	})
}

func checkResult(t *testing.T, res Result, at time.Time) {
	t.Helper()
	s := res.Snapshot
	if s.Windows == nil {
		t.Error("Windows is nil")
	}
	checkWholeUTC(t, s)
	for _, w := range s.Windows {
		if w.Limit != nil && *w.Limit < 0 || w.Remaining != nil && *w.Remaining < 0 {
			t.Errorf("negative count: %s", describe(w))
		}
		if w.Limit == nil && w.Remaining == nil && w.ResetAt == nil {
			t.Errorf("empty window kept: %s", describe(w))
		}
		if w.Metric == "" || w.Period == "" || w.Source == "" {
			t.Errorf("unnamed window: %+v", w)
		}
	}
	if res.RetryAfter < 0 {
		t.Errorf("RetryAfter %v", res.RetryAfter)
	}
	if r := s.RetryAfterS; r != nil && (*r < 0 || math.IsNaN(*r) || math.IsInf(*r, 0)) {
		t.Errorf("retry_after_s %v", *r)
	}
	if res.Exhausted != nil && (res.Exhausted.Remaining == nil || *res.Exhausted.Remaining != 0) {
		t.Errorf("Exhausted %s is not at 0", describe(*res.Exhausted))
	}
	switch res.Class {
	case ClassOK, ClassRateLimited, ClassQuotaExhausted, ClassAuth, ClassInvalid, ClassServer, ClassNetwork:
	default:
		t.Errorf("class %q", res.Class)
	}
	if utf8.RuneCountInString(res.Message) > maxMessage || strings.ContainsAny(res.Message, "\r\n") || !utf8.ValidString(res.Message) {
		t.Errorf("message %q is not one short line", res.Message)
	}
	before, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("snapshot does not marshal: %v", err)
	}
	for _, now := range []time.Time{at, at.Add(time.Hour), at.Add(40 * 24 * time.Hour)} {
		p := s.Project(now)
		if len(p.Windows) != len(s.Windows) {
			t.Errorf("projection has %d windows, want %d", len(p.Windows), len(s.Windows))
		}
		checkWholeUTC(t, p)
	}
	if after, _ := json.Marshal(s); string(after) != string(before) {
		t.Errorf("Project modified its receiver")
	}
}
