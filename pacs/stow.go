package pacs

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"strconv"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// ErrStowFailed: the server refused some or all instances; the
// StowResult returned with it says which.
var ErrStowFailed = errors.New("the server did not store every instance")

// Store sends DICOM Part-10 files to the server (STOW-RS, POST
// /studies, one multipart/related request, streamed from disk) and
// returns what it stored. A file that is not Part-10 is refused before
// anything of it is sent. When the server refuses some instances the
// result lists them and the error is ErrStowFailed.
func (c *Client) Store(ctx context.Context, files ...string) (core.StowResult, error) {
	const op = "store instances"
	if len(files) == 0 {
		return core.StowResult{}, errors.New("store: no files given")
	}
	var size int64
	for _, p := range files {
		n, err := checkFile(p)
		if err != nil {
			return core.StowResult{}, err
		}
		size += n
	}
	boundary := newBoundary()
	size += framing(boundary, len(files))
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	if err := mw.SetBoundary(boundary); err != nil {
		return core.StowResult{}, err
	}
	go stowBody(pw, mw, files)
	defer pr.Close()
	h := http.Header{
		"Content-Type": {`multipart/related; type="application/dicom"; boundary=` + mw.Boundary()},
		"Accept":       {"application/dicom+json, application/json"},
	}
	r, err := c.do(ctx, op, http.MethodPost, "/studies", nil, h, sizedBody{pr, size})
	if err != nil {
		var nf *Error
		if errors.As(err, &nf) && errors.Is(err, ErrServer) && nf.Status == http.StatusConflict {
			// 409: nothing was stored; the body says why, but we read
			// nothing of it here.
			nf.Hint = "the server stored none of the instances; see its log"
		}
		return core.StowResult{}, err
	}
	defer r.Close()
	sets, err := c.decodeJSON(op, r, "", 1)
	if err != nil {
		return core.StowResult{}, err
	}
	var res core.StowResult
	if len(sets) > 0 {
		d := sets[0]
		res.RetrieveURL = d.str(tagRetrieveURL)
		for _, it := range d.seq(tagReferencedSOPs) {
			res.Stored = append(res.Stored, core.StoredInstance{SOPInstanceUID: it.str(tagReferencedSOPUID), SOPClassUID: it.str(tagReferencedClass), RetrieveURL: it.str(tagRetrieveURL)})
		}
		for _, it := range d.seq(tagFailedSOPs) {
			reason, _ := strconv.Atoi(it.str(tagFailureReason))
			res.Failed = append(res.Failed, core.FailedInstance{SOPInstanceUID: it.str(tagReferencedSOPUID), Reason: reason})
		}
	}
	if len(res.Failed) > 0 || r.StatusCode == http.StatusAccepted && len(res.Stored) < len(files) {
		return res, &Error{Server: c.server, Op: op, Kind: ErrStowFailed, Status: r.StatusCode,
			Detail: strconv.Itoa(len(res.Failed)) + " of " + strconv.Itoa(len(files)) + " instances refused", Hint: "see the failure reasons, and the server's log"}
	}
	return res, nil
}

// checkFile refuses a path that is not a readable DICOM Part-10 file,
// and returns its size.
func checkFile(p string) (int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	head := make([]byte, 132)
	if _, err := io.ReadFull(f, head); err != nil || checkPart10(head) != nil {
		return 0, &os.PathError{Op: "store", Path: p, Err: errNotPart10}
	}
	return st.Size(), nil
}

// framing is the bytes a multipart/related body of n empty
// application/dicom parts takes: the body's length less its files'.
func framing(boundary string, n int) int64 {
	var cw countWriter
	mw := multipart.NewWriter(&cw)
	mw.SetBoundary(boundary)
	for range n {
		mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/dicom"}})
	}
	mw.Close()
	return cw.n
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }
