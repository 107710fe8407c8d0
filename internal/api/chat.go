package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tier-cli/tier/internal/quota"
)

// Usage is token usage as the provider reported it.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	// Cost is what the provider says the call cost (OpenRouter's
	// usage.cost, in USD); nil when it does not say.
	Cost *float64 `json:"cost,omitempty"`
}

// ChatRequest is one chat completion.
type ChatRequest struct {
	Model       string
	Messages    []openai.ChatCompletionMessage
	MaxTokens   int      // 0: provider default
	Temperature *float32 // nil: provider default
}

// CallOptions controls delivery and retries.
type CallOptions struct {
	Stream bool
	// Out receives the content as it arrives. When it has a Flush method,
	// tier flushes whenever the network has nothing more buffered, so a
	// terminal sees tokens at once while a pipe gets large writes.
	Out io.Writer
	// KeepContent keeps the whole reply in Reply.Content (for --json).
	KeepContent bool
	Retries     int           // retries after the first attempt
	MaxWait     time.Duration // total time tier may spend waiting between attempts
	// Wait sleeps d before a retry (a countdown on a terminal); nil sleeps.
	Wait func(ctx context.Context, d time.Duration, why string) error
	// NoQuotaWait fails a 429 or a used-up window at once, never waiting
	// it out (a pool with another target to try); other failures are
	// retried as usual.
	NoQuotaWait bool
	// StallTimeout abandons an attempt, as a network failure, when nothing
	// at all arrives from the provider for this long (keep-alives count);
	// 0 waits for ever.
	StallTimeout time.Duration
	// Retried, when set, is given the parsed outcome of each response
	// that is about to be retried (a 429, a 5xx), before the wait: what
	// it said about quota is as true as the last response's.
	Retried func(quota.Result)
}

// Reply is what a call produced, also when it failed.
type Reply struct {
	Model        string
	Content      string
	FinishReason string
	Usage        *Usage // nil when the provider did not report it
	Latency      time.Duration
	Attempts     int
	// Quota is the parsed outcome of the last response seen; nil when no
	// response arrived at all.
	Quota *quota.Result
	// Wrote says whether any content reached Out.
	Wrote bool
	// Sent is the bytes of the messages' content, Received the bytes of
	// content that arrived (also those Out refused): a call cut short can
	// still be counted.
	Sent, Received int
}

// EstimateTokens is a rough token count of text of n bytes (about four
// bytes a token), for calls whose usage the provider never sent.
func EstimateTokens(n int) int { return (n + 3) / 4 }

