// Command firstpaint times how long a program takes to paint an image in
// a region of an Xvfb screen: it starts the program and watches the
// screen's framebuffer file (Xvfb -fbdir DIR makes DIR/Xvfb_screen0, in
// XWD format, which Xvfb keeps up to date) every few milliseconds until
// more than a fraction of the region's pixels are lit. It prints the
// milliseconds from just before the program's start to the first poll
// that saw it, and saves that screen as a PNG (-png). The region must be
// dark before the program starts. The program's standard error goes to
// -log. For bench/scale/first_slice.sh.
//
// usage: firstpaint -fb FILE [-region X,Y,W,H] [-frac F] [-png OUT] [-log OUT] [-timeout D] PROGRAM ARGS...
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// pollEvery is how often the framebuffer is read.
const pollEvery = 5 * time.Millisecond

// lit is the level (0–255) above which a pixel's brightest channel counts
// as lit: the viewer's background is black, its placeholder text a thin
// grey line.
const lit = 40

func main() {
	fb := flag.String("fb", "", "the Xvfb framebuffer file (Xvfb -fbdir DIR: DIR/Xvfb_screen0)")
	region := flag.String("region", "350,250,400,400", "X,Y,W,H of the screen region to watch, in pixels")
	frac := flag.Float64("frac", 0.2, "fraction of the region's pixels that must be lit")
	pngOut := flag.String("png", "", "write the screen as first seen painted to this PNG file")
	logOut := flag.String("log", "", "write the program's standard error to this file")
	timeout := flag.Duration("timeout", 15*time.Second, "give up after this long")
	flag.Parse()
	if *fb == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: firstpaint -fb FILE [-region X,Y,W,H] [-frac F] [-png OUT] [-log OUT] [-timeout D] PROGRAM ARGS...")
		os.Exit(2)
	}
	r, err := parseRect(*region)
	if err != nil {
		fmt.Fprintln(os.Stderr, "firstpaint:", err)
		os.Exit(2)
	}
	ms, err := run(*fb, r, *frac, *pngOut, *logOut, *timeout, flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "firstpaint:", err)
		os.Exit(1)
	}
	fmt.Printf("%.0f\n", ms)
}

// run starts args, waits until r of the framebuffer fb is painted and
// returns the milliseconds that took; it kills the program then.
func run(fb string, r image.Rectangle, frac float64, pngOut, logOut string, timeout time.Duration, args []string) (float64, error) {
	f, err := os.Open(fb)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s, err := readScreen(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", fb, err)
	}
	if !r.In(image.Rect(0, 0, s.width, s.height)) {
		return 0, fmt.Errorf("region %v is not inside the %d×%d screen", r, s.width, s.height)
	}
	buf := make([]byte, r.Dy()*s.stride)
	// The region must be dark before the program starts (a window of an
	// earlier run may take a moment to go).
	for dark := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if _, err := f.ReadAt(buf, s.offset+int64(r.Min.Y*s.stride)); err != nil {
			return 0, fmt.Errorf("%s: %w", fb, err)
		}
		if s.litFraction(buf, r) <= frac/4 {
			break
		}
		if time.Since(dark) > 10*time.Second {
			return 0, fmt.Errorf("region %v of the screen is painted before the program starts: a window of an earlier run is still there", r)
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	if logOut != "" {
		lf, err := os.Create(logOut)
		if err != nil {
			return 0, err
		}
		defer lf.Close()
		cmd.Stderr = lf
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	for time.Since(start) < timeout {
		if _, err := f.ReadAt(buf, s.offset+int64(r.Min.Y*s.stride)); err != nil {
			return 0, fmt.Errorf("%s: %w", fb, err)
		}
		if s.litFraction(buf, r) > frac {
			ms := float64(time.Since(start).Microseconds()) / 1000
			if pngOut != "" {
				if err := s.savePNG(f, pngOut); err != nil {
					return ms, err
				}
			}
			return ms, nil
		}
		time.Sleep(pollEvery)
	}
	return 0, fmt.Errorf("nothing painted in %v within %v", r, timeout)
}

// screen is the layout of an XWD framebuffer file of 32-bit pixels.
type screen struct {
	width, height, stride int
	offset                int64 // of the first pixel
	order                 binary.ByteOrder
	masks                 [3]uint32 // red, green, blue
	shifts                [3]int    // of each mask's lowest bit
}

// readScreen reads the XWD header of f (X11 XWDFile.h: 25 big-endian
// 32-bit fields, the window name, then the colour map).
func readScreen(f *os.File) (screen, error) {
	var h [25]uint32
	if err := binary.Read(f, binary.BigEndian, &h); err != nil {
		return screen{}, fmt.Errorf("read XWD header: %w", err)
	}
	headerSize, version, bpp := h[0], h[1], h[11]
	if version != 7 || bpp != 32 {
		return screen{}, fmt.Errorf("XWD version %d with %d bits a pixel, want version 7 with 32 (Xvfb -screen 0 WxHx24)", version, bpp)
	}
	s := screen{width: int(h[4]), height: int(h[5]), stride: int(h[12]), order: binary.LittleEndian,
		masks: [3]uint32{h[14], h[15], h[16]}}
	if h[7] == 1 { // MSBFirst
		s.order = binary.BigEndian
	}
	for k, m := range s.masks {
		for m != 0 && m>>s.shifts[k]&1 == 0 {
			s.shifts[k]++
		}
	}
	s.offset = int64(headerSize) + int64(h[19])*12 // ncolors XWDColor entries
	if s.stride < 4*s.width {
		return screen{}, errors.New("XWD bytes a line shorter than its width")
	}
	return s, nil
}

// rgb decodes the pixel whose four bytes start b.
func (s screen) rgb(b []byte) color.RGBA {
	v := s.order.Uint32(b)
	var c [3]uint8
	for k, m := range s.masks {
		c[k] = uint8((v & m) >> s.shifts[k])
	}
	return color.RGBA{R: c[0], G: c[1], B: c[2], A: 0xff}
}

// litFraction returns the fraction of r's pixels lit in rows, the
// screen's rows r.Min.Y… as read.
func (s screen) litFraction(rows []byte, r image.Rectangle) float64 {
	n := 0
	for y := range r.Dy() {
		row := rows[y*s.stride:]
		for x := r.Min.X; x < r.Max.X; x++ {
			c := s.rgb(row[4*x:])
			if max(c.R, c.G, c.B) > lit {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

// savePNG writes the whole screen, read from f now, to path.
func (s screen) savePNG(f *os.File, path string) error {
	buf := make([]byte, s.height*s.stride)
	if _, err := f.ReadAt(buf, s.offset); err != nil {
		return err
	}
	img := image.NewRGBA(image.Rect(0, 0, s.width, s.height))
	for y := range s.height {
		for x := range s.width {
			img.SetRGBA(x, y, s.rgb(buf[y*s.stride+4*x:]))
		}
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(out, img); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// parseRect parses "X,Y,W,H".
func parseRect(s string) (image.Rectangle, error) {
	f := strings.Split(s, ",")
	if len(f) != 4 {
		return image.Rectangle{}, fmt.Errorf("region %q: want X,Y,W,H", s)
	}
	var v [4]int
	for i, x := range f {
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil || n < 0 {
			return image.Rectangle{}, fmt.Errorf("region %q: want X,Y,W,H of non-negative integers", s)
		}
		v[i] = n
	}
	if v[2] == 0 || v[3] == 0 {
		return image.Rectangle{}, fmt.Errorf("region %q is empty", s)
	}
	return image.Rect(v[0], v[1], v[0]+v[2], v[1]+v[3]), nil
}
