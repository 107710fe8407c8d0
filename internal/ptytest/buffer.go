package ptytest

import (
	"bytes"
	"sync"
)

// Buffer is what a terminal showed, safe to read while a goroutine copies
// the pseudo-terminal's output into it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
