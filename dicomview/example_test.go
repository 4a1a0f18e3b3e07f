package dicomview_test

import (
	"fmt"
	"log"
	"os"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

func ExampleParseWindow() {
	w, err := dicomview.ParseWindow("-600,1500")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.Center, w.Width)
	// Output: -600 1500
}

// Prepare writes the exact image the model receives, as the CLI's prepare
// subcommand does.
func ExampleImage_Prepare() {
	im, err := dicomview.Load("chest.dcm")
	if err != nil {
		log.Fatal(err) // e.g. load chest.dcm: truncated DICOM: …
	}
	lung := dicomview.Window{Center: -600, Width: 1500}
	p, err := im.Prepare(dicomview.PrepareOptions{Frame: 1, Window: &lung, Fit: dicomview.FitPad})
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("chest-model.png", p.PNG, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Width, p.Height, p.SHA256)
}

func ExampleImage_Render() {
	im, err := dicomview.Load("ct.dcm")
	if err != nil {
		log.Fatal(err)
	}
	for frame := 1; frame <= im.Frames; frame++ {
		img, err := im.Render(frame, im.DefaultWindow(frame))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(frame, img.Bounds())
	}
}
