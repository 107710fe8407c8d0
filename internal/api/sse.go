package api

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// sseReader reads the data payloads of an OpenAI-style server-sent event
// stream. Like go-openai and the official SDKs' behaviour in practice, each
// "data:" line is one payload (chat chunks are single-line JSON, and some
// servers omit the blank line between events). Comment lines (": keep-alive",
// which DeepSeek sends while a request waits in its queue), blank lines and
// other fields are skipped without limit. It allocates only for lines longer
// than its 64 KiB buffer.
type sseReader struct {
	r *bufio.Reader
}

var errDone = errors.New("[DONE]")

// newSSEReader reads events from r. idle, when not nil, is called each time
// the reader is about to wait for more data from r, that is, once every
// event received so far has been handed out: the moment to flush output.
func newSSEReader(r io.Reader, idle func()) *sseReader {
	if idle != nil {
		r = idleReader{r, idle}
	}
	return &sseReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// idleReader calls idle before every read of r.
type idleReader struct {
	r    io.Reader
	idle func()
}

func (i idleReader) Read(p []byte) (int, error) {
	i.idle()
	return i.r.Read(p)
}

// next returns the next data payload (valid until the following call);
// errDone after "data: [DONE]"; io.EOF or another read error when the stream
// ends (the caller decides whether that was a cut).
func (s *sseReader) next() ([]byte, error) {
	for {
		line, err := s.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = s.r.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if len(line) == 0 && err != nil {
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if bytes.HasPrefix(line, []byte("data:")) {
			v := bytes.TrimLeft(line[5:], " ")
			if string(v) == "[DONE]" {
				return nil, errDone
			}
			if len(v) > 0 {
				return v, nil
			}
		}
		if err != nil {
			return nil, err
		}
	}
}
