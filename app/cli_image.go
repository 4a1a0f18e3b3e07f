package app

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// imageFlags are the flags shared by prepare and render.
type imageFlags struct {
	out, window, preset, encoding, fit string
	frame                              int
	json                               bool
}

func (f *imageFlags) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
	BoolVar(*bool, string, bool, string)
}, model bool) {
	fs.StringVar(&f.out, "out", "", "output PNG file")
	fs.IntVar(&f.frame, "frame", 1, "frame number, from 1")
	fs.StringVar(&f.window, "window", "", "window as CENTER,WIDTH (default: the file's first window, else min/max)")
	fs.BoolVar(&f.json, "json", false, "print a JSON object describing the output")
	if model {
		fs.StringVar(&f.preset, "preset", "", "window preset: "+presetNames())
		fs.StringVar(&f.encoding, "encoding", "display", "model-input encoding: display (the window, grey) or ct3 (CT: HU windows [-1024,1024], [-135,215], [0,80] as R, G, B)")
		fs.StringVar(&f.fit, "fit", "pad", "pad (keep aspect, black bars) or stretch")
	}
}

func presetNames() string {
	var names []string
	for _, p := range assets.Presets() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// windowFlag resolves --window / --preset.
func (f *imageFlags) windowFlag() (*dicomview.Window, error) {
	switch {
	case f.window != "" && f.preset != "":
		return nil, usagef("give --window or --preset, not both")
	case f.window != "":
		w, err := dicomview.ParseWindow(f.window)
		if err != nil {
			return nil, &UsageError{fmt.Errorf("--window: %w", err)}
		}
		return &w, nil
	case f.preset != "":
		p, ok := assets.PresetByName(f.preset)
		if !ok {
			return nil, usagef("--preset %q: unknown; presets are %s", f.preset, presetNames())
		}
		return &dicomview.Window{Center: p.Center, Width: p.Width}, nil
	}
	return nil, nil
}

func (c *cli) prepare(args []string) error {
	fs := newFlags("prepare", &c.cfg)
	var f imageFlags
	f.register(fs, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || f.out == "" {
		return usagef("usage: medgemma-workbench prepare FILE --out OUT.png [--frame N] [--window C,W | --preset NAME] [--encoding display|ct3] [--fit pad|stretch] [--json]")
	}
	w, err := f.windowFlag()
	if err != nil {
		return err
	}
	if f.encoding == dicomview.EncodingCT3 && w != nil {
		return usagef("--encoding ct3 uses its own three Hounsfield windows; drop --window/--preset")
	}
	fit := dicomview.FitPad
	switch f.fit {
	case "pad":
	case "stretch":
		fit = dicomview.FitStretch
	default:
		return usagef("--fit %q: want pad or stretch", f.fit)
	}
	_, p, err := PrepareImage(pos[0], dicomview.PrepareOptions{Frame: f.frame, Window: w, Fit: fit, Encoding: f.encoding})
	if err != nil {
		return err
	}
	if err := writeFileAtomic(f.out, p.PNG); err != nil {
		return err
	}
	if f.json {
		out := map[string]any{
			"sha256": p.SHA256, "width": p.Width, "height": p.Height, "source": p.Source,
			"frame": p.Frame, "window": map[string]float64{"center": p.Window.Center, "width": p.Window.Width},
			"encoding": p.Encoding, "fit": f.fit, "out": f.out,
		}
		if p.Encoding == dicomview.EncodingCT3 {
			var ws []map[string]float64
			for _, w := range dicomview.CT3Windows {
				ws = append(ws, map[string]float64{"center": w.Center, "width": w.Width})
			}
			out["windows"] = ws // R, G, B
		}
		return json.NewEncoder(c.stdout).Encode(out)
	}
	fmt.Fprintf(c.stdout, "%s  %s (%d×%d, frame %d, window %g/%g, %s)\n", p.SHA256, f.out, p.Width, p.Height, p.Frame, p.Window.Center, p.Window.Width, p.Encoding)
	return nil
}

func (c *cli) render(args []string) error {
	fs := newFlags("render", &c.cfg)
	var f imageFlags
	f.register(fs, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || f.out == "" {
		return usagef("usage: medgemma-workbench render FILE --out OUT.png [--frame N] [--window C,W] [--json]")
	}
	w, err := f.windowFlag()
	if err != nil {
		return err
	}
	im, err := dicomview.Load(pos[0])
	if err != nil {
		return err
	}
	if w == nil {
		d := im.DefaultWindow(f.frame)
		w = &d
	}
	img, err := im.Render(f.frame, *w)
	if err != nil {
		return err
	}
	data, sum, err := dicomview.EncodePNG(img)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(f.out, data); err != nil {
		return err
	}
	b := img.Bounds()
	if f.json {
		return json.NewEncoder(c.stdout).Encode(map[string]any{
			"sha256": sum, "width": b.Dx(), "height": b.Dy(), "source": filepath.Base(pos[0]),
			"frame": f.frame, "window": map[string]float64{"center": w.Center, "width": w.Width}, "out": f.out,
		})
	}
	fmt.Fprintf(c.stdout, "%s  %s (%d×%d, frame %d, window %g/%g)\n", sum, f.out, b.Dx(), b.Dy(), f.frame, w.Center, w.Width)
	return nil
}
