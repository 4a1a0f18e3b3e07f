package core

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

// PACSServer is a DICOMweb server and how to authenticate to it.
type PACSServer struct {
	URL string // the DICOMweb root, http(s)://HOST:PORT/PATH
	PACSAuth
	// Timeout bounds the wait for an answer and any pause in one (0: the
	// client's default, 30 s).
	Timeout time.Duration
}

// PACSAuthKind is how a client authenticates to a PACS.
type PACSAuthKind uint8

// The ways to authenticate to a PACS.
const (
	PACSAuthNone   PACSAuthKind = iota // no credentials of its own (a user and password in the URL count)
	PACSAuthBasic                      // HTTP basic: User and Password
	PACSAuthBearer                     // "Authorization: Bearer Token"
	PACSAuthHeader                     // the token alone in the header Header names: "X-Api-Key: Token"
)

var pacsAuthNames = [...]string{PACSAuthNone: "none", PACSAuthBasic: "basic", PACSAuthBearer: "bearer", PACSAuthHeader: "header"}

// String is the kind's name: none, basic, bearer or header.
func (k PACSAuthKind) String() string {
	if int(k) < len(pacsAuthNames) {
		return pacsAuthNames[k]
	}
	return fmt.Sprintf("PACSAuthKind(%d)", k)
}

// ParsePACSAuthKind reads a kind's name, as String writes it.
func ParsePACSAuthKind(s string) (PACSAuthKind, error) {
	for k, name := range pacsAuthNames {
		if s == name {
			return PACSAuthKind(k), nil
		}
	}
	return 0, fmt.Errorf("PACS authentication %q: want none, basic, bearer or header", s)
}

// MarshalText writes k by its name, so that JSON holds "none", "basic",
// "bearer" or "header" (the window's saved servers do).
func (k PACSAuthKind) MarshalText() ([]byte, error) {
	if int(k) >= len(pacsAuthNames) {
		return nil, fmt.Errorf("PACS authentication %d: no such kind", k)
	}
	return []byte(k.String()), nil
}

// UnmarshalText reads a kind's name, as MarshalText writes it; an empty
// name is PACSAuthNone.
func (k *PACSAuthKind) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*k = PACSAuthNone
		return nil
	}
	v, err := ParsePACSAuthKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// PACSAuth are the credentials for one PACS. Kind says which of them are
// sent; the DICOMweb client applies them in one place (pacs.NewClient),
// and a user and password in the server's URL count only when they are
// all empty.
type PACSAuth struct {
	User, Password string
	Token          string
	// Header names the header that carries Token as it is, e.g.
	// "X-Api-Key" for a gateway or Orthanc's authorization plugin (empty:
	// "Authorization: Bearer Token"). It is configuration, not a secret;
	// Check says which names are refused.
	Header string
}

// Kind is which of a's credentials are sent: the token when there is one
// (it wins over a user), in Header when that names one, else as a bearer
// token; else HTTP basic when there is a user; else none. It is the one
// place that says so.
func (a PACSAuth) Kind() PACSAuthKind {
	switch {
	case a.Token != "" && a.Header != "":
		return PACSAuthHeader
	case a.Token != "":
		return PACSAuthBearer
	case a.User != "":
		return PACSAuthBasic
	default:
		return PACSAuthNone
	}
}

// Check says what is wrong with a before anything is sent: a Header
// that is not a header name that may carry a token (CheckTokenHeader), a
// Header without a Token, or a token with a line break or another
// control character in it (no header can carry one). Its text never
// holds the token.
func (a PACSAuth) Check() error {
	if a.Header != "" {
		if err := CheckTokenHeader(a.Header); err != nil {
			return err
		}
		if a.Token == "" {
			return fmt.Errorf("token header %q but no token: give the token to send in it", a.Header)
		}
	}
	if strings.ContainsFunc(a.Token, unicode.IsControl) {
		header := a.Header
		if header == "" {
			header = "Authorization"
		}
		return fmt.Errorf("the token for %s holds a line break or another control character, which no header can carry: give it without", header)
	}
	return nil
}

// reservedHeaders are the headers a token header may not be: those that
// carry other credentials (Authorization, Cookie), those the HTTP client
// sets (Host, Content-Length, …) and those the DICOMweb requests set
// (Accept, Content-Type), in lower case. Proxy-* and Sec-* are refused
// too.
var reservedHeaders = map[string]bool{
	"authorization": true, "cookie": true, "cookie2": true, "set-cookie": true, "www-authenticate": true,
	"host": true, "content-length": true, "content-type": true, "content-encoding": true,
	"transfer-encoding": true, "connection": true, "keep-alive": true, "upgrade": true, "te": true,
	"trailer": true, "expect": true, "accept": true, "accept-encoding": true, "range": true,
	"user-agent": true, "referer": true, "origin": true, "forwarded": true, "via": true, "date": true,
}

