package docs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/internal/diag"
)

const hostile = "Orders <script>alert('x')</script> and <img src=x onerror=\"alert(1)\"> " +
	"[click](javascript:alert(2)) <a href=\"javascript:alert(3)\">a</a>\n\n| a | b |\n|---|---|\n| 1 | 2 |"

func TestMarkdownDropsHTMLAndScriptLinks(t *testing.T) {
	out := Markdown(hostile)
	for _, bad := range []string{"<script", "onerror", "javascript:", "<img", "<a href=\"javascript"} {
		if strings.Contains(strings.ToLower(out), bad) {
			t.Errorf("rendered description contains %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "<table>") {
		t.Errorf("tables are not rendered:\n%s", out)
	}
	if Markdown("  \n") != "" {
		t.Error("blank description should render empty")
	}
}

func siteManifest() *manifest.Manifest {
	m := manifest.New()
	m.Nodes["seed.shop.raw_orders"] = &manifest.Node{UniqueID: "seed.shop.raw_orders", ResourceType: manifest.Seed, Name: "raw_orders",
		Alias: "raw_orders", PackageName: "shop", Database: "db", Schema: "main", OriginalFilePath: "seeds/raw_orders.csv",
		FQN: []string{"shop", "raw_orders"}, Config: manifest.Config{}}
	m.Nodes["model.shop.orders"] = &manifest.Node{UniqueID: "model.shop.orders", ResourceType: manifest.Model, Name: "orders",
		Alias: "orders", PackageName: "shop", Database: "db", Schema: "main", OriginalFilePath: "models/marts/orders.sql",
		FQN: []string{"shop", "marts", "orders"}, Description: hostile, RawCode: "select * from {{ ref('raw_orders') }}",
		Config:      manifest.Config{"materialized": "table", "docs": map[string]any{"node_color": "not-a-colour"}},
		Columns:     map[string]*manifest.Column{"order_id": {Name: "order_id", Description: "**Primary** key"}, "legacy": {Name: "legacy"}},
		ColumnOrder: []string{"order_id", "legacy"}, DependsOn: manifest.DependsOn{Nodes: []string{"seed.shop.raw_orders"}},
		Pos: diag.Pos{File: "models/marts/orders.sql", Line: 1}}
	m.Nodes["model.shop.secret"] = &manifest.Node{UniqueID: "model.shop.secret", ResourceType: manifest.Model, Name: "secret",
		PackageName: "shop", FQN: []string{"shop", "secret"}, OriginalFilePath: "models/secret.sql",
		Config:    manifest.Config{"materialized": "view", "docs": map[string]any{"show": false, "node_color": "teal"}},
		DependsOn: manifest.DependsOn{Nodes: []string{"model.shop.orders"}}}
	m.Nodes["test.shop.unique_orders_order_id.abc"] = &manifest.Node{UniqueID: "test.shop.unique_orders_order_id.abc", ResourceType: manifest.Test,
		Name: "unique_orders_order_id", PackageName: "shop", ColumnName: "order_id", AttachedNode: "model.shop.orders",
		TestMetadata: &manifest.TestMetadata{Name: "unique", Kwargs: map[string]any{"column_name": "order_id"}},
		DependsOn:    manifest.DependsOn{Nodes: []string{"model.shop.orders"}}, Config: manifest.Config{}}
	m.Macros["macro.dbt.run_query"] = &manifest.MacroDef{UniqueID: "macro.dbt.run_query", PackageName: "dbt", Name: "run_query"}
	m.Macros["macro.shop.cents"] = &manifest.MacroDef{UniqueID: "macro.shop.cents", PackageName: "shop", Name: "cents", MacroSQL: "{% macro cents(x) %}{{ x }}/100{% endmacro %}"}
	m.Exposures["exposure.shop.dash"] = &manifest.ExposureDef{UniqueID: "exposure.shop.dash", PackageName: "shop", Name: "dash",
		URL: "javascript:alert(1)", Owner: map[string]any{"name": "Ana", "email": "ana@example.com"},
		DependsOn: manifest.DependsOn{Nodes: []string{"model.shop.orders"}}}
	m.Docs["doc.shop.__overview__"] = &manifest.DocDef{UniqueID: "doc.shop.__overview__", Name: "__overview__", PackageName: "shop", BlockContents: "# Shop <script>x</script>"}
	return m
}

func TestBuildData(t *testing.T) {
	typ := "INTEGER"
	cat := &Catalog{Nodes: map[string]*CatalogEntry{"model.shop.orders": {
		Metadata: TableMetadata{Type: "BASE TABLE", Schema: "main", Name: "orders"},
		Columns: map[string]*ColumnMeta{
			"ORDER_ID": {Type: typ, Index: 1, Name: "ORDER_ID"},
			"amount":   {Type: "DOUBLE", Index: 2, Name: "amount"},
		},
		Stats: map[string]*CatalogStatus{"num_rows": {ID: "num_rows", Label: "# Rows", Value: int64(42), Include: true}, "has_stats": {ID: "has_stats", Value: true}},
	}}}
	ix, det, warns := BuildData(siteManifest(), cat, SiteOptions{Project: "shop"})
	if len(warns) != 1 || !strings.Contains(warns[0].String(), "models/marts/orders.sql:1") || !strings.Contains(warns[0].String(), "not-a-colour") {
		t.Errorf("warnings = %v, want one positioned node_color warning", warns)
	}
	at := map[string]int{}
	for i, n := range ix.Nodes {
		at[n.ID] = i
	}
	if _, ok := at["macro.dbt.run_query"]; ok {
		t.Error("internal dbt macros should not be documented")
	}
	o := ix.Nodes[at["model.shop.orders"]]
	if o.X == nil || o.Color != "" || o.Mat != "table" || o.Relation != "orders" {
		t.Errorf("orders index entry = %+v", o)
	}
	if len(o.Parents) != 1 || ix.Nodes[o.Parents[0]].ID != "seed.shop.raw_orders" {
		t.Errorf("orders parents = %v", o.Parents)
	}
	if s := ix.Nodes[at["model.shop.secret"]]; !s.Hidden || s.X != nil {
		t.Errorf("docs.show false: hidden=%v in graph=%v", s.Hidden, s.X != nil)
	}
	if ix.Nodes[at["test.shop.unique_orders_order_id.abc"]].X != nil {
		t.Error("tests are not drawn in the lineage graph")
	}
	if !strings.Contains(ix.Overview, "<h1>Shop") || strings.Contains(ix.Overview, "<script") {
		t.Errorf("overview = %q", ix.Overview)
	}
	d := det[at["model.shop.orders"]]
	if strings.Contains(d.Desc, "<script") || strings.Contains(d.Desc, "onerror") {
		t.Errorf("description not sanitised: %s", d.Desc)
	}
	// catalog order first (ORDER_ID matches order_id case-insensitively), then YAML-only columns
	var names []string
	for _, c := range d.Columns {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "ORDER_ID,amount,legacy" {
		t.Errorf("columns = %v", names)
	}
	if c := d.Columns[0]; c.Type != "INTEGER" || !strings.Contains(c.Desc, "<strong>Primary</strong>") || len(c.Tests) != 1 || ix.Nodes[c.Tests[0]].ID != "test.shop.unique_orders_order_id.abc" {
		t.Errorf("ORDER_ID column = %+v", c)
	}
	if len(d.Stats) != 1 || d.Stats[0].Value != "42" {
		t.Errorf("stats = %+v (has_stats is not shown)", d.Stats)
	}
	x := det[at["exposure.shop.dash"]]
	if x.Extra["url"] != nil || x.Owner != "Ana · ana@example.com" {
		t.Errorf("exposure details = %+v (javascript: url must be dropped)", x)
	}
}

func TestWriteSiteIsSelfContained(t *testing.T) {
	ix, det, _ := BuildData(siteManifest(), nil, SiteOptions{Project: "shop", Generated: "now"})
	dir := t.TempDir()
	if err := WriteSite(dir, ix, det); err != nil {
		t.Fatal(err)
	}
	if err := WriteStatic(filepath.Join(dir, "static_index.html"), ix, det); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"index.html", "static_index.html", "kiln-docs/app.js", "kiln-docs/app.css", "kiln-docs/index.js", "kiln-docs/details.js"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for _, bad := range []string{"http://", "https://", "//cdn", "fetch("} {
			if strings.Contains(s, bad) && !(f == "kiln-docs/details.js" || f == "static_index.html") {
				t.Errorf("%s references %q: the site must not load anything from the network", f, bad)
			}
		}
		if strings.Contains(s, "<script>alert") || strings.Contains(s, "<script>x</script>") {
			t.Errorf("%s contains a raw hostile script", f)
		}
	}
	st, _ := os.ReadFile(filepath.Join(dir, "static_index.html"))
	if strings.Count(string(st), "</script>") != 2 {
		t.Errorf("static page should hold exactly two script elements (data, app)")
	}
	if strings.Contains(string(st), "src=") && strings.Contains(string(st), "kiln-docs/") && !strings.Contains(string(st), "KILN_DETAILS =") {
		t.Error("static page depends on kiln-docs/ files")
	}
	// data scripts are valid JSON after the assignment
	b, _ := os.ReadFile(filepath.Join(dir, "kiln-docs", "index.js"))
	js := strings.TrimSuffix(strings.TrimPrefix(string(b), "window.KILN_INDEX = "), ";\n")
	var back Index
	if err := json.Unmarshal([]byte(js), &back); err != nil || back.Project != "shop" {
		t.Errorf("index.js is not `window.KILN_INDEX = <json>;`: %v", err)
	}
}

func TestValidColor(t *testing.T) {
	for _, c := range []string{"#abc", "#A1B2C3", "teal", "RebeccaPurple"} {
		if !validColor(c) {
			t.Errorf("%s should be valid", c)
		}
	}
	for _, c := range []string{"#abcd", "blurple", "red;background:url(x)", ""} {
		if validColor(c) {
			t.Errorf("%s should be invalid", c)
		}
	}
}

// The site build renders each distinct description once; a cached render
// must be exactly what Markdown gives, for every caller and every repeat.
func TestMarkdownCacheMatchesMarkdown(t *testing.T) {
	c := &mdCache{}
	texts := []string{"Primary key.", "**bold** and a https://example.com link", "  ", "", "| a |\n|---|\n| 1 |"}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				for _, s := range texts {
					if got, want := c.render(s), Markdown(s); got != want {
						t.Errorf("render(%q) = %q, want %q", s, got, want)
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestDisplayNameTellsVersionsApart(t *testing.T) {
	v2 := &manifest.Node{ResourceType: manifest.Model, Name: "orders", Version: 2}
	ut := &manifest.Node{ResourceType: manifest.UnitTest, Name: "t_all", UnitTest: &manifest.UnitTestDef{VersionSuffix: "_v2"}}
	plain := &manifest.Node{ResourceType: manifest.Model, Name: "customers"}
	if got := displayName(v2) + " " + displayName(ut) + " " + displayName(plain); got != "orders.v2 t_all_v2 customers" {
		t.Errorf("display names = %q", got)
	}
}
