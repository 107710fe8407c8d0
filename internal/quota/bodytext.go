package quota

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tier-cli/tier/internal/lazyre"
)

// More phrasings of limits in error text. Each names where it was seen.
var (
	// OpenAI before 2024: "on tokens per min. Limit: 150000.000000 / min.
	// Current: 152160.000000 / min."; "for requests. Limit: 200 / day.".
	reLimitSlash = lazyre.New(`(?i)\b(requests|tokens)\b[^.:]{0,40}\.\s*limit:\s*([\d,]+(?:\.\d+)?)\s*/\s*(min|minute|hour|day)\b(?:\.\s*current:\s*([\d,]+(?:\.\d+)?)\s*/)?`)
	// Anthropic: "the rate limit for your organization (…) of 30,000 input
	// tokens per minute", "your organization's rate limit of 30,000 input
	// tokens per minute (org: …)".
	reOfPer = lazyre.New(`(?i)\bof ([\d,]+) (input tokens|output tokens|tokens|requests) per (minute|hour|day)\b`)
	// Gemini: "Quota exceeded for metric:
	// generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 20".
	reGeminiMetric = lazyre.New(`(?i)quota exceeded for metric:\s*([\w./-]+),\s*limit:\s*(\d+)\b`)
	// Gemini through Code Assist: "and limit 'Gemini 2.5 Pro Requests per
	// day per user per tier'".
	reGeminiNamedLimit = lazyre.New(`(?i)\band limit '[^']*?\b(requests|tokens)\b[^']*?\bper (minute|hour|day)\b`)
)

// scanMoreText applies the phrasings above to the whole body.
func (b *bodyInfo) scanMoreText(text, low string) {
	for _, m := range findAll(reLimitSlash(), "limit:", text, low) {
		limit, ok := parseCount(strings.ReplaceAll(m[2], ",", ""))
		if !ok {
			continue
		}
		w := Window{Metric: strings.ToLower(m[1]), Period: periodWord(m[3]), Limit: &limit, Source: SourceError}
		if cur, ok := parseCount(strings.ReplaceAll(m[4], ",", "")); ok {
			w.Remaining = ptr(max(0, limit-cur))
		}
		b.addWindow(w)
	}
	for _, m := range findAll(reOfPer(), "s per ", text, low) {
		limit, ok := parseCount(strings.ReplaceAll(m[1], ",", ""))
		if !ok {
			continue
		}
		// "would exceed the rate limit ... of N": the limit, not what is left.
		b.addWindow(Window{Metric: strings.ReplaceAll(strings.ToLower(m[2]), " ", "_"), Period: periodWord(m[3]),
			Limit: &limit, Source: SourceError})
	}
	for _, m := range findAll(reGeminiMetric(), "quota exceeded for metric", text, low) {
		metric := geminiMetric(m[1])
		limit, ok := parseCount(m[2])
		if metric == "" || !ok {
			continue
		}
		b.addWindow(Window{Metric: metric, Period: PeriodUnknown, Limit: &limit, Remaining: ptr(int64(0)), Source: SourceError})
	}
	for _, m := range findAll(reGeminiNamedLimit(), "and limit '", text, low) {
		b.addWindow(Window{Metric: strings.ToLower(m[1]), Period: periodWord(m[2]), Remaining: ptr(int64(0)), Source: SourceError})
	}
}

// geminiMetric maps a quota metric's name to requests or tokens ("" when
// it is neither).
func geminiMetric(name string) string {
	switch n := strings.ToLower(name); {
	case strings.Contains(n, "token"):
		return Tokens
	case strings.Contains(n, "request"):
		return Requests
	}
	return ""
}

// rateWindow turns a rate as written ("60", "9.0", "0.6") per unit into a
// whole limit over a window: 0.6 per minute is 3 per 5 minutes. It widens
// the window up to 60 units to find a whole number, and otherwise rounds
// down (never more than there is); a rate below 1 that fits no window, 0,
// or garbage gives false.
func rateWindow(rate, unit string) (int64, string, bool) {
	f, ok := parseNumber(strings.ReplaceAll(rate, ",", ""))
	if !ok || f <= 0 || f >= 1e15 {
		return 0, "", false
	}
	period := periodWord(unit)
	if strings.EqualFold(unit, "second") {
		period = PeriodSecond
	}
	for k := 1; k <= 60; k++ {
		v := f * float64(k)
		if r := math.Round(v); r >= 1 && math.Abs(v-r) < 1e-6 {
			if k == 1 {
				return int64(r), period, true
			}
			p, ok := ParsePeriod(strconv.Itoa(k) + "-" + period)
			return int64(r), p, ok
		}
	}
	if f < 1 {
		return 0, "", false
	}
	return int64(f), period, true
}

// unwrap reads an error that a gateway or an SDK passed on as a JSON
// string (an OpenAI-style envelope whose message is Gemini's whole error,
// OpenRouter's metadata.raw): its message, windows and hints join b's. It
// reports whether s was such an error with a message.
func (b *bodyInfo) unwrap(s string, at time.Time, depth int) (string, bool) {
	t := strings.TrimSpace(s)
	if depth > 2 || len(t) < 2 || (t[0] != '{' && t[0] != '[') {
		return "", false
	}
	root, ok := decodeJSON([]byte(t))
	if !ok {
		return "", false
	}
	var inner bodyInfo
	inner.depth = depth + 1
	inner.structured(root, at)
	for _, w := range inner.windows {
		b.addWindow(w)
	}
	if inner.hasRetry && !b.hasRetry {
		b.retry, b.hasRetry = inner.retry, true
	}
	b.creditOut = b.creditOut || inner.creditOut
	b.quotaOut = b.quotaOut || inner.quotaOut
	return inner.message, inner.message != ""
}
