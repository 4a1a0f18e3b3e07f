//go:build !linux

package dicomview

// totalMemory returns the machine's memory in bytes, or 0 if unknown
// (always unknown here: the cache takes its 256 MiB default).
func totalMemory() int64 { return 0 }
