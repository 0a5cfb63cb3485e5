package run

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/duckdb"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
)

// buildDuck compiles the project in dir for DuckDB and builds every node.
func buildDuck(t *testing.T, dir string, vars map[string]any) (*Summary, adapters.DB) {
	t.Helper()
	ctx := context.Background()
	a := duckdb.New()
	fields := map[string]any{"type": "duckdb", "path": filepath.Join(dir, "t.duckdb"), "schema": "main"}
	prof := &project.Profile{Name: "p", Target: "dev", Output: fields, Type: "duckdb", Threads: 1, Path: filepath.Join(dir, "profiles.yml")}
	creds := adapters.Credentials{Profile: "p", Target: "dev", Fields: fields, Dir: dir}
	target := a.TargetInfo(creds)
	target["name"], target["type"] = "dev", "duckdb"
	res, err := compiler.Compile(ctx, compiler.Options{ProjectDir: dir, Profile: prof, Target: target, AdapterType: "duckdb", CLIVars: vars,
		Getenv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	db, err := a.Open(ctx, creds, 1)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range res.Manifest.Nodes {
		ids = append(ids, id)
	}
	sum, err := New(res, db, Options{Command: "build", Threads: 1, TargetDir: filepath.Join(dir, "target"), TargetName: "dev",
		Printer: NewPrinter(io.Discard, false), Selected: ids}).Execute(ctx)
	if err != nil {
		db.Close()
		t.Fatalf("execute: %v", err)
	}
	return sum, db
}

func writeProject(t *testing.T, files map[string]string) string {
	files["dbt_project.yml"] = "name: hp\nversion: '1.0'\nprofile: p\n"
	return writeTree(t, files)
}

// writeTree writes files (relative path → content) under a new temp dir.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const hashSnapshot = `{% snapshot snap %}
{{ config(target_schema='main', unique_key='id', strategy='check', check_cols=['v'], hard_deletes='new_record') }}
select 1 as id, 'a' as v {% if var('round') == 1 %}union all select 2, 'b'{% else %}union all select 3, 'c'{% endif %}
{% endsnapshot %}
`

// A project's snapshot_hash_arguments writes dbt_scd_id of every version
// (first run, new versions, deletion records), as in dbt.
func TestSnapshotHashArgumentsOverride(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"snapshots/snap.sql": hashSnapshot,
		"macros/hash.sql": `{% macro default__snapshot_hash_arguments(args) -%}
'h:' || md5({%- for arg in args -%}coalesce(cast({{ arg }} as varchar), ''){% if not loop.last %} || '|' || {% endif %}{%- endfor -%})
{%- endmacro %}`,
	})
	for round := 1; round <= 2; round++ {
		sum, db := buildDuck(t, dir, map[string]any{"round": round})
		for _, r := range sum.Results {
			if r.Status != manifest.StatusSuccess {
				t.Fatalf("round %d: %s: %s %v", round, r.UniqueID, r.Status, *r.Message)
			}
		}
		db.Close()
	}
	_, db := buildDuck(t, dir, map[string]any{"round": 2})
	defer db.Close()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tab, _, err := c.Query(context.Background(), `select id, dbt_is_deleted, dbt_scd_id from main.snap order by id, dbt_is_deleted`, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 1 current; 2 closed plus its deletion record; 3 new.
	if len(tab.Rows) != 4 {
		t.Fatalf("rows: %v", tab.Rows)
	}
	seen := map[string]bool{}
	for _, r := range tab.Rows {
		id, _ := r[2].(string)
		if !strings.HasPrefix(id, "h:") || len(id) != 34 || seen[id] {
			t.Errorf("dbt_scd_id %q of %v: want a distinct 'h:' || md5(...) from the project's macro", id, r)
		}
		seen[id] = true
	}
}

func TestSnapshotHashArgumentsOverrideWithoutSQL(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"snapshots/snap.sql": hashSnapshot,
		"macros/hash.sql":    `{% macro default__snapshot_hash_arguments(args) %}{% endmacro %}`,
	})
	sum, db := buildDuck(t, dir, map[string]any{"round": 1})
	defer db.Close()
	if len(sum.Results) != 1 || sum.Results[0].Status != manifest.StatusError || !strings.Contains(*sum.Results[0].Message, "snapshot_hash_arguments: it returned no SQL") {
		t.Fatalf("results: %+v", sum.Results)
	}
}
