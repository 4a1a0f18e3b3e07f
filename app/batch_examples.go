package app

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// This file is the Batch tab's "New from example…": a commented sample
// manifest and prompts file, written for the researcher to edit, that
// say what goes in each.

// exampleManifestName and examplePromptsName are the sample files' names.
const (
	exampleManifestName = "example-manifest.jsonl"
	examplePromptsName  = "example-prompts.yaml"
)

// exampleManifest runs as it is (its items are text-only); the image
// item shows the form, commented out until its file is there.
const exampleManifest = `# A batch manifest: one JSON object a line; lines starting with # are comments.
#   "id"       a name for the item, unique in the manifest (rows and scores use it)
#   "images"   image files (DICOM, PNG, JPEG, or a folder or ZIP of one series),
#              relative to this file; leave it out for a text-only question
#   "question" fills {{question}} in the prompts' templates
#   "answer"   the reference that eval scores against: an option's letter or
#              text for multiple choice, yes/no, a short answer, or boxes
#              [{"box_2d": [y0, x0, y1, x1], "label": "..."}] (0-1000) for iou
#   "choices"  the options of a multiple-choice question, filling {{choices}}
#   any other field (answer_type, organ, modality, ...) is metadata carried into
#   the rows: eval --by FIELD gives one score per value of it.
# "dataset import" writes a manifest like this from VQA-RAD, SLAKE, MedQA,
# MedMCQA or PubMedQA as published.
#
# An image question (put chest.dcm next to this file, then remove the #):
# {"id": "cxr-1", "images": ["chest.dcm"], "question": "Is there a pleural effusion?", "answer": "no", "answer_type": "closed", "organ": "chest"}
{"id": "mcq-1", "question": "Which vitamin deficiency causes scurvy?", "choices": ["Vitamin A", "Vitamin C", "Vitamin D", "Vitamin K"], "answer": "B", "subject": "biochemistry"}
{"id": "yesno-1", "question": "Is metformin a first-line drug for type 2 diabetes?", "answer": "yes", "answer_type": "closed", "subject": "pharmacology"}
`

const examplePrompts = `# A prompts file: a system prompt and one or more named prompts. Every prompt
# is asked of every item with every model; rows record the prompt's name and
# version, so eval --paired compares prompts on the same items.
system: You are a helpful medical assistant.
prompts:
  # {{question}}, {{choices}} (one "A. text" line per option) and {{id}} are
  # filled from each item; a line left empty by them is dropped.
  - name: direct
    template: |
      {{question}}
      {{choices}}
      Answer with the letter of the correct option, or yes or no.
  # Optional per prompt: system (replaces the one above), recipe (a model-input
  # recipe, e.g. medgemma-cxr, that makes the images and lays out the text;
  # recipes need items with images), schema (a JSON Schema file the answer
  # must fit; eval --field NAME then scores one of its fields).
  - name: reasoned
    system: You are an expert clinician. Think step by step, then answer.
    template: |
      {{question}}
      {{choices}}
      End with "Answer: X".
`

// WriteExamples writes the sample manifest and prompts file into dir
// and returns their paths; it does not overwrite files already there.
// See ui.BatchBackend.
func (s *Services) WriteExamples(ctx context.Context, dir string) (manifest, prompts string, err error) {
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	manifest, prompts = filepath.Join(dir, exampleManifestName), filepath.Join(dir, examplePromptsName)
	for _, p := range []string{manifest, prompts} {
		if _, err := os.Stat(p); err == nil {
			return "", "", &os.PathError{Op: "write", Path: p, Err: fs.ErrExist}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", "", err
		}
	}
	if err := writeFileAtomic(manifest, []byte(exampleManifest)); err != nil {
		return "", "", err
	}
	if err := writeFileAtomic(prompts, []byte(examplePrompts)); err != nil {
		return "", "", err
	}
	return manifest, prompts, nil
}
