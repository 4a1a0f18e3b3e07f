package history

import (
	"context"
	"database/sql"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// schema returns every schema object in db, ordered by name.
func schema(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var objs []string
	for rows.Next() {
		var typ, name, table, sql string
		if err := rows.Scan(&typ, &name, &table, &sql); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, typ+" "+name+" on "+table+": "+sql)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return objs
}

func userVersion(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// openRaw opens path with the store's settings but does not migrate it.
func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	dsn, err := dsn(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// seedV1 writes one session, image and run the way a version 1 app did,
// with SQL pinned to the version 1 schema, so that later steps are tested
// against a database that holds data.
const seedV1 = `
INSERT INTO sessions (id, started_at, kind, app_version, platform)
VALUES (1, '2025-01-01T00:00:00.000000000Z', 'gui', '0.1.0', 'linux/amd64');
INSERT INTO images (sha256, stored_at, source, frame, window_center, window_width, encoding, width, height, png)
VALUES ('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '2025-01-01T00:00:01.000000000Z',
	'ct.dcm', 0, 40, 400, 'gray8', 0, 0, x'');
INSERT INTO runs (id, session_id, started_at, finished_at, source, system, prompt, model, model_digest,
	runtime_version, options, output, prompt_eval_count, eval_count, total_duration_ns, load_duration_ns,
	prompt_eval_duration_ns, eval_duration_ns, first_token_ns, done_reason, status, error)
VALUES (7, 1, '2025-01-01T00:00:02.000000000Z', '2025-01-01T00:00:03.000000000Z', 'ct.dcm', '', 'Describe.',
	'medgemma:4b', 'sha256:abc', '0.17.4', '{"num_ctx":8192}', 'Normal.', 10, 2, 1000000000, 0, 0, 0, 0,
	'stop', 'ok', '');
INSERT INTO run_images (run_id, position, image_sha256)
VALUES (7, 0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
`

// TestMigrateStepwiseEqualsFresh migrates a version 1 database that holds
// data one step at a time, as users' files will be, and checks that it ends
// with the same schema as a fresh database and that its data still reads.
func TestMigrateStepwiseEqualsFresh(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	fresh, err := Open(filepath.Join(dir, "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if v := userVersion(t, fresh.db); v != len(migrations) {
		t.Fatalf("fresh database at version %d, want %d", v, len(migrations))
	}

	oldPath := filepath.Join(dir, "old.db")
	old := openRaw(t, oldPath)
	for v := 1; v <= len(migrations); v++ {
		if err := migrate(ctx, old, migrations, v); err != nil {
			t.Fatalf("migrate to %d: %v", v, err)
		}
		if got := userVersion(t, old); got != v {
			t.Fatalf("after migrating to %d, user_version = %d", v, got)
		}
		if v == 1 {
			if _, err := old.Exec(seedV1); err != nil {
				t.Fatalf("seed version 1: %v", err)
			}
		}
	}
	if got, want := schema(t, old), schema(t, fresh.db); !reflect.DeepEqual(got, want) {
		t.Errorf("migrated schema differs from fresh:\nmigrated:\n%s\nfresh:\n%s",
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	old.Close()

	// Opening the migrated file is a no-op and its data reads back.
	s, err := Open(oldPath)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.Run(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if r.SessionID != 1 || r.Options.NumCtx != 8192 || len(r.ImageSHA256) != 1 || r.Output != "Normal." {
		t.Errorf("seeded run read back as %+v", r)
	}
	// Version 3 indexed the runs already there for full-text search.
	found, err := s.Search(ctx, core.Filter{Text: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].ID != 7 {
		t.Errorf("search of the migrated database found %d runs, want run 7", len(found))
	}
}

func TestOpenNewerSchemaFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	db := openRaw(t, path)
	if _, err := db.Exec(`PRAGMA user_version = 1000`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a database from a newer app: error = %v, want one saying it is newer", err)
	}
}
