// Command hostile is a DICOMweb server that misbehaves as no real one can
// be made to, for measuring the PACS client under it (issue 26, items
// 9–11; bench/hostile/run.sh):
//
//	trickle  a QIDO answer that sends one byte every 5 s, for ever
//	empty    a QIDO answer of 63 MiB of empty objects, [{},{},…]
//	endless  an instance list of one, and a WADO part that never ends
//
// usage: hostile -mode MODE -addr 127.0.0.1:PORT
package main

import (
	"bytes"
	"flag"
	"log"
	"net/http"
	"strings"
	"time"
)

func main() {
	mode := flag.String("mode", "trickle", "trickle, empty or endless")
	addr := flag.String("addr", "127.0.0.1:8765", "address to listen on")
	flag.Parse()
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch *mode {
		case "trickle":
			w.Header().Set("Content-Type", "application/dicom+json")
			w.Write([]byte("["))
			for {
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(5 * time.Second):
				}
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
			}
		case "empty":
			w.Header().Set("Content-Type", "application/dicom+json")
			w.Write([]byte("["))
			w.Write(bytes.Repeat([]byte("{},"), 63<<20/3))
			w.Write([]byte("{}]"))
		case "endless":
			if strings.HasSuffix(r.URL.Path, "/instances") {
				w.Header().Set("Content-Type", "application/dicom+json")
				w.Write([]byte(`[{"00080018":{"vr":"UI","Value":["1.2.3.4"]}}]`))
				return
			}
			w.Header().Set("Content-Type", `multipart/related; type="application/dicom"; boundary=b0undary`)
			w.Write([]byte("--b0undary\r\nContent-Type: application/dicom\r\n\r\n"))
			zeros := make([]byte, 1<<20)
			for {
				if _, err := w.Write(zeros); err != nil {
					return
				}
			}
		}
	})))
}