// Error is a failed call, classified.
type Error struct {
	Class     quota.Class
	Status    int // HTTP status, 0 when none arrived
	Message   string
	RetryIn   time.Duration // when the provider says a retry can succeed
	Exhausted *quota.Window
	// RanOut names the window at 0 behind a rate limit when the
	// provider's message does not (quota.Result.RanOut); every line that
	// speaks of the rate limit (the error, "retrying in", "more than
	// --max-wait") names it.
	RanOut    string
	StreamCut bool
	// NoRetry says that sending the request again cannot help or could
	// cost twice: a 2xx status arrived (the provider may bill the request
	// whatever became of its reply), or the host does not exist.
	NoRetry bool
	Err     error
	// inBody: an error object came in place of the reply, inside a 2xx
	// (see inBodyError).
	inBody bool
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// OutputError is a failure to write the reply to CallOptions.Out (a pipe
// closed by its reader, a full disk). The stream is abandoned at once and
// not retried.
type OutputError struct{ Err error }

func (e *OutputError) Error() string { return "cannot write the reply: " + e.Err.Error() }
func (e *OutputError) Unwrap() error { return e.Err }

// Chat runs one chat completion with retries. It always returns a Reply
// (possibly partial); err is an *Error, or the context's error on cancel.
func (c *Client) Chat(ctx context.Context, req ChatRequest, opt CallOptions) (*Reply, error) {
	start := time.Now()
	reply := &Reply{Model: req.Model}
	for _, m := range req.Messages {
		reply.Sent += len(m.Content)
	}
	if err := c.checkKey(); err != nil {
		return reply, err
	}
	var waited time.Duration
	for attempt := 0; ; attempt++ {
		reply.Attempts = attempt + 1
		err := c.chatOnce(ctx, req, opt, reply)
		reply.Latency = time.Since(start)
		if err == nil || ctx.Err() != nil {
			if ctx.Err() != nil {
				return reply, ctx.Err()
			}
			return reply, nil
		}
		var ae *Error
		if !errors.As(err, &ae) || reply.Wrote || ae.NoRetry {
			return reply, err
		}
		// hint is how long the provider said to wait (0: it did not say).
		// A used-up window is waited out only when its stated reset is
		// within --max-wait, whatever the window is called.
		hint := ae.RetryIn
		resetSoon := false
		if ae.Class == quota.ClassQuotaExhausted && ae.Exhausted != nil && ae.Exhausted.ResetAt != nil {
			hint = max(hint, ae.Exhausted.ResetAt.Sub(c.cfg.Now()))
			resetSoon = hint > 0 && waited+hint <= opt.MaxWait
		}
		if !retryable(ae.Class) && !resetSoon {
			return reply, err
		}
		if opt.NoQuotaWait && (ae.Class == quota.ClassRateLimited || ae.Class == quota.ClassQuotaExhausted) {
			return reply, err
		}
		if attempt >= opt.Retries {
			if opt.Retries > 0 {
				ae.Message += fmt.Sprintf(" (after %d attempts)", attempt+1)
			}
			return reply, err
		}
		wait := backoff(attempt, hint)
		if waited+wait > opt.MaxWait {
			if hint <= 0 || waited+hint > opt.MaxWait {
				if ae.Class == quota.ClassRateLimited {
					ae.Message = c.tooLong(ae.RanOut, hint, wait, opt.MaxWait)
				}
				return reply, err
			}
			wait = opt.MaxWait - waited // the provider's time fits: cut tier's jitter
		}
		waited += wait
		if opt.Retried != nil && ae.Status != 0 && reply.Quota != nil {
			opt.Retried(*reply.Quota)
		}
		why := fmt.Sprintf("%s: %s", c.cfg.Provider, describe(ae, hint, opt.StallTimeout))
		if opt.Wait != nil {
			if werr := opt.Wait(ctx, wait, why); werr != nil {
				return reply, werr
			}
		} else {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return reply, ctx.Err()
			case <-t.C:
			}
		}
	}
}

func retryable(c quota.Class) bool {
	return c == quota.ClassRateLimited || c == quota.ClassServer || c == quota.ClassNetwork
}

// tooLong says that a rate limit's wait is more than --max-wait allows,
// naming whose time it is: the provider's hint, or tier's own backoff; and
// the window that ran out, when known (ranOut).
func (c *Client) tooLong(ranOut string, hint, wait, maxWait time.Duration) string {
	what := "rate limited"
	if ranOut != "" {
		what += " (" + ranOut + " used up)"
	}
	if hint > 0 {
		return fmt.Sprintf("%s: %s; the provider says a retry could succeed in %s, more than --max-wait %s allows",
			c.cfg.Provider, what, quota.Countdown(hint), maxWait)
	}
	return fmt.Sprintf("%s: %s, and the provider gave no time to wait; tier's backoff (%s) is more than --max-wait %s allows",
		c.cfg.Provider, what, quota.Countdown(wait), maxWait)
}

// describe is why tier waits before a retry (the countdown's label).
func describe(e *Error, hint, stall time.Duration) string {
	switch e.Class {
	case quota.ClassRateLimited:
		what := "rate limited (429)"
		if e.RanOut != "" {
			what = "rate limited (429, " + e.RanOut + " used up)"
		}
		if hint <= 0 {
			return what + "; the provider gave no time, so tier backs off"
		}
		return what
	case quota.ClassQuotaExhausted:
		if w := e.Exhausted; w != nil && w.ResetAt != nil {
			return fmt.Sprintf("%s; the provider gives its reset as %s", exhaustedWhat(w), resetTime(*w.ResetAt))
		}
		return "quota exhausted"
	case quota.ClassServer:
		if e.inBody {
			return "an error in place of the reply"
		}
		return fmt.Sprintf("server error (%d)", e.Status)
	}
	if errors.Is(e.Err, errStalled) {
		return fmt.Sprintf("no data for %s (TIER_STALL_TIMEOUT)", stall)
	}
	return "network error"
}

// exhaustedWhat names a used-up window: "requests per day exhausted".
func exhaustedWhat(w *quota.Window) string {
	if w.Period == quota.PeriodUnknown {
		return w.Metric + " limit exhausted"
	}
	return fmt.Sprintf("%s per %s exhausted", w.Metric, w.Period)
}

