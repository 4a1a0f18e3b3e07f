//go:build !sqlite_fts5

package history

// The history's full-text search needs SQLite's FTS5, which go-sqlite3
// compiles in only with the build tag sqlite_fts5. Without it every
// history command would fail at run time ("no such module: fts5"); this
// stops the build instead, with the fix as the name of the missing
// identifier.
var _ = build_with_go_flag__tags_sqlite_fts5
