package compiler

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/internal/diag"
	"github.com/kiln-dev/kiln/internal/secret"
)

// incrProject has a model per situation the incremental manifest must
// tell apart: plain SQL, a config() call, a ref, YAML descriptions and
// tests, a source whose schema reads an env var, a doc() description and a
// package model.
var incrProject = map[string]string{
	"dbt_project.yml":       "name: shop\nprofile: shop\nvars:\n  region: eu\n",
	"models/plain.sql":      "select 1 as x\n",
	"models/configured.sql": "{{ config(materialized='table', tags=['a']) }}\nselect 2 as y from {{ ref('plain') }}\n",
	"models/uses_ref.sql":   "select * from {{ ref('plain') }} join {{ source('raw', 'orders') }} using (x)\n",
	"models/uses_var.sql":   "select '{{ var(\"region\") }}' as region, {{ cents('x') }} as c from {{ ref('configured') }}\n",
	"models/schema.yml": `version: 2
models:
  - name: plain
    description: "{{ doc('plain_doc') }}"
    columns:
      - name: x
        data_tests: [unique, not_null]
  - name: configured
    config:
      meta: {owner: ann}
    description: the configured one
sources:
  - name: raw
    schema: "{{ env_var('KILN_INCR_SCHEMA', 'raw') }}"
    tables:
      - name: orders
`,
	"models/docs.md":                        "{% docs plain_doc %}The plain model.{% enddocs %}",
	"macros/cents.sql":                      "{% macro cents(c) %}({{ c }} / 100){% endmacro %}",
	"dbt_packages/pkg/dbt_project.yml":      "name: pkg\n",
	"dbt_packages/pkg/models/pkg_model.sql": "select 3 as z\n",
}

type incrEnv struct {
	cacheEnv
	started time.Time
}

// parse compiles with the cache (incremental allowed) and writes
// target/manifest.json as `kiln parse` does; it reports whether the fast
// path was taken.
func (c *incrEnv) parse(t *testing.T) bool {
	t.Helper()
	r := c.compileOpts(t, filepath.Join(c.dir, "target"), true)
	if r.UpToDate {
		return false // kiln parse writes nothing then
	}
	if err := r.WriteManifest(filepath.Join(c.dir, "target", "manifest.json")); err != nil {
		t.Fatal(err)
	}
	return r.Incremental()
}

