package recipe

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/ordered"
)

// Input is one study the user gives: a series, and the path it was
// opened from (for messages).
type Input struct {
	Path   string
	Series *dicomview.Series
}

// Options are the user's choices that a recipe leaves open.
type Options struct {
	// Prompt is the user's prompt; "" uses the recipe's default.
	Prompt string
	// Slices is how many slices to send: for a "each" recipe, of every
	// input (0 means 1); for a "series" recipe at most its Max (0 means
	// Max).
	Slices int
	// Window overrides the display window (EncodeDisplay only).
	Window *dicomview.Window
	// Plane, when set, samples the cuts of each series reformatted in
	// that plane (dicomview.Planes) instead of its stored slices; it
	// overrides the recipe's Images.Plane.
	Plane dicomview.Plane
	// Progress, when set, is told after each image is made how many are
	// made of how many; an error it returns stops Build with that error
	// (a run the user stopped).
	Progress func(done, total int) error
}

// Built is a recipe applied to the user's inputs: the request's parts.
type Built struct {
	Recipe core.RecipeRef
	// Images are the model inputs in the order the model sees them, each
	// with its Label.
	Images []core.Image
	// Prompt is the user turn's text as sent to Ollama's /api/chat: with
	// one Placeholder an image for the interleaved layout, none for
	// images-first (the runtime then puts the images first).
	Prompt string
	System string
	// Options carry the recipe's sampling and a num_ctx that fits the
	// images, the text and the answer.
	Options core.Options
	// Indices are the 0-based numbers, in the viewer's order, of the
	// slices chosen from each input (of the cuts, for a plane), in the
	// order the model sees them.
	Indices [][]int
	// Boxes says the answer will hold localization boxes.
	Boxes bool
	// JSON is the recipe itself, for the run log.
	JSON string
}

// Request is the model request b makes for model: the user's options
// (flags, the GUI's fields) override the recipe's sampling and context
// where they are set; the pre-flight then checks that the context fits.
func (b *Built) Request(model, system string, user core.Options) core.Request {
	o := b.Options
	if user.Seed != nil {
		o.Seed = user.Seed
	}
	if user.Temperature != nil {
		o.Temperature = user.Temperature
	}
	if user.NumPredict != 0 {
		o.NumPredict = user.NumPredict
	}
	if user.NumCtx != 0 {
		o.NumCtx = user.NumCtx
	}
	if user.NumGPU != nil {
		o.NumGPU = user.NumGPU
	}
	if system == "" {
		system = b.System
	}
	return core.Request{Model: model, System: system, Prompt: b.Prompt, Images: b.Images, Options: o,
		Recipe: b.Recipe, RecipeJSON: b.JSON, Boxes: b.Boxes}
}

