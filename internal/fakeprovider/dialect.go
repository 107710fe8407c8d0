package fakeprovider

import (
	"net/http"
	"strconv"
	"time"
)

// Dialect names a provider's rate-limit header style, as in the dialects
// section of providers.yaml.
type Dialect string

// The dialects the server speaks.
const (
	OpenAI     Dialect = "openai"     // x-ratelimit-*-{requests,tokens}, Go durations, window unstated
	Groq       Dialect = "groq"       // OpenAI's names: requests per day, tokens per minute
	Cerebras   Dialect = "cerebras"   // -minute/-day suffixes, float seconds
	SambaNova  Dialect = "sambanova"  // unsuffixed per minute, -day per day, epoch seconds
	OpenRouter Dialect = "openrouter" // X-RateLimit-* on its own 429s only, epoch milliseconds
	Anthropic  Dialect = "anthropic"  // anthropic-ratelimit-*, RFC 3339, input/output token buckets
	Mistral    Dialect = "mistral"    // -req-minute/-tokens-minute/-tokens-month, no reset
	Together   Dialect = "together"   // x-ratelimit-*, x-tokenlimit-*, seconds
	Fireworks  Dialect = "fireworks"  // limits only
	None       Dialect = "none"       // no rate-limit headers (DeepSeek, NVIDIA, ...)
)

// Dialects lists every dialect, for table-driven tests.
var Dialects = []Dialect{OpenAI, Groq, Cerebras, SambaNova, OpenRouter, Anthropic, Mistral, Together, Fireworks, None}

// Limits are the figures a server reports in its headers.
type Limits struct {
	RPM, RPD, TPM, TPD int64
}

// DefaultLimits are Groq-like free-tier figures.
var DefaultLimits = Limits{RPM: 30, RPD: 14400, TPM: 6000, TPD: 500000}

// Every window the server reports resets this long after the response, so
// that tests see the same countdowns whenever they run.
const (
	MinuteReset = 42 * time.Second
	DayReset    = 13 * time.Hour
)

// view is what the headers of one response report: what was used in the
// current minute and day (this request included, its tokens not yet) and
// how long until each resets.
type view struct {
	minute, day           Usage
	untilMinute, untilDay time.Duration
}

// fixedView is the view of a server that does not enforce its limits:
// everything served so far, resets at fixed distances.
func fixedView(used Usage) view {
	return view{minute: used, day: used, untilMinute: MinuteReset, untilDay: DayReset}
}

