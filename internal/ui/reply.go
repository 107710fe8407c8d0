package ui

import (
	"bufio"
	"io"
)

// NewReplyWriter is a ReplyWriter onto w.
func NewReplyWriter(w io.Writer) *ReplyWriter {
	return &ReplyWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// ReplyWriter buffers a reply for stdout, remembers whether it ended in a
// newline, and adds one at the end (Finish) so that the shell prompt
// starts on its own line.
type ReplyWriter struct {
	w    *bufio.Writer
	last byte
	n    int64
}

func (r *ReplyWriter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		r.last = p[len(p)-1]
		r.n += int64(len(p))
	}
	return r.w.Write(p)
}

// Flush writes out what is buffered (a reply streams as it arrives).
func (r *ReplyWriter) Flush() error { return r.w.Flush() }

// Finish ends the reply with a newline if it has none, and flushes it.
func (r *ReplyWriter) Finish() error {
	if r.n > 0 && r.last != '\n' {
		r.w.WriteByte('\n')
	}
	return r.w.Flush()
}
