//go:build !tour

package app

import (
	"context"

	"fyne.io/fyne/v2"

	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

// startTour does nothing: the screenshot tour (gui_tour.go) is built only
// with the tour tag, as scripts/screenshots.sh builds it.
func startTour(context.Context, fyne.App, *ui.Workbench, *Services) {}
