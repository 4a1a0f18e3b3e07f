package pacs_test

import (
	"fmt"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/pacs"
)

func ExampleParseSource() {
	s, err := pacs.ParseSource("dicomweb://reader:pw@pacs.lab:8042/dicom-web/studies/1.2.840.1/series/1.2.840.1.2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Base)
	fmt.Println(s.Study, s.Series)
	fmt.Println(s) // without the credentials
	// Output:
	// http://reader:pw@pacs.lab:8042/dicom-web
	// 1.2.840.1 1.2.840.1.2
	// dicomweb://pacs.lab:8042/dicom-web/studies/1.2.840.1/series/1.2.840.1.2
}

func ExampleProgressText() {
	fmt.Println(pacs.ProgressText(core.RetrieveProgress{Instances: 3, Total: 4, Cached: 1, Bytes: 3 << 20, Rate: 1 << 20, Elapsed: 3e9, ETA: 1e9}))
	// Output: 3/4 instances (1 cached), 3 MiB fetched, 1 MiB/s, about 1 s left
}
