package duckdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
)

func TestMain(m *testing.M) {
	if p := os.Getenv(lockChildEnv); p != "" {
		os.Exit(lockChild(p))
	}
	os.Exit(m.Run())
}

// openFileDB opens a fresh database file test.duckdb in a temp dir.
func openFileDB(t testing.TB, extra map[string]any) *DB {
	t.Helper()
	dir := t.TempDir()
	fields := map[string]any{"path": "test.duckdb"}
	for k, v := range extra {
		fields[k] = v
	}
	return openDB(t, adapters.Credentials{Profile: "p", Target: "dev", Fields: fields, Dir: dir})
}

func openDB(t testing.TB, creds adapters.Credentials) *DB {
	t.Helper()
	adb, err := New().Open(context.Background(), creds, 4)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	db := adb.(*DB)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func conn(t testing.TB, db *DB) *Conn {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*Conn)
}

func mustExec(t testing.TB, c *Conn, q string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), q); err != nil {
		t.Fatalf("exec %q: %v", q, err)
	}
}

// rows runs q and returns all rows.
func rows(t testing.TB, c *Conn, q string) [][]any {
	t.Helper()
	tab, _, err := c.Query(context.Background(), q, 0)
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return tab.Rows
}

func scalar(t testing.TB, c *Conn, q string) any {
	t.Helper()
	r := rows(t, c, q)
	if len(r) != 1 || len(r[0]) != 1 {
		t.Fatalf("query %q: want one value, got %v", q, r)
	}
	return r[0][0]
}

func equal(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}

// relNames lists the relations of a schema as "name:type".
func relNames(t testing.TB, c *Conn, schema string) []string {
	t.Helper()
	rels, err := c.ListRelations(context.Background(), "", schema)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rels {
		out = append(out, fmt.Sprintf("%s:%s", r.Identifier, r.Type))
	}
	return out
}

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func rel(schema, id string) adapters.Relation {
	return adapters.Relation{Schema: schema, Identifier: id}
}
