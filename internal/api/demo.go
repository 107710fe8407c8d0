package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// DemoHost is the demo provider's host name. It is never resolved or
// dialled: DemoTransport answers it in process.
const DemoHost = "demo.tier.invalid"

// DemoModel is the demo provider's only model.
const DemoModel = "demo-echo-1"

// Demo is the built-in offline provider: an OpenAI-compatible simulator that
// sends SambaNova-style rate-limit headers and keeps its per-minute and
// per-day request counters in a DemoCounter (the state store), so
// consecutive runs count down and eventually get a 429, exactly as a free
// tier would.
type Demo struct {
	Counter DemoCounter
	RPM     int64
	RPD     int64
	Now     func() time.Time
}

// DemoCounter keeps the demo's request counts across runs (the store's,
// through the engine). CountDemoRequest counts one request at now against
// rpm a minute and rpd a UTC day, and returns the counts after it and
// whether it was allowed; a refused request is not counted. Counts it
// could not save are still counts (nil error: the counter reports that
// itself, as a call's unsaved usage is); an error means no count could be
// made at all, and the demo answers 500.
type DemoCounter interface {
	CountDemoRequest(now time.Time, rpm, rpd int64) (minute, day int64, allowed bool, err error)
}

// demoCounts is what the demo's counter said about one request.
type demoCounts struct{ MinuteCount, DayCount int64 }

// Transport returns a RoundTripper that serves the simulator in process.
func (d *Demo) Transport() http.RoundTripper { return handlerTransport{h: d} }

func (d *Demo) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Demo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/models"):
		d.models(w)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/chat/completions"):
		d.chat(w, r)
	default:
		demoError(w, http.StatusNotFound, "not_found", "the demo provider serves /v1/models and /v1/chat/completions")
	}
}

func (d *Demo) models(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": []map[string]any{
		{"id": DemoModel, "object": "model", "created": 1763683200, "owned_by": "tier-demo"},
	}})
}

func demoError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": msg, "type": code, "code": code, "param": nil}})
}

func (d *Demo) chat(w http.ResponseWriter, r *http.Request) {
	var req openai.ChatCompletionRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		demoError(w, http.StatusBadRequest, "invalid_request_error", "the request body is not valid JSON")
		return
	}
	if req.Model != DemoModel {
		demoError(w, http.StatusNotFound, "model_not_found", fmt.Sprintf("model %q does not exist; the demo provider has %s", req.Model, DemoModel))
		return
	}
	now := d.now()
	minute := now.Unix() / 60
	var c demoCounts
	var allowed bool
	var err error
	c.MinuteCount, c.DayCount, allowed, err = d.Counter.CountDemoRequest(now, d.RPM, d.RPD)
	if err != nil {
		demoError(w, http.StatusInternalServerError, "server_error", "demo state: "+err.Error())
		return
	}
	minuteReset := time.Unix((minute+1)*60, 0)
	dayReset := now.Truncate(24 * time.Hour).Add(24 * time.Hour)
	h := w.Header()
	h.Set("x-ratelimit-limit-requests", strconv.FormatInt(d.RPM, 10))
	h.Set("x-ratelimit-remaining-requests", strconv.FormatInt(max(0, d.RPM-c.MinuteCount), 10))
	h.Set("x-ratelimit-reset-requests", strconv.FormatInt(minuteReset.Unix(), 10))
	h.Set("x-ratelimit-limit-requests-day", strconv.FormatInt(d.RPD, 10))
	h.Set("x-ratelimit-remaining-requests-day", strconv.FormatInt(max(0, d.RPD-c.DayCount), 10))
	h.Set("x-ratelimit-reset-requests-day", strconv.FormatInt(dayReset.Unix(), 10))
	if !allowed {
		if c.DayCount >= d.RPD {
			demoError(w, http.StatusTooManyRequests, "rate_limit_exceeded", fmt.Sprintf(
				"Rate limit reached for %s on requests per day (RPD): Limit %d, Used %d, Requested 1. Please try again in %s.",
				DemoModel, d.RPD, c.DayCount, ceilSecond(dayReset.Sub(now))))
			return
		}
		demoError(w, http.StatusTooManyRequests, "rate_limit_exceeded", fmt.Sprintf(
			"Rate limit reached for %s on requests per minute (RPM): Limit %d, Used %d, Requested 1. Please try again in %s.",
			DemoModel, d.RPM, c.MinuteCount, ceilSecond(minuteReset.Sub(now))))
		return
	}
	words := demoReply(req)
	if req.MaxTokens > 0 && len(words) > req.MaxTokens {
		words = words[:req.MaxTokens]
	}
	finish := "stop"
	if req.MaxTokens > 0 && len(words) == req.MaxTokens {
		finish = "length"
	}
	prompt := 0
	for _, m := range req.Messages {
		prompt += len(strings.Fields(m.Content))
	}
	usage := map[string]int{"prompt_tokens": prompt, "completion_tokens": len(words), "total_tokens": prompt + len(words)}
	id := fmt.Sprintf("demo-%d", now.UnixNano())
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": id, "object": "chat.completion", "created": now.Unix(), "model": DemoModel,
			"choices": []any{map[string]any{"index": 0, "finish_reason": finish,
				"message": map[string]any{"role": "assistant", "content": strings.Join(words, "")}}},
			"usage": usage,
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	enc := json.NewEncoder(w)
	for i, word := range words {
		fr := any(nil)
		if i == len(words)-1 {
			fr = finish
		}
		w.Write([]byte("data: "))
		enc.Encode(map[string]any{"id": id, "object": "chat.completion.chunk", "created": now.Unix(), "model": DemoModel,
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": word}, "finish_reason": fr}}})
		w.Write([]byte("\n"))
	}
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		w.Write([]byte("data: "))
		enc.Encode(map[string]any{"id": id, "object": "chat.completion.chunk", "created": now.Unix(), "model": DemoModel,
			"choices": []any{}, "usage": usage})
		w.Write([]byte("\n"))
	}
	w.Write([]byte("data: [DONE]\n\n"))
}

// demoReply is a short, deterministic answer, split into word tokens with
// their following space.
func demoReply(req openai.ChatCompletionRequest) []string {
	last := ""
	for _, m := range req.Messages {
		if m.Role == openai.ChatMessageRoleUser {
			last = m.Content
		}
	}
	last = strings.Join(strings.Fields(last), " ")
	if r := []rune(last); len(r) > 120 {
		last = string(r[:120]) + "…"
	}
	text := "Hello from tier's offline demo provider. You said: \"" + last + "\". " +
		"A real provider would answer here; the line below shows what is left of the demo's limits, " +
		"and 'tier quota' shows it again without spending a request.\n"
	var words []string
	for len(text) > 0 {
		i := strings.IndexByte(text, ' ')
		if i < 0 {
			words = append(words, text)
			break
		}
		words = append(words, text[:i+1])
		text = text[i+1:]
	}
	return words
}

// ceilSecond rounds d up to whole seconds: a wait the demo announces is
// never shorter than the real one (a retry at "59s" must not land before the
// minute ends, as a rounded 59.4s would).
func ceilSecond(d time.Duration) time.Duration {
	return (d + time.Second - 1).Truncate(time.Second)
}
