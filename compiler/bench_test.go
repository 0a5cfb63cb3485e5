package compiler

import (
	"fmt"
	"path/filepath"
	"testing"
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

func BenchmarkWriteManifest1000(b *testing.B) {
	dir := benchProject(b, 1000)
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
