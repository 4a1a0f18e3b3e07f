package app

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/batch/evalreport"
	"github.com/medgemma-workbench/medgemma-workbench/internal/digest"
)

// reportFormat is an evaluation report's format by its file's extension:
// "html" or "pdf".
func reportFormat(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".html", ".htm":
		return "html", nil
	case ".pdf":
		return "pdf", nil
	default:
		return "", fmt.Errorf("%s: want a .html or .pdf file", path)
	}
}

// writeEvalReport writes the evaluation report of the rows of the result
// file at src to path, as HTML or PDF by its extension.
func writeEvalReport(path, src string, rows []batch.Row, opt batch.EvalOptions) error {
	format, err := reportFormat(path)
	if err != nil {
		return err
	}
	sum, err := digest.File(src)
	if err != nil {
		return fmt.Errorf("hash %s: %w", src, err)
	}
	doc, err := evalreport.Build(rows, evalreport.Options{Eval: opt, Source: src,
		SourceSHA256: strings.TrimPrefix(sum, "sha256:"), AppVersion: Version})
	if err != nil {
		return err
	}
	render := evalreport.HTML
	if format == "pdf" {
		render = evalreport.PDF
	}
	b, err := render(doc)
	if err != nil {
		return fmt.Errorf("report %s: %w", path, err)
	}
	return writeFileAtomic(path, b)
}
