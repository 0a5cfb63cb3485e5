package compiler

import (
	"encoding/json"
	"strings"
	"testing"
)

// Sources carry dbt's parse-time fields: the schema/database as written,
// loaded_at_query, freshness (null only when switched off) and the
// top-level freshness and loaded_at_field in config and unrendered_config.
func TestSourceFieldsLikeDBT(t *testing.T) {
	c := &cacheEnv{dir: t.TempDir()}
	writeFiles(t, c.dir, map[string]string{
		"dbt_project.yml": "name: shop\nprofile: shop\n",
		"models/src.yml": `version: 2
sources:
  - name: raw
    schema: "{{ target.schema }}_raw"
    loaded_at_field: loaded_at
    freshness:
      warn_after: {count: 1, period: day}
    tables:
      - name: a
      - name: b
        freshness: null
  - name: plain
    tables:
      - name: c
`,
	})
	r := c.compile(t, false)
	get := func(id string) map[string]any {
		s := r.Manifest.Sources[id]
		if s == nil {
			t.Fatalf("no %s", id)
		}
		b, _ := json.Marshal(s.JSON())
		var m map[string]any
		json.Unmarshal(b, &m)
		return m
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	a, b, c2 := get("source.shop.raw.a"), get("source.shop.raw.b"), get("source.shop.plain.c")
	policy := `{"error_after":{"count":null,"period":null},"filter":null,"warn_after":{"count":1,"period":"day"}}`
	none := `{"error_after":{"count":null,"period":null},"filter":null,"warn_after":{"count":null,"period":null}}`
	for _, tc := range []struct{ got, want string }{
		{js(a["unrendered_schema"]), `"{{ target.schema }}_raw"`},
		{js(a["unrendered_database"]), `null`},
		{js(a["loaded_at_query"]), `null`},
		{js(a["freshness"]), policy},
		{js(a["config"].(map[string]any)["freshness"]), policy},
		{js(a["config"].(map[string]any)["loaded_at_field"]), `"loaded_at"`},
		{js(a["unrendered_config"]), `{"freshness":` + policy + `,"loaded_at_field":"loaded_at","loaded_at_query":null,"meta":{},"tags":[]}`},
		{js(b["freshness"]), `null`},
		{js(b["config"].(map[string]any)["freshness"]), `null`},
		{js(b["unrendered_config"]), `{"freshness":null,"loaded_at_field":"loaded_at","loaded_at_query":null,"meta":{},"tags":[]}`},
		{js(c2["freshness"]), none},
		{js(c2["unrendered_schema"]), `null`},
		{js(c2["unrendered_config"]), `{"loaded_at_field":null,"loaded_at_query":null,"meta":{},"tags":[]}`},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}

// Analyses are filed under "analysis" (path and fqn), and a unit test's
// path is its property file relative to the resource folder, as in dbt.
func TestAnalysisAndUnitTestPathsLikeDBT(t *testing.T) {
	c := &cacheEnv{dir: t.TempDir()}
	writeFiles(t, c.dir, map[string]string{
		"dbt_project.yml":      "name: shop\nprofile: shop\n",
		"models/a.sql":         "select 1 as id",
		"models/sub/props.yml": "version: 2\nunit_tests:\n  - name: ut\n    model: a\n    given: []\n    expect:\n      rows: [{id: 1}]\n",
		"analyses/x/top.sql":   "select * from {{ ref('a') }}",
	})
	r := c.compile(t, false)
	an := r.Manifest.Nodes["analysis.shop.top"]
	if an == nil {
		t.Fatal("no analysis")
	}
	if an.Path != "analysis/x/top.sql" || an.OriginalFilePath != "analyses/x/top.sql" || strings.Join(an.FQN, ".") != "shop.analysis.x.top" {
		t.Errorf("analysis path %q original %q fqn %v", an.Path, an.OriginalFilePath, an.FQN)
	}
	ut := r.Manifest.Nodes["unit_test.shop.a.ut"]
	if ut == nil {
		t.Fatal("no unit test")
	}
	if ut.Path != "sub/props.yml" || ut.OriginalFilePath != "models/sub/props.yml" {
		t.Errorf("unit test path %q original %q", ut.Path, ut.OriginalFilePath)
	}
}

// unrendered_config keeps dbt_project.yml's Jinja as written, while the
// config has it rendered.
func TestUnrenderedConfigKeepsProjectJinja(t *testing.T) {
	c := &cacheEnv{dir: t.TempDir()}
	writeFiles(t, c.dir, map[string]string{
		"dbt_project.yml": "name: shop\nprofile: shop\nmodels:\n  shop:\n    +materialized: \"{{ 'ephemeral' if target.name == 'nope' else 'table' }}\"\n",
		"models/a.sql":    "select 1 as id",
	})
	r := c.compile(t, false)
	n := r.Manifest.Nodes["model.shop.a"]
	if n.Config.Materialized() != "table" {
		t.Errorf("config.materialized %q", n.Config.Materialized())
	}
	if got := n.UnrenderedConfig["materialized"]; got != "{{ 'ephemeral' if target.name == 'nope' else 'table' }}" {
		t.Errorf("unrendered_config.materialized %v", got)
	}
}
