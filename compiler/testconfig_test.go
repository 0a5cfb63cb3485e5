package compiler

import "testing"

// A generic test macro that calls config() sets that config at parse time
// (through a dispatch too), unless the test's YAML set it.
func TestGenericTestConfigAtParseTime(t *testing.T) {
	c := &cacheEnv{dir: t.TempDir()}
	writeFiles(t, c.dir, map[string]string{
		"dbt_project.yml": "name: shop\nprofile: shop\n",
		"models/a.sql":    "select 1 as id, 2 as id2",
		"macros/t.sql": `{% test few(model, column_name) %}{{ return(adapter.dispatch('test_few')(model, column_name)) }}{% endtest %}
{% macro default__test_few(model, column_name) %}
{% set calc %}coalesce(sum(n), 0){% endset %}
{{ config(fail_calc=calc) }}
{% if not execute %}{{ return('') }}{% endif %}
select count(*) as n from {{ model }}
{% endmacro %}`,
		"models/s.yml": `version: 2
models:
  - name: a
    columns:
      - name: id
        data_tests:
          - few
          - not_null
      - name: id2
        data_tests:
          - few:
              config: {fail_calc: "max(n)"}
`,
	})
	r := c.compile(t, false)
	seen := 0
	for _, n := range r.Manifest.Nodes {
		if n.TestMetadata == nil {
			continue
		}
		got := n.Config["fail_calc"]
		switch {
		case n.TestMetadata.Name == "not_null":
			if got != "count(*)" {
				t.Errorf("not_null fail_calc %v", got)
			}
		case n.UnrenderedConfig["fail_calc"] == "max(n)":
			seen++
			if got != "max(n)" {
				t.Errorf("YAML fail_calc overridden: %v", got)
			}
		default:
			seen++
			if got != "coalesce(sum(n), 0)" || n.UnrenderedConfig["fail_calc"] != "coalesce(sum(n), 0)" {
				t.Errorf("few: fail_calc %v, unrendered %v", got, n.UnrenderedConfig)
			}
		}
	}
	if seen != 2 {
		t.Errorf("%d 'few' tests", seen)
	}
}
