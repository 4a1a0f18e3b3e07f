package core

// EvalTable is a table of an evaluation report (batch/evalreport): a
// header, rows of text cells and a note under it. The report renders it
// as HTML or PDF; the Batch tab shows it under the scores.
type EvalTable struct {
	Header []string
	Rows   [][]string
	// Note is a line under the table.
	Note string
}

// EvalFigure is a plot of an evaluation report as PNG bytes, and its
// caption.
type EvalFigure struct {
	PNG     []byte
	Caption string
}

// EvalSection is one of the evaluation report's tables beyond the scores
// as the Batch tab shows it: its title, the table and its plot.
type EvalSection struct {
	Title string
	EvalTable
	// Figure is the section's plot; nil: none.
	Figure *EvalFigure
}
