//go:build !unix

package backup

import "errors"

// errLocked is never returned here: this system has no flock(2).
var errLocked = errors.New("locked")

// fileLock is nothing where flock(2) is missing: servers and backups run
// unguarded, and restore refuses, since it cannot tell a server is running.
type fileLock struct{}

func (fileLock) release() {}

func lockShared(string) (fileLock, error) { return fileLock{}, nil }

func lockExclusive(db string) (fileLock, error) {
	return fileLock{}, errors.New("restore needs file locks, which this system lacks: stop switchboard and copy the backup over " + db + " by hand")
}
