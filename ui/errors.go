package ui

import (
	"context"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

// errorDialogWidth is the width the error dialog wraps its text to.
const errorDialogWidth = 520

// errorMessage is how err reads in a dialog: a sentence that starts with
// a capital, with any credentials in its URLs masked. The error itself
// names the file or model and what to do.
func errorMessage(err error) string {
	msg := redact.Text(strings.TrimSpace(err.Error()))
	if r, n := utf8.DecodeRuneInString(msg); n > 0 {
		msg = string(unicode.ToUpper(r)) + msg[n:]
	}
	return msg
}

// isCancel reports whether err is a cancellation (Stop, Cancel, or the
// window closing) rather than a failure: the one test the window makes.
func isCancel(err error) bool {
	return errors.Is(err, context.Canceled)
}

// showError shows err in a dialog on win, its text wrapped and
// selectable. A cancellation is no error: nothing is shown for it. It
// returns the dialog, or nil.
func showError(win fyne.Window, err error) dialog.Dialog {
	if err == nil || isCancel(err) {
		return nil
	}
	text := widget.NewLabel(errorMessage(err))
	text.Wrapping = fyne.TextWrapWord
	text.Selectable = true
	d := dialog.NewCustom("Error", "OK", container.NewVScroll(text), win)
	d.Resize(fyne.NewSize(errorDialogWidth+60, 260))
	d.Show()
	return d
}
