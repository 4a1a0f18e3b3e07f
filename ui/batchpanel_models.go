package ui

import (
	"slices"

	"fyne.io/fyne/v2/widget"
)

// batchModels are the runtime's models as check boxes: those checked
// run, the first of them a model-card row.
type batchModels struct {
	models    *widget.CheckGroup
	modelHint *widget.Label // none installed, or why they could not be listed
	modelsSeq int           // the latest listing asked for
}

// newModels makes the check boxes, empty until refreshModels.
func (m *batchModels) newModels() {
	m.models = widget.NewCheckGroup(nil, nil)
	m.models.Horizontal = true
	m.modelHint = widget.NewLabel("")
	m.modelHint.Hide()
}

// refreshModels lists the runtime's models as check boxes, keeping the
// checked ones, and checks the first when none is.
func (b *batchPanel) refreshModels() {
	if len(b.bench.rows) == 0 {
		b.refreshBenchmarks()
	}
	b.modelsSeq++
	seq := b.modelsSeq
	ctx, cancel := b.env.opContext()
	go func() {
		defer cancel()
		models, err := b.backend.Models(ctx)
		b.env.do(func() {
			if seq != b.modelsSeq {
				return
			}
			if err != nil {
				setShown(b.modelHint, "The runtime's models could not be listed: "+err.Error())
				return
			}
			var names []string
			for _, m := range models {
				names = append(names, m.Name)
			}
			b.setModels(names)
		})
	}()
}

// setModels offers names, keeping those checked that are still there.
func (m *batchModels) setModels(names []string) {
	var keep []string
	for _, n := range m.models.Selected {
		if slices.Contains(names, n) {
			keep = append(keep, n)
		}
	}
	if len(keep) == 0 && len(names) > 0 {
		keep = names[:1]
	}
	m.models.Options = names
	m.models.Selected = keep
	m.models.Refresh()
	if len(names) == 0 {
		setShown(m.modelHint, "No models installed: get one in the Models tab.")
	} else {
		setShown(m.modelHint, "")
	}
}
