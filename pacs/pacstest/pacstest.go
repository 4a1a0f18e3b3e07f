// Package pacstest runs a real PACS for the tests: Orthanc with its
// DICOMweb plugin (Debian packages orthanc and orthanc-dicomweb, installed
// by scripts/setup.sh), on 127.0.0.1 on a free port, with a throw-away
// storage folder, HTTP basic authentication (user User, password
// Password) and no DICOM port, seeded with the dicom module's sample
// studies. It also counts the requests a client sends (Counter).
package pacstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// The credentials of the server's one registered user.
const (
	User     = "test"
	Password = "s3cret-pacs-pw"
)

// Root is the DICOMweb plugin's root on the server.
const Root = "/dicom-web"

// Plugin is where Debian's orthanc-dicomweb installs the plugin.
var Plugin = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"

// Seed is one instance the server was seeded with.
type Seed struct {
	File   string // the test file's name in the dicom module ("3.dcm"), or the copy's
	Path   string // its path on disk
	Study  string
	Series string
	SOP    string
}

// Server is a running Orthanc.
type Server struct {
	// URL is the server's REST root, http://127.0.0.1:PORT, and DICOMweb
	// its DICOMweb root, URL+Root; neither holds credentials.
	URL, DICOMweb string
	Port          int
	// Seeds are the instances stored at start: the five sample files and
	// MultiCopies copies of 1.dcm with other SOP Instance UIDs, so that
	// 1.dcm's series has 1+MultiCopies instances.
	Seeds []Seed

	cmd  *exec.Cmd
	dir  string
	done chan struct{}
	log  string
}

// MultiCopies is how many extra instances 1.dcm's series gets.
const MultiCopies = 3

// Seed returns the seed of the test file name ("3.dcm").
func (s *Server) Seed(name string) Seed {
	for _, x := range s.Seeds {
		if x.File == name {
			return x
		}
	}
	panic("pacstest: no seed " + name)
}

// SeriesSeeds returns the seeds of one series.
func (s *Server) SeriesSeeds(series string) []Seed {
	var out []Seed
	for _, x := range s.Seeds {
		if x.Series == series {
			out = append(out, x)
		}
	}
	return out
}

// Start runs an Orthanc for one test, stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts Orthanc")
	}
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.SeedSamples(t); err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	sharedOnce sync.Once
	shared     *Server
	sharedErr  error
	sharedDir  string
)

// Shared returns the test binary's one seeded server, started on first
// use; Main stops it. Tests must not stop or change it.
func Shared(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts Orthanc")
	}
	sharedOnce.Do(func() {
		sharedDir, sharedErr = os.MkdirTemp("", "pacstest-")
		if sharedErr != nil {
			return
		}
		shared, sharedErr = New(sharedDir)
		if sharedErr == nil {
			sharedErr = shared.SeedSamples(t)
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// Main runs the tests and then stops the shared server: call it from
// TestMain as os.Exit(pacstest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		shared.Close()
	}
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	return code
}

// New starts Orthanc with its storage in dir and waits until it answers.
func New(dir string) (*Server, error) {
	bin, err := exec.LookPath("Orthanc")
	if err != nil {
		return nil, fmt.Errorf("pacstest: Orthanc is not installed (%v); run ./scripts/setup.sh, which installs the Debian packages orthanc and orthanc-dicomweb", err)
	}
	if _, err := os.Stat(Plugin); err != nil {
		return nil, fmt.Errorf("pacstest: the Orthanc DICOMweb plugin is not installed (%v); run ./scripts/setup.sh, which installs orthanc-dicomweb", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg := map[string]any{
		"Name":                  "pacstest",
		"StorageDirectory":      filepath.Join(dir, "storage"),
		"IndexDirectory":        filepath.Join(dir, "storage"),
		"HttpPort":              port,
		"HttpServerEnabled":     true,
		"DicomServerEnabled":    false,
		"DicomPort":             0,
		"RemoteAccessAllowed":   false,
		"AuthenticationEnabled": true,
		"RegisteredUsers":       map[string]string{User: Password},
		"Plugins":               []string{Plugin},
		"DicomWeb":              map[string]any{"Enable": true, "Root": Root + "/", "EnableWado": false},
		"HttpThreadsCount":      8,
		"StorageCompression":    false,
		"KeepAlive":             true,
		"SaveJobs":              false,
		"StableAge":             1,
	}
	data, _ := json.MarshalIndent(cfg, "", "  ")
	conf := filepath.Join(dir, "orthanc.json")
	if err := os.WriteFile(conf, data, 0o600); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "orthanc.log")
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, conf)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("pacstest: start Orthanc: %w", err)
	}
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Port: port, cmd: cmd, dir: dir, done: make(chan struct{}), log: logPath}
	s.DICOMweb = s.URL + Root
	go func() { cmd.Wait(); lf.Close(); close(s.done) }()
	if err := s.wait(20 * time.Second); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// wait polls /system until the server answers.
func (s *Server) wait(d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("pacstest: Orthanc exited at start; its log:\n%s", s.logTail())
		default:
		}
		if _, err := s.REST(http.MethodGet, "/system", nil); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("pacstest: Orthanc did not answer within %s; its log:\n%s", d, s.logTail())
}

