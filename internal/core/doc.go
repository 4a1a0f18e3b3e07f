// Package core is the workbench's vocabulary: the plain data that passes
// between the window and the services behind it. A model request and its
// result, generation options, a run's status, the image a model receives
// and its study facts, the facts of a model, pull and import progress, the
// runtime's state, a recorded run and the filter that finds it, a
// comparison, a prompt template, a batch's progress, summary and
// scores, and a PACS's server, query, studies, series, retrieve progress
// and store result.
//
// It holds data and the small pure methods on it, nothing else: it does no
// I/O and imports only the standard library's pure packages, so that ui
// can use these types without importing inference (HTTP, child
// processes), history (SQL) or batch. Every package spells these types
// core.X; only batch, and the few aliases kept for it in inference and
// history (inference.Request = core.Request), spell some otherwise.
package core
