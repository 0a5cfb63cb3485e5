package compiler

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/internal/diag"
)

// compileErrors compiles files and returns the errors it reports.
func compileErrors(t *testing.T, files map[string]string) diag.List {
	t.Helper()
	_, errs := compileFiles(t, files)
	return errs
}

// compileFiles compiles a project written from files for DuckDB: the
// result when it compiles, else the errors.
func compileFiles(t *testing.T, files map[string]string) (*Result, diag.List) {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	getenv := func(string) (string, bool) { return "", false }
	proj, d := LoadProject(dir, nil, getenv)
	if d.HasErrors() {
		t.Fatal(d)
	}
	res, err := Compile(context.Background(), Options{ProjectDir: dir, Project: proj, AdapterType: "duckdb", Getenv: getenv,
		Target: map[string]any{"name": "dev", "schema": "main", "database": "db", "type": "duckdb"}})
	var ce *Error
	if err != nil && !errors.As(err, &ce) {
		t.Fatal(err)
	}
	if ce != nil {
		return nil, ce.Diags.Errors()
	}
	return res, nil
}

// A materialized typo in a dbt_project.yml folder config is one error at
// its line, naming the models it reaches, with a suggestion.
func TestUnknownMaterializationInProjectFile(t *testing.T) {
	errs := compileErrors(t, map[string]string{
		"dbt_project.yml":      "name: shop\nprofile: shop\nmodels:\n  shop:\n    marts:\n      +materialized: tabel\n",
		"models/marts/a.sql":   "select 1 as x",
		"models/marts/b.sql":   "select 2 as x",
		"models/marts/c.sql":   "select 3 as x",
		"models/stg/ok.sql":    "select 4 as x",
		"models/marts/own.sql": "{{ config(materialized='viw') }}select 5 as x",
	})
	var got []string
	for _, d := range errs {
		got = append(got, d.String())
	}
	want := []string{
		"dbt_project.yml:6:22: error: +materialized: 'tabel' is not a materialization (models 'a', 'b' and 1 more use it) — did you mean 'table'?",
		"models/marts/own.sql:1:25: error: model 'own' is materialized as 'viw', which is not a materialization — did you mean 'view'?",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, d := range errs {
		if d.Code != "unknown-materialization" {
			t.Errorf("code %q", d.Code)
		}
	}
}

// In a property file, the error points at the config key there.
func TestUnknownMaterializationInPropertyFile(t *testing.T) {
	errs := compileErrors(t, map[string]string{
		"dbt_project.yml":   "name: shop\nprofile: shop\nmodels:\n  shop:\n    +materialized: table\n",
		"models/a.sql":      "select 1 as x",
		"models/schema.yml": "models:\n  - name: a\n    config:\n      materialized: incremntal\n",
	})
	if len(errs) != 1 || errs[0].Pos.File != "models/schema.yml" || errs[0].Pos.Line != 4 ||
		!strings.Contains(errs[0].String(), "model 'a' is materialized as 'incremntal'") || !strings.Contains(errs[0].Suggestion, "incremental") {
		t.Fatalf("%v", errs)
	}
}

// restrict-access: true in a package keeps its protected models to itself;
// its public models stay refable (dbt's parse error).
func TestRestrictAccessProtectedRef(t *testing.T) {
	errs := compileErrors(t, map[string]string{
		"dbt_project.yml":                        "name: root\nprofile: root\n",
		"packages.yml":                           "packages:\n  - local: pkgsrc\n",
		"models/m.sql":                           "select * from {{ ref('shared') }}\nunion all\nselect * from {{ ref('pkg', 'inner') }}",
		"dbt_packages/pkg/dbt_project.yml":       "name: pkg\nrestrict-access: true\n",
		"dbt_packages/pkg/models/inner.sql":      "select 1 as id",
		"dbt_packages/pkg/models/shared.sql":     "select 1 as id",
		"dbt_packages/pkg/models/uses_inner.sql": "select * from {{ ref('inner') }}",
		"dbt_packages/pkg/models/schema.yml":     "models:\n  - name: shared\n    access: public\n",
	})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "models/m.sql:3:") || !strings.Contains(errs[0].Error(), "protected to the 'pkg' package") {
		t.Fatalf("want one protected-ref error at models/m.sql:3, got %v", errs)
	}
}
