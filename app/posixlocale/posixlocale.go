// Package posixlocale clears the POSIX "C" locale from the environment
// before Fyne's packages initialise: Fyne cannot parse "C" (or "C.UTF-8") as a language
// tag and logs an error to stderr at start-up, which would break the CLI's
// one-line error contract. The app package imports it for its side effect; it has
// no dependencies beyond os, so Go initialises it before Fyne's widgets.
package posixlocale

import (
	"os"
	"strings"
)

func init() {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(k)
		lang, _, _ := strings.Cut(v, ".") // "C.UTF-8" → "C"
		if lang == "C" || lang == "POSIX" {
			os.Unsetenv(k)
		}
	}
}
