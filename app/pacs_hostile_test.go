package app

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPACSTextCannotDriveTheTerminal (issue 26, item 12): a hostile
// DICOMweb server's patient name and description, and its HTTP reason
// phrase, reach the terminal with their escape sequences written out, never
// raw.
func TestPACSTextCannotDriveTheTerminal(t *testing.T) {
	const evil = "\x1b]0;owned\x07\x1b[2J\u202eEvil^Name\x9b31m"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/dicom+json")
		w.Write([]byte(`[{"0020000D":{"vr":"UI","Value":["1.2.3"]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"` +
			strings.NewReplacer("\x1b", `\u001b`, "\x07", `\u0007`, "\u202e", `\u202e`, "\x9b", `\u009b`).Replace(evil) +
			`"}]},"00081030":{"vr":"LO","Value":["desc \u001b[31mred"]}}]`))
	}))
	defer srv.Close()
	t.Setenv(EnvPACSURL, "")
	out, err := runCLI("--data-dir", t.TempDir(), "pacs", "find", "--url", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out, "\x1b\x07\u202e\x9b") || !strings.Contains(out, `\x1b]0;owned`) || !strings.Contains(out, `\u202e`) {
		t.Errorf("pacs find printed %q: want the escapes written out", out)
	}

	// A reason phrase with escapes, from a server that writes its own
	// status line.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				c.Write([]byte("HTTP/1.1 503 \x1b[2J\x1b]0;owned\x07Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
			}()
		}
	}()
	_, err = runCLI("--data-dir", t.TempDir(), "pacs", "find", "--url", "http://"+l.Addr().String())
	if err == nil {
		t.Fatal("a 503 answer was taken as a result")
	}
	if msg := err.Error(); strings.ContainsAny(msg, "\x1b\x07") {
		t.Errorf("the error holds raw escapes: %q", msg)
	}
}
