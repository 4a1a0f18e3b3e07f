package app

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/ordered"
)

// imageFlags are the flags shared by prepare and render.
type imageFlags struct {
	out, window, preset, encoding, fit string
	series, outDir, recipe             string
	plane, region                      string
	frame, slice, slices               int
	json                               bool
}

func (f *imageFlags) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
	BoolVar(*bool, string, bool, string)
}, model bool) {
	fs.StringVar(&f.out, "out", "", "output PNG file")
	fs.IntVar(&f.frame, "frame", 0, "frame number of a single file, from 1 (default 1)")
	fs.StringVar(&f.series, "series", "", "for a folder, ZIP or DICOMDIR: the series, by SeriesInstanceUID or number from 1 (default: the only one)")
	fs.IntVar(&f.slice, "slice", 0, "slice number in the series, from 1, in order along the patient axis (default 1)")
	fs.StringVar(&f.window, "window", "", "window as CENTER,WIDTH (default: the file's first window, else min/max)")
	fs.BoolVar(&f.json, "json", false, "print a JSON object describing the output")
	if model {
		fs.StringVar(&f.preset, "preset", "", "window preset: "+presetNames())
		fs.StringVar(&f.encoding, "encoding", "display", "model-input encoding: display (the window, grey) or ct3 (CT: HU windows [-1024,1024], [-135,215], [0,80] as R, G, B)")
		fs.StringVar(&f.fit, "fit", "pad", "pad (keep aspect, black bars) or stretch")
		fs.IntVar(&f.slices, "slices", 0, "write this many slices sampled evenly over the series (first and last included) into --out-dir")
		fs.StringVar(&f.outDir, "out-dir", "", "folder for the PNGs of --slices, named slice-K.png after their slice number, or of --recipe, named image-NNN in the order sent")
		fs.StringVar(&f.plane, "plane", "", "reformat the series and prepare a cut of this plane: axial, coronal or sagittal (--slice numbers the cuts, from 1; default the middle one)")
		fs.StringVar(&f.region, "region", "", "prepare only this region, X,Y,W,H in source pixels (of the frame, or of the cut with --plane, at square pixels), padded or stretched to the square")
		fs.StringVar(&f.recipe, "recipe", "", "write the exact images this model-input recipe sends (`medgemma-workbench recipes list`) into --out-dir; give two studies for a longitudinal recipe")
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

// modelInputOptions are the model input's options for window w (nil: the
// file's own), --encoding and --fit ("" or pad, stretch), checked.
func modelInputOptions(w *dicomview.Window, encoding, fit string) (dicomview.PrepareOptions, error) {
	opts := dicomview.PrepareOptions{Window: w, Encoding: encoding}
	if encoding == dicomview.EncodingCT3 && w != nil {
		return opts, usagef("--encoding ct3 uses its own three Hounsfield windows; drop --window/--preset")
	}
	switch fit {
	case "", "pad":
	case "stretch":
		opts.Fit = dicomview.FitStretch
	default:
		return opts, usagef("--fit %q: want pad or stretch", fit)
	}
	return opts, nil
}

const prepareUsage = "usage: medgemma-workbench prepare FILE|DIR|ZIP|DICOMDIR (--out OUT.png [--slice N | --frame N] | --slices N --out-dir DIR) [--series UID|N] [--window C,W | --preset NAME] [--encoding display|ct3] [--fit pad|stretch] [--plane axial|coronal|sagittal] [--region X,Y,W,H] [--json]\n       medgemma-workbench prepare FILE|DIR... --recipe NAME --out-dir DIR [--slices N] [--plane axial|coronal|sagittal] [--window C,W | --preset NAME] [--json]"

func (c *cli) prepare(args []string) error {
	fs := newFlags("prepare", &c.cfg)
	var f imageFlags
	f.register(fs, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if f.recipe != "" {
		return c.prepareRecipe(pos, f)
	}
	if err := f.checkPrepare(pos); err != nil {
		return err
	}
	if pos, err = c.localSources(pos...); err != nil {
		return err
	}
	w, err := f.windowFlag()
	if err != nil {
		return err
	}
	opts, err := modelInputOptions(w, f.encoding, f.fit)
	if err != nil {
		return err
	}
	if opts.Region, err = parseRegion(f.region); err != nil {
		return err
	}
	if f.many() {
		if f.plane != "" || f.region != "" {
			return usagef("--plane and --region prepare one image: drop --slices and --out-dir")
		}
		return c.prepareSlices(pos[0], f, opts)
	}
	if f.plane != "" {
		return c.preparePlane(pos[0], f, opts)
	}
	return c.prepareOne(pos[0], f, opts)
}

// parseRegion reads --region X,Y,W,H; "" is the whole image.
func parseRegion(s string) (image.Rectangle, error) {
	if s == "" {
		return image.Rectangle{}, nil
	}
	parts := strings.Split(s, ",")
	var v [4]int
	ok := len(parts) == 4
	for i := 0; ok && i < 4; i++ {
		n, err := strconv.Atoi(strings.TrimSpace(parts[i]))
		v[i], ok = n, err == nil && n >= 0
	}
	if !ok || v[2] < 1 || v[3] < 1 {
		return image.Rectangle{}, usagef("--region %q: want X,Y,W,H, whole pixels, W and H at least 1 (e.g. 400,300,512,512)", s)
	}
	return image.Rect(v[0], v[1], v[0]+v[2], v[1]+v[3]), nil
}

// preparePlane writes the model input of a cut of the series path's
// --series reformats in --plane (--slice numbers the cuts, the middle
// one by default) to --out.
func (c *cli) preparePlane(path string, f imageFlags, opts dicomview.PrepareOptions) error {
	plane, err := dicomview.ParsePlane(f.plane)
	if err != nil {
		return usagef("--plane %q: want axial, coronal or sagittal", f.plane)
	}
	if f.frame != 0 {
		return usagef("--plane cuts a series: number the cut with --slice, not --frame")
	}
	s, skipped, err := openSeries(path, f.series)
	if err != nil {
		return err
	}
	c.warnSkipped(path, skipped)
	v, err := dicomview.NewVolume(s)
	if err != nil {
		return &UsageError{fmt.Errorf("%s: %w", path, err)}
	}
	n := v.Cuts(plane)
	index := n / 2
	if f.slice != 0 {
		if f.slice < 1 || f.slice > n {
			return usagef("--slice %d: the %s reformat of %s has cuts 1 to %d", f.slice, plane, path, n)
		}
		index = f.slice - 1
	}
	p, err := v.Prepare(plane, index, opts)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(f.out, p.PNG); err != nil {
		return err
	}
	if f.json {
		m := preparedJSON(p, f.fit, f.out)
		m["plane"], m["slice"], m["slices"] = p.Plane, index+1, n
		return json.NewEncoder(c.stdout).Encode(m)
	}
	fmt.Fprintf(c.stdout, "%s  %s (%d×%d, %s %d of %d, window %g/%g)\n", p.SHA256, f.out, p.Width, p.Height, p.Plane, index+1, n, p.Window.Center, p.Window.Width)
	return nil
}

// many reports whether prepare writes several slices (--slices, --out-dir).
func (f *imageFlags) many() bool { return f.slices != 0 || f.outDir != "" }

// checkPrepare refuses prepare's flags that do not go together.
func (f *imageFlags) checkPrepare(pos []string) error {
	many := f.many()
	switch {
	case len(pos) != 1:
		return usagef(prepareUsage)
	case many && (f.slices < 1 || f.outDir == ""):
		return usagef("--slices N (N ≥ 1) and --out-dir DIR go together\n%s", prepareUsage)
	case many && (f.out != "" || f.slice != 0 || f.frame != 0):
		return usagef("--slices writes into --out-dir; drop --out, --slice and --frame\n%s", prepareUsage)
	case !many && f.out == "":
		return usagef(prepareUsage)
	}
	return nil
}

// prepareOne writes the model input of the frame of path that --series,
// --slice and --frame name to --out.
func (c *cli) prepareOne(path string, f imageFlags, opts dicomview.PrepareOptions) error {
	t, err := resolveTarget(path, f.series, f.slice, f.frame)
	if err != nil {
		return err
	}
	c.warnSkipped(path, t.skip)
	opts.Frame = t.frame
	p, err := t.im.Prepare(opts)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(f.out, p.PNG); err != nil {
		return err
	}
	if f.json {
		return json.NewEncoder(c.stdout).Encode(preparedJSON(p, f.fit, f.out))
	}
	fmt.Fprintf(c.stdout, "%s  %s (%d×%d, frame %d, window %g/%g, %s)\n", p.SHA256, f.out, p.Width, p.Height, p.Frame, p.Window.Center, p.Window.Width, p.Encoding)
	return nil
}

// preparedJSON is prepare's JSON description of one model input.
func preparedJSON(p *dicomview.Prepared, fit, out string) map[string]any {
	m := map[string]any{
		"sha256": p.SHA256, "width": p.Width, "height": p.Height, "source": p.Source,
		"frame": p.Frame, "window": map[string]float64{"center": p.Window.Center, "width": p.Window.Width},
		"encoding": p.Encoding, "fit": fit, "out": out,
	}
	if r := p.Region; !r.Empty() {
		m["region"] = map[string]int{"x": r.Min.X, "y": r.Min.Y, "w": r.Dx(), "h": r.Dy()}
	}
	if p.Encoding == dicomview.EncodingCT3 {
		var ws []map[string]float64
		for _, w := range dicomview.CT3Windows {
			ws = append(ws, map[string]float64{"center": w.Center, "width": w.Width})
		}
		m["windows"] = ws // R, G, B
	}
	return m
}

// prepareSlices writes f.slices slices sampled evenly over a series into
// f.outDir, each as slice-K.png after its number K in the series.
func (c *cli) prepareSlices(path string, f imageFlags, opts dicomview.PrepareOptions) error {
	s, skipped, err := openSeries(path, f.series)
	if err != nil {
		return err
	}
	c.warnSkipped(path, skipped)
	if err := os.MkdirAll(f.outDir, 0o700); err != nil {
		return fmt.Errorf("--out-dir %s: %w", f.outDir, err)
	}
	digits := len(strconv.Itoa(len(s.Slices)))
	enc := json.NewEncoder(c.stdout)
	sample := s.Sample(f.slices)
	// Slices are prepared side by side, and each is written (and synced)
	// while the next ones are made; lines come out in the series' order.
	return ordered.Map(len(sample), runtime.GOMAXPROCS(0)+2, func(i int) (*dicomview.Prepared, error) {
		o := opts
		o.Frame = sample[i].Frame
		return sample[i].Image.Prepare(o)
	}, func(i int, p *dicomview.Prepared) error {
		sl := sample[i]
		k := sliceNumber(s, sl)
		out := filepath.Join(f.outDir, fmt.Sprintf("slice-%0*d.png", digits, k))
		if err := writeFileAtomic(out, p.PNG); err != nil {
			return err
		}
		if !f.json {
			fmt.Fprintf(c.stdout, "%s  %s (%s, window %g/%g, %s)\n", p.SHA256, out, sl.Label, p.Window.Center, p.Window.Width, p.Encoding)
			return nil
		}
		m := preparedJSON(p, f.fit, out)
		m["slice"], m["label"], m["slices"] = k, sl.Label, len(s.Slices)
		m["position"] = sl.Position() // ImagePositionPatient, mm; null if absent
		return enc.Encode(m)
	})
}

// sliceNumber returns the number (from 1) of sl in s.
func sliceNumber(s *dicomview.Series, sl dicomview.Slice) int {
	for i, x := range s.Slices {
		if x.Image == sl.Image && x.Frame == sl.Frame {
			return i + 1
		}
	}
	return 0
}

// warnSkipped tells on stderr how many files of a folder or archive did
// not load, and why the first did not.
func (c *cli) warnSkipped(path string, skipped []error) {
	if len(skipped) > 0 {
		fmt.Fprintf(c.stderr, "warning: %s: skipped %s that did not load; the first: %v\n", path, plural(len(skipped), "file"), skipped[0])
	}
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
		return usagef("usage: medgemma-workbench render FILE|DIR|ZIP|DICOMDIR --out OUT.png [--series UID|N] [--slice N | --frame N] [--window C,W] [--json]")
	}
	if pos, err = c.localSources(pos...); err != nil {
		return err
	}
	w, err := f.windowFlag()
	if err != nil {
		return err
	}
	t, err := resolveTarget(pos[0], f.series, f.slice, f.frame)
	if err != nil {
		return err
	}
	c.warnSkipped(pos[0], t.skip)
	im := t.im
	if w == nil {
		d := im.DefaultWindow(t.frame)
		w = &d
	}
	img, err := im.Render(t.frame, *w)
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
			"sha256": sum, "width": b.Dx(), "height": b.Dy(), "source": filepath.Base(im.Path),
			"frame": t.frame, "window": map[string]float64{"center": w.Center, "width": w.Width}, "out": f.out,
		})
	}
	fmt.Fprintf(c.stdout, "%s  %s (%d×%d, frame %d, window %g/%g)\n", sum, f.out, b.Dx(), b.Dy(), t.frame, w.Center, w.Width)
	return nil
}

