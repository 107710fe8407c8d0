package api

import (
	"context"
	"errors"
	"io"
	"time"
)

// errStalled is the cause of an attempt abandoned by its watchdog.
var errStalled = errors.New("the reply stalled")

// watchdog cancels an attempt when tier waits for the provider for d and
// nothing at all arrives: neither the response headers nor a byte of the
// body (keep-alive comments count). It runs only while tier waits on the
// network, not while it writes the reply (a reader paging through it in
// less may hold tier up for as long as it likes). Its zero value watches
// nothing.
type watchdog struct {
	d   time.Duration
	t   *time.Timer
	ctx context.Context
	end context.CancelCauseFunc
	// answered is set once a 2xx status arrived: the provider may bill the
	// request from then on, whatever becomes of its reply.
	answered bool
}

// newWatchdog returns ctx, cancelled with errStalled after d without data
// (d <= 0: never), and the watchdog that the body reads feed.
func newWatchdog(ctx context.Context, d time.Duration) (context.Context, *watchdog) {
	if d <= 0 {
		return ctx, &watchdog{}
	}
	ctx, end := context.WithCancelCause(ctx)
	w := &watchdog{d: d, ctx: ctx, end: end}
	w.t = time.AfterFunc(d, func() { end(errStalled) })
	return ctx, w
}

func (w *watchdog) stop() {
	if w.t != nil {
		w.t.Stop()
		w.end(nil)
	}
}

// fired reports whether the watchdog cancelled the attempt.
func (w *watchdog) fired() bool {
	return w.ctx != nil && context.Cause(w.ctx) == errStalled
}

// body is called once the response headers have arrived: it stops the
// countdown and wraps the body so that it runs again during each read. It
// also marks the attempt answered.
func (w *watchdog) body(rc io.ReadCloser) io.ReadCloser {
	w.answered = true
	if w.t == nil {
		return rc
	}
	w.t.Stop()
	return &watchedBody{rc, w}
}

type watchedBody struct {
	io.ReadCloser
	w *watchdog
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.w.t.Reset(b.w.d)
	n, err := b.ReadCloser.Read(p)
	b.w.t.Stop()
	return n, err
}
