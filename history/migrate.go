package history

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema's numbered steps: migrations[i] takes a database
// from user_version i to i+1, and a fresh database runs them all. Append new
// steps; never edit one that has shipped. A step runs in one transaction with
// its version bump, so it either applies whole or not at all.
//
// Conventions for later steps: times are fixed-width UTC text (timeLayout),
// durations INTEGER nanoseconds in *_ns columns, large BLOBs last in their
// row, and no CHECK on values that may grow (such as statuses), because
// SQLite can only change a CHECK by rebuilding the table.
var migrations = []string{
	// 1: sessions, content-addressed images, runs and the images each run sent.
	`
CREATE TABLE sessions (
	id          INTEGER PRIMARY KEY,
	started_at  TEXT NOT NULL,
	kind        TEXT NOT NULL,
	app_version TEXT NOT NULL,
	platform    TEXT NOT NULL
);

CREATE TABLE images (
	sha256        TEXT PRIMARY KEY CHECK (length(sha256) = 64),
	stored_at     TEXT NOT NULL,
	source        TEXT NOT NULL,
	frame         INTEGER NOT NULL,
	window_center REAL NOT NULL,
	window_width  REAL NOT NULL,
	encoding      TEXT NOT NULL,
	width         INTEGER NOT NULL,
	height        INTEGER NOT NULL,
	png           BLOB NOT NULL
);

CREATE TABLE runs (
	id                      INTEGER PRIMARY KEY,
	session_id              INTEGER REFERENCES sessions (id),
	started_at              TEXT NOT NULL,
	finished_at             TEXT,
	source                  TEXT NOT NULL,
	system                  TEXT NOT NULL,
	prompt                  TEXT NOT NULL,
	model                   TEXT NOT NULL,
	model_digest            TEXT NOT NULL,
	runtime_version         TEXT NOT NULL,
	options                 TEXT NOT NULL,
	output                  TEXT NOT NULL,
	prompt_eval_count       INTEGER NOT NULL,
	eval_count              INTEGER NOT NULL,
	total_duration_ns       INTEGER NOT NULL,
	load_duration_ns        INTEGER NOT NULL,
	prompt_eval_duration_ns INTEGER NOT NULL,
	eval_duration_ns        INTEGER NOT NULL,
	first_token_ns          INTEGER NOT NULL,
	done_reason             TEXT NOT NULL,
	status                  TEXT NOT NULL,
	error                   TEXT NOT NULL
);
CREATE INDEX runs_session_id ON runs (session_id);

CREATE TABLE run_images (
	run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	position     INTEGER NOT NULL CHECK (position >= 0),
	image_sha256 TEXT NOT NULL REFERENCES images (sha256),
	PRIMARY KEY (run_id, position)
) WITHOUT ROWID;
CREATE INDEX run_images_image_sha256 ON run_images (image_sha256);
`,
	// 2: the history list reads the newest runs first.
	`CREATE INDEX runs_started_at ON runs (started_at, id);`,
	// 3: studies keyed by a salted hash of the StudyInstanceUID (the salt is
	// made once per database), the run↔study link, separated thinking text,
	// rating and notes, the source path of each image (local only, never
	// exported without --include-phi), the owner process of each session
	// (to tell a crashed run from one still going), comparisons, prompt
	// templates and full-text search over prompts, answers and notes.
	`
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('study_salt', lower(hex(randomblob(32))));

CREATE TABLE studies (
	key         TEXT PRIMARY KEY CHECK (length(key) = 64),
	first_seen  TEXT NOT NULL,
	modality    TEXT NOT NULL,
	description TEXT NOT NULL
) WITHOUT ROWID;

ALTER TABLE sessions ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN proc_start TEXT NOT NULL DEFAULT '';

ALTER TABLE runs ADD COLUMN study_key TEXT REFERENCES studies (key);
ALTER TABLE runs ADD COLUMN thinking TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN rating INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
CREATE INDEX runs_study_key ON runs (study_key);
CREATE INDEX runs_model ON runs (model, started_at);
CREATE INDEX runs_status ON runs (status) WHERE status = 'running';

ALTER TABLE run_images ADD COLUMN source_path TEXT NOT NULL DEFAULT '';

CREATE TABLE comparisons (
	id         INTEGER PRIMARY KEY,
	created_at TEXT NOT NULL,
	title      TEXT NOT NULL,
	notes      TEXT NOT NULL
);
CREATE TABLE comparison_runs (
	comparison_id INTEGER NOT NULL REFERENCES comparisons (id) ON DELETE CASCADE,
	position      INTEGER NOT NULL CHECK (position >= 0),
	run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	PRIMARY KEY (comparison_id, position)
) WITHOUT ROWID;
CREATE INDEX comparison_runs_run_id ON comparison_runs (run_id);

CREATE TABLE prompt_templates (
	name       TEXT PRIMARY KEY,
	system     TEXT NOT NULL,
	prompt     TEXT NOT NULL,
	updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE VIRTUAL TABLE runs_fts USING fts5 (
	system, prompt, output, notes,
	content = 'runs', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO runs_fts (rowid, system, prompt, output, notes) SELECT id, system, prompt, output, notes FROM runs;
CREATE TRIGGER runs_fts_insert AFTER INSERT ON runs BEGIN
	INSERT INTO runs_fts (rowid, system, prompt, output, notes) VALUES (new.id, new.system, new.prompt, new.output, new.notes);
END;
CREATE TRIGGER runs_fts_delete AFTER DELETE ON runs BEGIN
	INSERT INTO runs_fts (runs_fts, rowid, system, prompt, output, notes) VALUES ('delete', old.id, old.system, old.prompt, old.output, old.notes);
END;
CREATE TRIGGER runs_fts_update AFTER UPDATE OF system, prompt, output, notes ON runs BEGIN
	INSERT INTO runs_fts (runs_fts, rowid, system, prompt, output, notes) VALUES ('delete', old.id, old.system, old.prompt, old.output, old.notes);
	INSERT INTO runs_fts (rowid, system, prompt, output, notes) VALUES (new.id, new.system, new.prompt, new.output, new.notes);
END;
`,
	// 4: whether the run's pixels may carry burned-in annotations (names,
	// IDs, dates drawn into the image), from the source files'
	// BurnedInAnnotation: reports and exports say so.
	`ALTER TABLE runs ADD COLUMN burn_in_risk INTEGER NOT NULL DEFAULT 0;`,
	// 5: the model-input recipe a run used (name, version, hash of its
	// parameters, and the recipe itself as JSON, for re-runs), the labels
	// of its images in order and their source sizes and fits, and the localization boxes read from its
	// answer, in source pixels (JSON).
	`ALTER TABLE runs ADD COLUMN recipe TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN recipe_version TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN recipe_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN recipe_json TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN image_labels TEXT NOT NULL DEFAULT '[]';
ALTER TABLE runs ADD COLUMN image_geometry TEXT NOT NULL DEFAULT '[]';
ALTER TABLE runs ADD COLUMN boxes TEXT NOT NULL DEFAULT '[]';
CREATE INDEX runs_recipe ON runs (recipe);`,
	// 6: structured answers: the hash of the JSON Schema the answer was
	// asked to fit, and whether it did (NULL: no schema) and why not.
	`ALTER TABLE runs ADD COLUMN schema_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN schema_valid INTEGER;
ALTER TABLE runs ADD COLUMN schema_error TEXT NOT NULL DEFAULT '';`,
	// 7: prompt versions. A run records the version of the prompt it
	// asked (core.PromptVersion); a template keeps its schema and recipe,
	// and every saved edit of it is kept in prompt_template_versions. A
	// template saved before has version '' and no row there: the store
	// names it when it reads it (it needs SHA-256) and lists it as its
	// only version.
	`ALTER TABLE runs ADD COLUMN prompt_version TEXT NOT NULL DEFAULT '';
CREATE INDEX runs_prompt_version ON runs (prompt_version);
ALTER TABLE prompt_templates ADD COLUMN schema TEXT NOT NULL DEFAULT '';
ALTER TABLE prompt_templates ADD COLUMN recipe TEXT NOT NULL DEFAULT '';
ALTER TABLE prompt_templates ADD COLUMN version TEXT NOT NULL DEFAULT '';
CREATE TABLE prompt_template_versions (
	name       TEXT NOT NULL,
	version    TEXT NOT NULL,
	system     TEXT NOT NULL,
	prompt     TEXT NOT NULL,
	schema     TEXT NOT NULL,
	recipe     TEXT NOT NULL,
	created_at TEXT NOT NULL,
	PRIMARY KEY (name, version)
) WITHOUT ROWID;`,
	// 8: per run image, the salted hash of its source instance's
	// SOPInstanceUID (never the UID), so that a DICOM document written
	// back can check that the source file still holds that instance.
	`ALTER TABLE run_images ADD COLUMN source_key TEXT NOT NULL DEFAULT '';`,
	// 9: the regions measured when the run was made (core.Measurement,
	// JSON): where, and their mean, SD, least and greatest value.
	`ALTER TABLE runs ADD COLUMN measurements TEXT NOT NULL DEFAULT '[]';`,
	// 10: the codec step an image went through before its resize to
	// 896×896 ("jpeg q75", as Google's CT notebook) and the SHA-256 of
	// that step's bytes; '' for a lossless image.
	`ALTER TABLE images ADD COLUMN codec TEXT NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN codec_sha256 TEXT NOT NULL DEFAULT '';`,
}

// migrate brings db up to schema version target by applying steps one at a
// time, each in its own IMMEDIATE transaction that re-reads the version, so
// two processes opening the same file at once apply each step once. It fails
// on a database newer than len(steps), which an older app must not touch.
func migrate(ctx context.Context, db *sql.DB, steps []string, target int) error {
	for {
		done, err := migrateStep(ctx, db, steps, target)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the next step towards target and reports whether the
// database was already there.
func migrateStep(ctx context.Context, db *sql.DB, steps []string, target int) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()

	var v int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return false, fmt.Errorf("migrate: read schema version: %w", err)
	}
	if v > len(steps) {
		return false, fmt.Errorf("schema version %d is newer than this app's %d; update the workbench", v, len(steps))
	}
	if v >= target {
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
		return false, fmt.Errorf("migrate to schema version %d: %w", v+1, err)
	}
	// PRAGMA takes no parameters; v+1 is an int, so formatting is safe.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v+1)); err != nil {
		return false, fmt.Errorf("migrate to schema version %d: %w", v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate to schema version %d: %w", v+1, err)
	}
	return false, nil
}
