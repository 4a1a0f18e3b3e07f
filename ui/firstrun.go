package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Texts of the first-run card and the runtime set-up dialog.
const (
	firstRunTitle = "No models yet — get MedGemma"
	firstRunText  = "The workbench runs MedGemma in a local Ollama runtime. Choose one way to get a model:\n\n" +
		"• Online: pull MedGemma from the Ollama registry (about 3 GB for the 4B model).\n" +
		"• From files: import a Hugging Face download of google/medgemma-4b-it " +
		"(accept its licence on Hugging Face first; config.json, *.safetensors and the tokenizer files), " +
		"optionally quantized to q8_0 or q4_K_M.\n" +
		"• Offline demo: a tiny model with MedGemma's architecture and random weights — its output is noise. " +
		"It lets you try the whole workbench without the real weights."
	runtimeMissingText = "The workbench could not find the Ollama runtime it manages, so it cannot run models yet.\n\n" +
		"To set it up, run " + core.SetupCommand + " in the medgemma-workbench source folder " +
		"(it builds Ollama " + core.RuntimeVersion + " once, about 5 minutes), then start the workbench again.\n\n" +
		"Or, if an ollama binary is already on this machine, name it: start the workbench with --ollama-bin /path/to/ollama, " +
		"or give it in Settings → Runtime binary and start the workbench again.\n\n" +
		"Or use an Ollama server that is already running: Settings → Runtime → Attach, give its URL, " +
		"and start the workbench again."
)

// newFirstRunCard is the card shown when the runtime has no models, with
// a button for each way to get one.
func newFirstRunCard(onPull, onImport, onDemo func()) *fyne.Container {
	text := widget.NewLabel(firstRunText)
	text.Wrapping = fyne.TextWrapWord
	pull := widget.NewButtonWithIcon("Pull "+pullSuggestions[0]+" (online)", theme.DownloadIcon(), onPull)
	pull.Importance = widget.HighImportance
	imp := widget.NewButtonWithIcon("Import a Hugging Face download…", theme.FolderOpenIcon(), onImport)
	demo := widget.NewButtonWithIcon(demoButtonText, theme.ComputerIcon(), onDemo)
	return container.NewVBox(
		widget.NewLabelWithStyle(firstRunTitle, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		text, pull, imp, demo,
	)
}

// showFirstRun opens a dialog with the first-run card; each button closes
// it and starts its action on the Models tab, after show brings the tab
// forward.
func showFirstRun(win fyne.Window, p *ModelsPanel, show func()) dialog.Dialog {
	var d dialog.Dialog
	then := func(fn func()) func() {
		return func() {
			d.Hide()
			if show != nil {
				show()
			}
			fn()
		}
	}
	card := newFirstRunCard(then(p.pullMedGemma), then(func() { p.showImport(importFromFolder) }), then(p.InstallDemo))
	d = dialog.NewCustom("Welcome to MedGemma Workbench", "Later", card, win)
	d.Resize(fyne.NewSize(640, 420))
	d.Show()
	return d
}

// showRuntimeMissing says that the managed runtime is not set up and how
// to set it up or attach to a server instead; "Attach to a server…"
// calls settings.
func showRuntimeMissing(win fyne.Window, err error, settings func()) dialog.Dialog {
	text := widget.NewLabel(runtimeMissingText)
	text.Wrapping = fyne.TextWrapWord
	detail := widget.NewLabel(errorMessage(err))
	detail.Wrapping = fyne.TextWrapWord
	detail.Importance = widget.LowImportance
	detail.Selectable = true
	d := dialog.NewCustomConfirm("Runtime not set up", "Attach to a server…", "Close",
		container.NewVBox(text, detail), func(attach bool) {
			if attach && settings != nil {
				settings()
			}
		}, win)
	d.Resize(fyne.NewSize(640, 400))
	d.Show()
	return d
}
