package quota

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tier-cli/tier/internal/lazyre"
)

// maxBody bounds how much of an error body is read; longer bodies are cut,
// which at worst turns them into text.
const maxBody = 64 << 10

// maxMessage bounds Result.Message, in runes.
const maxMessage = 300

// bodyInfo is what an error body says.
type bodyInfo struct {
	message  string
	windows  []Window
	retry    time.Duration // a hint in the body (RetryInfo, "try again in 644ms")
	hasRetry bool
	// creditOut: the body says the money or credit balance ran out.
	creditOut bool
	// quotaOut: the body says a quota ran out for good (insufficient_quota,
	// a key's spending limit), without saying it is a balance.
	quotaOut bool
	// creditShort: the balance is too small for this request but not
	// necessarily empty (OpenRouter: "requires more credits, or fewer
	// max_tokens ... can only afford 9011"), so no figure is known.
	creditShort bool
	// transient: a 402 that clears by itself (OpenRouter's
	// openrouter_in_flight_budget, sent with Retry-After).
	transient bool
	// depth counts errors unwrapped from inside others' messages.
	depth int
	// reason: what ran out, in tier's words (see Result.Reason).
	reason string
	// upstream is the host of the provider a gateway relayed the error
	// from (Vercel's error.param.url), when the body names one.
	upstream string
}

// Text patterns, matched against the whole body so that they also work on
// truncated JSON, Python-repr text and one provider's error quoted inside
// another's (OpenRouter's metadata.raw).
var (
	// OpenAI / Groq: "on tokens per min (TPM): Limit 30000, Used 29937, Requested 385.";
	// "Request too large ... (TPM): Limit 6000, Requested 14810" has no Used.
	reOpenAI = lazyre.New(`(?i)\b(requests|tokens) per (min|minute|hour|day)\b[^:]{0,20}:\s*limit (\d+(?:,\d{3})*)(?:,\s*used (\d+(?:,\d{3})*))?`)
	// "Please try again in 644ms", "Please retry in 31.2s", "try again in 9m38.016s".
	reTryAgain = lazyre.New(`(?i)\b(?:try again|retry) in\s+((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)\b`)
	// "try again in 20 seconds".
	reTryAgainWords = lazyre.New(`(?i)\b(?:try again|retry) in\s+(\d+(?:\.\d+)?)\s*(seconds?|secs?|minutes?|mins?|hours?)\b`)
	// SambaNova: "Violated duration_s: 86400, current usage: 87654, limit: 200000".
	reSambaNova = lazyre.New(`(?i)violated duration_s:\s*(\d+),\s*current usage:\s*(\d+),\s*limit:\s*(\d+)`)
	// Cerebras: "Requests per minute limit exceeded", "Tokens per day limit exceeded".
	reCerebras = lazyre.New(`(?i)\b(requests|tokens) per (minute|hour|day) limit exceeded`)
	// Together: "Your rate limit is 60 queries per minute", "The maximum
	// rate limit for this model is 9.0 queries per minute".
	reTogether = lazyre.New(`(?i)\brate limit (?:for this model )?is ([\d,]*\.?\d+) (queries|requests|tokens) per (second|minute|hour|day)\b`)
	// Cloudflare 4006: "you have used up your daily free allocation of 10,000 neurons".
	reNeurons = lazyre.New(`(?i)daily free allocation of ([\d,]+) neurons`)
	// A "message" field in truncated JSON or Python-repr text.
	reMessageDQ = lazyre.New(`["']message["']\s*:\s*"((?:[^"\\]|\\.)*)"`)
	reMessageSQ = lazyre.New(`["']message["']\s*:\s*'((?:[^'\\]|\\.)*)'`)
	reHTMLTitle = lazyre.New(`(?is)<title[^>]*>(.*?)</title>`)
)

// creditPhrases say, in lower case, that a money or credit balance ran out.
var creditPhrases = []string{
	"insufficient balance",                   // DeepSeek 402
	"insufficient credit",                    // generic, OpenRouter 402
	"credit balance is too low",              // Anthropic
	"exceeded your monthly included credits", // Hugging Face
	"payment_method_required",                // SambaNova 402
}

// parseBody reads an error body of any provider. It never fails: whatever
// it cannot understand it leaves out, and a body that is not JSON becomes
// the message text.
func parseBody(status int, body []byte, at time.Time) bodyInfo {
	var b bodyInfo
	if len(body) > maxBody {
		body = body[:maxBody]
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return b
	}
	text := string(body)

	if root, ok := decodeJSON(body); ok {
		b.structured(root, at)
	}
	if b.message == "" {
		b.message = textMessage(text)
	}
	b.message = oneLine(b.message)
	b.scanText(status, text, at)
	b.accountState(text)
	return b
}

