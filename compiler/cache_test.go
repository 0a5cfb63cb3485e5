package compiler

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// cacheProject is a small project whose files each exercise one kind of
// input: a var, an env var, a macro, YAML config, and a package.
var cacheProject = map[string]string{
	"dbt_project.yml":                       "name: shop\nprofile: shop\nvars:\n  region: eu\n  other: 1\n",
	"models/uses_var.sql":                   "select '{{ var(\"region\") }}' as region",
	"models/uses_env.sql":                   "select '{{ env_var(\"KILN_CACHE_TEST\", \"none\") }}' as e",
	"models/uses_macro.sql":                 "select {{ cents('x') }} as dollars from {{ ref('plain') }}",
	"models/plain.sql":                      "select 1 as x",
	"models/configured.sql":                 "{{ config(materialized=config.get('materialized')) }}select 2 as y",
	"models/schema.yml":                     "version: 2\nmodels:\n  - name: configured\n    config:\n      materialized: table\n",
	"macros/cents.sql":                      "{% macro cents(c) %}({{ c }} / 100){% endmacro %}",
	"macros/unused.sql":                     "{% macro unused() %}1{% endmacro %}",
	"dbt_packages/pkg/dbt_project.yml":      "name: pkg\n",
	"dbt_packages/pkg/models/pkg_model.sql": "select 3 as z",
}

func writeFilesB(b *testing.B, dir, rel, content string) {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		b.Fatal(err)
	}
}

