package pacs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Instance is one SOP instance of a series.
type Instance struct {
	UID    string `json:"sop_instance_uid"`
	Series string `json:"series_uid"`
	Study  string `json:"study_uid"`
	Number int    `json:"number"`
}

// The DICOM attributes the queries read, by tag.
const (
	tagStudyUID          = "0020000D"
	tagSeriesUID         = "0020000E"
	tagSOPUID            = "00080018"
	tagSOPClass          = "00080016"
	tagPatientName       = "00100010"
	tagPatientID         = "00100020"
	tagStudyDate         = "00080020"
	tagStudyTime         = "00080030"
	tagAccession         = "00080050"
	tagStudyDescription  = "00081030"
	tagModalitiesInStudy = "00080061"
	tagStudySeries       = "00201206"
	tagStudyInstances    = "00201208"
	tagModality          = "00080060"
	tagSeriesNumber      = "00200011"
	tagSeriesDescription = "0008103E"
	tagSeriesInstances   = "00201209"
	tagInstanceNumber    = "00200013"
	tagRetrieveURL       = "00081190"
	tagFailedSOPs        = "00081198"
	tagReferencedSOPs    = "00081199"
	tagReferencedSOPUID  = "00081155"
	tagReferencedClass   = "00081150"
	tagFailureReason     = "00081197"
)

// dataset is one object of the DICOM JSON model (PS3.18 F.2).
type dataset map[string]element

type element struct {
	VR    string            `json:"vr"`
	Value []json.RawMessage `json:"Value"`
}

// str is the first value of tag as text: a string, a number, or a
// person name's alphabetic form.
func (d dataset) str(tag string) string {
	vs := d.strs(tag)
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func (d dataset) strs(tag string) []string {
	var out []string
	for _, raw := range d[tag].Value {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			out = append(out, s)
			continue
		}
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			out = append(out, n.String())
			continue
		}
		var pn struct{ Alphabetic string }
		if json.Unmarshal(raw, &pn) == nil {
			out = append(out, pn.Alphabetic)
		}
	}
	return out
}

func (d dataset) num(tag string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(d.str(tag)))
	return n
}

// seq is the items of a sequence attribute.
func (d dataset) seq(tag string) []dataset {
	var out []dataset
	for _, raw := range d[tag].Value {
		var item dataset
		if json.Unmarshal(raw, &item) == nil {
			out = append(out, item)
		}
	}
	return out
}

// acceptJSON is the Accept header of the JSON requests.
var acceptJSON = http.Header{"Accept": {"application/dicom+json, application/json"}}

// getJSON runs a QIDO-RS query and decodes its array of data sets as it
// arrives (decodeJSON): at most max of them that hold the tag need, the
// whole answer within the client's Timeout (an overall deadline: a server
// that trickles a byte now and then is cut off all the same).
func (c *Client) getJSON(ctx context.Context, op, path string, q url.Values, need string, max int) ([]dataset, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	r, err := c.do(ctx, op, http.MethodGet, path, q, acceptJSON, nil)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if r.StatusCode == http.StatusNoContent {
		return nil, nil
	}
	sets, err := c.decodeJSON(op, r, need, max)
	if err != nil && ctx.Err() != nil {
		return nil, c.fail(ctx, op, r.StatusCode, err)
	}
	return sets, err
}

