// Command orthanc runs the tests' Orthanc (package pacstest) outside the
// tests, seeded with the dicom module's sample studies, for the
// screenshot tour's PACS tab (scripts/screenshots.sh). It prints the
// server's DICOMweb root, user and password on one line,
//
//	http://127.0.0.1:PORT/dicom-web test s3cret-pacs-pw
//
// and runs until it is interrupted (SIGINT, SIGTERM).
//
//	go run ./pacs/pacstest/cmd/orthanc -testdata DIR [-dir STORAGE]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/medgemma-workbench/medgemma-workbench/pacs/pacstest"
)

func main() {
	testdata := flag.String("testdata", "", "the dicom module's testdata folder (go list -m -f '{{.Dir}}' github.com/suyashkumar/dicom)/testdata")
	dir := flag.String("dir", "", "Orthanc's storage folder (default: a temporary one, removed at the end)")
	flag.Parse()
	if *testdata == "" {
		fmt.Fprintln(os.Stderr, "orthanc: give -testdata DIR, the dicom module's testdata folder")
		os.Exit(2)
	}
	if err := run(*testdata, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "orthanc:", err)
		os.Exit(1)
	}
}

func run(testdata, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "orthanc-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	s, err := pacstest.New(dir)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.SeedFrom(testdata); err != nil {
		return err
	}
	fmt.Println(s.DICOMweb, pacstest.User, pacstest.Password)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	return nil
}
