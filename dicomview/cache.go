package dicomview

import (
	"archive/zip"
	"container/list"
	"fmt"
	"sync"
)

// The images of a folder, ZIP archive or DICOMDIR opened by OpenSeries
// are lazy: each file is read, checked and parsed once when the series is
// opened (so a file that does not load is skipped then, as before), and
// its pixel data is then dropped. Rendering a slice reads and decodes its
// file again, exactly as Load does, into a cache shared by the process
// that holds at most Limits.CacheBytes of pixel data and modality values,
// evicting the least recently used images. A series of any length thus
// costs its headers plus the cache, not its pixels.

// source re-reads the file of a lazy image.
type source struct {
	// load decodes the file again within b.
	load func(b *budget) (*Image, error)
	// file is the file's path, for reading parts of it (Thumbnail); ""
	// for an entry of a ZIP archive.
	file string
}

// fileSource is the source of the file at path.
func fileSource(path string) *source {
	return &source{load: func(b *budget) (*Image, error) { return load(path, b) }, file: path}
}

// zipSource is the source of entry of the ZIP archive at archive, whose
// image is named name.
func zipSource(archive, entry, name string) *source {
	return &source{load: func(b *budget) (*Image, error) {
		if b.total == nil {
			total := b.lim.TotalBytes // readEntry stops at the smaller of it and FileBytes
			b.total = &total
		}
		zr, err := zip.OpenReader(archive)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", name, malformedCause(err, "malformed ZIP archive"))
		}
		defer zr.Close()
		for _, f := range zr.File {
			if f.Name != entry {
				continue
			}
			data, err := readEntry(f, b)
			if err != nil {
				return nil, fmt.Errorf("load %s: %w", name, err)
			}
			im, err := decodeWithin(name, data, b)
			if err != nil {
				return nil, fmt.Errorf("load %s: %w", name, err)
			}
			return im, nil
		}
		return nil, fmt.Errorf("load %s: the entry is no longer in the archive", name)
	}}
}

// makeLazy drops im's pixel data, to be read again from src into the
// process's cache when needed.
func (im *Image) makeLazy(src *source) {
	im.src, im.raw, im.cache = src, nil, residents
}

// pixelsLocked returns all frames' samples of im: its own for an image Load
// returned, else from the cache, reading the file again on a miss. The
// caller holds im.mu.
func (im *Image) pixelsLocked() ([]byte, error) {
	if im.src == nil {
		return im.raw, nil
	}
	if e := im.cache.get(im); e != nil {
		return e.raw, nil
	}
	again, err := im.src.load(newBudget(CurrentLimits(), nil))
	if err != nil {
		return nil, err
	}
	if again.layout != im.layout || again.Frames != im.Frames || again.Photometric != im.Photometric {
		return nil, fmt.Errorf("load %s: %w", im.Path, malformed("the file changed since it was opened (%d×%d, %d frames, %s; now %d×%d, %d frames, %s): open it again",
			im.Width, im.Height, im.Frames, im.Photometric, again.Width, again.Height, again.Frames, again.Photometric))
	}
	im.cache.put(im, again.raw, 0, nil)
	return again.raw, nil
}

// frameRaw returns the stored samples of frame (valid, from 1).
func (im *Image) frameRaw(frame int) ([]byte, error) {
	im.mu.Lock()
	raw, err := im.pixelsLocked()
	im.mu.Unlock()
	if err != nil {
		return nil, err
	}
	n := im.layout.frameBytes()
	if len(im.frames) < frame || len(raw) < frame*n {
		return nil, fmt.Errorf("image has no pixel data for frame %d", frame)
	}
	return raw[(frame-1)*n : frame*n], nil
}

// Prefetch reads and decodes frame's pixel data into the cache if it is
// not there (a viewer calls it for the neighbours of the slice shown, in
// a goroutine). It does nothing for an image whose pixels Load kept.
func (im *Image) Prefetch(frame int) error {
	if im.src == nil || im.checkFrame(frame) != nil {
		return nil
	}
	_, err := im.frameRaw(frame)
	return err
}

// residentEntry is one lazy image's pixel data in the cache, and the
// modality values of one of its frames.
type residentEntry struct {
	im    *Image
	raw   []byte
	frame int       // frame of vals; 0: none
	vals  []float32 // read-only
	bytes int64
}

// size is what e holds: the buffer its samples lie in (for native pixel
// data the file's bytes from the samples on) and the modality values.
func (e *residentEntry) size() int64 {
	return int64(cap(e.raw)) + 4*int64(cap(e.vals))
}

// pixelCache is a least recently used cache of lazy images' pixel data,
// holding at most capacity bytes (one entry alone may hold more: the
// image being rendered must be resident).
type pixelCache struct {
	mu       sync.Mutex
	lru      list.List // of *residentEntry, most recent first
	by       map[*Image]*list.Element
	used     int64
	peak     int64 // the most used held at once, for tests and the doctor
	capacity int64 // 0: CurrentLimits().CacheBytes
}

// residents is the process's cache of lazy images' pixel data.
var residents = &pixelCache{by: map[*Image]*list.Element{}}

// get returns im's entry, now the most recent, or nil.
func (c *pixelCache) get(im *Image) *residentEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.by[im]
	if el == nil {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*residentEntry)
}

// put stores im's samples raw and, when vals is not nil, the modality
// values of frame, then evicts the least recent entries over capacity.
func (c *pixelCache) put(im *Image, raw []byte, frame int, vals []float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var e *residentEntry
	if el := c.by[im]; el != nil {
		c.lru.MoveToFront(el)
		e = el.Value.(*residentEntry)
		c.used -= e.bytes
	} else {
		e = &residentEntry{im: im}
		c.by[im] = c.lru.PushFront(e)
	}
	e.raw = raw
	if vals != nil {
		e.frame, e.vals = frame, vals
	}
	e.bytes = e.size()
	c.used += e.bytes
	limit := c.capacity
	if limit <= 0 {
		limit = CurrentLimits().CacheBytes
	}
	for c.used > limit && c.lru.Len() > 1 {
		last := c.lru.Back()
		old := last.Value.(*residentEntry)
		c.lru.Remove(last)
		delete(c.by, old.im)
		c.used -= old.bytes
	}
	c.peak = max(c.peak, c.used)
}

// stats returns the bytes held, the most held at once and the images held.
func (c *pixelCache) stats() (used, peak int64, images int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used, c.peak, c.lru.Len()
}

// CacheStats reports the pixel cache of lazy series (see OpenSeries): the
// bytes of pixel data and modality values resident now, the most resident
// at once since the process started, and the images resident.
func CacheStats() (resident, peak int64, images int) {
	return residents.stats()
}