// resetTime is a reset as the provider gave it, in local time, to the
// second when it is not on a minute.
func resetTime(t time.Time) string {
	if t.Second() == 0 {
		return t.Local().Format("Jan 2 15:04 MST")
	}
	return t.Local().Format("Jan 2 15:04:05 MST")
}

// backoff is the provider's hint plus a little jitter, or exponential
// backoff from 1s with jitter when there is no hint.
func backoff(attempt int, hint time.Duration) time.Duration {
	if hint > 0 {
		return hint + time.Duration(rand.Int64N(int64(250*time.Millisecond)))
	}
	d := time.Second << min(attempt, 5)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// wireRequest is the request body: only the fields tier sends. (go-openai's
// request type drops an explicit temperature of 0 through omitempty, and
// encoding its forty-odd fields costs a fresh process ~0.3 ms of
// reflection.)
type wireRequest struct {
	Model               string         `json:"model"`
	Messages            []wireMessage  `json:"messages"`
	MaxTokens           int            `json:"max_tokens,omitempty"`
	MaxCompletionTokens int            `json:"max_completion_tokens,omitempty"`
	Temperature         *float32       `json:"temperature,omitempty"`
	Stream              bool           `json:"stream,omitempty"`
	StreamOptions       *streamOptions `json:"stream_options,omitempty"`
}

type wireMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

func (c *Client) wireRequest(req ChatRequest, stream bool) wireRequest {
	r := wireRequest{Model: req.Model, Stream: stream, Temperature: req.Temperature,
		Messages: make([]wireMessage, len(req.Messages))}
	for i, m := range req.Messages {
		r.Messages[i] = wireMessage{Role: m.Role, Content: m.Content}
	}
	if req.MaxTokens > 0 {
		if needsCompletionTokens(req.Model) {
			r.MaxCompletionTokens = req.MaxTokens
		} else {
			r.MaxTokens = req.MaxTokens
		}
	}
	if stream {
		r.StreamOptions = &streamOptions{IncludeUsage: true}
	}
	return r
}

// needsCompletionTokens mirrors go-openai's validation: these OpenAI
// reasoning models take max_completion_tokens instead of max_tokens.
func needsCompletionTokens(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

// chatOnce is one attempt, abandoned as a network failure when the provider
// sends nothing for opt.StallTimeout.
func (c *Client) chatOnce(ctx context.Context, req ChatRequest, opt CallOptions, reply *Reply) error {
	outer := ctx
	ctx, wd := newWatchdog(ctx, opt.StallTimeout)
	defer wd.stop()
	err := c.attempt(ctx, wd, req, opt, reply)
	if err != nil && outer.Err() == nil && wd.fired() {
		err = &Error{Class: quota.ClassNetwork, StreamCut: reply.Wrote, Err: errStalled,
			Message: fmt.Sprintf("%s: nothing arrived for %s: the reply stalled (TIER_STALL_TIMEOUT)", c.cfg.Provider, opt.StallTimeout)}
	}
	var ae *Error
	if wd.answered && errors.As(err, &ae) {
		ae.NoRetry = true // a 2xx arrived: the provider may have billed it
	}
	return err
}

func (c *Client) attempt(ctx context.Context, wd *watchdog, req ChatRequest, opt CallOptions, reply *Reply) error {
	ctx, cap := withCapture(ctx)
	if opt.Stream {
		return c.stream(ctx, wd, cap, req, opt, reply)
	}
	resp, err := c.post(ctx, wd, cap, req, false, reply)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, rerr := io.ReadAll(resp.Body)
	var cc completion
	err = rerr
	if err == nil {
		err = json.Unmarshal(body, &cc)
	}
	if err != nil {
		// What arrived of the content is kept, as a cut stream's is.
		c.deliver(partialContent(body), opt, reply)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var se *json.SyntaxError
		if rerr == nil && (!errors.As(err, &se) || !strings.Contains(se.Error(), "unexpected end")) {
			return &Error{Class: quota.ClassServer, Status: resp.StatusCode, Err: err,
				Message: fmt.Sprintf("%s sent a reply tier cannot read (%s)", c.cfg.Provider, netReason(err))}
		}
		return &Error{Class: quota.ClassNetwork, Status: resp.StatusCode, Err: err, StreamCut: true,
			Message: fmt.Sprintf("%s: the reply was cut off after %d bytes (%s)", c.cfg.Provider, len(body), netReason(err))}
	}
	if cc.failed() {
		return c.inBodyError(ctx, cc.Error, resp.Header, req.Model, "the reply", reply)
	}
	if cc.Model != "" {
		reply.Model = cc.Model
	}
	if u := cc.Usage; u != nil && (u.TotalTokens != 0 || u.PromptTokens != 0 || u.CompletionTokens != 0) {
		reply.Usage = u
	}
	if len(cc.Choices) > 0 {
		ch := cc.Choices[0]
		reply.FinishReason = ch.FinishReason
		c.deliver(ch.Message.Content, opt, reply)
	}
	return nil
}

// deliver hands a non-streamed reply's content to Out and, for --json, to
// Reply.Content.
func (c *Client) deliver(content string, opt CallOptions, reply *Reply) {
	reply.Received += len(content)
	if opt.KeepContent {
		reply.Content = content
	}
	if opt.Out != nil && content != "" {
		io.WriteString(opt.Out, content)
		reply.Wrote = true
		flush(opt.Out)
	}
}

// completion is the part of a chat.completion that tier uses.
type completion struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage `json:"usage"`
	// Error is an error object sent with the 2xx in place of the reply
	// (OpenRouter's upstream failing after its 200).
	Error json.RawMessage `json:"error"`
}

// failed says whether the body is an error object rather than a reply: an
// "error" member and no content.
func (cc *completion) failed() bool {
	if len(cc.Error) == 0 || string(cc.Error) == "null" {
		return false
	}
	for _, ch := range cc.Choices {
		if ch.Message.Content != "" {
			return false
		}
	}
	return true
}

// inBodyError is the failure an error object inside a 2xx reply stands for
// (errJSON: the "error" member of a non-streamed body, or of a stream's
// event; header: the 2xx's). OpenRouter commits its 200 before the
// upstream runs, so the upstream's failure rides the body
// (https://github.com/BerriAI/litellm/pull/21755). Both delivery modes
// classify it alike: its code, when it is an HTTP error status, and its
// message decide the class as a response of that status would (429 → rate
// limited, 402 → exhausted); anything else is a server error, "error in
// the stream/reply". It becomes the call's quota result. Like anything
// after a 2xx it is never sent again (chatOnce sets NoRetry): whether a
// provider bills a request its 200 committed to is not ours to guess, so
// tier fails closed and exits with the class's code for the user to rerun.
func (c *Client) inBodyError(ctx context.Context, errJSON []byte, header http.Header, model, where string, reply *Reply) error {
	status := bodyErrorStatus(errJSON)
	body := make([]byte, 0, len(errJSON)+10)
	body = append(append(append(body, `{"error":`...), errJSON...), '}')
	r := c.observe(&Exchange{Status: status, Header: header, Body: body, At: c.cfg.Now()}, model)
	reply.Quota = &r
	err := c.classify(ctx, fmt.Errorf("an error object in place of the reply (code %d)", status), &r)
	ae, ok := err.(*Error)
	if !ok {
		return err // cancelled
	}
	ae.Status, ae.StreamCut, ae.inBody = status, reply.Wrote, true
	if ae.Class == quota.ClassServer {
		ae.Message = fmt.Sprintf("%s: error in %s: %s", c.cfg.Provider, where, orDefault(c.redact(r.Message), "unknown"))
	}
	return ae
}

// bodyErrorStatus is the HTTP status an error object inside a 2xx stands
// for: its "code" when that is an error status (number or string), else
// 500: a failure nothing says more of.
func bodyErrorStatus(errJSON []byte) int {
	var e struct {
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(errJSON, &e) != nil {
		return http.StatusInternalServerError
	}
	n, err := strconv.Atoi(strings.Trim(string(e.Code), `"`))
	if err != nil || n < 400 || n > 599 {
		return http.StatusInternalServerError
	}
	return n
}

// post sends the chat request and returns the response of a 2xx status;
// any other outcome is classified into an *Error (or the context's error).
// The exchange's quota result goes to reply.Quota either way.
func (c *Client) post(ctx context.Context, wd *watchdog, cap *capture, req ChatRequest, stream bool, reply *Reply) (*http.Response, error) {
	body, err := json.Marshal(c.wireRequest(req, stream))
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Class: quota.ClassInvalid, Message: fmt.Sprintf("%s: bad base URL: %v", c.cfg.Provider, err)}
	}
	hreq.Header.Set("Content-Type", "application/json")
	if stream {
		hreq.Header.Set("Accept", "text/event-stream")
	} else {
		hreq.Header.Set("Accept", "application/json")
	}
	if c.cfg.Key != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.cfg.Key)
	}
	resp, err := c.http.Do(hreq)
	if ex := cap.take(); ex != nil {
		r := c.observe(ex, req.Model)
		reply.Quota = &r
	}
	if err != nil {
		return nil, c.classify(ctx, err, nil)
	}
	if resp.StatusCode >= 300 {
		resp.Body.Close()
		e := c.classify(ctx, fmt.Errorf("HTTP %d", resp.StatusCode), reply.Quota)
		if ae, ok := e.(*Error); ok {
			ae.Status = resp.StatusCode
		}
		return nil, e
	}
	resp.Body = wd.body(resp.Body)
	return resp, nil
}

