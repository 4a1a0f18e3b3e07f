package pacs_test

import (
	"os"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/pacs/pacstest"
)

func TestMain(m *testing.M) { os.Exit(pacstest.Main(m)) }

func TestSmoke(t *testing.T) {
	s := pacstest.Shared(t)
	out, err := s.REST("GET", "/dicom-web/studies", nil)
	t.Logf("%s %v", out[:min(len(out), 3000)], err)
}
