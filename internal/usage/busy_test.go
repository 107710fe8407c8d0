package usage

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// sqliteError is an error as modernc.org/sqlite returns them: a result code.
type sqliteError int

func (e sqliteError) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e sqliteError) Code() int     { return int(e) }

// An open that SQLite answers SQLITE_BUSY (or SQLITE_LOCKED, or their
// extended codes) is tried again with growing waits; any other failure, or
// busyTries answers of busy, is returned as it is.
func TestWhileBusy(t *testing.T) {
	other := errors.New("disk I/O error")
	tests := []struct {
		name      string
		answers   []error // what each try returns; past the end: success
		wantErr   error
		wantTries int
	}{
		{"open at once", nil, nil, 1},
		{"busy twice, then open", []error{sqliteError(5), sqliteError(5)}, nil, 3},
		{"locked, then open", []error{sqliteError(6)}, nil, 2},
		{"extended busy code (SQLITE_BUSY_RECOVERY)", []error{sqliteError(5 | 1<<8)}, nil, 2},
		{"busy wrapped by fmt.Errorf", []error{fmt.Errorf("usage log: %w", sqliteError(5))}, nil, 2},
		{"another failure is not retried", []error{other}, other, 1},
		{"busy, then another failure", []error{sqliteError(5), other}, other, 2},
		{"busy every time: gives up", repeat(sqliteError(5), busyTries+5), sqliteError(5), busyTries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tries := 0
			var slept []time.Duration
			_, err := whileBusy(func() (int, error) {
				tries++
				if tries <= len(tt.answers) {
					return 0, tt.answers[tries-1]
				}
				return 1, nil
			}, func(d time.Duration) { slept = append(slept, d) })
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if tries != tt.wantTries {
				t.Errorf("tried %d times, want %d", tries, tt.wantTries)
			}
			if len(slept) != tries-1 {
				t.Errorf("slept %d times between %d tries", len(slept), tries)
			}
			for i := 1; i < len(slept); i++ {
				if slept[i] <= slept[i-1] {
					t.Errorf("waits do not grow: %v", slept)
					break
				}
			}
		})
	}
}

func repeat(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}