// idleFlush flushes out whenever the stream waits for the network, so that
// a terminal sees each token at once while a fast stream into a pipe gets
// one large write per network read; nil when out is nil.
func idleFlush(out io.Writer) func() {
	if out == nil {
		return nil
	}
	return func() { flush(out) }
}

func flush(w io.Writer) {
	if f, ok := w.(interface{ Flush() error }); ok {
		f.Flush()
	}
}

// classify turns a failed call into an *Error, using the quota result of the
// response when one arrived.
func (c *Client) classify(ctx context.Context, err error, qr *quota.Result) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if qr == nil || qr.Class == quota.ClassOK {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			// The name does not exist: retrying will not make it.
			host := de.Name
			if host == "" {
				host = hostOf(c.cfg.BaseURL)
			}
			return &Error{Class: quota.ClassNetwork, NoRetry: true, Err: err, Message: fmt.Sprintf(
				"%s: cannot resolve %s (no such host): check base_url in providers.yaml and the network", c.cfg.Provider, host)}
		}
		return &Error{Class: quota.ClassNetwork, Message: fmt.Sprintf("%s: cannot reach %s: %s", c.cfg.Provider, hostOf(c.cfg.BaseURL), netReason(err)), Err: err}
	}
	e := &Error{Class: qr.Class, Message: c.message(qr), RetryIn: qr.RetryAfter, Exhausted: qr.Exhausted, RanOut: qr.RanOut(), Err: err}
	e.Status = statusOf(err)
	return e
}

