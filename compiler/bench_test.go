package compiler

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// benchProject writes an n-model project: layered refs, a Jinja loop, a
// macro call and YAML tests on every model.
func benchProject(b *testing.B, n int) string {
	dir := b.TempDir()
	files := map[string]string{
		"dbt_project.yml":          "name: bench\nprofile: bench\nmodels:\n  bench:\n    marts:\n      +materialized: table\n",
		"macros/money.sql":         "{% macro money(c) %}round({{ c }} / 100.0, 2){% endmacro %}",
		"models/staging/stg_0.sql": "select 1 as id, 100 as amount",
	}
	yml := "version: 2\nmodels:\n"
	for i := 1; i < n; i++ {
		dirName := "staging"
		if i > n/3 {
			dirName = "marts"
		}
		files[fmt.Sprintf("models/%s/m_%d.sql", dirName, i)] = fmt.Sprintf(`{%% set cols = ['id', 'amount'] %%}
select {%% for c in cols %%}{{ c }}{%% if not loop.last %%}, {%% endif %%}{%% endfor %%}, {{ money('amount') }} as dollars
from {{ ref('%s') }}`, refName(i/2))
		yml += fmt.Sprintf("  - name: m_%d\n    description: model %d\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n", i, i)
	}
	files["models/schema.yml"] = yml
	for rel, content := range files {
		writeFilesB(b, dir, rel, content)
	}
	return dir
}

func refName(i int) string {
	if i == 0 {
		return "stg_0"
	}
	return fmt.Sprintf("m_%d", i)
}

func BenchmarkCompile1000(b *testing.B) {
	dir := benchProject(b, 1000)
	c := &cacheEnv{dir: dir, env: map[string]string{}}
	b.ResetTimer()
	for b.Loop() {
		c.compileB(b)
	}
}

func BenchmarkWriteManifest1000(b *testing.B) { benchWriteManifest(b, 1000) }

// BenchmarkWriteManifest5 is a small project's manifest: mostly the 240
// macros of the internal package.
func BenchmarkWriteManifest5(b *testing.B) { benchWriteManifest(b, 5) }

func benchWriteManifest(b *testing.B, n int) {
	dir := benchProject(b, n)
	c := &cacheEnv{dir: dir, env: map[string]string{}}
	r := c.compileB(b)
	out := filepath.Join(b.TempDir(), "manifest.json")
	b.ResetTimer()
	for b.Loop() {
		if err := r.Manifest.WriteManifest(out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGraphObject is what the Jinja `graph` object and a node's
// execute=True context cost: building graph (once per run, over every node)
// reported per node, and RuntimeContext per node rendered. The budget of
// the fidelity work is 0.3 ms per node.
func BenchmarkGraphObject(b *testing.B) {
	dir := benchProject(b, 1000)
	c := &cacheEnv{dir: dir, env: map[string]string{}}
	r := c.compileB(b)
	nodes := float64(len(r.Manifest.Nodes))
	b.Run("build-graph", func(b *testing.B) {
		for b.Loop() {
			rtStates.Delete(r) // a fresh run: graph is built again
			if len(r.flatGraph()["nodes"].(map[string]any)) == 0 {
				b.Fatal("empty graph")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/nodes, "ns/node")
	})
	var n *manifest.Node
	for _, x := range r.Manifest.Nodes {
		n = x
		break
	}
	b.Run("runtime-context", func(b *testing.B) {
		r.flatGraph()
		for b.Loop() {
			if jctx, _ := r.RuntimeContext(context.Background(), n, nil); jctx.Globals["graph"] == nil {
				b.Fatal("no graph in the context")
			}
		}
	})
}

// BenchmarkIncrementalParse1000 is `kiln parse` after one model's SQL text
// changed: the fast path compile and the manifest.json splice (the full
// parse of the same change is BenchmarkCompile1000 plus
// BenchmarkWriteManifest1000).
func BenchmarkIncrementalParse1000(b *testing.B) {
	dir := benchProject(b, 1000)
	target := filepath.Join(dir, "target")
	path := filepath.Join(target, "manifest.json")
	getenv := func(string) (string, bool) { return "", false }
	parse := func() *Result {
		proj, d := LoadProject(dir, nil, getenv)
		if d.HasErrors() {
			b.Fatal(d)
		}
		r, err := Compile(context.Background(), Options{ProjectDir: dir, Project: proj, AdapterType: "duckdb", Getenv: getenv,
			Target:   map[string]any{"name": "dev", "schema": "main", "database": "db", "type": "duckdb"},
			CacheDir: target, Incremental: true, SkipIfUnchanged: true})
		if err != nil {
			b.Fatal(err)
		}
		if err := r.WriteManifest(path); err != nil {
			b.Fatal(err)
		}
		return r
	}
	parse()
	model := filepath.Join(dir, "models", "marts", "m_999.sql")
	orig, err := os.ReadFile(model)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		i++ // a comment: the same refs and config, new text
		writeFilesB(b, dir, "models/marts/m_999.sql", fmt.Sprintf("%s\n-- edit %d\n", orig, i))
		b.StartTimer()
		if !parse().Incremental() {
			b.Fatal("no fast path")
		}
	}
}