// maxDropped is how many data sets without the UID asked for an answer
// may hold before it is taken as malformed rather than sloppy.
const maxDropped = 10000

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decodeJSON reads an answer's JSON array (or one object) as a stream
// under the byte cap: data sets without the tag need (when given) are
// dropped, and reading stops after max kept (0: no count limit), so an
// answer of millions of empty objects costs neither memory nor output.
func (c *Client) decodeJSON(op string, r *response, need string, max int) ([]dataset, error) {
	cr := &countingReader{r: io.LimitReader(r.Body, c.opt.MaxJSONBytes+1)}
	br := bufio.NewReader(cr)
	tooLarge := func() error {
		return &Error{Server: c.server, Op: op, Kind: ErrTooLarge, Status: r.StatusCode,
			Detail: fmt.Sprintf("the answer is over %d MiB", c.opt.MaxJSONBytes>>20), Hint: "narrow the query, or page it with a limit"}
	}
	bad := func(err error) error {
		if cr.n > c.opt.MaxJSONBytes {
			return tooLarge()
		}
		return c.malformed(op, "not DICOM JSON ("+err.Error()+")", err)
	}
	first, err := firstByte(br)
	switch {
	case errors.Is(err, io.EOF):
		return nil, nil
	case err != nil:
		return nil, c.bodyError(op, r, err)
	}
	dec := json.NewDecoder(br)
	if first == '{' {
		var one dataset
		if err := dec.Decode(&one); err != nil {
			return nil, bad(err)
		}
		return []dataset{one}, nil
	}
	if _, err := dec.Token(); err != nil {
		return nil, bad(err)
	}
	var sets []dataset
	dropped := 0
	for dec.More() {
		var d dataset
		if err := dec.Decode(&d); err != nil {
			return nil, bad(err)
		}
		if need != "" && d.str(need) == "" {
			if dropped++; dropped > maxDropped {
				return nil, c.malformed(op, fmt.Sprintf("over %d data sets without the UID %s", maxDropped, need), nil)
			}
			continue
		}
		sets = append(sets, d)
		if max > 0 && len(sets) >= max {
			return sets, nil // the rest is never read: closing the answer ends it
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, bad(err)
	}
	return sets, nil
}

// firstByte is the first byte of r that is not JSON white space, left
// unread.
func firstByte(r *bufio.Reader) (byte, error) {
	for {
		b, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		if b != ' ' && b != '\t' && b != '\n' && b != '\r' {
			return b, r.UnreadByte()
		}
	}
}

// dateRe is a DICOM date.
var dateRe = regexp.MustCompile(`^\d{8}$`)

// queryValues are the QIDO-RS query parameters of q.
func queryValues(q core.PACSQuery) (url.Values, error) {
	v := url.Values{}
	set := func(k, s string) {
		if s = strings.TrimSpace(s); s != "" {
			v.Set(k, s)
		}
	}
	set("PatientID", q.PatientID)
	set("PatientName", q.PatientName)
	set("ModalitiesInStudy", q.Modality)
	set("AccessionNumber", q.Accession)
	set("StudyDescription", q.Description)
	for _, d := range []string{q.DateFrom, q.DateTo} {
		if d != "" && !dateRe.MatchString(d) {
			return nil, fmt.Errorf("date %q: want YYYYMMDD", d)
		}
	}
	if q.DateFrom != "" || q.DateTo != "" {
		if q.DateFrom != "" && q.DateTo != "" && q.DateFrom > q.DateTo {
			return nil, fmt.Errorf("date range %s-%s ends before it starts", q.DateFrom, q.DateTo)
		}
		v.Set("StudyDate", q.DateFrom+"-"+q.DateTo)
	}
	if q.Limit < 0 || q.Offset < 0 {
		return nil, errors.New("limit and offset are 0 or more")
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	for _, f := range []string{tagStudyDescription, tagModalitiesInStudy, tagStudySeries, tagStudyInstances, tagAccession, tagStudyTime} {
		v.Add("includefield", f)
	}
	return v, nil
}

// FindStudies returns the studies q matches, in the server's order.
func (c *Client) FindStudies(ctx context.Context, q core.PACSQuery) ([]core.PACSStudy, error) {
	v, err := queryValues(q)
	if err != nil {
		return nil, err
	}
	max := q.Limit
	if max <= 0 {
		max = c.opt.MaxInstances
	}
	sets, err := c.getJSON(ctx, "find studies", "/studies", v, tagStudyUID, max)
	if err != nil {
		return nil, err
	}
	out := make([]core.PACSStudy, 0, len(sets))
	for _, d := range sets {
		s := core.PACSStudy{UID: d.str(tagStudyUID), PatientName: d.str(tagPatientName), PatientID: d.str(tagPatientID),
			Date: d.str(tagStudyDate), Time: d.str(tagStudyTime), Accession: d.str(tagAccession),
			Description: d.str(tagStudyDescription), Modalities: d.strs(tagModalitiesInStudy),
			Series: d.num(tagStudySeries), Instances: d.num(tagStudyInstances)}
		if s.Modalities == nil {
			s.Modalities = []string{}
		}
		out = append(out, s)
	}
	return out, nil
}

// SeriesOf lists the series of a study with their modality and counts.
// A study the server does not hold is ErrNotFound.
func (c *Client) SeriesOf(ctx context.Context, study string) ([]core.PACSSeries, error) {
	if err := checkUID("study", study); err != nil {
		return nil, err
	}
	v := url.Values{}
	for _, f := range []string{tagSeriesDescription, tagSeriesInstances, tagSeriesNumber, tagModality} {
		v.Add("includefield", f)
	}
	op := "list the series of study " + study
	sets, err := c.getJSON(ctx, op, "/studies/"+study+"/series", v, tagSeriesUID, c.opt.MaxInstances)
	if err != nil {
		return nil, err
	}
	if len(sets) == 0 {
		return nil, c.notFound(op, "study "+study)
	}
	out := make([]core.PACSSeries, 0, len(sets))
	for _, d := range sets {
		s := core.PACSSeries{UID: d.str(tagSeriesUID), Study: study, Modality: d.str(tagModality),
			Number: d.num(tagSeriesNumber), Description: d.str(tagSeriesDescription), Instances: d.num(tagSeriesInstances)}
		if err := checkUID("series", s.UID); err != nil {
			return nil, c.malformed(op, err.Error(), err)
		}
		out = append(out, s)
	}
	return out, nil
}

// Instances lists the instances of a series. A series the server does not
// hold is ErrNotFound.
func (c *Client) Instances(ctx context.Context, study, series string) ([]Instance, error) {
	if err := checkUID("study", study); err != nil {
		return nil, err
	}
	if err := checkUID("series", series); err != nil {
		return nil, err
	}
	op := "list the instances of series " + series
	v := url.Values{"includefield": {tagInstanceNumber}}
	// One more than the files limit: a retrieve then says it is over.
	sets, err := c.getJSON(ctx, op, "/studies/"+study+"/series/"+series+"/instances", v, tagSOPUID, c.opt.MaxInstances+1)
	if err != nil {
		return nil, err
	}
	if len(sets) == 0 {
		return nil, c.notFound(op, "series "+series)
	}
	out := make([]Instance, 0, len(sets))
	for _, d := range sets {
		in := Instance{UID: d.str(tagSOPUID), Series: series, Study: study, Number: d.num(tagInstanceNumber)}
		if err := checkUID("instance", in.UID); err != nil {
			return nil, c.malformed(op, err.Error(), err)
		}
		out = append(out, in)
	}
	return out, nil
}

func (c *Client) notFound(op, what string) error {
	return &Error{Server: c.server, Op: op, Kind: ErrNotFound, Status: http.StatusNotFound,
		Detail: "the server holds no " + what, Hint: "check the UID (find studies first to see what it holds)"}
}

// uidRe is a DICOM UID: digits and dots, at most 64 characters. Only such
// names become folders and files of the cache.
var uidRe = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

// checkUID refuses what is not a UID (and so could not name a file
// safely).
func checkUID(what, uid string) error {
	if len(uid) > 64 || !uidRe.MatchString(uid) {
		return fmt.Errorf("%s UID %q: %w (digits and dots, at most 64 characters)", what, uid, ErrBadUID)
	}
	return nil
}