// CheckTokenHeader reports whether name may carry a token: an HTTP
// header name (RFC 9110's token: letters, digits and !#$%&'*+-.^_`|~)
// that is not one the HTTP client, the DICOMweb requests or other
// credentials use (Authorization, Cookie, Host, Accept, Proxy-*, …).
// The error says which and what to do.
func CheckTokenHeader(name string) error {
	if name == "" || strings.IndexFunc(name, func(r rune) bool { return !isTokenChar(r) }) >= 0 {
		return fmt.Errorf("token header %q is not an HTTP header name: use letters, digits and - only, e.g. X-Api-Key", name)
	}
	lower := strings.ToLower(name)
	switch {
	case lower == "authorization":
		return fmt.Errorf("token header %q: for \"Authorization: Bearer TOKEN\" choose bearer authentication; a token header is another header, e.g. X-Api-Key", name)
	case reservedHeaders[lower] || strings.HasPrefix(lower, "proxy-") || strings.HasPrefix(lower, "sec-"):
		return fmt.Errorf("token header %q: the HTTP client or the DICOMweb requests set that header themselves (or it carries other credentials); name the header your server reads the token from, e.g. X-Api-Key", name)
	}
	return nil
}

// isTokenChar reports whether r may be in an HTTP token (RFC 9110 5.6.2).
func isTokenChar(r rune) bool {
	return r < 0x7f && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
}

// PACSQuery selects studies on a PACS. Empty fields match everything;
// PatientName, PatientID and Description may hold the wildcards * and ?.
type PACSQuery struct {
	PatientID   string
	PatientName string
	Modality    string // matched against ModalitiesInStudy
	// DateFrom and DateTo bound StudyDate, as YYYYMMDD, inclusive; either
	// may be empty for an open range.
	DateFrom, DateTo string
	Accession        string
	Description      string
	// Limit and Offset page a large result: at most Limit studies (0: the
	// server's default), after skipping Offset.
	Limit, Offset int
}

// PACSStudy is one study a query found.
type PACSStudy struct {
	UID         string   `json:"study_uid"`
	PatientName string   `json:"patient_name"`
	PatientID   string   `json:"patient_id"`
	Date        string   `json:"date"` // YYYYMMDD
	Time        string   `json:"time,omitempty"`
	Accession   string   `json:"accession"`
	Description string   `json:"description"`
	Modalities  []string `json:"modalities"`
	Series      int      `json:"series"`    // NumberOfStudyRelatedSeries, 0 if not told
	Instances   int      `json:"instances"` // NumberOfStudyRelatedInstances, 0 if not told
}

// PACSSeries is one series of a study on a PACS.
type PACSSeries struct {
	UID         string `json:"series_uid"`
	Study       string `json:"study_uid"`
	Modality    string `json:"modality"`
	Number      int    `json:"number"`
	Description string `json:"description"`
	Instances   int    `json:"instances"` // NumberOfSeriesRelatedInstances
}

// RetrieveProgress is how far a retrieve from a PACS has come. Instances
// counts those done, fetched or found in the cache; Bytes, Rate and ETA
// are of the fetched ones.
type RetrieveProgress struct {
	Study      string
	Series     string // the series being retrieved
	Instances  int    // done so far, of Total
	Total      int
	Cached     int           // of Instances, found in the cache and not fetched
	Fetched    int           // of Instances, fetched from the server
	Bytes      int64         // fetched so far
	Rate       float64       // bytes a second, over the retrieve so far
	ETA        time.Duration // estimated time left; 0 when unknown
	Elapsed    time.Duration
	Done       bool  // the last report of a retrieve that succeeded
	CacheBytes int64 // what the cache holds at the end, when known
}

// Text is p in words, one line: "12/40 instances (3 cached), 5.1 MiB
// fetched, 2.0 MiB/s, about 10 s left". The command line's progress line
// and the window's PACS tab both show it.
func (p RetrieveProgress) Text() string {
	s := fmt.Sprintf("%d/%d instances", p.Instances, p.Total)
	if p.Cached > 0 {
		s += fmt.Sprintf(" (%d cached)", p.Cached)
	}
	if p.Bytes > 0 {
		s += ", " + units.Bytes(p.Bytes) + " fetched"
		if p.Elapsed > 0 {
			s += ", " + units.Bytes(int64(p.Rate)) + "/s"
		}
	}
	if p.ETA > 0 && !p.Done {
		s += ", about " + units.Wait(max(p.ETA.Round(time.Second), time.Second)) + " left"
	}
	return s
}

// Retrieved is where a retrieve put a study or series, and what it did.
type Retrieved struct {
	Study     string   `json:"study_uid"`
	Series    []string `json:"series_uids"`
	Dir       string   `json:"dir"` // the series folder for one series, else the study's
	Instances int      `json:"instances"`
	Fetched   int      `json:"fetched"`
	Cached    int      `json:"cached"`
	Bytes     int64    `json:"bytes"` // fetched
}

// StoredInstance is one instance a PACS stored (STOW-RS).
type StoredInstance struct {
	SOPInstanceUID string `json:"sop_instance_uid"`
	SOPClassUID    string `json:"sop_class_uid"`
	RetrieveURL    string `json:"retrieve_url,omitempty"`
}

// FailedInstance is one instance a PACS refused, with its failure reason
// (PS3.18 table I.2-2: 0xA700 out of resources, 0xA900 SOP class
// mismatch, 0xC000 cannot understand, …).
type FailedInstance struct {
	SOPInstanceUID string `json:"sop_instance_uid"`
	Reason         int    `json:"reason"`
}

// StowResult is a PACS's answer to a store request.
type StowResult struct {
	RetrieveURL string           `json:"retrieve_url,omitempty"` // the study's, when the server says
	Stored      []StoredInstance `json:"stored"`
	Failed      []FailedInstance `json:"failed,omitempty"`
}
