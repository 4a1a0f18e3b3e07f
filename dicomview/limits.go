package dicomview

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
)

// Limits bound what Load and OpenSeries spend on one input, so that a small
// hostile or damaged file (a decompression bomb, a file declaring millions
// of frames) is rejected before anything large is allocated. Every limit is
// checked against what a file declares before the memory is allocated; an
// input over a limit fails with a *LimitError matching ErrTooLarge.
//
// A zero field means the default. SetLimits changes the limits of the
// process; ParseLimits reads them from text such as
// "decoded=2GiB,frames=50000".
type Limits struct {
	// FileBytes bounds the bytes read into memory from one file or ZIP
	// entry ("file"). Default 2 GiB.
	FileBytes int64
	// DecodedBytes bounds the bytes one file decodes to beyond the bytes it
	// holds: a deflated data set once inflated, decompressed pixel data,
	// unpacked 1-bit pixels, plus the working memory of rendering one of
	// its frames (about 5 bytes a pixel, 8 for colour) ("decoded"). Of a
	// deflated data set at most an eighth may come before the Pixel Data.
	// Default 512 MiB.
	DecodedBytes int64
	// Frames bounds the frames (NumberOfFrames) of one file ("frames").
	// Default 20000.
	Frames int64
	// FramePixels bounds Rows × Columns of one frame ("pixels"). Default
	// 67108864 (8192 × 8192).
	FramePixels int64
	// TotalBytes bounds the bytes read and decoded from all files of one
	// folder, ZIP archive or DICOMDIR together ("total"). Default 8 GiB.
	TotalBytes int64
	// Files bounds the files read from one folder or ZIP archive ("files").
	// Default 10000.
	Files int64
	// Elements bounds the data elements (items included) of one DICOM
	// file ("elements"); each costs the parser about 300 bytes. Default
	// 1000000.
	Elements int64
	// CacheBytes bounds the pixel data and modality values of the images
	// of opened series held in memory at once ("cache"): a series' pixels
	// are read again from its files as slices are shown, the least
	// recently used dropped (see OpenSeries). The image being rendered is
	// held even when it alone is larger. Default 256 MiB, or an eighth of
	// the machine's memory when that is less.
	CacheBytes int64
}

// DefaultLimits are the limits used unless SetLimits changes them.
var DefaultLimits = Limits{
	FileBytes:    2 << 30,
	DecodedBytes: 512 << 20,
	Frames:       20000,
	FramePixels:  8192 * 8192,
	TotalBytes:   8 << 30,
	Files:        10000,
	Elements:     1000000,
	CacheBytes:   defaultCacheBytes(),
}

// defaultCacheBytes is 256 MiB, or an eighth of the machine's memory
// when that is less (at least 16 MiB).
func defaultCacheBytes() int64 {
	c := int64(256 << 20)
	if ram := totalMemory(); ram > 0 {
		c = min(c, max(ram/8, 16<<20))
	}
	return c
}

var limits atomic.Pointer[Limits]

// SetLimits sets the limits of Load and OpenSeries for the whole process; a
// zero field takes its default. It is safe to call concurrently with
// loading; a load in progress keeps the limits it started with.
func SetLimits(l Limits) {
	l = l.withDefaults()
	limits.Store(&l)
}

// CurrentLimits returns the limits in force.
func CurrentLimits() Limits {
	if l := limits.Load(); l != nil {
		return *l
	}
	return DefaultLimits
}

// withDefaults replaces zero and negative fields by their defaults.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	for _, f := range []struct{ v, def *int64 }{
		{&l.FileBytes, &d.FileBytes}, {&l.DecodedBytes, &d.DecodedBytes}, {&l.Frames, &d.Frames},
		{&l.FramePixels, &d.FramePixels}, {&l.TotalBytes, &d.TotalBytes}, {&l.Files, &d.Files}, {&l.Elements, &d.Elements},
		{&l.CacheBytes, &d.CacheBytes},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return l
}

// limitNames maps the names ParseLimits accepts to the fields they set.
var limitNames = []struct {
	name  string
	field func(*Limits) *int64
}{
	{"file", func(l *Limits) *int64 { return &l.FileBytes }},
	{"decoded", func(l *Limits) *int64 { return &l.DecodedBytes }},
	{"frames", func(l *Limits) *int64 { return &l.Frames }},
	{"pixels", func(l *Limits) *int64 { return &l.FramePixels }},
	{"total", func(l *Limits) *int64 { return &l.TotalBytes }},
	{"files", func(l *Limits) *int64 { return &l.Files }},
	{"elements", func(l *Limits) *int64 { return &l.Elements }},
	{"cache", func(l *Limits) *int64 { return &l.CacheBytes }},
}