func (s *Server) logTail() string {
	data, _ := os.ReadFile(s.log)
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}

// REST sends a request to Orthanc's own REST API as the registered user
// and returns the body of a 2xx answer.
func (s *Server) REST(method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(User, Password)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("pacstest: %s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	return data, err
}

// Store stores a DICOM file through Orthanc's REST API (POST /instances).
func (s *Server) Store(data []byte) error {
	_, err := s.REST(http.MethodPost, "/instances", data)
	return err
}

// HasInstance reports whether Orthanc holds the SOP instance uid, as its
// REST API lists it.
func (s *Server) HasInstance(uid string) (bool, error) {
	data, err := s.REST(http.MethodPost, "/tools/lookup", []byte(uid))
	if err != nil {
		return false, err
	}
	var found []struct{ Type string }
	if err := json.Unmarshal(data, &found); err != nil {
		return false, err
	}
	for _, f := range found {
		if f.Type == "Instance" {
			return true, nil
		}
	}
	return false, nil
}

// The sample files' UIDs (see the dicom module's testdata/data_details.md).
var samples = []Seed{
	{File: "1.dcm", Study: "1.3.6.1.4.1.14519.5.2.1.7009.2401.541147157881199293470020980360", Series: "1.3.6.1.4.1.14519.5.2.1.7009.2401.156320467167446933671661793694", SOP: "1.3.6.1.4.1.14519.5.2.1.7009.2401.264581068966524608390523682945"},
	{File: "2.dcm", Study: "1.3.6.1.4.1.14519.5.2.1.7009.2401.219951169878334856059814306522", Series: "1.3.6.1.4.1.14519.5.2.1.7009.2401.191964947775618932225259619313", SOP: "1.3.6.1.4.1.14519.5.2.1.7009.2401.272868799396348327593768937204"},
	{File: "3.dcm", Study: "1.3.6.1.4.1.14519.5.2.1.9823.1001.108958069993282969141944803554", Series: "1.3.6.1.4.1.14519.5.2.1.9823.1001.115805672672216488921886375902", SOP: "1.3.6.1.4.1.14519.5.2.1.9823.1001.100673283425501223987092441879"},
	{File: "4.dcm", Study: "1.3.6.1.4.1.14519.5.2.1.9999.103.2445110399502685110179049624124", Series: "1.3.6.1.4.1.14519.5.2.1.9999.103.2226892066207840840424092100046", SOP: "1.3.6.1.4.1.14519.5.2.1.9999.103.3006616233530892121079169089013"},
	{File: "5.dcm", Study: "1.3.6.1.4.1.5962.1.2.10.1166562673.14401", Series: "1.3.6.1.4.1.5962.1.3.10.3.1166562673.14401", SOP: "1.3.6.1.4.1.5962.1.1.10.3.1.1166562673.14401"},
}

// CopyWithUID returns the DICOM file data with its SOP Instance UID old
// replaced by uid, of the same length (so no element length changes).
func CopyWithUID(data []byte, old, uid string) ([]byte, error) {
	if len(uid) != len(old) {
		return nil, fmt.Errorf("pacstest: UID %s is not as long as %s", uid, old)
	}
	if !bytes.Contains(data, []byte(old)) {
		return nil, fmt.Errorf("pacstest: UID %s not in the file", old)
	}
	return bytes.ReplaceAll(data, []byte(old), []byte(uid)), nil
}

// SeedSamples stores the five sample files and the copies of 1.dcm.
func (s *Server) SeedSamples(t testing.TB) error {
	return s.seed(func(name string) string { return dicomtest.File(t, name) })
}

// SeedFrom stores the five sample files, found in the folder testdata
// (the dicom module's testdata), and the copies of 1.dcm, as
// SeedSamples does: for a server outside the tests (cmd/orthanc).
func (s *Server) SeedFrom(testdata string) error {
	return s.seed(func(name string) string { return filepath.Join(testdata, name) })
}

func (s *Server) seed(file func(name string) string) error {
	copies := filepath.Join(s.dir, "copies")
	if err := os.MkdirAll(copies, 0o700); err != nil {
		return err
	}
	for _, sd := range samples {
		sd.Path = file(sd.File)
		data, err := os.ReadFile(sd.Path)
		if err != nil {
			return err
		}
		if err := s.Store(data); err != nil {
			return err
		}
		s.Seeds = append(s.Seeds, sd)
		if sd.File != "1.dcm" {
			continue
		}
		for k := 1; k <= MultiCopies; k++ {
			c := sd
			c.SOP = sd.SOP[:len(sd.SOP)-2] + fmt.Sprintf("%02d", 10+k)
			c.File = fmt.Sprintf("1-copy%d.dcm", k)
			cd, err := CopyWithUID(data, sd.SOP, c.SOP)
			if err != nil {
				return err
			}
			c.Path = filepath.Join(copies, c.File)
			if err := os.WriteFile(c.Path, cd, 0o600); err != nil {
				return err
			}
			if err := s.Store(cd); err != nil {
				return err
			}
			s.Seeds = append(s.Seeds, c)
		}
	}
	return nil
}

// Close stops the server: politely, then by force after 5 s.
func (s *Server) Close() {
	if s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}