// decodeJSON decodes body into generic values, numbers as json.Number.
func decodeJSON(body []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// structured reads the fields of a JSON error body: the message, Gemini's
// details, OpenRouter's metadata and Cloudflare's error code.
func (b *bodyInfo) structured(root any, at time.Time) {
	if arr, ok := root.([]any); ok { // Gemini: [{"error":{...}}]
		root = nil
		for _, e := range arr {
			if _, ok := e.(map[string]any); ok {
				root = e
				break
			}
		}
	}
	if s, ok := root.(string); ok {
		b.message = s
		return
	}
	top, ok := root.(map[string]any)
	if !ok {
		return
	}
	errObj := top // Cerebras: a flat object
	if e, ok := top["error"].(map[string]any); ok {
		errObj = e
	}
	var first map[string]any // Cloudflare: {"errors":[{"code":4006,"message":...}]}
	if errs, ok := top["errors"].([]any); ok && len(errs) > 0 {
		first, _ = errs[0].(map[string]any)
	}

	b.message = firstString(
		field(errObj, "message"), field(top, "message"), field(first, "message"),
		field(top, "error"), field(top, "detail"), field(top, "title"))
	if inner, ok := b.unwrap(b.message, at, b.depth); ok {
		b.message = inner // an envelope around another provider's error
	}

	if isCode(field(errObj, "code"), "4006") || isCode(field(first, "code"), "4006") {
		b.addWindow(Window{Metric: "neurons", Period: PeriodDay, Remaining: ptr(int64(0)), Source: SourceError})
	}
	b.gemini(errObj)
	b.openRouter(errObj, at)
	if param, ok := errObj["param"].(map[string]any); ok { // Vercel: the upstream's error
		if u, _ := param["url"].(string); u != "" {
			b.upstream = hostOf(u)
		}
	}
}

// gemini reads google.rpc.QuotaFailure and google.rpc.RetryInfo details.
func (b *bodyInfo) gemini(errObj map[string]any) {
	details, _ := errObj["details"].([]any)
	for _, d := range details {
		dm, _ := d.(map[string]any)
		typ, _ := dm["@type"].(string)
		switch {
		case strings.HasSuffix(typ, "google.rpc.QuotaFailure"):
			violations, _ := dm["violations"].([]any)
			for _, v := range violations {
				vm, _ := v.(map[string]any)
				if w, ok := geminiWindow(vm); ok {
					b.addWindow(w)
				}
			}
		case strings.HasSuffix(typ, "google.rpc.RetryInfo"):
			s, _ := dm["retryDelay"].(string)
			if d, ok := parseDuration(unquote(s)); ok && !b.hasRetry {
				b.retry, b.hasRetry = d, true
			}
		}
	}
}

// geminiWindow turns one QuotaFailure violation into a window at 0.
func geminiWindow(v map[string]any) (Window, bool) {
	id, _ := v["quotaId"].(string)
	qm, _ := v["quotaMetric"].(string)
	w := Window{Period: PeriodUnknown, Remaining: ptr(int64(0)), Source: SourceError}
	for _, s := range []string{strings.ToLower(qm), strings.ToLower(id)} {
		if strings.Contains(s, "token") {
			w.Metric = Tokens
			break
		}
		if strings.Contains(s, "request") {
			w.Metric = Requests
			break
		}
	}
	if w.Metric == "" {
		return Window{}, false
	}
	switch {
	case strings.Contains(id, "PerMinute"):
		w.Period = PeriodMinute
	case strings.Contains(id, "PerHour"):
		w.Period = PeriodHour
	case strings.Contains(id, "PerDay"):
		w.Period = PeriodDay
	}
	if n, ok := parseCount(scalar(v["quotaValue"])); ok {
		w.Limit = &n
	}
	return w, true
}

// openRouter reads error.metadata: the copied X-RateLimit-* headers and the
// limit_source.
func (b *bodyInfo) openRouter(errObj map[string]any, at time.Time) {
	meta, _ := errObj["metadata"].(map[string]any)
	if meta == nil {
		return
	}
	// An upstream's error relayed as text or JSON ("Provider returned
	// error" alone says nothing).
	if raw, _ := meta["raw"].(string); strings.TrimSpace(raw) != "" {
		inner, ok := b.unwrap(raw, at, b.depth)
		if !ok {
			inner = raw
		}
		if inner = strings.TrimSpace(inner); inner != "" && inner != b.message {
			if b.message != "" {
				inner = b.message + ": " + inner
			}
			b.message = inner
		}
	}
	switch s, _ := meta["limit_source"].(string); s {
	case "openrouter_credits":
		b.creditOut = true
	case "openrouter_key_limit":
		b.quotaOut = true
	case "openrouter_in_flight_budget":
		b.transient = true
	}
	hdrs, _ := meta["headers"].(map[string]any)
	if hdrs == nil {
		return
	}
	msg := strings.ToLower(b.message)
	period := PeriodUnknown
	switch {
	case strings.Contains(msg, "per-day"):
		period = PeriodDay
	case strings.Contains(msg, "per-min"), strings.Contains(msg, "limit_rpm"):
		period = PeriodMinute
	}
	w := Window{Metric: Requests, Period: period, Source: SourceError}
	if n, ok := parseCount(scalar(foldField(hdrs, "X-RateLimit-Limit"))); ok {
		w.Limit = &n
	}
	if n, ok := parseCount(scalar(foldField(hdrs, "X-RateLimit-Remaining"))); ok {
		w.Remaining = &n
	}
	if t, ok := ParseReset(scalar(foldField(hdrs, "X-RateLimit-Reset")), ResetEpochMS, at); ok {
		w.ResetAt = &t
	}
	if w.Limit != nil || w.Remaining != nil || w.ResetAt != nil {
		b.addWindow(w)
	}
}

// scanText applies the text patterns to the whole body.
func (b *bodyInfo) scanText(status int, text string, at time.Time) {
	low := strings.ToLower(text)
	for _, p := range creditPhrases {
		if strings.Contains(low, p) {
			b.creditOut = true
		}
	}
	if status == 402 && strings.Contains(low, "balance_units") {
		b.creditOut = true
	}
	if strings.Contains(low, "fewer max_tokens") || strings.Contains(low, "can only afford") {
		b.creditShort = true
	}
	if strings.Contains(low, "insufficient_quota") { // OpenAI's code and type
		b.quotaOut = true
	}

	// Each pattern runs only when a word it needs is present: Go's regexp
	// is slow on case-insensitive patterns without a literal prefix.
	if !b.hasRetry && (strings.Contains(low, "try again") || strings.Contains(low, "retry in")) {
		b.retry, b.hasRetry = tryAgain(text)
	}
	for _, m := range findAll(reOpenAI(), "s per ", text, low) {
		limit, ok1 := parseCount(strings.ReplaceAll(m[3], ",", ""))
		if !ok1 {
			continue
		}
		used, ok2 := parseCount(strings.ReplaceAll(m[4], ",", ""))
		if !ok2 { // a limit with no "used" has no remaining
			b.addWindow(Window{Metric: strings.ToLower(m[1]), Period: periodWord(m[2]), Limit: &limit, Source: SourceError})
			continue
		}
		w := Window{Metric: strings.ToLower(m[1]), Period: periodWord(m[2]), Limit: &limit,
			Remaining: ptr(max(0, limit-used)), Source: SourceError}
		if b.hasRetry {
			t := ceilSecond(at.Add(b.retry))
			w.ResetAt = &t
		}
		b.addWindow(w)
	}
	for _, m := range findAll(reSambaNova(), "duration_s", text, low) {
		dur, ok1 := parseCount(m[1])
		usage, ok2 := parseCount(m[2])
		limit, ok3 := parseCount(m[3])
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		period := PeriodUnknown
		switch dur {
		case 60:
			period = PeriodMinute
		case 3600:
			period = PeriodHour
		case 86400:
			period = PeriodDay
		}
		b.addWindow(Window{Metric: Tokens, Period: period, Limit: &limit,
			Remaining: ptr(max(0, limit-usage)), Source: SourceError})
	}
	for _, m := range findAll(reCerebras(), "limit exceeded", text, low) {
		b.addWindow(Window{Metric: strings.ToLower(m[1]), Period: periodWord(m[2]),
			Remaining: ptr(int64(0)), Source: SourceError})
	}
	for _, m := range findAll(reTogether(), "rate limit", text, low) {
		limit, period, ok := rateWindow(m[1], m[3])
		if !ok {
			continue
		}
		metric := strings.ToLower(m[2])
		if metric == "queries" {
			metric = Requests
		}
		b.addWindow(Window{Metric: metric, Period: period, Limit: &limit,
			Remaining: ptr(int64(0)), Source: SourceError})
	}
	b.scanMoreText(text, low)
	for _, m := range findAll(reNeurons(), "neurons", text, low) {
		w := Window{Metric: "neurons", Period: PeriodDay, Remaining: ptr(int64(0)), Source: SourceError}
		if n, ok := parseCount(strings.ReplaceAll(m[1], ",", "")); ok {
			w.Limit = &n
		}
		b.addWindow(w)
	}
}

// findAll runs re over text only when low, text in lower case, contains
// word; at most 4 matches.
func findAll(re *regexp.Regexp, word, text, low string) [][]string {
	if !strings.Contains(low, word) {
		return nil
	}
	return re.FindAllStringSubmatch(text, 4)
}

// tryAgain finds "try again in <duration>" / "retry in <duration>".
func tryAgain(text string) (time.Duration, bool) {
	if m := reTryAgain().FindStringSubmatch(text); m != nil {
		return parseDuration(m[1])
	}
	if m := reTryAgainWords().FindStringSubmatch(text); m != nil {
		n, ok := parseNumber(m[1])
		if !ok {
			return 0, false
		}
		switch u := strings.ToLower(m[2]); {
		case strings.HasPrefix(u, "min"):
			n *= 60
		case strings.HasPrefix(u, "hour"):
			n *= 3600
		}
		return secondsDuration(n)
	}
	return 0, false
}

// addWindow adds w, or fills the gaps of an earlier window with the same
// key. A window of unknown period and one of a known period with the same
// metric and limit are one window (Gemini's text and its QuotaFailure): it
// takes the known period.
func (b *bodyInfo) addWindow(w Window) {
	for i := range b.windows {
		if b.windows[i].Key() == w.Key() {
			fillGaps(&b.windows[i], w)
			return
		}
	}
	for i := range b.windows {
		e := &b.windows[i]
		if e.Metric != w.Metric || e.Limit == nil || w.Limit == nil || *e.Limit != *w.Limit ||
			(e.Period == PeriodUnknown) == (w.Period == PeriodUnknown) {
			continue
		}
		if e.Period == PeriodUnknown {
			e.Period = w.Period
		}
		fillGaps(e, w)
		return
	}
	b.windows = append(b.windows, w)
}

// fillGaps copies into dst the figures it lacks from src.
func fillGaps(dst *Window, src Window) {
	if dst.Limit == nil {
		dst.Limit = src.Limit
	}
	if dst.Remaining == nil {
		dst.Remaining = src.Remaining
	}
	if dst.ResetAt == nil {
		dst.ResetAt = src.ResetAt
	}
}

// periodWord maps "min", "minute", "hour", "day" to a period.
func periodWord(s string) string {
	switch strings.ToLower(s) {
	case "min", "minute":
		return PeriodMinute
	case "hour":
		return PeriodHour
	case "day":
		return PeriodDay
	}
	return PeriodUnknown
}

// textMessage finds the message in a body that is not valid JSON: a
// "message" field of truncated JSON or Python-repr text, an HTML title, or
// else the text itself.
func textMessage(text string) string {
	if m := reMessageDQ().FindStringSubmatch(text); m != nil {
		if s, err := strconv.Unquote(`"` + m[1] + `"`); err == nil {
			return s
		}
		return m[1]
	}
	if m := reMessageSQ().FindStringSubmatch(text); m != nil {
		return strings.ReplaceAll(m[1], `\'`, `'`)
	}
	if t := strings.TrimSpace(text); strings.HasPrefix(t, "<") {
		if m := reHTMLTitle().FindStringSubmatch(t); m != nil {
			return m[1]
		}
		return ""
	}
	return text
}

// oneLine collapses whitespace and control characters to single spaces and
// cuts the result to maxMessage runes, the last one an ellipsis when cut.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	out := strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	if utf8.RuneCountInString(out) <= maxMessage {
		return out
	}
	r := []rune(out)[:maxMessage-1]
	return strings.TrimRight(string(r), " ") + "…"
}

// field returns m[k], or nil when m is nil.
func field(m map[string]any, k string) any {
	if m == nil {
		return nil
	}
	return m[k]
}

// foldField returns the value of m whose key equals k case-insensitively.
func foldField(m map[string]any, k string) any {
	if v, ok := m[k]; ok {
		return v
	}
	var best string
	var val any
	for key, v := range m {
		if strings.EqualFold(key, k) && (best == "" || key < best) {
			best, val = key, v
		}
	}
	return val
}

// firstString returns the first non-blank string among vs.
func firstString(vs ...any) string {
	for _, v := range vs {
		if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// scalar renders a JSON string or number as text ("" for anything else).
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return ""
}

// isCode reports whether a JSON code field (string or number) equals want.
func isCode(v any, want string) bool {
	return strings.EqualFold(unquote(scalar(v)), want)
}

func ptr[T any](v T) *T { return &v }
