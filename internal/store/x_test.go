package store

import (
	"testing"
	"time"
)

func TestXTiming(t *testing.T) {
	s := Open(t.TempDir())
	start := time.Now()
	for i := range 50 {
		s.RecordUsage(use("groq", "default", "m", t0.Add(time.Duration(i)*time.Minute), 1))
	}
	t.Log("per RecordUsage", time.Since(start)/50)
}
