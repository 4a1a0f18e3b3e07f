package pacs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/atomicfile"
	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

// DefaultCacheBytes caps the cache unless the caller says otherwise.
const DefaultCacheBytes = 20 << 30

// Cache holds retrieved instances on disk, one file a SOP Instance UID:
// DIR/studies/STUDY/SERIES/SOP.dcm, so that a study or a series is a
// folder the DICOM loader opens. A file is there whole or not at all
// (written to a temporary name and renamed). The cache stays under its
// cap by removing the least recently used instances (by the time each
// was last retrieved or opened, kept as its modification time). Its
// methods are safe for concurrent use within one process.
type Cache struct {
	dir string
	max int64
	// server is the folder, under dir, of one server's instances
	// (ForServer); "" for the cache as a whole.
	server string

	mu *sync.Mutex // shared by ForServer's views
}

// isTemp reports whether a file name is one atomicfile writes before
// the rename: a crash leaves such files, and OpenCache removes those of
// a day ago (not those another process is writing now).
func isTemp(name string) bool { return strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-") }

// staleTemp is the age after which a temporary file is a crash's.
const staleTemp = 24 * time.Hour

// OpenCache opens (creating it) the cache in dir, capped at maxBytes
// (0: DefaultCacheBytes), and removes what a retrieve that crashed a day
// ago or more left half written.
func OpenCache(dir string, maxBytes int64) (*Cache, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultCacheBytes
	}
	if err := os.MkdirAll(filepath.Join(dir, "studies"), 0o700); err != nil {
		return nil, fmt.Errorf("DICOMweb cache %s: %w", dir, err)
	}
	c := &Cache{dir: dir, max: maxBytes, mu: new(sync.Mutex)}
	c.walk(func(p string, fi fs.FileInfo, tmp bool) {
		if tmp && time.Since(fi.ModTime()) > staleTemp {
			os.Remove(p)
		}
	})
	return c, nil
}

// Dir is the cache's folder.
func (c *Cache) Dir() string { return c.dir }

// Max is the cache's cap in bytes.
func (c *Cache) Max() int64 { return c.max }

// ForServer is the cache of one server's instances: its folder under
// servers/ is named by a hash of the server's origin and path, so that
// the same UIDs on two servers are two sets of files; the cap and the
// eviction are still the whole cache's.
func (c *Cache) ForServer(base string) *Cache {
	sum := sha256.Sum256([]byte(base))
	return &Cache{dir: c.dir, max: c.max, mu: c.mu, server: filepath.Join("servers", hex.EncodeToString(sum[:8]))}
}

// StudyDir is the folder of a study's cached instances.
func (c *Cache) StudyDir(study string) string {
	return filepath.Join(c.dir, c.server, "studies", study)
}

// SeriesDir is the folder of a series' cached instances.
func (c *Cache) SeriesDir(study, series string) string {
	return filepath.Join(c.StudyDir(study), series)
}

func (c *Cache) path(in Instance) string {
	return filepath.Join(c.SeriesDir(in.Study, in.Series), in.UID+".dcm")
}

// Has reports whether the instance is cached, and marks it used.
func (c *Cache) Has(in Instance) bool {
	p := c.path(in)
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	now := time.Now()
	os.Chtimes(p, now, now)
	return true
}

// Touch marks every cached instance under dir (a study or series
// folder) used now, so that opening it keeps it from eviction.
func (c *Cache) Touch(dir string) {
	now := time.Now()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasSuffix(p, ".dcm") {
			os.Chtimes(p, now, now)
		}
		return nil
	})
}

// Size is the bytes the cache holds.
func (c *Cache) Size() int64 {
	var n int64
	c.walk(func(_ string, fi fs.FileInfo, tmp bool) {
		if !tmp {
			n += fi.Size()
		}
	})
	return n
}

// walk calls f for every file of the whole cache (every server's, and
// those of versions that kept no server apart, under studies/), saying
// whether it is a temporary one.
func (c *Cache) walk(f func(p string, fi fs.FileInfo, tmp bool)) {
	for _, top := range []string{"studies", "servers"} {
		c.walkDir(filepath.Join(c.dir, top), f)
	}
}

func (c *Cache) walkDir(root string, f func(p string, fi fs.FileInfo, tmp bool)) {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		f(p, fi, isTemp(d.Name()))
		return nil
	})
}

// ErrCacheFull: one retrieve needs more room than the whole cache has.
var ErrCacheFull = errors.New("larger than the cache")

// put writes what r holds (at most maxBytes) as the instance, through
// internal/atomicfile (a temporary file renamed into place), and returns
// the bytes written. check sees the file's first bytes before it is
// committed (a DICOM Part-10 preamble), and may refuse it.
func (c *Cache) put(in Instance, r io.Reader, maxBytes int64, check func(head []byte) error) (int64, error) {
	if err := os.MkdirAll(c.SeriesDir(in.Study, in.Series), 0o700); err != nil {
		return 0, err
	}
	var n int64
	err := atomicfile.Write(c.path(in), 0o600, func(w io.Writer) error {
		h := &headWriter{w: w}
		var err error
		if n, err = io.Copy(h, io.LimitReader(r, maxBytes+1)); err != nil {
			return err
		}
		if n > maxBytes {
			return errInstanceTooLarge
		}
		return check(h.head)
	})
	return n, err
}

var errInstanceTooLarge = errors.New("instance over the size limit")

// headWriter keeps the first 132 bytes written through it.
type headWriter struct {
	w    io.Writer
	head []byte
}

func (h *headWriter) Write(p []byte) (int, error) {
	if k := 132 - len(h.head); k > 0 {
		h.head = append(h.head, p[:min(k, len(p))]...)
	}
	return h.w.Write(p)
}

// entry is one cached file, for eviction.
type entry struct {
	path string
	size int64
	used time.Time
}

// makeRoom removes the least recently used instances, none of keep (the
// paths of the retrieve in progress), until the cache is under its cap,
// and returns the bytes it then holds. It fails with ErrCacheFull when
// keep alone is over the cap.
func (c *Cache) makeRoom(keep map[string]bool) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var all []entry
	var total, kept int64
	c.walk(func(p string, fi fs.FileInfo, tmp bool) {
		if tmp {
			return
		}
		total += fi.Size()
		if keep[p] {
			kept += fi.Size()
			return
		}
		all = append(all, entry{p, fi.Size(), fi.ModTime()})
	})
	if kept > c.max {
		return total, fmt.Errorf("%w: it needs more than the cache's cap of %s", ErrCacheFull, units.Bytes(c.max))
	}
	sort.Slice(all, func(i, j int) bool { return all[i].used.Before(all[j].used) })
	for _, e := range all {
		if total <= c.max {
			break
		}
		if os.Remove(e.path) == nil {
			total -= e.size
			removeEmptyParents(filepath.Dir(e.path), c.dir)
		}
	}
	return total, nil
}

// removeEmptyParents removes dir and its parents up to (not including)
// root while they are empty.
func removeEmptyParents(dir, root string) {
	for dir != root && strings.HasPrefix(dir, root) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}