func (c *incrEnv) compileOpts(t *testing.T, cacheDir string, incremental bool) *Result {
	t.Helper()
	getenv := func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
	proj, d := LoadProject(c.dir, c.vars, getenv)
	if d.HasErrors() {
		t.Fatal(d)
	}
	r, err := Compile(context.Background(), Options{
		ProjectDir: c.dir, Project: proj, AdapterType: "duckdb", CLIVars: c.vars, Getenv: getenv,
		Target:       map[string]any{"name": "dev", "schema": "main", "database": "db", "type": "duckdb"},
		InvocationID: "inv-1", RunStartedAt: c.started, CacheDir: cacheDir, Incremental: incremental, SkipIfUnchanged: incremental,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// cold is manifest.json from a compile without any cache.
func (c *incrEnv) cold(t *testing.T) []byte {
	t.Helper()
	r := c.compileOpts(t, "", false)
	path := filepath.Join(t.TempDir(), "manifest.json")
	if err := r.WriteManifest(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (c *incrEnv) written(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestIncrementalManifestMatchesCold(t *testing.T) {
	c := &incrEnv{cacheEnv: cacheEnv{dir: t.TempDir(), env: map[string]string{}}, started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	writeFiles(t, c.dir, incrProject)
	if c.parse(t) {
		t.Fatal("the first parse took the fast path")
	}
	edit := func(rel, content string) func() {
		return func() { writeFiles(t, c.dir, map[string]string{rel: content}) }
	}
	steps := []struct {
		name   string
		change func()
		fast   bool // whether the fast path may be taken
	}{
		{"model SQL", edit("models/plain.sql", "select 1 as x -- edited\n"), true},
		{"model SQL again", edit("models/plain.sql", "select 10 as x\n"), true},
		{"SQL of a model with config() and refs", edit("models/configured.sql", "{{ config(materialized='table', tags=['a']) }}\nselect 3 as y from {{ ref('plain') }}\n"), true},
		{"SQL with quotes, tabs and non-ASCII", edit("models/uses_ref.sql", "select *, '\"é\t\\u2028' as q from {{ ref('plain') }} join {{ source('raw', 'orders') }} using (x)\n"), true},
		{"two models at once", func() {
			edit("models/plain.sql", "select 11 as x\n")()
			edit("dbt_packages/pkg/models/pkg_model.sql", "select 4 as z\n")()
		}, true},
		{"a model's config() call", edit("models/configured.sql", "{{ config(materialized='view', tags=['a']) }}\nselect 3 as y from {{ ref('plain') }}\n"), false},
		{"a schema.yml description", edit("models/schema.yml", incrProject["models/schema.yml"]+"  - name: uses_ref\n    description: now described\n"), false},
		{"add a model", edit("models/added.sql", "select 5 as n from {{ ref('plain') }}\n"), false},
		{"remove a model", func() { os.Remove(filepath.Join(c.dir, "models", "added.sql")) }, false},
		{"rename a ref", edit("models/uses_ref.sql", "select * from {{ ref('configured') }} join {{ source('raw', 'orders') }} using (y)\n"), false},
		{"a var read by a model", edit("dbt_project.yml", "name: shop\nprofile: shop\nvars:\n  region: us\n"), false},
		{"an env var read only by YAML", func() { c.env["KILN_INCR_SCHEMA"] = "landing" }, false},
		{"a called macro", edit("macros/cents.sql", "{% macro cents(c) %}({{ c }} / 100.0){% endmacro %}"), false},
		{"a doc block", edit("models/docs.md", "{% docs plain_doc %}The plainest model.{% enddocs %}"), false},
		{"model SQL after the fallbacks", edit("models/uses_var.sql", "select '{{ var(\"region\") }}' as region, {{ cents('x') }} as c from {{ ref('configured') }} -- v2\n"), true},
		{"a model's SQL that adds a ref", edit("models/plain.sql", "select 11 as x from {{ ref('pkg_model') }}\n"), false},
	}
	for _, st := range steps {
		st.change()
		fast := c.parse(t)
		if fast != st.fast {
			t.Errorf("%s: fast path = %v, want %v", st.name, fast, st.fast)
		}
		if got, want := c.written(t), c.cold(t); !bytes.Equal(got, want) {
			t.Fatalf("%s: manifest.json differs from a cold parse's (%d vs %d bytes):\n%s", st.name, len(got), len(want), firstDiff(got, want))
		}
		// Then nothing changed: the cache (and its delta) says so.
		if r := c.compileOpts(t, filepath.Join(c.dir, "target"), true); !r.UpToDate {
			t.Errorf("%s: a parse with nothing changed is not up to date", st.name)
		}
	}
}

// manifest.json written by someone else (or by compile, with compiled
// code) is never spliced.
func TestIncrementalManifestTrustsOnlyItsOwnFile(t *testing.T) {
	c := &incrEnv{cacheEnv: cacheEnv{dir: t.TempDir(), env: map[string]string{}}, started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	writeFiles(t, c.dir, incrProject)
	c.parse(t)
	path := filepath.Join(c.dir, "target", "manifest.json")
	b := c.written(t)
	if err := os.WriteFile(path, append(b, ' '), 0o644); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, c.dir, map[string]string{"models/plain.sql": "select 2 as x\n"})
	if c.parse(t) {
		t.Fatal("spliced a manifest.json changed since kiln wrote it")
	}
	if !bytes.Equal(c.written(t), c.cold(t)) {
		t.Fatal("manifest.json differs from a cold parse's")
	}
	// A compile that does not allow the fast path writes no index.
	r := c.compileOpts(t, filepath.Join(c.dir, "target"), false)
	for _, n := range r.Manifest.Nodes {
		n.Compiled = true
	}
	if err := r.WriteManifest(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(c.dir, "target", indexFile)); !os.IsNotExist(err) {
		t.Fatalf("index kept beside a compiled manifest: %v", err)
	}
	writeFiles(t, c.dir, map[string]string{"models/plain.sql": "select 3 as x\n"})
	if c.parse(t) {
		t.Fatal("fast path without an index")
	}
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return string(a[lo:min(len(a), i+100)]) + "\n---\n" + string(b[lo:min(len(b), i+100)])
}

// A registered secret is masked in manifest.json, which moves bytes: the
// layout is then not kept, and every manifest still equals a cold one.
func TestIncrementalManifestWithMaskedSecret(t *testing.T) {
	const value = "kiln-incr-secret-value-42"
	secret.Register(value)
	c := &incrEnv{cacheEnv: cacheEnv{dir: t.TempDir(), env: map[string]string{}}, started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	writeFiles(t, c.dir, incrProject)
	writeFiles(t, c.dir, map[string]string{"models/secretive.sql": "select '" + value + "' as s\n"})
	steps := []struct {
		name   string
		change func()
		fast   bool
	}{
		{"first parse", func() {}, false},
		{"edit beside a masked model", func() { writeFiles(t, c.dir, map[string]string{"models/plain.sql": "select 2 as x\n"}) }, false},
		{"the secret removed", func() { writeFiles(t, c.dir, map[string]string{"models/secretive.sql": "select 1 as s\n"}) }, false},
		{"the secret written into a model", func() {
			writeFiles(t, c.dir, map[string]string{"models/plain.sql": "select '" + value + "' as x\n"})
		}, true},
		{"an edit after the masked splice", func() { writeFiles(t, c.dir, map[string]string{"models/plain.sql": "select 3 as x\n"}) }, false},
		{"an edit after that", func() { writeFiles(t, c.dir, map[string]string{"models/plain.sql": "select 4 as x\n"}) }, true},
	}
	for _, st := range steps {
		st.change()
		if fast := c.parse(t); fast != st.fast {
			t.Errorf("%s: fast path = %v, want %v", st.name, fast, st.fast)
		}
		got, want := c.written(t), c.cold(t)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: manifest.json differs from a cold parse's:\n%s", st.name, firstDiff(got, want))
		}
		if bytes.Contains(got, []byte(value)) {
			t.Fatalf("%s: the secret reached manifest.json", st.name)
		}
	}
}

// The fast path records its renders in a delta beside the parse cache; any
// other compile reads them (nothing is rendered again) and a full save
// folds the delta away.
func TestParseCacheDelta(t *testing.T) {
	c := &incrEnv{cacheEnv: cacheEnv{dir: t.TempDir(), env: map[string]string{}}, started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	writeFiles(t, c.dir, incrProject)
	c.parse(t)
	delta := filepath.Join(c.dir, "target", deltaFile)
	writeFiles(t, c.dir, map[string]string{"models/plain.sql": "select 2 as x\n"})
	if !c.parse(t) {
		t.Fatal("no fast path")
	}
	if _, err := os.Stat(delta); err != nil {
		t.Fatalf("no delta after the fast path: %v", err)
	}
	r := c.compileOpts(t, filepath.Join(c.dir, "target"), false)
	if !r.InputsUnchanged || r.CacheStats().Rendered != 0 {
		t.Fatalf("a compile after the fast path: unchanged=%v %+v", r.InputsUnchanged, r.CacheStats())
	}
	writeFiles(t, c.dir, map[string]string{"models/new.sql": "select 1 as n\n"})
	if c.parse(t) {
		t.Fatal("fast path for a new model")
	}
	if _, err := os.Stat(delta); !os.IsNotExist(err) {
		t.Fatalf("delta kept after a full save: %v", err)
	}
	if got, want := c.written(t), c.cold(t); !bytes.Equal(got, want) {
		t.Fatalf("manifest.json differs from a cold parse's:\n%s", firstDiff(got, want))
	}
}

func TestManifestIndexEncoding(t *testing.T) {
	idx := &manifestIndex{CacheFingerprint: "fp", Frame: "fr", ManifestSize: 1 << 40, ManifestModTime: -5, MetaEnd: 300,
		Diags: diag.List{{Severity: diag.Warning, Code: "c", Pos: diag.Pos{File: "models/a.sql", Line: 3, Col: 4}, Message: "m", Notes: []string{"n1", ""}, Suggestion: "s"},
			{Severity: diag.Warning, Code: "d"}},
		Models: []indexedModel{
			{Key: "shop/models/a.sql", Hash: "\x00\xffh", ID: "model.shop.a", Patch: []byte{1, 2, 0}, BaseHash: "bh", Span: manifest.Span{Start: 1, End: 9, Checksum: 2, ChecksumEnd: 3, Raw: 4, RawEnd: 8}},
			{Key: "shop/models/v.sql", Hash: "h2"},
		}}
	b := idx.encode()
	got := decodeIndex(b)
	if got == nil {
		t.Fatal("round trip failed")
	}
	got.byKey = nil
	if !reflect.DeepEqual(got, idx) {
		t.Fatalf("round trip: %+v, want %+v", got, idx)
	}
	for n := 0; n < len(b); n++ {
		if decodeIndex(b[:n]) != nil {
			t.Fatalf("a %d-byte prefix of a %d-byte index decoded", n, len(b))
		}
	}
	if decodeIndex(append(b, 0)) != nil {
		t.Fatal("trailing bytes accepted")
	}
}

// A disabled model may share its unique_id with the enabled one: an edit
// of the disabled file must not be spliced into the enabled node's entry.
func TestIncrementalManifestDisabledTwin(t *testing.T) {
	c := &incrEnv{cacheEnv: cacheEnv{dir: t.TempDir(), env: map[string]string{}}, started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	writeFiles(t, c.dir, incrProject)
	writeFiles(t, c.dir, map[string]string{
		"models/a/twin.sql": "select 1 as t\n",
		"models/b/twin.sql": "{{ config(enabled=false) }}\nselect 2 as t\n",
	})
	c.parse(t)
	for i, st := range []struct {
		file string
		fast bool
	}{{"models/b/twin.sql", false}, {"models/a/twin.sql", true}} {
		content := "select 1 as t\n"
		if st.file == "models/b/twin.sql" {
			content = "{{ config(enabled=false) }}\nselect 3 as t\n"
		} else {
			content = "select 4 as t\n"
		}
		writeFiles(t, c.dir, map[string]string{st.file: content})
		if fast := c.parse(t); fast != st.fast {
			t.Errorf("step %d (%s): fast path = %v, want %v", i, st.file, fast, st.fast)
		}
		if got, want := c.written(t), c.cold(t); !bytes.Equal(got, want) {
			t.Fatalf("step %d (%s): manifest.json differs from a cold parse's:\n%s", i, st.file, firstDiff(got, want))
		}
	}
}

// The fast path reports the full parse's warnings again, and falls back
// when one is about a file it would re-render.
func TestIncrementalManifestKeepsWarnings(t *testing.T) {
	c := &incrEnv{cacheEnv: cacheEnv{dir: t.TempDir(), env: map[string]string{}}, started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	writeFiles(t, c.dir, incrProject)
	writeFiles(t, c.dir, map[string]string{
		"models/warned.sql": "{{ config(materialzed='table') }}\nselect 1 as w\n",
		"models/more.yml":   "version: 2\nmodels:\n  - name: ghost\n    description: no such model\n",
	})
	c.parse(t)
	for _, st := range []struct {
		file, content string
		fast          bool
	}{
		{"models/plain.sql", "select 7 as x\n", true},
		{"models/warned.sql", "{{ config(materialzed='table') }}\nselect 2 as w\n", false},
		{"models/plain.sql", "select 8 as x\n", true},
	} {
		writeFiles(t, c.dir, map[string]string{st.file: st.content})
		r := c.compileOpts(t, filepath.Join(c.dir, "target"), true)
		if err := r.WriteManifest(filepath.Join(c.dir, "target", "manifest.json")); err != nil {
			t.Fatal(err)
		}
		if r.Incremental() != st.fast {
			t.Errorf("%s: fast path = %v, want %v", st.file, r.Incremental(), st.fast)
		}
		cold := c.compileOpts(t, "", false)
		if len(cold.Diags) < 2 || r.Diags.Error() != cold.Diags.Error() || fmt.Sprint(r.Diags) != fmt.Sprint(cold.Diags) {
			t.Errorf("%s: warnings\n%v\nwant\n%v", st.file, r.Diags, cold.Diags)
		}
		if got, want := c.written(t), c.cold(t); !bytes.Equal(got, want) {
			t.Fatalf("%s: manifest.json differs from a cold parse's:\n%s", st.file, firstDiff(got, want))
		}
	}
}

// When manifest.json cannot be written after the fast path, the next parse
// must not believe the old file is up to date.
func TestIncrementalManifestWriteFailure(t *testing.T) {
	c := &incrEnv{cacheEnv: cacheEnv{dir: t.TempDir(), env: map[string]string{}}, started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	writeFiles(t, c.dir, incrProject)
	c.parse(t)
	writeFiles(t, c.dir, map[string]string{"models/plain.sql": "select 5 as x\n"})
	r := c.compileOpts(t, filepath.Join(c.dir, "target"), true)
	if !r.Incremental() {
		t.Fatal("no fast path")
	}
	path := filepath.Join(c.dir, "target", "manifest.json")
	old := c.written(t)
	if err := os.WriteFile(path, old[:len(old)-1], 0o644); err != nil { // changed under it
		t.Fatal(err)
	}
	if err := r.WriteManifest(path); err == nil {
		t.Fatal("spliced a manifest.json that changed after the compile")
	}
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	r = c.compileOpts(t, filepath.Join(c.dir, "target"), true)
	if r.UpToDate || r.Incremental() {
		t.Fatalf("after a failed write: up to date %v, fast path %v", r.UpToDate, r.Incremental())
	}
	if err := r.WriteManifest(path); err != nil {
		t.Fatal(err)
	}
	if got, want := c.written(t), c.cold(t); !bytes.Equal(got, want) {
		t.Fatalf("manifest.json differs from a cold parse's:\n%s", firstDiff(got, want))
	}
}
