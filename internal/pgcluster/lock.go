//go:build unix

package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// fileLock is an flock(2) on a file; locks from separate opens conflict even
// within one process.
type fileLock struct{ f *os.File }

func openLock(path string) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	return &fileLock{f: f}, nil
}

// lock takes the lock, polling so that ctx can cancel the wait.
func (l *fileLock) lock(ctx context.Context, how int) error {
	for {
		err := syscall.Flock(int(l.f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("locking %s: %w", l.f.Name(), err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for lock %s: %w", l.f.Name(), ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// tryLock takes the lock if it is free and reports whether it did.
func (l *fileLock) tryLock(how int) (bool, error) {
	err := syscall.Flock(int(l.f.Fd()), how|syscall.LOCK_NB)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return false, fmt.Errorf("locking %s: %w", l.f.Name(), err)
}

func (l *fileLock) unlock() error { return syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN) }

func (l *fileLock) close() error { return l.f.Close() }
