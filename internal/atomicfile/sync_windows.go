package atomicfile

// ignorableDirSyncError: Windows cannot open a folder for syncing; its
// renames are made durable by the file system's journal.
func ignorableDirSyncError(error) bool { return true }
