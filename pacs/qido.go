package pacs

import (
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

// The plain data of queries are internal/core's, so that the window
// can show them without importing this package.
type (
	// Query selects studies (core.PACSQuery).
	Query = core.PACSQuery
	// Study is one study a query found (core.PACSStudy).
	Study = core.PACSStudy
	// Series is one series of a study (core.PACSSeries).
	Series = core.PACSSeries
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

// getJSON runs a QIDO-RS query and decodes its array of data sets, read
// through the JSON cap. 204 No Content is an empty result.
func (c *Client) getJSON(ctx context.Context, op, path string, q url.Values) ([]dataset, error) {
	r, err := c.do(ctx, op, http.MethodGet, path, q, acceptJSON, nil)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if r.StatusCode == http.StatusNoContent {
		return nil, nil
	}
	return c.decodeJSON(op, r)
}

// decodeJSON reads an answer's JSON array (or one object) under the cap.
func (c *Client) decodeJSON(op string, r *response) ([]dataset, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, c.opt.MaxJSONBytes+1))
	if err != nil {
		return nil, c.bodyError(op, r, err)
	}
	if int64(len(data)) > c.opt.MaxJSONBytes {
		return nil, &Error{Server: c.server, Op: op, Kind: ErrTooLarge, Status: r.StatusCode,
			Detail: fmt.Sprintf("the answer is over %d MiB", c.opt.MaxJSONBytes>>20), Hint: "narrow the query, or page it with a limit"}
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, nil
	}
	var sets []dataset
	if err := json.Unmarshal(data, &sets); err != nil {
		var one dataset
		if err1 := json.Unmarshal(data, &one); err1 != nil {
			return nil, c.malformed(op, "not DICOM JSON ("+err.Error()+")", err)
		}
		sets = []dataset{one}
	}
	return sets, nil
}

// dateRe is a DICOM date.
var dateRe = regexp.MustCompile(`^\d{8}$`)

// queryValues are the QIDO-RS query parameters of q.
func queryValues(q Query) (url.Values, error) {
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
func (c *Client) FindStudies(ctx context.Context, q Query) ([]Study, error) {
	v, err := queryValues(q)
	if err != nil {
		return nil, err
	}
	sets, err := c.getJSON(ctx, "find studies", "/studies", v)
	if err != nil {
		return nil, err
	}
	out := make([]Study, 0, len(sets))
	for _, d := range sets {
		s := Study{UID: d.str(tagStudyUID), PatientName: d.str(tagPatientName), PatientID: d.str(tagPatientID),
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
func (c *Client) SeriesOf(ctx context.Context, study string) ([]Series, error) {
	if err := checkUID("study", study); err != nil {
		return nil, err
	}
	v := url.Values{}
	for _, f := range []string{tagSeriesDescription, tagSeriesInstances, tagSeriesNumber, tagModality} {
		v.Add("includefield", f)
	}
	op := "list the series of study " + study
	sets, err := c.getJSON(ctx, op, "/studies/"+study+"/series", v)
	if err != nil {
		return nil, err
	}
	if len(sets) == 0 {
		return nil, c.notFound(op, "study "+study)
	}
	out := make([]Series, 0, len(sets))
	for _, d := range sets {
		s := Series{UID: d.str(tagSeriesUID), Study: study, Modality: d.str(tagModality),
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
	sets, err := c.getJSON(ctx, op, "/studies/"+study+"/series/"+series+"/instances", v)
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
