// Package batch runs prompts over many studies and scores the answers.
//
// A batch is a list of items (from a JSON Lines or CSV manifest, a folder
// or a ZIP of images), a prompts file with named templates, one or more
// models and a number of repetitions. Every (item, prompt, model,
// repetition) is one run, identified by a key that hashes the input files,
// the prompt as sent, the model and the options, so that a batch run again
// skips what is already done. Results are appended to a JSON Lines file one
// run at a time (synced to disk, so a crash loses at most the runs in
// flight) and, at the end, rewritten in a stable order with a CSV copy.
//
// Eval scores a result file with the metrics of MedGemma's model card:
// exact match, multiple-choice accuracy, yes/no accuracy and tokenized F1,
// each with a bootstrap 95% confidence interval over items, reproducible
// from a fixed seed.
package batch
