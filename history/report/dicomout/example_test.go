package dicomout_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/history/report/dicomout"
)

// A run's report as a Comprehensive SR in a new series of the source
// study, with UIDs under the site's root; doc.Bytes is the Part 10 file a
// STOW-RS request sends as is.
func ExampleBuildSR() {
	rep := &dicomout.Report{
		RunID: 12, Answer: "No acute intracranial abnormality.", Prompt: "Describe this CT slice.",
		Model: "medgemma-4b-it", ModelDigest: "sha256:5f1c0ab2d8e4",
		Sources: []dicomout.Source{{
			StudyInstanceUID:  "1.2.826.0.1.3680043.2.1125.1",
			SeriesInstanceUID: "1.2.826.0.1.3680043.2.1125.1.2",
			SOPInstanceUID:    "1.2.826.0.1.3680043.2.1125.1.2.3",
			SOPClassUID:       "1.2.840.10008.5.1.4.1.1.2", // CT Image Storage
		}},
		Deidentified: true,
	}
	doc, err := dicomout.BuildSR(rep, dicomout.UIDs{Root: "1.2.826.0.1.3680043.10.1234"})
	if err != nil {
		fmt.Println(err)
		return
	}
	out := filepath.Join(os.TempDir(), "example-sr.dcm")
	if err := os.WriteFile(out, doc.Bytes, 0o644); err != nil {
		fmt.Println(err)
		return
	}
	defer os.Remove(out)
	fmt.Println(doc.SOPClassUID == dicomout.ComprehensiveSR)
	fmt.Println(doc.StudyInstanceUID)
	fmt.Println(strings.HasPrefix(doc.SeriesInstanceUID, "1.2.826.0.1.3680043.10.1234."))
	fmt.Println(string(doc.Bytes[128:132]))
	// Output:
	// true
	// 1.2.826.0.1.3680043.2.1125.1
	// true
	// DICM
}
