package dicomout

import (
	"crypto/rand"
	"crypto/sha1"
	"fmt"
	"math/big"
	"strings"
)

// UIDs makes the new UIDs of the documents written here. The zero value
// makes 2.25 UIDs: "2.25." and the decimal of a random (version 4) UUID,
// as PS3.5 B.2 allows any application without a root of its own to do.
// With Root set, a UID is the root, a dot and 16 to 20 random digits.
type UIDs struct {
	// Root is the organisation's UID root (e.g. "1.2.826.0.1.3680043.10.1234"),
	// or "" for 2.25 UIDs. Check it with ValidRoot.
	Root string
}

// MaxRootLen is the longest UID root UIDs accepts: it leaves room in
// DICOM's 64 characters for a dot and at least 16 random digits.
const MaxRootLen = 64 - 1 - 16

// ValidRoot reports whether root can be a UID root: at most MaxRootLen
// characters, digits and dots, components without leading zeros. "" is
// valid (2.25 UIDs).
func ValidRoot(root string) error {
	if root == "" {
		return nil
	}
	if len(root) > MaxRootLen {
		return fmt.Errorf("UID root %q is %d characters: at most %d, so that a new UID (the root, a dot and 16 or more random digits) fits DICOM's 64", root, len(root), MaxRootLen)
	}
	if !validUID(root) {
		return fmt.Errorf("UID root %q: use digits and dots only, with no empty component and no leading zero (e.g. 1.2.826.0.1.3680043.10.1234)", root)
	}
	return nil
}

// validUID reports whether s is a UID as PS3.5 9.1 defines it.
func validUID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range strings.Split(s, ".") {
		if c == "" || (len(c) > 1 && c[0] == '0') {
			return false
		}
		for _, r := range c {
			if r < '0' || r > '9' {
				return false
			}
		}
	}
	return true
}

// New returns a new UID, different from every other with overwhelming
// probability. It panics only if the system's random source fails.
func (u UIDs) New() string {
	if u.Root == "" {
		var b [16]byte
		mustRead(b[:])
		b[6] = b[6]&0x0f | 0x40 // version 4
		b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
		return "2.25." + new(big.Int).SetBytes(b[:]).String()
	}
	digits := min(20, 64-len(u.Root)-1)
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	low := new(big.Int).Div(limit, big.NewInt(10))
	n, err := rand.Int(rand.Reader, new(big.Int).Sub(limit, low))
	if err != nil {
		panic(fmt.Sprintf("dicomout: random source: %v", err))
	}
	return u.Root + "." + n.Add(n, low).String() // exactly digits digits, no leading zero
}

// ImplementationClassUID names this writer in a file's meta information:
// the root followed by ".1" (no random UID has a one-digit last
// component), or with no root the 2.25 form of the name-based (version 5)
// UUID of the workbench's module path, the same on every machine.
func (u UIDs) ImplementationClassUID() string {
	if u.Root != "" {
		return u.Root + ".1"
	}
	return implementationUUID
}

// implementationUUID is the 2.25 UID of the UUID v5 of modulePath in the
// RFC 4122 URL namespace.
var implementationUUID = func() string {
	ns := []byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte(modulePath))
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return "2.25." + new(big.Int).SetBytes(b).String()
}()

// modulePath names the implementation.
const modulePath = "https://github.com/medgemma-workbench/medgemma-workbench"

// implementationVersionName is ImplementationVersionName (SH, 16
// characters at most) for the app's version.
func implementationVersionName(version string) string {
	v := "MGWB_" + version
	if version == "" {
		v = "MGWB"
	}
	if len(v) > 16 {
		v = v[:16]
	}
	return v
}

func mustRead(b []byte) {
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("dicomout: random source: %v", err))
	}
}
