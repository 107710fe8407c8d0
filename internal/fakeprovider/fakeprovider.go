// Package fakeprovider is a scripted OpenAI-compatible chat server for
// tier's end-to-end tests and benchmarks. It is a plain http.Handler (tests
// wrap it in httptest.NewServer, the benchmark in an http.Server) that sends
// the rate-limit headers of one provider dialect, answers
// /v1/chat/completions streaming or not, and plays a script of behaviours:
// 429s with Retry-After or hints, 402, 401, 5xx, dropped connections,
// garbage headers, streams cut or stalled mid-way, huge replies. With
// Enforce set it keeps its limits as a provider does (RPM, RPD, TPM, TPD
// in windows of a configurable "minute", real 429s with Retry-After,
// optionally no headers at all), for the batch pacing tests and benchmarks.
//
// It never logs or echoes the Authorization header: it only compares it.
package fakeprovider

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Model is the model id the server reports when the request names none.
const Model = "m1"

// DefaultReply is the reply of a Step that sets neither Reply nor Tokens.
const DefaultReply = "Hello from the fake provider."

// FromMaxTokens, as Step.Tokens, makes the reply as many tokens as the
// request's max_tokens (the benchmark picks the length per request).
const FromMaxTokens = -1

// Token is the text of each generated token (Step.Tokens).
const Token = "tok "

// Step is how the server answers one chat request.
type Step struct {
	// Status is the HTTP status; 0 means 200 and a normal reply.
	Status int
	// Body is the body sent with an error status (Status >= 300).
	Body string
	// Header is set on the response after the dialect's headers; a value
	// set to nil or empty deletes that header.
	Header http.Header
	// NoLimitHeaders leaves out the dialect's rate-limit headers.
	NoLimitHeaders bool
	// Drop closes the connection without any response (a network failure
	// before the first byte).
	Drop bool
	// Delay waits this long before the response headers.
	Delay time.Duration

	// Reply is the content, sent as one chunk per word (with its space).
	Reply string
	// Tokens, when not 0, makes the reply Tokens copies of Token
	// (FromMaxTokens: the request's max_tokens).
	Tokens int
	// Interval waits this long between streamed chunks.
	Interval time.Duration
	// CutAfter, when > 0, drops the connection after this many content
	// chunks of a stream (a stream cut mid-way).
	CutAfter int
	// CutAtStart drops the connection of a stream right after its headers,
	// before any content (a failure before the first byte).
	CutAtStart bool
	// StallAfter, when > 0, sends this many content chunks and then holds
	// the stream open, sending nothing, until the client goes away.
	StallAfter int
	// StreamError, when set, ends the stream with an error chunk carrying
	// this message instead of a finish_reason.
	StreamError string
	// NoUsage leaves out the usage (final usage chunk, usage member).
	NoUsage bool
	// Cost, when set, is reported in the usage as OpenRouter does
	// (usage.cost, USD).
	Cost string
	// NoDone ends the stream without "data: [DONE]".
	NoDone bool
	// CutBody, when > 0, sends only this many bytes of a non-streamed
	// reply (its Content-Length says the whole) and drops the connection.
	CutBody int
}

// Request is what the server saw of one chat request.
type Request struct {
	At         time.Time
	Authorized bool // the Authorization header matched Server.Key
	Stream     bool
	Model      string
	MaxTokens  int
	Messages   []Message
	Raw        []byte
}

// Message is one chat message of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Server answers chat requests in one dialect, following Script.
type Server struct {
	Dialect Dialect
	// Key, when set, is the only API key accepted: any other gets a 401.
	Key string
	// Script answers the chat requests in order; the last step repeats.
	// An empty script answers every request with a normal reply.
	Script []Step
	// Limits are the figures the rate-limit headers report (SetLimits
	// changes them once the server runs).
	Limits Limits
	// Enforce, when set, keeps Limits as a provider would: windows of a
	// configurable length, real 429s when over (limits.go).
	Enforce *Enforce

	mu       sync.Mutex
	meter    meter
	requests []Request
	used     Usage
}

// Usage counts what the server has served in total.
type Usage struct {
	Requests int64
	Tokens   int64
}

// New returns a server speaking dialect d that plays steps.
func New(d Dialect, steps ...Step) *Server {
	return &Server{Dialect: d, Script: steps, Limits: DefaultLimits}
}

// Requests returns a copy of the chat requests seen so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// SetLimits changes the figures the headers report, also while serving.
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Limits = l
}

