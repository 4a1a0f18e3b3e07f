package ui

import (
	"context"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// OpenStudy really opens path, unless the fake is told to fail.
func (f *fakeBackend) OpenStudy(ctx context.Context, path string) ([]*dicomview.Series, []error, error) {
	f.mu.Lock()
	err := f.openErr
	f.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	return dicomview.OpenSeries(path)
}

// Attributes really reads the file's attributes.
func (f *fakeBackend) Attributes(ctx context.Context, path string) ([]dicomview.Attribute, error) {
	return dicomview.Attributes(path)
}