// setHeaders writes d's rate-limit headers for view v at now.
func (d Dialect) setHeaders(h http.Header, l Limits, v view, status int, now time.Time) {
	left := func(limit, n int64) string { return strconv.FormatInt(max(0, limit-n), 10) }
	num := func(n int64) string { return strconv.FormatInt(n, 10) }
	untilMinute, untilDay := v.untilMinute, v.untilDay
	minuteEnd, dayEnd := now.Add(untilMinute), now.Add(untilDay)
	goDur := func(d time.Duration) string { return d.Round(10 * time.Millisecond).String() }
	secs := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

	switch d {
	case OpenAI:
		h.Set("x-ratelimit-limit-requests", num(l.RPM))
		h.Set("x-ratelimit-remaining-requests", left(l.RPM, v.minute.Requests))
		h.Set("x-ratelimit-reset-requests", goDur(untilMinute))
		h.Set("x-ratelimit-limit-tokens", num(l.TPM))
		h.Set("x-ratelimit-remaining-tokens", left(l.TPM, v.minute.Tokens))
		h.Set("x-ratelimit-reset-tokens", goDur(untilMinute))
	case Groq:
		h.Set("x-ratelimit-limit-requests", num(l.RPD))
		h.Set("x-ratelimit-remaining-requests", left(l.RPD, v.day.Requests))
		h.Set("x-ratelimit-reset-requests", goDur(untilDay))
		h.Set("x-ratelimit-limit-tokens", num(l.TPM))
		h.Set("x-ratelimit-remaining-tokens", left(l.TPM, v.minute.Tokens))
		h.Set("x-ratelimit-reset-tokens", goDur(untilMinute))
	case Cerebras:
		h.Set("x-ratelimit-limit-requests-minute", num(l.RPM))
		h.Set("x-ratelimit-remaining-requests-minute", left(l.RPM, v.minute.Requests))
		h.Set("x-ratelimit-reset-requests-minute", secs(untilMinute))
		h.Set("x-ratelimit-limit-requests-day", num(l.RPD))
		h.Set("x-ratelimit-remaining-requests-day", left(l.RPD, v.day.Requests))
		h.Set("x-ratelimit-reset-requests-day", secs(untilDay))
		h.Set("x-ratelimit-limit-tokens-minute", num(l.TPM))
		h.Set("x-ratelimit-remaining-tokens-minute", left(l.TPM, v.minute.Tokens))
		h.Set("x-ratelimit-reset-tokens-minute", secs(untilMinute))
	case SambaNova:
		h.Set("x-ratelimit-limit-requests", num(l.RPM))
		h.Set("x-ratelimit-remaining-requests", left(l.RPM, v.minute.Requests))
		h.Set("x-ratelimit-reset-requests", num(minuteEnd.Unix()))
		h.Set("x-ratelimit-limit-requests-day", num(l.RPD))
		h.Set("x-ratelimit-remaining-requests-day", left(l.RPD, v.day.Requests))
		h.Set("x-ratelimit-reset-requests-day", num(dayEnd.Unix()))
	case OpenRouter:
		if status == http.StatusTooManyRequests {
			h.Set("X-RateLimit-Limit", num(l.RPD))
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", num(dayEnd.UnixMilli()))
		}
	case Anthropic:
		h.Set("anthropic-ratelimit-requests-limit", num(l.RPM))
		h.Set("anthropic-ratelimit-requests-remaining", left(l.RPM, v.minute.Requests))
		h.Set("anthropic-ratelimit-requests-reset", minuteEnd.UTC().Format(time.RFC3339))
		h.Set("anthropic-ratelimit-tokens-limit", num(l.TPM))
		h.Set("anthropic-ratelimit-tokens-remaining", left(l.TPM, v.minute.Tokens))
		h.Set("anthropic-ratelimit-tokens-reset", minuteEnd.UTC().Format(time.RFC3339))
		h.Set("anthropic-ratelimit-input-tokens-limit", num(l.TPM))
		h.Set("anthropic-ratelimit-input-tokens-remaining", left(l.TPM, v.minute.Tokens))
		h.Set("anthropic-ratelimit-input-tokens-reset", minuteEnd.UTC().Format(time.RFC3339))
		h.Set("anthropic-ratelimit-output-tokens-limit", num(l.TPM/5))
		h.Set("anthropic-ratelimit-output-tokens-remaining", left(l.TPM/5, 0))
		h.Set("anthropic-ratelimit-output-tokens-reset", minuteEnd.UTC().Format(time.RFC3339))
	case Mistral:
		h.Set("x-ratelimit-limit-req-minute", num(l.RPM))
		h.Set("x-ratelimit-remaining-req-minute", left(l.RPM, v.minute.Requests))
		h.Set("x-ratelimit-limit-tokens-minute", num(l.TPM))
		h.Set("x-ratelimit-remaining-tokens-minute", left(l.TPM, v.minute.Tokens))
		// A monthly token budget, the month taken as 30 days of TPD.
		h.Set("x-ratelimit-limit-tokens-month", num(30*l.TPD))
		h.Set("x-ratelimit-remaining-tokens-month", left(30*l.TPD, v.day.Tokens))
	case Together:
		h.Set("x-ratelimit-limit", num(l.RPM))
		h.Set("x-ratelimit-remaining", left(l.RPM, v.minute.Requests))
		h.Set("x-ratelimit-reset", secs(untilMinute))
		h.Set("x-tokenlimit-limit", num(l.TPM))
		h.Set("x-tokenlimit-remaining", left(l.TPM, v.minute.Tokens))
	case Fireworks:
		h.Set("X-Ratelimit-Limit-Tokens-Prompt", num(l.TPM))
		h.Set("X-Ratelimit-Limit-Tokens-Generated", num(l.TPM/10))
	}
}

// HeaderNames lists the rate-limit headers dialect d may send.
func (d Dialect) HeaderNames() []string {
	h := http.Header{}
	d.setHeaders(h, DefaultLimits, fixedView(Usage{}), http.StatusTooManyRequests, time.Now())
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	return names
}

