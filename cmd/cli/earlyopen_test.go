package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/duckdb"
)

// TestEarlyOpenOutcomes: opening the target while the project compiles
// changes nothing the user sees. A compile error is reported as before and
// creates no database file; a project that compiles runs; with nothing
// selected nothing runs.
func TestEarlyOpenOutcomes(t *testing.T) {
	dir := duckProject(t, map[string]string{"models/a.sql": "select {{ 1 + }} as id"})
	db := filepath.Join(dir, "db.duckdb")
	res := kiln(t, dir, nil, "run")
	if res.code != ExitUsage || !strings.Contains(res.all(), "models/a.sql") {
		t.Fatalf("compile error: exit %d\n%s", res.code, res.all())
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Fatalf("a failed compile left a database file behind (stat: %v)", err)
	}
	writeFile(t, filepath.Join(dir, "models/a.sql"), "select 1 as id")
	mustRun(t, dir, nil, "run")
	if res := mustRun(t, dir, nil, "run", "-s", "nothing_here"); !strings.Contains(res.all(), "Nothing to do") {
		t.Errorf("empty selection:\n%s", res.all())
	}
	// The file exists now, so the next run opens it early; its compile
	// error still wins, and the database is closed again.
	writeFile(t, filepath.Join(dir, "models/a.sql"), "select {{ 1 + }} as id")
	if res := kiln(t, dir, nil, "build"); res.code != ExitUsage || !strings.Contains(res.all(), "models/a.sql") || strings.Contains(res.all(), "lock") {
		t.Fatalf("compile error with the database opened early: exit %d\n%s", res.code, res.all())
	}
	if res := kiln(t, dir, nil, "docs", "generate"); res.code != ExitUsage || !strings.Contains(res.all(), "models/a.sql") {
		t.Fatalf("docs generate, compile error: exit %d\n%s", res.code, res.all())
	}
	writeFile(t, filepath.Join(dir, "models/a.sql"), "select 2 as id")
	mustRun(t, dir, nil, "run")
	mustRun(t, dir, nil, "docs", "generate")
	if b, err := os.ReadFile(filepath.Join(dir, "target", "catalog.json")); err != nil || !strings.Contains(string(b), `"model.faults.a"`) {
		t.Fatalf("catalog.json after docs generate (%v):\n%.400s", err, b)
	}
	c, done := openDB(t, db)
	defer done()
	tbl, _, err := c.Query(context.Background(), "select id from main.a", 0)
	if err != nil || len(tbl.Rows) != 1 || tbl.Rows[0][0] != int64(2) {
		t.Fatalf("a after the last run: %v %v", tbl, err)
	}
}

// TestEarlyOpenHandOver covers the session side: which commands open
// early, that openDB takes the early open for the same threads, and that
// an early open for other threads or one nobody takes is closed.
func TestEarlyOpenHandOver(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.duckdb")
	creds := adapters.Credentials{Profile: "p", Target: "dev", Fields: map[string]any{"type": "duckdb", "path": "w.duckdb"}, Dir: dir}
	s := &session{adapter: duckdb.New(), creds: creds, flags: &commonFlags{}}
	ctx := context.Background()
	if o := s.openEarly(ctx, "run", 1); o != nil {
		t.Fatal("opened early although the database file does not exist yet")
	}
	_, done := openDB(t, path) // creates the file
	done()
	if o := s.openEarly(ctx, "compile", 1); o != nil {
		t.Fatal("compile opens lazily, not early")
	}
	s.flags.openEarly = true // docs generate without --empty-catalog
	o := s.openEarly(ctx, "generate", 1)
	if o == nil {
		t.Fatal("docs generate did not open early")
	}
	o.discard()
	s.flags.openEarly = false
	closed := func(db adapters.DB) bool {
		_, err := db.Conn(ctx)
		return err != nil
	}

	s.early = s.openEarly(ctx, "run", 2)
	if s.early == nil {
		t.Fatal("run did not open early")
	}
	early := s.early
	db, err := s.openDB(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if s.early != nil || db != early.db {
		t.Fatal("openDB did not take the early open")
	}
	db.Close()

	s.early = s.openEarly(ctx, "build", 2)
	early = s.early
	db, err = s.openDB(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	if db == early.db || !closed(early.db) {
		t.Fatal("an early open for other threads was not replaced and closed")
	}
	db.Close()

	s.early = s.openEarly(ctx, "test", 1)
	early = s.early
	s.discardEarly()
	if s.early != nil || !closed(early.db) {
		t.Fatal("discardEarly left the database open")
	}
}
