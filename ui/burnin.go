package ui

import (
	"net/url"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/netaddr"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

// remoteServer returns the host the runtime sends requests to when it is
// not this machine: an attached server whose URL is not a loopback
// address. A managed runtime listens on 127.0.0.1 only.
func remoteServer(st core.State) (host string, remote bool) {
	if st.Mode != "attached" || st.URL == "" {
		return "", false
	}
	if netaddr.IsLocal(st.URL) {
		return "", false
	}
	if u, err := url.Parse(st.URL); err == nil && u.Host != "" {
		return u.Host, true
	}
	return redact.URL(st.URL), true
}

// burnInMessage is the warning shown before pixels that may carry
// burned-in text leave the machine.
func burnInMessage(host string) string {
	return "This image may contain burned-in annotations — names, IDs or dates written into its pixels " +
		"(BurnedInAnnotation is YES, or absent on a modality that often burns text in). " +
		"The runtime in use is on another machine (" + host + "): the pixels would be sent there. " +
		"Send them anyway? The run is marked in history and in reports."
}

// confirmBurnIn calls send at once when the shown image's pixels may be
// sent where the runtime is, and otherwise asks the user first (once per
// image).
func (cv *compareView) confirmBurnIn(send func()) {
	im := cv.source.shown()
	if im == nil || !im.Info.BurnInRisk() || cv.burnInConfirmed == im {
		send()
		return
	}
	host, remote := remoteServer(cv.backend.RuntimeState())
	if !remote {
		send()
		return
	}
	text := widget.NewLabel(burnInMessage(host))
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("Burned-in annotations", "Send", "Cancel", text, func(ok bool) {
		if ok {
			cv.burnInConfirmed = im
			send()
		}
	}, cv.env.win)
	d.Resize(fyne.NewSize(errorDialogWidth+60, 280))
	d.Show()
}
