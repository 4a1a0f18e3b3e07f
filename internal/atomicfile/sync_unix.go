//go:build !windows

package atomicfile

import (
	"errors"
	"syscall"
)

// ignorableDirSyncError reports errors of file systems that do not support
// syncing a folder (some network and FUSE file systems answer EINVAL).
func ignorableDirSyncError(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP)
}
