package compiler

import (
	"encoding/json"
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
