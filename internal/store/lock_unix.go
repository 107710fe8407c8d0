//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockFile takes an exclusive flock on path, waiting up to timeout. flock
// locks belong to the open file description, so two goroutines of one
// process exclude each other just as two processes do.
//
// It waits in a blocking flock rather than by polling: the kernel wakes a
// blocked waiter as soon as the lock is released, whereas a poller that
// sleeps between tries keeps losing to the others when many processes
// (parallel CI jobs) contend, and can starve past the timeout. On timeout
// the blocked call is abandoned to a goroutine that releases the lock as
// soon as it gets it.
func lockFile(path string, timeout time.Duration) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open lock file %s: %v: check the state directory's permissions", path, oneLine(err))
	}
	fd := int(f.Fd())
	unlock := func() { syscall.Flock(fd, syscall.LOCK_UN); f.Close() }
	err = flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		return unlock, nil
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		done := make(chan error, 1)
		go func() { done <- flock(fd, syscall.LOCK_EX) }()
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		select {
		case err = <-done:
			if err == nil {
				return unlock, nil
			}
		case <-timer.C:
			go func() {
				if <-done == nil {
					syscall.Flock(fd, syscall.LOCK_UN)
				}
				f.Close()
			}()
			return nil, lockedError(path, timeout)
		}
	}
	f.Close()
	return nil, fmt.Errorf("cannot lock %s: %v: check that the state directory's file system supports locks", path, oneLine(err))
}

func flock(fd, how int) error {
	for {
		err := syscall.Flock(fd, how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

func replaceFile(from, to string) error { return os.Rename(from, to) }