// garbage are header values no provider should send, each of which must be
// ignored (never shown as 0, never crash).
var garbage = []string{
	"abc", "-5", "NaN", "Inf", "1e999", "0x1F", `""`, "'  '", "12,000", "5m-3s",
	"99999999999999999999999", "-1h", "2025-13-45T99:00:00Z", "∞",
	"1_000", "  ", "1.5.2", "null", "[]",
}

// GarbageHeaders returns d's rate-limit headers (and the retry hints every
// dialect reads) with nonsense values.
func (d Dialect) GarbageHeaders() http.Header {
	h := http.Header{}
	names := append(d.HeaderNames(), "Retry-After", "retry-after-ms")
	if d == None {
		names = append(names, "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests")
	}
	for i, n := range names {
		h.Set(n, garbage[i%len(garbage)])
	}
	return h
}

// Error bodies as providers send them (shapes from
// shared/providers-reference.md; figures made up).
const (
	// BodyInvalidKey is an OpenAI-style 401.
	BodyInvalidKey = `{"error":{"message":"Invalid API Key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`
	// BodyForbidden is a 403.
	BodyForbidden = `{"error":{"message":"Your key is not allowed to use this model","type":"permission_error","code":"forbidden"}}`
	// BodyRateLimited is a plain OpenAI-style 429 with no figures.
	BodyRateLimited = `{"error":{"message":"Rate limit exceeded","type":"requests","code":"rate_limit_exceeded"}}`
	// BodyGroqTPD is Groq's daily token cap: the day window at 0.
	BodyGroqTPD = `{"error":{"message":"Rate limit reached for model ` + "`m1`" + ` in organization org_fake on tokens per day (TPD): Limit 100000, Used 100000, Requested 3619. Please try again in 9m38.016s. Need more tokens? Upgrade to Dev Tier today.","type":"tokens","code":"rate_limit_exceeded"}}`
	// BodyCerebrasRPM is Cerebras' flat 429 body.
	BodyCerebrasRPM = `{"message":"Requests per minute limit exceeded - too many requests sent.","type":"too_many_requests_error","param":"quota","code":"request_quota_exceeded"}`
	// BodyDeepSeek402 is DeepSeek's insufficient balance.
	BodyDeepSeek402 = `{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}`
	// BodyOpenRouter402 is OpenRouter out of credits.
	BodyOpenRouter402 = `{"error":{"code":402,"message":"Insufficient credits. Add more using https://openrouter.ai/settings/credits","metadata":{"limit_source":"openrouter_credits"}}}`
	// BodyOpenRouterAfford is OpenRouter's 402 when the credit left pays
	// for fewer tokens than max_tokens asks.
	BodyOpenRouterAfford = `{"error":{"message":"This request requires more credits, or fewer max_tokens. You requested up to 16384 tokens, but can only afford 9011. To increase, visit https://openrouter.ai/settings/credits and add more credits","code":402}}`
	// BodyFireworksSuspended is Fireworks' 412 for an account at its
	// monthly spending limit.
	BodyFireworksSuspended = `{"error":{"object":"error","type":"invalid_request_error","code":"PRECONDITION_FAILED","message":"Account fake-1 is suspended, possibly due to reaching the monthly spending limit or failure to pay past invoices."}}`
	// BodyServerError is a 500.
	BodyServerError = `{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error"}}`
	// BodyBadGateway is an HTML 502 from a proxy.
	BodyBadGateway = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
)

// BodyTryAgain is a Groq/OpenAI-style per-minute 429 whose message says
// when to retry ("Please try again in 1.2s").
func BodyTryAgain(in time.Duration) string {
	return `{"error":{"message":"Rate limit reached for model ` + "`m1`" + ` in organization org_fake on tokens per minute (TPM): Limit 6000, Used 5990, Requested 120. Please try again in ` +
		in.String() + `. Visit the limits page to learn more.","type":"tokens","code":"rate_limit_exceeded"}}`
}

// BodyGeminiRetry is a Gemini 429 with a RetryInfo delay.
func BodyGeminiRetry(in time.Duration) string {
	return `[{"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED","details":[` +
		`{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier","quotaValue":"5"}]},` +
		`{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"` + strconv.FormatFloat(in.Seconds(), 'f', -1, 64) + `s"}]}}]`
}
