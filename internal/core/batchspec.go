package core

// BatchSpec is a batch to run as the window's Batch tab and the command
// line both describe it: its items, prompts, models, counts, result file
// and generation options. The services' spec (app.BatchSpec) embeds it
// and adds what only the command line gives: endpoints, offline batch
// files, the CSV copy's name, the image preparation, retries.
type BatchSpec struct {
	// Manifest is a JSON Lines or CSV manifest; Images, instead, a folder
	// or ZIP archive of images, one item per file. One of them is set.
	Manifest, Images string
	// Prompts is a YAML or JSON prompts file.
	Prompts string
	// Models are the models to run; none means the default model, which
	// an endpoint does not have.
	Models []string
	// Repeat is the repetitions of each (item, prompt, model) and
	// Concurrency the runs in flight at once; both at least 1.
	Repeat, Concurrency int
	// Out is the JSON Lines result file. A batch always resumes: the runs
	// Out already holds are skipped. Its CSV copy is written next to it,
	// with the extension .csv, unless the command line names another.
	Out string
	// Options are the generation options of every run.
	Options Options
}

// BatchResult is how a batch ended.
type BatchResult struct {
	// BatchSummary counts the runs of this time.
	BatchSummary
	// Runs is the batch's number of runs, Skipped of them were done
	// before, and Rows is the number of rows in the result file.
	Runs, Skipped, Rows int
	// Out and CSV are the result file and its CSV copy.
	Out, CSV string
}
