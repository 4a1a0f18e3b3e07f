package app

import (
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/netaddr"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

// burnInWarning is the one-line warning printed before images whose pixels
// may carry burned-in annotations (core.StudyInfo.BurnInRisk) go to
// a server that is not this machine; "" when none applies. It names
// neither the files nor the patient.
func burnInWarning(server string, images []core.Image) string {
	if server == "" || netaddr.IsLocal(server) {
		return ""
	}
	n := 0
	for _, im := range images {
		if im.Study.BurnInRisk() {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	what := "an image whose pixels"
	if n > 1 {
		what = "images whose pixels"
	}
	return "warning: sending " + what + " may contain burned-in annotations (names, IDs, dates in the image) to " +
		redact.URL(server) + ", which is not this machine; check them or use a local runtime"
}