// ParseLimits reads comma-separated NAME=VALUE pairs over base: file,
// decoded, frames, pixels, total, files, elements, cache (see Limits). A value is a
// positive integer with an optional suffix: k, M, G (powers of 1000) or
// KiB, MiB, GiB (powers of 1024).
func ParseLimits(base Limits, s string) (Limits, error) {
	l := base
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		name, val, ok := strings.Cut(kv, "=")
		var field *int64
		for _, n := range limitNames {
			if strings.EqualFold(strings.TrimSpace(name), n.name) {
				field = n.field(&l)
			}
		}
		if !ok || field == nil {
			return base, fmt.Errorf("limits %q: want NAME=VALUE with NAME one of file, decoded, frames, pixels, total, files, elements, cache", kv)
		}
		v, err := parseSize(strings.TrimSpace(val))
		if err != nil {
			return base, fmt.Errorf("limits %q: %w", kv, err)
		}
		*field = v
	}
	return l, nil
}

// parseSize parses a positive integer with an optional size suffix.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || v < 1 || v > (1<<62)/mult {
		return 0, errors.New("want a positive integer, optionally with k, M, G, KiB, MiB or GiB")
	}
	return v * mult, nil
}

// ErrTooLarge reports an input over one of the Limits. It matches
// ErrUnsupported under errors.Is. The errors are *LimitError.
var ErrTooLarge error = &kindError{kind: ErrUnsupported, msg: "too large"}

// LimitError reports an input that needs more than a limit allows. It
// matches ErrTooLarge (and so ErrUnsupported) under errors.Is.
type LimitError struct {
	What  string // what is over the limit, e.g. "decoded pixel data"
	Limit string // the name of the limit, as ParseLimits spells it
	Need  int64  // what the input needs (at least)
	Max   int64  // the limit
	// AtLeast: the work stopped at the limit, so Need is a lower bound.
	AtLeast bool
}

func (e *LimitError) Error() string {
	unit := " bytes"
	if e.Limit == "frames" || e.Limit == "pixels" || e.Limit == "files" || e.Limit == "elements" {
		unit = ""
	}
	if e.AtLeast {
		return fmt.Sprintf("too large: %s needs more than the %s limit of %d%s", e.What, e.Limit, e.Max, unit)
	}
	return fmt.Sprintf("too large: %s needs %d%s, over the %s limit of %d%s", e.What, e.Need, unit, e.Limit, e.Max, unit)
}

// Is reports whether target is ErrTooLarge or ErrUnsupported.
func (e *LimitError) Is(target error) bool {
	return target == ErrTooLarge || target == ErrUnsupported
}

// budget is what one file may still allocate: its own decoded bytes, and
// what is left of the total of the folder or archive it belongs to.
type budget struct {
	lim     Limits
	decoded int64  // bytes decoded so far by this file
	total   *int64 // bytes left of the folder's total; nil for a lone file
}

// newBudget returns the budget of one file under lim.
func newBudget(lim Limits, total *int64) *budget {
	return &budget{lim: lim, total: total}
}

// over returns the *LimitError of the limit that n more decoded bytes for
// what would exceed, or nil.
func (b *budget) over(n int64, what string) error {
	if n < 0 || b.decoded+n > b.lim.DecodedBytes {
		return &LimitError{What: what, Limit: "decoded", Need: b.decoded + n, Max: b.lim.DecodedBytes}
	}
	if b.total != nil && n > *b.total {
		return &LimitError{What: what + " with the files before it", Limit: "total", Need: b.lim.TotalBytes - *b.total + n, Max: b.lim.TotalBytes}
	}
	return nil
}

// charge accounts n more decoded bytes for what, or fails with a
// *LimitError before they are allocated.
func (b *budget) charge(n int64, what string) error {
	if err := b.over(n, what); err != nil {
		return err
	}
	b.decoded += n
	if b.total != nil {
		*b.total -= n
	}
	return nil
}

// chargeFile accounts a file (or archive entry) of n bytes read into
// memory: at most FileBytes, and within the folder's total.
func (b *budget) chargeFile(n int64) error {
	if n > b.lim.FileBytes {
		return &LimitError{What: "the file", Limit: "file", Need: n, Max: b.lim.FileBytes}
	}
	if b.total != nil {
		if n > *b.total {
			return &LimitError{What: "the file with the files before it", Limit: "total", Need: b.lim.TotalBytes - *b.total + n, Max: b.lim.TotalBytes}
		}
		*b.total -= n
	}
	return nil
}

// reserve accounts n bytes of this file's own working memory (rendering a
// frame), which the folder's total does not count since one image is
// rendered at a time, or fails with a *LimitError.
func (b *budget) reserve(n int64, what string) error {
	if n < 0 || b.decoded+n > b.lim.DecodedBytes {
		return &LimitError{What: what, Limit: "decoded", Need: b.decoded + n, Max: b.lim.DecodedBytes}
	}
	b.decoded += n
	return nil
}

// renderBytes is the working memory of rendering one frame of l: modality
// values (float32) and the grey image, or for colour the RGB values and
// the RGBA image.
func renderBytes(l layout) int64 {
	if l.samples == 3 {
		return 8 * int64(l.pixels())
	}
	return 5 * int64(l.pixels())
}

// left returns the decoded bytes this file may still allocate.
func (b *budget) left() int64 {
	l := b.lim.DecodedBytes - b.decoded
	if b.total != nil && *b.total < l {
		l = *b.total
	}
	return max(l, 0)
}