func statusOf(err error) int {
	var ae *openai.APIError
	if errors.As(err, &ae) {
		return ae.HTTPStatusCode
	}
	var re *openai.RequestError
	if errors.As(err, &re) {
		return re.HTTPStatusCode
	}
	return 0
}

// message is one line saying what went wrong and what to do.
func (c *Client) message(qr *quota.Result) string {
	p := c.cfg.Provider
	msg := c.redact(strings.TrimSpace(qr.Message))
	switch qr.Class {
	case quota.ClassAuth:
		why := orDefault(msg, "unauthorized")
		if v, ok := strings.CutPrefix(c.cfg.KeySource, "env:"); ok {
			return fmt.Sprintf("%s refused the key from %s (%s): fix that variable, or unset it to use the key stored with 'tier keys set %s'", p, v, why, p)
		}
		if c.cfg.KeySource == "cmd" {
			return fmt.Sprintf("%s refused the key printed by its key_cmd (%s): check what the command prints", p, why)
		}
		return fmt.Sprintf("%s refused the key (%s): check it with 'tier keys test %s' or set a new one with 'tier keys set %s'", p, why, p, p)
	case quota.ClassQuotaExhausted:
		what := "quota or credit exhausted"
		if qr.Reason != "" { // the account or the money, in tier's words
			what = qr.Reason
		}
		if w := qr.Exhausted; w != nil {
			what = exhaustedWhat(w)
			if w.ResetAt != nil {
				// The reset as given: a "day" window may reset in seconds.
				what += fmt.Sprintf("; the provider gives its reset as %s (in %s)", resetTime(*w.ResetAt), quota.Countdown(w.ResetAt.Sub(c.cfg.Now())))
			}
		} else if w := qr.LimitHit(); w != nil {
			what = fmt.Sprintf("%s per %s limit reached", w.Metric, w.Period)
		}
		if msg != "" {
			return fmt.Sprintf("%s: %s: %s", p, what, msg)
		}
		return fmt.Sprintf("%s: %s", p, what)
	case quota.ClassRateLimited:
		// Say which bucket ran out (Anthropic: input tokens while "tokens"
		// looks fine) unless the provider's message already does.
		if ranOut := qr.RanOut(); ranOut != "" {
			return fmt.Sprintf("%s: rate limited (%s used up): %s", p, ranOut, orDefault(msg, "429 Too Many Requests"))
		}
		return fmt.Sprintf("%s: rate limited: %s", p, orDefault(msg, "429 Too Many Requests"))
	case quota.ClassInvalid:
		return fmt.Sprintf("%s rejected the request: %s", p, orDefault(msg, "bad request"))
	case quota.ClassServer:
		return fmt.Sprintf("%s: server error: %s", p, orDefault(msg, "5xx"))
	}
	return fmt.Sprintf("%s: %s", p, orDefault(msg, string(qr.Class)))
}