// SetEnforce turns enforcement on (or off, with nil) on a server that may
// already be serving.
func (s *Server) SetEnforce(e *Enforce) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Enforce = e
}

// Used returns what the server has served so far.
func (s *Server) Used() Usage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/models"):
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"object":"list","data":[{"id":"`+Model+`","object":"model","created":1763683200,"owned_by":"fake"}]}`)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/chat/completions"):
		s.chat(w, r)
	default:
		writeError(w, http.StatusNotFound, `{"error":{"message":"no such endpoint","type":"invalid_request_error","code":"not_found"}}`)
	}
}

type wireRequest struct {
	Model               string    `json:"model"`
	Messages            []Message `json:"messages"`
	Stream              bool      `json:"stream"`
	MaxTokens           int       `json:"max_tokens"`
	MaxCompletionTokens int       `json:"max_completion_tokens"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var req wireRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		writeError(w, http.StatusBadRequest, `{"error":{"message":"the body is not valid JSON","type":"invalid_request_error"}}`)
		return
	}
	if req.MaxTokens == 0 {
		req.MaxTokens = req.MaxCompletionTokens
	}
	authorized := s.Key == "" || r.Header.Get("Authorization") == "Bearer "+s.Key

	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, Request{At: time.Now(), Authorized: authorized, Stream: req.Stream,
		Model: req.Model, MaxTokens: req.MaxTokens, Messages: req.Messages, Raw: raw})
	st := Step{}
	if len(s.Script) > 0 {
		st = s.Script[min(n, len(s.Script)-1)]
	}
	limits := s.Limits
	var v view
	if s.Enforce != nil && authorized {
		var wait time.Duration
		v, wait = s.meter.admit(s.Enforce, limits, int64(promptTokens(req.Messages)+replyTokens(st, req.MaxTokens)), time.Now())
		if wait > 0 {
			s.mu.Unlock()
			s.rateLimited(w, v, wait, limits)
			return
		}
		st.NoLimitHeaders = st.NoLimitHeaders || s.Enforce.NoLimitHeaders
	}
	s.used.Requests++
	if s.Enforce == nil {
		v = fixedView(s.used)
	}
	s.mu.Unlock()

	if st.Delay > 0 {
		select {
		case <-time.After(st.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if st.Drop {
		panic(http.ErrAbortHandler) // closes the connection, nothing sent
	}
	if !authorized {
		st = Step{Status: http.StatusUnauthorized, Body: BodyInvalidKey, NoLimitHeaders: true}
	}
	h := w.Header()
	if !st.NoLimitHeaders {
		s.Dialect.setHeaders(h, limits, v, st.Status, time.Now())
	}
	for k, vs := range st.Header {
		if len(vs) == 0 || (len(vs) == 1 && vs[0] == "") {
			h.Del(k)
			continue
		}
		h[http.CanonicalHeaderKey(k)] = vs
	}
	if st.Status >= 300 {
		writeError(w, st.Status, st.Body)
		return
	}

	model := req.Model
	if model == "" {
		model = Model
	}
	tokens := st.Tokens
	if tokens == FromMaxTokens {
		tokens = max(req.MaxTokens, 1)
	}
	var words []string
	if tokens == 0 {
		words = splitWords(orDefault(st.Reply, DefaultReply))
		tokens = len(words)
	}
	prompt := promptTokens(req.Messages)
	s.mu.Lock()
	s.used.Tokens += int64(prompt + tokens)
	s.mu.Unlock()
	u := usageJSON(prompt, tokens)
	if st.NoUsage {
		u = ""
	} else if st.Cost != "" {
		u = strings.TrimSuffix(u, "}") + `,"cost":` + st.Cost + `}`
	}
	if !req.Stream {
		s.complete(w, model, words, tokens, u, st.CutBody)
		return
	}
	s.stream(w, r, st, model, words, tokens, u, req.StreamOptions != nil && req.StreamOptions.IncludeUsage)
}

func (s *Server) complete(w http.ResponseWriter, model string, words []string, tokens int, usage string, cut int) {
	var content string
	if words != nil {
		content = strings.Join(words, "")
	} else {
		content = strings.Repeat(Token, tokens)
	}
	c, _ := json.Marshal(content)
	b := make([]byte, 0, len(c)+300)
	b = append(b, `{"id":"chatcmpl-fake","object":"chat.completion","created":1763683200,"model":`...)
	b = strconv.AppendQuote(b, model)
	b = append(b, `,"choices":[{"index":0,"message":{"role":"assistant","content":`...)
	b = append(b, c...)
	b = append(b, `},"finish_reason":"stop"}]`...)
	if usage != "" {
		b = append(b, `,"usage":`...)
		b = append(b, usage...)
	}
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if cut > 0 && cut < len(b) {
		w.Write(b[:cut])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler) // drops the connection mid-body
	}
	w.Write(b)
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, st Step, model string, words []string, tokens int, usage string, includeUsage bool) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	flush := func() {
		if fl != nil {
			fl.Flush()
		}
	}
	flush()
	if st.CutAtStart {
		panic(http.ErrAbortHandler)
	}
	prefix := `data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1763683200,"model":` + strconv.Quote(model) +
		`,"choices":[{"index":0,"delta":{"content":`
	const suffix = `},"finish_reason":null}]}` + "\n\n"

	if words == nil {
		// Generated tokens: identical chunks, written in large blocks.
		chunk := prefix + strconv.Quote(Token) + suffix
		perBlock := max(1, (64<<10)/len(chunk))
		block := []byte(strings.Repeat(chunk, perBlock))
		sent := 0
		for sent < tokens {
			n := min(perBlock, tokens-sent)
			if st.CutAfter > 0 && sent+n > st.CutAfter {
				n = st.CutAfter - sent
			}
			if st.StallAfter > 0 && sent+n > st.StallAfter {
				n = st.StallAfter - sent
			}
			if n > 0 {
				if _, err := w.Write(block[:n*len(chunk)]); err != nil {
					return
				}
				sent += n
				flush()
			}
			if s.interrupt(r, st, sent) {
				return
			}
		}
	} else {
		for i, word := range words {
			if i > 0 && st.Interval > 0 {
				select {
				case <-time.After(st.Interval):
				case <-r.Context().Done():
					return
				}
			}
			c, _ := json.Marshal(word)
			if _, err := io.WriteString(w, prefix+string(c)+suffix); err != nil {
				return
			}
			flush()
			if s.interrupt(r, st, i+1) {
				return
			}
		}
	}
	if st.StreamError != "" {
		m, _ := json.Marshal(st.StreamError)
		io.WriteString(w, `data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1763683200,"model":`+strconv.Quote(model)+
			`,"error":{"message":`+string(m)+`,"code":502},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}`+"\n\n")
		flush()
		return
	}
	io.WriteString(w, `data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1763683200,"model":`+strconv.Quote(model)+
		`,"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\n")
	if includeUsage && usage != "" {
		io.WriteString(w, `data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1763683200,"model":`+strconv.Quote(model)+
			`,"choices":[],"usage":`+usage+"}\n\n")
	}
	if !st.NoDone {
		io.WriteString(w, "data: [DONE]\n\n")
	}
	flush()
}

// interrupt plays CutAfter and StallAfter once sent content chunks are out;
// it returns true when the stream must end here.
func (s *Server) interrupt(r *http.Request, st Step, sent int) bool {
	if st.CutAfter > 0 && sent >= st.CutAfter {
		panic(http.ErrAbortHandler) // drops the connection mid-stream
	}
	if st.StallAfter > 0 && sent >= st.StallAfter {
		<-r.Context().Done()
		return true
	}
	return false
}

// promptTokens is how many tokens the server counts for messages: a word
// each.
func promptTokens(messages []Message) int {
	n := 0
	for _, m := range messages {
		n += len(strings.Fields(m.Content))
	}
	return n
}

// replyTokens is how many tokens step st replies with to a request of
// maxTokens.
func replyTokens(st Step, maxTokens int) int {
	switch {
	case st.Tokens == FromMaxTokens:
		return max(maxTokens, 1)
	case st.Tokens != 0:
		return st.Tokens
	}
	return len(splitWords(orDefault(st.Reply, DefaultReply)))
}

func usageJSON(prompt, completion int) string {
	return `{"prompt_tokens":` + strconv.Itoa(prompt) + `,"completion_tokens":` + strconv.Itoa(completion) +
		`,"total_tokens":` + strconv.Itoa(prompt+completion) + `}`
}

func writeError(w http.ResponseWriter, status int, body string) {
	if w.Header().Get("Content-Type") == "" {
		ct := "application/json"
		if t := strings.TrimSpace(body); t != "" && t[0] != '{' && t[0] != '[' {
			ct = "text/plain; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// splitWords splits s into tokens of one word and its following space.
func splitWords(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
