package compiler

import (
	"encoding/json"
	"strings"
	"testing"
)

// The manifest carries the internal package's macros under the unique_ids
// dbt gives its own (dbt for the global project, dbt_<adapter> for the
// target adapter's), and the default docs home page.
func TestManifestHasInternalPackage(t *testing.T) {
	c := &cacheEnv{dir: t.TempDir()}
	writeFiles(t, c.dir, map[string]string{
		"dbt_project.yml": "name: shop\nprofile: shop\n",
		"models/a.sql":    "select 1 as id",
		"models/s.yml":    "version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique]\n",
	})
	r := c.compile(t, false)
	m := r.Manifest
	for _, id := range []string{"macro.dbt.test_unique", "macro.dbt.get_where_subquery", "macro.dbt.generate_schema_name"} {
		mc := m.Macros[id]
		if mc == nil || mc.PackageName != "dbt" || !strings.Contains(mc.MacroSQL, "{%") || strings.HasPrefix(mc.Path, "dbt/") {
			t.Errorf("%s: %+v", id, mc)
		}
	}
	duck, pg := 0, 0
	for id, mc := range m.Macros {
		switch {
		case strings.HasPrefix(id, "macro.dbt_duckdb.duckdb__"):
			duck++
			if mc.PackageName != "dbt_duckdb" {
				t.Errorf("%s in package %s", id, mc.PackageName)
			}
		case strings.HasPrefix(id, "macro.dbt_postgres."):
			pg++
		case strings.HasPrefix(id, "macro.dbt.duckdb__"), strings.HasPrefix(id, "macro.dbt.postgres__"):
			t.Errorf("%s: adapter macros belong to the adapter's package", id)
		}
	}
	if duck == 0 || pg != 0 {
		t.Errorf("dbt_duckdb macros %d, dbt_postgres macros %d (only the target adapter's belong)", duck, pg)
	}
	if d := m.Docs["doc.dbt.__overview__"]; d == nil || d.PackageName != "dbt" || d.BlockContents == "" {
		t.Errorf("doc.dbt.__overview__: %+v", d)
	}
	for id, n := range m.Nodes {
		if strings.HasPrefix(id, "test.") {
			// dbt renders a unique test (and so calls get_where_subquery)
			// only when it compiles, not at parse time.
			if got := strings.Join(n.DependsOn.Macros, " "); got != "macro.dbt.test_unique" {
				t.Errorf("%s depends_on.macros %s", id, got)
			}
			c := *n
			c.Compiled = true
			var deps struct {
				DependsOn struct{ Macros []string } `json:"depends_on"`
			}
			b, _ := json.Marshal(c.JSON())
			if err := json.Unmarshal(b, &deps); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(deps.DependsOn.Macros, " "); got != "macro.dbt.test_unique macro.dbt.get_where_subquery" {
				t.Errorf("%s compiled depends_on.macros %s", id, got)
			}
		}
		if id == "model.shop.a" && len(n.DependsOn.Macros) != 0 {
			t.Errorf("a model's materialization is not among its depends_on.macros in dbt: %v", n.DependsOn.Macros)
		}
	}
}
