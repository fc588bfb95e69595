//go:build unix

package backup

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// errLocked: another process holds the lock in a mode that excludes ours.
var errLocked = errors.New("locked")

// fileLock is a flock(2) on "<database>.lock", held until release (or the
// process's end: the kernel drops it then, so no lock is ever stale).
type fileLock struct{ f *os.File }

func (l fileLock) release() { _ = l.f.Close() }

func lockShared(db string) (fileLock, error)    { return lock(db, syscall.LOCK_SH) }
func lockExclusive(db string) (fileLock, error) { return lock(db, syscall.LOCK_EX) }

func lock(db string, how int) (fileLock, error) {
	f, err := os.OpenFile(db+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fileLock{}, fmt.Errorf("lock %s: %w", db, err)
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fileLock{}, errLocked
		}
		return fileLock{}, fmt.Errorf("lock %s.lock: %w", db, err)
	}
	return fileLock{f: f}, nil
}
