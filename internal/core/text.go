package core

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"unicode/utf8"
)

// MaxStoredText is the most of one text (a prompt, a question) that the
// run log and a batch's rows keep: far more than any model's context
// holds, so only a text the runtime refuses anyway is cut.
const MaxStoredText = 1 << 20

// BoundText returns s when it is at most max bytes, else its first max
// bytes (whole characters) and a note saying how much was left out and
// the SHA-256 of the whole text, so that a refused 100 MB question is
// stored as about max bytes however many times it is run.
func BoundText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	sum := sha256.Sum256([]byte(s))
	return s[:cut] + fmt.Sprintf("\n[… %d more bytes not kept; the whole text, %d bytes, has SHA-256 %s]", len(s)-cut, len(s), hex.EncodeToString(sum[:]))
}