// redact replaces the key, should a provider or a proxy echo it in a
// message, by its fingerprint (Config.KeyFingerprint; "…" when none was
// given).
func (c *Client) redact(s string) string {
	if c.cfg.Key == "" {
		return s
	}
	fp := c.cfg.KeyFingerprint
	if fp == "" || strings.Contains(fp, c.cfg.Key) {
		fp = "…"
	}
	return strings.ReplaceAll(s, c.cfg.Key, fp)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func hostOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexByte(u, '/'); i >= 0 {
		u = u[:i]
	}
	return u
}

// netReason is the transport error without the request URL.
func netReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// stream runs a streaming completion with tier's own SSE reader (see
// chunk.go for why not go-openai's).
func (c *Client) stream(ctx context.Context, wd *watchdog, cap *capture, req ChatRequest, opt CallOptions, reply *Reply) error {
	resp, err := c.post(ctx, wd, cap, req, true, reply)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var (
		sse     = newSSEReader(resp.Body, idleFlush(opt.Out))
		p       chunkParser
		ch      chunk
		content strings.Builder
		keep    = opt.KeepContent
	)
	if keep {
		defer func() { reply.Content = content.String() }()
	}
	for {
		data, rerr := sse.next()
		if rerr != nil {
			if rerr == errDone {
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if rerr == io.EOF && reply.FinishReason != "" {
				return nil // ended without [DONE] but after a finish_reason: complete
			}
			return &Error{Class: quota.ClassNetwork, StreamCut: reply.Wrote, Err: rerr,
				Message: fmt.Sprintf("%s: the stream was cut before the reply finished (%s)", c.cfg.Provider, netReason(rerr))}
		}
		if perr := p.parse(data, &ch); perr != nil {
			return &Error{Class: quota.ClassServer, StreamCut: reply.Wrote, Err: perr,
				Message: fmt.Sprintf("%s: the stream sent malformed data", c.cfg.Provider)}
		}
		if ch.ErrorJSON != nil {
			return c.inBodyError(ctx, ch.ErrorJSON, resp.Header, req.Model, "the stream", reply)
		}
		if ch.Model != "" && reply.Model != ch.Model {
			reply.Model = ch.Model
		}
		if len(ch.Content) > 0 {
			reply.Received += len(ch.Content)
			if opt.Out != nil {
				if _, werr := opt.Out.Write(ch.Content); werr != nil {
					reply.Wrote = true
					return &OutputError{Err: werr}
				}
			}
			if keep {
				content.Write(ch.Content)
			}
			reply.Wrote = true
		}
		if ch.FinishReason != "" {
			reply.FinishReason = ch.FinishReason
		}
		if ch.HasUsage {
			u := ch.Usage
			reply.Usage = &u
		}
	}
}

// checkKey refuses a key that cannot travel in an HTTP header (a line break
// or another control character, typically pasted along with it). Sending it
// fails before any byte leaves, so it is a key problem, not a network one,
// and retrying cannot help. The key itself is never quoted.
func (c *Client) checkKey() error {
	for _, r := range c.cfg.Key {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return &Error{Class: quota.ClassAuth, Message: fmt.Sprintf(
				"the key for %s contains a line break or another control character: set it again without it (e.g. 'tier keys set %s')",
				c.cfg.Provider, c.cfg.Provider)}
		}
	}
	return nil
}