func (c *cacheEnv) compileB(b *testing.B) *Result {
	getenv := func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
	proj, d := LoadProject(c.dir, c.vars, getenv)
	if d.HasErrors() {
		b.Fatal(d)
	}
	r, err := Compile(context.Background(), Options{ProjectDir: c.dir, Project: proj, AdapterType: "duckdb", Getenv: getenv,
		Target: map[string]any{"name": "dev", "schema": "main", "database": "db", "type": "duckdb"}})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type cacheEnv struct {
	dir  string
	env  map[string]string
	vars map[string]any
}

func (c *cacheEnv) compile(t *testing.T, useCache bool) *Result {
	t.Helper()
	getenv := func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
	proj, d := LoadProject(c.dir, c.vars, getenv)
	if d.HasErrors() {
		t.Fatal(d)
	}
	opts := Options{
		ProjectDir: c.dir, Project: proj, AdapterType: "duckdb", CLIVars: c.vars, Getenv: getenv,
		Target: map[string]any{"name": "dev", "schema": "main", "database": "db", "type": "duckdb"},
	}
	if useCache {
		opts.CacheDir = filepath.Join(c.dir, "target")
	}
	r, err := Compile(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// rendered lists the files the last compile rendered (not reused).
func rendered(t *testing.T, r *Result) []string {
	t.Helper()
	var out []string
	for k, e := range r.cache.new {
		if old := r.cache.old[k]; old == nil || old != e {
			out = append(out, strings.TrimPrefix(k, "shop/"))
		}
	}
	sort.Strings(out)
	return out
}

// nodesJSON is the manifest's node section, for cold-vs-cached comparison.
func nodesJSON(r *Result) string {
	m := map[string]any{}
	for id, n := range r.Manifest.Nodes {
		j := n.JSON()
		m[id] = j
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestParseCacheInvalidatesExactly(t *testing.T) {
	c := &cacheEnv{dir: t.TempDir(), env: map[string]string{"KILN_CACHE_TEST": "a"}}
	writeFiles(t, c.dir, cacheProject)
	first := c.compile(t, true)
	if st := first.CacheStats(); st.Reused != 0 || st.Rendered != 6 {
		t.Fatalf("cold compile: %+v", st)
	}
	if got := rendered(t, c.compile(t, true)); len(got) != 0 {
		t.Fatalf("unchanged project re-rendered %v", got)
	}
	steps := []struct {
		name   string
		change func()
		want   []string
	}{
		{"edit a model", func() { writeFiles(t, c.dir, map[string]string{"models/plain.sql": "select 10 as x"}) }, []string{"models/plain.sql"}},
		{"edit a called macro", func() {
			writeFiles(t, c.dir, map[string]string{"macros/cents.sql": "{% macro cents(c) %}({{ c }} / 100.0){% endmacro %}"})
		}, []string{"models/uses_macro.sql"}},
		{"edit an uncalled macro", func() {
			writeFiles(t, c.dir, map[string]string{"macros/unused.sql": "{% macro unused() %}2{% endmacro %}"})
		}, nil},
		{"override a called macro in a new file", func() {
			writeFiles(t, c.dir, map[string]string{"macros/more.sql": "{% macro other() %}{{ cents(1) }}{% endmacro %}"})
		}, nil},
		{"change YAML config", func() {
			writeFiles(t, c.dir, map[string]string{"models/schema.yml": "version: 2\nmodels:\n  - name: configured\n    config:\n      materialized: view\n"})
		}, []string{"models/configured.sql"}},
		{"change a project var", func() {
			writeFiles(t, c.dir, map[string]string{"dbt_project.yml": "name: shop\nprofile: shop\nvars:\n  region: us\n  other: 1\n"})
		}, []string{"models/uses_var.sql"}},
		{"change an unread var", func() {
			writeFiles(t, c.dir, map[string]string{"dbt_project.yml": "name: shop\nprofile: shop\nvars:\n  region: us\n  other: 2\n"})
		}, nil},
		{"change --vars", func() { c.vars = map[string]any{"region": "apac"} }, []string{"models/uses_var.sql"}},
		{"change an env var", func() { c.env["KILN_CACHE_TEST"] = "b" }, []string{"models/uses_env.sql"}},
		{"change an unread env var", func() { c.env["SOMETHING_ELSE"] = "x" }, nil},
		{"edit a package file", func() {
			writeFiles(t, c.dir, map[string]string{"dbt_packages/pkg/models/pkg_model.sql": "select 4 as z"})
		}, []string{"pkg/models/pkg_model.sql"}},
	}
	for _, st := range steps {
		st.change()
		r := c.compile(t, true)
		got := rendered(t, r)
		if strings.Join(got, ",") != strings.Join(st.want, ",") {
			t.Errorf("%s: re-rendered %v, want %v", st.name, got, st.want)
		}
		// The cached compile must equal a cold one.
		cold := c.compile(t, false)
		if a, b := nodesJSON(r), nodesJSON(cold); a != b {
			t.Errorf("%s: cached manifest differs from a cold compile", st.name)
		}
	}
}

func TestParseCacheUnchangedFastPath(t *testing.T) {
	c := &cacheEnv{dir: t.TempDir(), env: map[string]string{}}
	writeFiles(t, c.dir, cacheProject)
	c.compile(t, true)
	getenv := func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
	check := func(want bool, models int) {
		t.Helper()
		proj, _ := LoadProject(c.dir, nil, getenv)
		r, err := Compile(context.Background(), Options{ProjectDir: c.dir, Project: proj, AdapterType: "duckdb", Getenv: getenv,
			Target: map[string]any{"name": "dev", "schema": "main", "database": "db", "type": "duckdb"}, CacheDir: filepath.Join(c.dir, "target"), SkipIfUnchanged: true})
		if err != nil {
			t.Fatal(err)
		}
		if r.UpToDate != want {
			t.Fatalf("UpToDate = %v, want %v", r.UpToDate, want)
		}
		if want && r.Counts[manifest.Model] != models {
			t.Fatalf("counts from the cache: %v", r.Counts)
		}
	}
	check(true, 6)
	c.env["KILN_CACHE_TEST"] = "changed" // read by uses_env.sql
	check(false, 6)
	writeFiles(t, c.dir, map[string]string{"models/new.sql": "select 5 as n"})
	check(false, 7)
	check(true, 7)
}

// A cache written by another kiln build is not reused: that build may have
// rendered differently.
func TestParseCacheKeyedByBuild(t *testing.T) {
	c := &cacheEnv{dir: t.TempDir(), env: map[string]string{}}
	writeFiles(t, c.dir, cacheProject)
	c.compile(t, true)
	if st := c.compile(t, true).CacheStats(); st.Rendered != 0 {
		t.Fatalf("same build re-rendered: %+v", st)
	}
	old := buildVersion
	buildVersion = func() string { return "another build" }
	defer func() { buildVersion = old }()
	if st := c.compile(t, true).CacheStats(); st.Reused != 0 || st.Rendered != 6 {
		t.Fatalf("another build reused the cache: %+v", st)
	}
}
