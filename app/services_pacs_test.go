package app

import (
	"errors"
	"fmt"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/pacs"
)

// TestIsPACSError: a server's error is the server's however deeply it
// is wrapped; anything else is a refusal before a request was sent.
func TestIsPACSError(t *testing.T) {
	perr := &pacs.Error{Server: "http://pacs.example", Op: "find studies", Kind: pacs.ErrUnreachable, Detail: "connection refused"}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"as returned", perr, true},
		{"wrapped", fmt.Errorf("find: %w", perr), true},
		{"wrapped twice", fmt.Errorf("pacs: %w", fmt.Errorf("find: %w", perr)), true},
		{"refused", errors.New("query: a date range needs YYYYMMDD"), false},
		{"nil", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := isPACSError(c.err); got != c.want {
				t.Errorf("isPACSError(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}