// prepareRecipe writes the images a recipe sends for the studies pos into
// --out-dir, image-NNN.png (or .jpg) in the order sent, and with --json a
// line an image: its file, label, SHA-256, source and slice.
func (c *cli) prepareRecipe(pos []string, f imageFlags) error {
	if err := f.checkRecipe(pos); err != nil {
		return err
	}
	r, o, err := c.recipeOptions(f)
	if err != nil {
		return err
	}
	b, err := c.buildRecipe(r, pos, o)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.outDir, 0o700); err != nil {
		return err
	}
	return c.writeRecipeImages(b, f.outDir, f.json)
}

// checkRecipe refuses prepare --recipe without inputs or --out-dir, and
// the flags by which a recipe's choices would be overridden.
func (f *imageFlags) checkRecipe(pos []string) error {
	switch {
	case len(pos) == 0 || f.outDir == "":
		return usagef("--recipe writes into --out-dir and needs at least one FILE|DIR\n%s", prepareUsage)
	case f.out != "" || f.slice != 0 || f.frame != 0 || f.encoding != "display" || f.fit != "pad":
		return usagef("--recipe chooses the images, their encoding and fit: drop --out, --slice, --frame, --encoding and --fit\n%s", prepareUsage)
	}
	return nil
}

// recipeOptions is the --recipe, and what the flags ask of it: a window
// (display recipes only), a plane and a slice count.
func (c *cli) recipeOptions(f imageFlags) (*recipe.Recipe, recipe.Options, error) {
	r, err := c.openRecipes().Get(f.recipe)
	if err != nil {
		return nil, recipe.Options{}, usagef("--recipe: %v", err)
	}
	w, err := f.windowFlag()
	if err != nil {
		return nil, recipe.Options{}, err
	}
	if w != nil && !r.TakesWindow() {
		return nil, recipe.Options{}, usagef("recipe %s encodes with %s, not a display window: drop --window/--preset", r.Name, r.Encoding.Kind)
	}
	o := recipe.Options{Window: w, Plane: dicomview.Plane(f.plane)}
	if f.slices > 0 || r.Images.From == recipe.FromEach {
		o.Slices = max(f.slices, 1)
	}
	return r, o, nil
}

