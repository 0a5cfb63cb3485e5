package compiler

import (
	"sort"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/compiler/project"
)

func TestLatestVersionAndCompare(t *testing.T) {
	np := &project.NodePatch{Versions: []project.ModelVersion{{V: 2}, {V: 10}, {V: 9.5}}}
	if got := latestVersion(np); got != 10 { // numeric, not string order
		t.Errorf("latest %v, want 10", got)
	}
	np.LatestVersion = 2
	if got := latestVersion(np); got != 2 {
		t.Errorf("latest_version given: %v", got)
	}
	if compareVersion("beta", "alpha") <= 0 || compareVersion(1, "1") != 0 || compareVersion("2", 10) >= 0 {
		t.Error("compareVersion: strings compare as strings, numbers as numbers")
	}
}

func TestNormalizeDate(t *testing.T) {
	for in, want := range map[string]string{
		"2025-06-01":                "2025-06-01T00:00:00+00:00",
		"2025-06-01 12:30:00":       "2025-06-01T12:30:00+00:00",
		"2025-06-01T12:30:00+02:00": "2025-06-01T12:30:00+02:00",
		"next year":                 "next year",
	} {
		if got := normalizeDate(in); got != want {
			t.Errorf("normalizeDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVersionColumns(t *testing.T) {
	np := &project.NodePatch{Columns: []project.ColumnPatch{{Name: "id"}, {Name: "name"}, {Name: "country"}}}
	names := func(cs []project.ColumnPatch) (out []string) {
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	got := names(versionColumns(np, &project.ModelVersion{IncludeAll: true, Exclude: []string{"country"}, Columns: []project.ColumnPatch{{Name: "extra"}}}))
	if len(got) != 3 || got[0] != "id" || got[1] != "name" || got[2] != "extra" {
		t.Errorf("include all, exclude country, plus extra: %v", got)
	}
	got = names(versionColumns(np, &project.ModelVersion{Include: []string{"country"}}))
	if len(got) != 1 || got[0] != "country" {
		t.Errorf("include [country]: %v", got)
	}
}

// A unit test on a versioned model is one unit test per tested version, as
// in dbt: unique_id and console label end in _v<N>, the name and the fqn do
// not; versions: include/exclude choose the versions.
func TestUnitTestsPerModelVersion(t *testing.T) {
	res, errs := compileFiles(t, map[string]string{
		"dbt_project.yml":   "name: uv\nprofile: uv\n",
		"models/m_v1.sql":   "select 1 as id",
		"models/m_v2.sql":   "select 1 as id, 2 as extra",
		"models/m_v3.sql":   "select 1 as id, 3 as extra",
		"models/plain.sql":  "select 1 as id",
		"models/schema.yml": "models:\n  - name: m\n    latest_version: 2\n    versions: [{v: 1}, {v: 2}, {v: 3}]\n  - name: plain\nunit_tests:\n  - {name: t_all, model: m, given: [], expect: {rows: [{id: 1}]}}\n  - {name: t_inc, model: m, versions: {include: [2]}, given: [], expect: {rows: [{id: 1}]}}\n  - {name: t_exc, model: m, versions: {exclude: [1]}, given: [], expect: {rows: [{id: 1}]}}\n  - {name: t_plain, model: plain, given: [], expect: {rows: [{id: 1}]}}\n",
	})
	if errs != nil {
		t.Fatal(errs)
	}
	var got []string
	for id, n := range res.Manifest.Nodes {
		if n.UnitTest != nil {
			got = append(got, id+" "+n.Name+" "+strings.Join(n.FQN, ".")+" "+strings.Join(n.DependsOn.Nodes, ",")+" "+n.UnitTest.VersionSuffix)
		}
	}
	sort.Strings(got)
	want := []string{
		"unit_test.uv.m.t_all_v1 t_all uv.m.t_all model.uv.m.v1 _v1",
		"unit_test.uv.m.t_all_v2 t_all uv.m.t_all model.uv.m.v2 _v2",
		"unit_test.uv.m.t_all_v3 t_all uv.m.t_all model.uv.m.v3 _v3",
		"unit_test.uv.m.t_exc_v2 t_exc uv.m.t_exc model.uv.m.v2 _v2",
		"unit_test.uv.m.t_exc_v3 t_exc uv.m.t_exc model.uv.m.v3 _v3",
		"unit_test.uv.m.t_inc_v2 t_inc uv.m.t_inc model.uv.m.v2 _v2",
		"unit_test.uv.plain.t_plain t_plain uv.plain.t_plain model.uv.plain ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("unit tests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestUnitTestOfUnknownVersion(t *testing.T) {
	errs := compileErrors(t, map[string]string{
		"dbt_project.yml":   "name: uv\nprofile: uv\n",
		"models/m_v1.sql":   "select 1 as id",
		"models/m_v2.sql":   "select 1 as id",
		"models/schema.yml": "models:\n  - name: m\n    versions: [{v: 1}, {v: 2}]\nunit_tests:\n  - name: t\n    model: m\n    versions: {include: [4]}\n    given: []\n    expect: {rows: [{id: 1}]}\n",
	})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "models/schema.yml:5") || !strings.Contains(errs[0].Error(), "version 4, which the model does not have (its versions: 1, 2)") {
		t.Fatalf("errors: %v", errs)
	}
}
