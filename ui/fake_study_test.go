package ui

import (
	"context"
	"fmt"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// OpenStudy really opens path, unless the fake is told to fail.
func (f *fakeBackend) OpenStudy(ctx context.Context, path string, progress func(int)) ([]*dicomview.Series, []error, error) {
	f.mu.Lock()
	err, gate := f.openErr, f.openGate
	f.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	if gate != nil {
		progress(1)
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("open %s: %w", path, ctx.Err())
		}
	}
	return dicomview.OpenSeriesContext(ctx, path, progress)
}

// Attributes really reads the file's attributes.
func (f *fakeBackend) Attributes(ctx context.Context, path string) ([]dicomview.Attribute, error) {
	return dicomview.Attributes(path)
}