// writeRecipeImages writes b's images into dir and lists them in order:
// file and label, or with jsonOut a line an image (recipeImageLine).
func (c *cli) writeRecipeImages(b *recipe.Built, dir string, jsonOut bool) error {
	var slices []int
	for _, ix := range b.Indices {
		for _, i := range ix {
			slices = append(slices, i+1)
		}
	}
	enc := json.NewEncoder(c.stdout)
	// The files are written side by side (each synced, which is a wait
	// on the disk, not work) and listed in order.
	return ordered.Map(len(b.Images), 8, func(k int) (string, error) {
		name := filepath.Join(dir, fmt.Sprintf("image-%03d.png", k+1))
		return name, writeFileAtomic(name, b.Images[k].PNG)
	}, func(k int, name string) error {
		im := b.Images[k]
		if !jsonOut {
			_, err := fmt.Fprintf(c.stdout, "%s\t%s\n", name, cmpOr(im.Label, im.Source))
			return err
		}
		return enc.Encode(recipeImageLine(b, k, name, slices))
	})
}

// recipeImageLine is prepare --recipe --json's line for b's image k,
// written to file: where it is and came from, its hashes (the codec
// stage's too, where the recipe encodes) and its slice (from 1).
func recipeImageLine(b *recipe.Built, k int, file string, slices []int) map[string]any {
	im := b.Images[k]
	m := map[string]any{"index": k + 1, "file": file, "label": im.Label, "sha256": im.SHA256,
		"source": im.Source, "encoding": im.Encoding, "width": im.Width, "height": im.Height, "recipe": b.Recipe}
	if im.Plane != "" {
		m["plane"] = im.Plane
	}
	if im.CodecSHA256 != "" {
		m["codec"], m["codec_sha256"] = im.Codec, im.CodecSHA256
	}
	if k < len(slices) {
		m["slice"] = slices[k]
	}
	return m
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
