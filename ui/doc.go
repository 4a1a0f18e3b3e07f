// Package ui is the MedGemma Workbench window: it opens a DICOM or PNG
// image, lets the researcher window it, shows the exact 896×896 image
// MedGemma will receive, sends it with a system prompt and a prompt to a
// model, and streams the answer in.
//
// The package does no I/O of its own. It reaches files, models and the
// runtime through the small Backend interface it declares; blocking calls
// run in goroutines and every change to a widget goes through fyne.Do.
package ui
