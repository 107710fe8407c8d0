package api

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Exchange is what the transport saw of one HTTP exchange: enough for the
// quota engine. go-openai hides the headers of failed stream opens and
// turns error bodies into typed errors, so tier records them here.
type Exchange struct {
	Status int
	Header http.Header
	Body   []byte // error bodies only (status >= 400), at most maxErrorBody
	At     time.Time
}

const maxErrorBody = 1 << 20

type captureKey struct{}

// capture collects the exchanges of one logical call (retries included).
type capture struct {
	mu   sync.Mutex
	last *Exchange
}

func withCapture(ctx context.Context) (context.Context, *capture) {
	c := &capture{}
	return context.WithValue(ctx, captureKey{}, c), c
}

func (c *capture) take() *Exchange {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.last
	c.last = nil
	return e
}

// captureTransport records status, headers and error bodies of every
// response into the request context's capture, failed stream opens included.
type captureTransport struct {
	base http.RoundTripper
	now  func() time.Time
}

func (t *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	c, _ := req.Context().Value(captureKey{}).(*capture)
	if c == nil {
		return resp, nil
	}
	ex := &Exchange{Status: resp.StatusCode, Header: resp.Header.Clone(), At: t.now()}
	if resp.StatusCode >= 400 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		ex.Body = body
	}
	c.mu.Lock()
	c.last = ex
	c.mu.Unlock()
	return resp, nil
}

// newTransport is the network transport: a response-header timeout instead
// of http.Client.Timeout (which would also cut long streams).
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 120 * time.Second,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          10,
		IdleConnTimeout:       90 * time.Second,
	}
}

// handlerTransport serves requests from an in-process http.Handler, streaming
// the response through a pipe: the demo provider lives behind it, so demo
// calls take exactly the path real calls take from the client onwards.
type handlerTransport struct {
	h http.Handler
}

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	pr, pw := io.Pipe()
	w := &pipeWriter{header: http.Header{}, pw: pw, ready: make(chan struct{}), finished: make(chan struct{})}
	go func() {
		defer func() {
			w.WriteHeader(http.StatusOK)
			pw.Close()
			close(w.finished)
		}()
		t.h.ServeHTTP(w, req)
	}()
	select {
	case <-w.ready:
	case <-req.Context().Done():
		pr.CloseWithError(req.Context().Err())
		return nil, req.Context().Err()
	}
	go func() { // a cancelled request ends the body as a network read would
		select {
		case <-req.Context().Done():
			pr.CloseWithError(req.Context().Err())
		case <-w.finished:
		}
	}()
	return &http.Response{
		Status:     http.StatusText(w.status),
		StatusCode: w.status,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  w.header,
		Body:    pr,
		Request: req,
	}, nil
}

type pipeWriter struct {
	header   http.Header
	pw       *io.PipeWriter
	status   int
	once     sync.Once
	ready    chan struct{}
	finished chan struct{}
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) WriteHeader(code int) {
	w.once.Do(func() {
		w.status = code
		w.header = w.header.Clone()
		close(w.ready)
	})
}

func (w *pipeWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.pw.Write(b)
}

func (w *pipeWriter) Flush() {}
