package recipe

import (
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestValidateErrors pins Validate's wording, field by field, and the
// order in which it reports: the first problem of a recipe with several
// is the one the table names first.
func TestValidateErrors(t *testing.T) {
	valid := func() Recipe {
		return Recipe{Name: "my-ct", Version: "2", Title: "mine",
			Images:   Images{From: FromSeries, Sample: SampleEven, Max: 20},
			Encoding: Encoding{Kind: EncodeWindows, Windows: []dicomview.Range{{Lo: -160, Hi: 240}, {Lo: -1350, Hi: 150}, {Lo: -1000, Hi: 2000}}, Fit: "stretch"},
			Prompt:   Prompt{Layout: LayoutInterleaved, Label: "Slice {n} of {of}", Default: "Findings?"}}
	}
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name string
		edit func(r *Recipe)
		want string
	}{
		{"valid", func(r *Recipe) {}, ""},
		{"name", func(r *Recipe) { r.Name = "My CT" }, `recipe "My CT": name: want lowercase letters, digits, '.', '_' or '-' (at most 64)`},
		{"version", func(r *Recipe) { r.Version = "" }, `recipe "my-ct": version: missing`},
		{"from", func(r *Recipe) { r.Images.From = "all" }, `recipe "my-ct": images.from "all": want each, series or longitudinal`},
		{"sample", func(r *Recipe) { r.Images.Sample = "odd" }, `recipe "my-ct": images.sample "odd": want even or notebook`},
		{"plane", func(r *Recipe) { r.Images.Plane = "oblique" }, `recipe "my-ct": images.plane "oblique": want axial, coronal or sagittal`},
		{"plane longitudinal", func(r *Recipe) { r.Images.From, r.Images.Plane = FromLongitudinal, "axial" }, `recipe "my-ct": images.plane: a longitudinal recipe sends one image of each study, not cuts`},
		{"max low", func(r *Recipe) { r.Images.Max = -1 }, `recipe "my-ct": images.max -1: want 0 to 1000`},
		{"max high", func(r *Recipe) { r.Images.Max = 1001 }, `recipe "my-ct": images.max 1001: want 0 to 1000`},
		{"windows count", func(r *Recipe) { r.Encoding.Windows = r.Encoding.Windows[:2] }, `recipe "my-ct": encoding.windows: want three HU ranges (R, G, B), got 2`},
		{"window order", func(r *Recipe) { r.Encoding.Windows[1] = dicomview.Range{Lo: 10, Hi: 10} }, `recipe "my-ct": encoding.windows[1] [10, 10]: want lo < hi`},
		{"kind", func(r *Recipe) { r.Encoding.Kind = "raw" }, `recipe "my-ct": encoding.kind "raw": want display, windows, volume-stretch or radiograph`},
		{"fit", func(r *Recipe) { r.Encoding.Fit = "crop" }, `recipe "my-ct": encoding.fit: "crop": want pad or stretch`},
		{"png quality", func(r *Recipe) { r.Encoding.Quality = 90 }, `recipe "my-ct": encoding.quality: only the jpeg codec has a quality`},
		{"jpeg quality", func(r *Recipe) { r.Encoding.Codec, r.Encoding.Quality = CodecJPEG, 101 }, `recipe "my-ct": encoding.quality 101: want 1 to 100, or 0 for Pillow's default (75)`},
		{"codec", func(r *Recipe) { r.Encoding.Codec = "webp" }, `recipe "my-ct": encoding.codec "webp": want png or jpeg`},
		{"resize", func(r *Recipe) { r.Encoding.Resize = "lanczos" }, `recipe "my-ct": encoding.resize "lanczos": want bilinear or workbench`},
		{"order", func(r *Recipe) { r.Images.Order = "time" }, `recipe "my-ct": images.order "time": want instance or position`},
		{"rasters encoding", func(r *Recipe) { r.Images.Rasters = RastersAsGiven }, `recipe "my-ct": images.rasters: PNG and JPEG are taken as given only by radiograph and display encodings`},
		{"rasters", func(r *Recipe) { r.Images.Rasters = "all" }, `recipe "my-ct": images.rasters "all": want "as-given" or nothing`},
		{"layout", func(r *Recipe) { r.Prompt.Layout = "" }, `recipe "my-ct": prompt.layout "": want images-first or interleaved`},
		{"placeholder", func(r *Recipe) { r.Prompt.Label = "see " + core.ImagePlaceholder }, `recipe "my-ct": label holds ` + core.ImagePlaceholder + `, which the runtime would read as an image`},
		{"placeholder system", func(r *Recipe) { r.System = core.ImagePlaceholder }, `recipe "my-ct": system holds ` + core.ImagePlaceholder + `, which the runtime would read as an image`},
		{"output", func(r *Recipe) { r.Output = "mask" }, `recipe "my-ct": output "mask": want "" or boxes`},
		{"temperature", func(r *Recipe) { r.Sampling.Temperature = f(2.5) }, `recipe "my-ct": sampling.temperature 2.5: want 0 (greedy) to 2`},
		{"num_predict", func(r *Recipe) { r.Sampling.NumPredict = -5 }, `recipe "my-ct": sampling.num_predict -5: want 1 to 32768 new tokens, or 0 for the default`},
		// Several problems: the first in Validate's order is reported.
		{"version before images", func(r *Recipe) { r.Version, r.Images.From = "", "all" }, `recipe "my-ct": version: missing`},
		{"max before encoding", func(r *Recipe) { r.Images.Max, r.Encoding.Kind = 5000, "raw" }, `recipe "my-ct": images.max 5000: want 0 to 1000`},
		{"encoding before order", func(r *Recipe) { r.Encoding.Resize, r.Images.Order = "lanczos", "time" }, `recipe "my-ct": encoding.resize "lanczos": want bilinear or workbench`},
		{"fit before codec", func(r *Recipe) { r.Encoding.Fit, r.Encoding.Codec = "crop", "webp" }, `recipe "my-ct": encoding.fit: "crop": want pad or stretch`},
		{"order before rasters", func(r *Recipe) { r.Images.Order, r.Images.Rasters = "time", "all" }, `recipe "my-ct": images.order "time": want instance or position`},
		{"rasters before layout", func(r *Recipe) { r.Images.Rasters, r.Prompt.Layout = "all", "" }, `recipe "my-ct": images.rasters "all": want "as-given" or nothing`},
		{"layout before output", func(r *Recipe) { r.Prompt.Layout, r.Output = "", "mask" }, `recipe "my-ct": prompt.layout "": want images-first or interleaved`},
		{"output before sampling", func(r *Recipe) { r.Output, r.Sampling.NumPredict = "mask", -1 }, `recipe "my-ct": output "mask": want "" or boxes`},
		{"temperature before num_predict", func(r *Recipe) { r.Sampling.Temperature, r.Sampling.NumPredict = f(-1), -1 }, `recipe "my-ct": sampling.temperature -1: want 0 (greedy) to 2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := valid()
			tc.edit(&r)
			err := r.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("Validate:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestEncodingKinds: every pixel encoding is one table entry, which
// validation, the build and the run log read: each makes pixels, only the
// display encoding takes the viewer's window, and an unknown kind's error
// lists the table. (The pixels themselves are checked against Google's
// code by the reference tests.)
func TestEncodingKinds(t *testing.T) {
	for _, k := range encodingKinds {
		if k.pixels == nil {
			t.Errorf("encoding %s makes no pixels", k.name)
		}
		r := &Recipe{Encoding: Encoding{Kind: k.name}}
		if got, want := r.TakesWindow(), k.name == EncodeDisplay; got != want {
			t.Errorf("%s: TakesWindow %v, want %v", k.name, got, want)
		}
	}
	_, err := encodingOf("hdr")
	if want := `encoding.kind "hdr": want display, windows, volume-stretch or radiograph`; err == nil || err.Error() != want {
		t.Errorf("unknown kind: %v, want %q", err, want)
	}
}