// Build applies r to the inputs. Every error names the input and what to
// do; nothing is sent anywhere.
func Build(r *Recipe, inputs []Input, o Options) (*Built, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("recipe %s: no image given", r.Name)
	}
	for _, in := range inputs {
		if err := r.checkModality(in); err != nil {
			return nil, err
		}
	}
	picks, idx, err := r.pickImages(inputs, o)
	if err != nil {
		return nil, err
	}

	js, _ := json.Marshal(r) // plain data: cannot fail
	b := &Built{Recipe: r.Ref(), System: r.System, Indices: idx, Boxes: r.Output == "boxes", JSON: string(js)}
	total := 0
	for _, ss := range picks {
		total += len(ss)
	}
	for _, ss := range picks {
		var vol *dicomview.Range
		if r.encoding().wholeVolume {
			// The volume Google's serving code normalises is the one it
			// is sent: the sampled slices.
			v, err := volumeRange(ss)
			if err != nil {
				return nil, err
			}
			vol = &v
		}
		// The images are made side by side and kept in their order.
		err := ordered.Map(len(ss), runtime.GOMAXPROCS(0), func(i int) (core.Image, error) {
			return r.image(ss[i], o.Window, vol)
		}, func(_ int, im core.Image) error {
			b.Images = append(b.Images, im)
			if o.Progress != nil {
				return o.Progress(len(b.Images), total)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	b.layout(r, o.Prompt)
	b.Options = r.options(b)
	return b, nil
}

// BuildEach is Build over n inputs that open gives one at a time. A
// recipe that takes each input as it is ("each") makes one input's images
// and lets the input go before opening the next, so a request of many
// large images holds one of them at a time, not all; other recipes need
// their inputs together and get them all first.
func BuildEach(r *Recipe, n int, open func(i int) (Input, error), o Options) (*Built, error) {
	if r.Images.From != FromEach || n <= 1 {
		var inputs []Input
		for i := range n {
			in, err := open(i)
			if err != nil {
				return nil, err
			}
			inputs = append(inputs, in)
		}
		return Build(r, inputs, o)
	}
	var b *Built
	for i := range n {
		in, err := open(i)
		if err != nil {
			return nil, err
		}
		part, err := Build(r, []Input{in}, o)
		if err != nil {
			return nil, err
		}
		if b == nil {
			b = part
			continue
		}
		b.Images = append(b.Images, part.Images...)
		b.Indices = append(b.Indices, part.Indices...)
	}
	b.layout(r, o.Prompt) // the labels and the text, over all the images
	b.Options = r.options(b)
	return b, nil
}

// pickImages picks the images r sends of inputs: of each input, or of
// its one series, the slices (or with a plane the cuts) its sampling
// takes; of a longitudinal pair, the first slice of each study, prior
// first. idx are the picks' positions in their input.
func (r *Recipe) pickImages(inputs []Input, o Options) (picks [][]dicomview.Slice, idx [][]int, err error) {
	plane := r.Images.Plane
	if o.Plane != "" {
		plane = o.Plane
	}
	if plane != "" && !slices.Contains(dicomview.Planes, plane) {
		return nil, nil, fmt.Errorf("plane %q: want axial, coronal or sagittal", plane)
	}
	if r.Images.From == FromLongitudinal {
		if plane != "" {
			return nil, nil, fmt.Errorf("recipe %s sends one image of each study: it takes no plane", r.Name)
		}
		ordered, err := priorCurrent(r, inputs)
		if err != nil {
			return nil, nil, err
		}
		for _, in := range ordered {
			picks = append(picks, []dicomview.Slice{in.Series.Slices[0]})
			idx = append(idx, []int{0})
		}
		return picks, idx, nil
	}
	n, err := r.count(len(inputs), o.Slices)
	if err != nil {
		return nil, nil, err
	}
	// Each input is sampled from its stored slices or, with a plane, its cuts.
	for _, in := range inputs {
		src, err := newSource(r, in, plane)
		if err != nil {
			return nil, nil, fmt.Errorf("recipe %s: %w", r.Name, err)
		}
		ix := Select(src.len(), n, r.sample())
		ss, err := src.pick(ix)
		if err != nil {
			return nil, nil, fmt.Errorf("recipe %s: %w", r.Name, err)
		}
		viewer := make([]int, len(ix))
		for i, j := range ix {
			viewer[i] = src.viewerIndex(j)
		}
		picks = append(picks, ss)
		idx = append(idx, viewer)
	}
	return picks, idx, nil
}

// count is how many slices r sends of each of its inputs (an "each"
// recipe) or of its one series, asked for slices (0: the default), or why
// it cannot.
func (r *Recipe) count(inputs, slices int) (int, error) {
	if r.Images.From == FromEach {
		n := max(slices, 1)
		if r.Images.Max > 0 && n > r.Images.Max {
			return 0, fmt.Errorf("recipe %s sends at most %d slices of each image; asked for %d", r.Name, r.Images.Max, n)
		}
		return n, nil
	}
	if inputs != 1 {
		return 0, fmt.Errorf("recipe %s takes one series (a CT or MR volume); got %d inputs", r.Name, inputs)
	}
	n := r.Images.Max
	if slices > 0 {
		if n > 0 && slices > n {
			return 0, fmt.Errorf("recipe %s sends at most %d slices; asked for %d", r.Name, n, slices)
		}
		n = slices
	}
	return n, nil
}

func (r *Recipe) sample() string {
	if r.Images.Sample == "" {
		return SampleEven
	}
	return r.Images.Sample
}

func (r *Recipe) checkModality(in Input) error {
	if len(r.Modalities) == 0 || in.Series == nil {
		return nil
	}
	m := in.Series.Modality
	if len(in.Series.Slices) > 0 && m == "" {
		m = in.Series.Slices[0].Image.Modality
	}
	if slices.Contains(r.Modalities, m) {
		return nil
	}
	if m == "" && r.Images.Rasters == RastersAsGiven && isRaster(in.Series) {
		return nil
	}
	if m == "" {
		m = "an image without a modality (PNG or JPEG)"
	}
	return fmt.Errorf("recipe %s is for %s; %s is %s: choose a recipe for it (`medgemma-workbench recipes list`) or plain",
		r.Name, strings.Join(r.Modalities, "/"), in.Path, m)
}

// isRaster says s is a PNG or JPEG file.
func isRaster(s *dicomview.Series) bool {
	if len(s.Slices) == 0 {
		return false
	}
	f := s.Slices[0].Image.Format
	return f == dicomview.FormatPNG || f == dicomview.FormatJPEG
}

// source is where a recipe samples an input's images: its stored slices
// in the recipe's order, or the cuts of its series in a plane.
type source struct {
	series  *dicomview.Series
	ordered []dicomview.Slice
	viewer  []int             // viewer[i]: ordered[i]'s number in the viewer's order
	vol     *dicomview.Volume // nil: the stored slices
	plane   dicomview.Plane
}

// newSource is in's source in plane ("" for the stored slices); a series
// that cannot be reformatted is an error naming the input and why.
func newSource(r *Recipe, in Input, plane dicomview.Plane) (source, error) {
	src := source{series: in.Series, plane: plane}
	if plane == "" || in.Series == nil {
		src.ordered = r.Ordered(in.Series)
		type frame struct {
			im *dicomview.Image
			n  int
		}
		at := make(map[frame]int, len(in.Series.Slices))
		for j, sl := range in.Series.Slices {
			at[frame{sl.Image, sl.Frame}] = j
		}
		src.viewer = make([]int, len(src.ordered))
		for i, sl := range src.ordered {
			src.viewer[i] = at[frame{sl.Image, sl.Frame}]
		}
		return src, nil
	}
	v, err := dicomview.NewVolume(in.Series)
	if err != nil {
		return src, fmt.Errorf("%s: %w", in.Path, err)
	}
	src.vol = v
	return src, nil
}

// len is the number of images to sample from.
func (s source) len() int {
	if s.vol != nil {
		return s.vol.Cuts(s.plane)
	}
	return len(s.ordered)
}

// viewerIndex is the viewer's 0-based number of stored slice i of the
// recipe's order (the cut's number for a plane).
func (s source) viewerIndex(i int) int {
	if s.viewer == nil {
		return i
	}
	return s.viewer[i]
}

// pick makes images ix: stored slices, or cuts made in one pass.
func (s source) pick(ix []int) ([]dicomview.Slice, error) {
	if s.vol == nil {
		return pick(s.ordered, ix), nil
	}
	ims, err := s.vol.CutImages(s.plane, ix)
	if err != nil {
		return nil, err
	}
	out := make([]dicomview.Slice, len(ims))
	n := s.vol.Cuts(s.plane)
	for i, im := range ims {
		out[i] = dicomview.Slice{Image: im, Frame: 1, Label: fmt.Sprintf("%s %d of %d", s.plane, ix[i]+1, n)}
	}
	return out, nil
}

func pick(ss []dicomview.Slice, ix []int) []dicomview.Slice {
	out := make([]dicomview.Slice, len(ix))
	for i, j := range ix {
		out[i] = ss[j]
	}
	return out
}

// Select returns which of n slices (0-based, in order) a sampling of k
// takes: all of them when k ≥ n.
func Select(n, k int, how string) []int {
	if n <= 0 {
		return nil
	}
	if k <= 0 || k >= n {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, k)
	for i := range out {
		switch how {
		case SampleNotebook:
			// Google's CT notebook, in float64 as Python computes it:
			// int(round(i / k * (n - 1))) for i in 1…k.
			out[i] = int(math.RoundToEven(float64(i+1) / float64(k) * float64(n-1)))
		default:
			if k == 1 {
				out[i] = 0
			} else {
				out[i] = (i*(n-1) + (k-1)/2) / (k - 1)
			}
		}
	}
	return out
}

// priorCurrent orders two studies by study date: prior, then current.
func priorCurrent(r *Recipe, inputs []Input) ([]Input, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("recipe %s compares two studies of one patient (prior and current); got %d inputs", r.Name, len(inputs))
	}
	date := func(in Input) string {
		if len(in.Series.Slices) == 0 {
			return ""
		}
		return strings.TrimSpace(in.Series.Slices[0].Image.Info.StudyDate)
	}
	a, b := date(inputs[0]), date(inputs[1])
	switch {
	case a == "" || b == "":
		missing := inputs[0].Path
		if a != "" {
			missing = inputs[1].Path
		}
		return nil, fmt.Errorf("recipe %s orders the studies by StudyDate (0008,0020); %s has none: give two DICOM studies with their dates", r.Name, missing)
	case a == b:
		return nil, fmt.Errorf("recipe %s cannot tell prior from current: %s and %s have the same StudyDate", r.Name, inputs[0].Path, inputs[1].Path)
	case a > b:
		return []Input{inputs[1], inputs[0]}, nil
	}
	return inputs, nil
}

// volumeRange is the minimum to maximum modality value over the slices.
func volumeRange(ss []dicomview.Slice) (dicomview.Range, error) {
	var all dicomview.Range
	for i, sl := range ss {
		v, err := sl.Image.ValueRange(sl.Frame)
		if err != nil {
			return all, err
		}
		if i == 0 {
			all = v
			continue
		}
		all.Lo, all.Hi = min(all.Lo, v.Lo), max(all.Hi, v.Hi)
	}
	return all, nil
}

// Render returns the pixels step of a slice (slice counts in the
// recipe's order, Ordered), before the codec and the resize: what a
// reference implementation is compared with. For EncodeVolumeStretch the
// volume is the slices the recipe sends, as Build takes it.
func (r *Recipe) Render(s *dicomview.Series, slice int, window *dicomview.Window) (image.Image, error) {
	ordered := r.Ordered(s)
	sl := ordered[slice]
	var vol *dicomview.Range
	if r.encoding().wholeVolume {
		v, err := volumeRange(pick(ordered, Select(len(ordered), r.Images.Max, r.sample())))
		if err != nil {
			return nil, err
		}
		vol = &v
	}
	img, _, err := r.pixels(sl, window, vol)
	return img, err
}

// Ordered returns the slices of s in the order r samples them: by
// InstanceNumber (OrderInstance, Google's notebook) or as the viewer
// shows them, along the slice normal.
func (r *Recipe) Ordered(s *dicomview.Series) []dicomview.Slice {
	if r.Images.Order == OrderInstance {
		return s.InstanceOrder()
	}
	return s.Slices
}

func (r *Recipe) pixels(sl dicomview.Slice, window *dicomview.Window, vol *dicomview.Range) (image.Image, dicomview.Window, error) {
	im := sl.Image
	if r.Images.Rasters == RastersAsGiven && window == nil {
		// A PNG or JPEG as a Python user opens it; a 16-bit PNG has no
		// such bytes and is mapped as the encoding maps a DICOM.
		if p, err := im.AsGiven(sl.Frame); err == nil {
			return p.Image(), dicomview.Window{Center: 127.5, Width: 255}, nil
		}
	}
	return r.encoding().pixels(sl, r.Encoding, window, vol)
}

func windowOf(r dicomview.Range) dicomview.Window {
	return dicomview.Window{Center: (r.Lo + r.Hi) / 2, Width: r.Hi - r.Lo}
}

// image makes one model input. A slice flows through four steps, each
// the step of Google's code it mirrors: pixels (the recipe's encoding:
// windows, stretch, radiograph, or a PNG/JPEG as given), codec (the JPEG
// the CT notebook saves and the processor opens again, or nothing),
// resize to 896×896 (the processor's bilinear, or the workbench's own),
// and the hand-over: a lossless PNG, which the runtime's own resize to
// 896×896 leaves as it is.
func (r *Recipe) image(sl dicomview.Slice, window *dicomview.Window, vol *dicomview.Range) (core.Image, error) {
	px, w, err := r.pixels(sl, window, vol)
	if err != nil {
		return core.Image{}, fmt.Errorf("recipe %s: %w", r.Name, err)
	}
	fail := func(err error) (core.Image, error) {
		return core.Image{}, fmt.Errorf("recipe %s: %s: %w", r.Name, sl.Image.Path, err)
	}
	fit, _ := fitOf(r.Encoding.Fit)
	stage, jpg, err := r.codec(px)
	if err != nil {
		return fail(err)
	}
	data, sum, err := r.resize(stage, fit)
	if err != nil {
		return fail(err)
	}
	out := core.Image{
		PNG: data, SHA256: sum, Source: filepath.Base(sl.Image.Path), Frame: sl.Frame,
		WindowCenter: w.Center, WindowWidth: w.Width, Encoding: r.encodingName(),
		Width: dicomview.ModelInputSize, Height: dicomview.ModelInputSize,
		Path: sl.Image.Path, Study: sl.Image.Info,
		SourceWidth: sl.Image.Width, SourceHeight: sl.Image.Height, Fit: fit.String(),
		Plane: sl.Image.Plane.String(),
	}
	if jpg != nil {
		h := sha256.Sum256(jpg)
		out.Codec, out.CodecSHA256 = r.codecName(), hex.EncodeToString(h[:])
	}
	return out, nil
}

// codec is the codec step: with CodecJPEG the pixels saved as a JPEG as
// Pillow saves them (PIL.Image.fromarray(slice).save(format="jpeg"), the
// CT notebook's _encode) and opened again as Pillow opens them, with the
// JPEG's bytes; otherwise the pixels as they are and no bytes.
func (r *Recipe) codec(px image.Image) (stage, []byte, error) {
	if r.Encoding.Codec != CodecJPEG {
		return stage{img: px}, nil, nil
	}
	in := dicomview.PixelsOf(px)
	defer in.Release()
	jpg, err := dicomview.PillowJPEG(in, r.Encoding.Quality)
	if err != nil {
		return stage{}, nil, err
	}
	p, err := dicomview.DecodePillowJPEG(jpg, int64(len(in.Pix))) // our own JPEG: decodes to in's size
	if err != nil {
		return stage{}, nil, err
	}
	return stage{img: p.Image(), pix: p, ours: true}, jpg, nil
}

// stage is the image between the codec and the resize: an image the
// pixels step made, or pixels of our own (the codec's) that the resize
// may release.
type stage struct {
	img  image.Image
	pix  dicomview.Pixels
	ours bool
}

// pixels are the stage's pixels, the caller's to release: the codec's
// own, or a copy of the image's.
func (s stage) pixels() dicomview.Pixels {
	if s.ours {
		return s.pix
	}
	return dicomview.PixelsOf(s.img)
}

// resize is the resize step and the hand-over: with ResizeBilinear, the
// pad (FitPad: centred on black, the CXR notebooks' pad_image_to_square)
// and then Hugging Face's Gemma3ImageProcessor, Pillow's BILINEAR to
// 896×896; otherwise the workbench's own resize (dicomview.ModelInput).
// Either way the 896×896 image is handed over as PNG, with its SHA-256.
func (r *Recipe) resize(s stage, fit dicomview.Fit) ([]byte, string, error) {
	if r.Encoding.Resize != ResizeBilinear {
		data, sum, err := dicomview.EncodeModelInput(s.img, fit)
		if s.ours {
			s.pix.Release()
		}
		return data, sum, err
	}
	p := s.pixels()
	defer p.Release()
	if fit == dicomview.FitPad {
		p = dicomview.PadSquare(p)
	}
	out, err := dicomview.ResizeBilinear(p, dicomview.ModelInputSize, dicomview.ModelInputSize)
	if err != nil {
		return nil, "", err
	}
	defer out.Release()
	return dicomview.EncodePNG(out.Image())
}

// codecName is the codec step a run records: "jpeg q75".
func (r *Recipe) codecName() string {
	q := r.Encoding.Quality
	if q == 0 {
		q = dicomview.PillowDefaultQuality
	}
	return fmt.Sprintf("jpeg q%d", q)
}

// encodingName is the encoding a run records: "display", "windows
// [-1024, 1024] [-135, 215] [0, 80]", "volume-stretch", "radiograph", with
// "/jpeg" when the codec step is JPEG.
func (r *Recipe) encodingName() string {
	s := r.Encoding.Kind
	if k := r.encoding(); k.record != nil {
		s = k.record(r.Encoding)
	}
	if r.Encoding.Codec == CodecJPEG {
		s += "/jpeg"
	}
	return s
}

// Stages says in a line how r's images are made, for the model's eye and
// `recipes show`: "as Google's notebook: InstanceNumber order, JPEG q75,
// bilinear".
func (r *Recipe) Stages() string {
	var parts []string
	if r.Images.From != FromLongitudinal && r.Images.Plane == "" {
		if r.Images.Order == OrderInstance {
			parts = append(parts, "InstanceNumber order")
		} else if r.Images.From == FromSeries {
			parts = append(parts, "slice position order")
		}
	}
	if r.Images.Rasters == RastersAsGiven {
		parts = append(parts, "PNG/JPEG as given")
	}
	if r.Encoding.Codec == CodecJPEG {
		parts = append(parts, strings.ToUpper(r.codecName()[:4])+r.codecName()[4:])
	} else {
		parts = append(parts, "lossless")
	}
	if r.Encoding.Fit == "pad" {
		parts = append(parts, "padded")
	}
	if r.Encoding.Resize == ResizeBilinear {
		parts = append(parts, "bilinear")
	} else {
		parts = append(parts, "workbench resize (Catmull-Rom)")
	}
	s := strings.Join(parts, ", ")
	switch {
	case r.Encoding.Resize != ResizeBilinear: // not how Google's code resizes
	case strings.HasPrefix(r.Source, "Google-Health/") && strings.Contains(r.Source, "notebooks/"):
		return "as Google's notebook: " + s
	case strings.HasPrefix(r.Source, "Google-Health/"):
		return "as Google's code: " + s
	}
	return s
}

// layout writes the user turn. Texts are trimmed and joined with nothing
// between them, as Gemma 3's chat template joins a message's parts (`|
// trim`); the runtime puts "\n\n" before and after each image's tokens.
func (b *Built) layout(r *Recipe, prompt string) {
	if strings.TrimSpace(prompt) == "" {
		prompt = r.Prompt.Default
	}
	query := r.Prompt.Query
	if query == "" {
		query = "{prompt}"
	}
	query = strings.ReplaceAll(query, "{prompt}", strings.TrimSpace(prompt))
	n := len(b.Images)
	var text strings.Builder
	addText := func(s string) { text.WriteString(strings.TrimSpace(s)) }
	if r.Prompt.Layout == LayoutInterleaved {
		addText(r.Prompt.Instruction)
		for i := range n {
			text.WriteString(core.ImagePlaceholder)
			label := strings.NewReplacer("{n}", strconv.Itoa(i+1), "{of}", strconv.Itoa(n)).Replace(r.Prompt.Label)
			b.Images[i].Label = strings.TrimSpace(label)
			addText(label)
		}
		addText(query)
	} else {
		for i := range n {
			b.Images[i].Label = imageLabel(r, i, n)
		}
		addText(query)
	}
	b.Prompt = text.String()
}

// imageLabel names an image of an images-first recipe for the viewer (the
// model sees no label).
func imageLabel(r *Recipe, i, n int) string {
	if r.Images.From == FromLongitudinal {
		return [2]string{"prior", "current"}[min(i, 1)]
	}
	if n == 1 {
		return "image"
	}
	return fmt.Sprintf("image %d of %d", i+1, n)
}

// ctxGranule is the step num_ctx is rounded up to.
const ctxGranule = 1024

// options are the recipe's sampling plus the context the request needs:
// its images at ImageTokens each, its text at one token per three bytes
// (generous), and room for the answer.
func (r *Recipe) options(b *Built) core.Options {
	o := core.Options{Temperature: r.Sampling.Temperature, NumPredict: r.Sampling.NumPredict}
	room := o.NumPredict
	if room <= 0 {
		room = 1024
	}
	need := len(b.Images)*ImageTokens + (len(b.Prompt)+len(b.System))/3 + 64 + room
	o.NumCtx = max(4096, (need+ctxGranule-1)/ctxGranule*ctxGranule)
	return o
}

// ErrNoBoxes is returned when an answer holds no box list.
var ErrNoBoxes = errors.New("no box_2d list in the answer")

// Relayout lays out prompt around images already made by r (a re-run of
// a logged run with a new prompt): the same instruction, labels and
// query as Build.
func Relayout(r *Recipe, images []core.Image, prompt string) string {
	b := &Built{Images: slices.Clone(images)}
	b.layout(r, prompt)
	return b.Prompt
}
