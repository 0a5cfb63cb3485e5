package docs

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/duckdb"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

func openDuck(t *testing.T) adapters.DB {
	t.Helper()
	dir := t.TempDir()
	db, err := duckdb.New().Open(context.Background(), adapters.Credentials{
		Fields: map[string]any{"type": "duckdb", "path": filepath.Join(dir, "cat.duckdb")}, Dir: dir}, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func execSQL(t *testing.T, db adapters.DB, sqls ...string) {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, q := range sqls {
		if _, err := c.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// catalogManifest describes two models, a seed and a source in two
// schemas, plus an ephemeral model that has no relation.
func catalogManifest() *manifest.Manifest {
	m := manifest.New()
	node := func(id, typ, name, schema, mat string) {
		m.Nodes[id] = &manifest.Node{UniqueID: id, ResourceType: typ, Name: name, Alias: name, Database: "cat", Schema: schema,
			PackageName: "shop", FQN: []string{"shop", name}, Config: manifest.Config{"materialized": mat}}
	}
	node("model.shop.orders", manifest.Model, "orders", "main", "table")
	node("model.shop.order_view", manifest.Model, "order_view", "main", "view")
	node("model.shop.eph", manifest.Model, "eph", "main", "ephemeral")
	node("seed.shop.raw", manifest.Seed, "raw", "staging", "seed")
	m.Sources["source.shop.app.users"] = &manifest.SourceDef{UniqueID: "source.shop.app.users", Name: "users", SourceName: "app",
		Identifier: "app_users", Database: "cat", Schema: "staging", PackageName: "shop", FQN: []string{"shop", "app", "users"}}
	return m
}

func TestCatalogOnlyProjectRelations(t *testing.T) {
	db := openDuck(t)
	execSQL(t, db,
		`create schema staging`,
		`create table main.orders (id integer, amount decimal(10,2), note varchar)`,
		`insert into main.orders values (1, 2.5, 'a'), (2, 3, 'b'), (3, 4, null)`,
		`comment on table main.orders is 'all orders'`,
		`comment on column main.orders.id is 'primary key'`,
		`create view main.order_view as select id from main.orders`,
		`create table main.not_ours (x int)`, // a warehouse object kiln did not build
		`create table staging.raw (k varchar)`,
		`create table staging.app_users (user_id bigint, email varchar)`,
	)
	cat, err := BuildCatalog(context.Background(), catalogManifest(), db, CatalogOptions{Workers: 2, DbtVersion: "1.11.0", InvocationID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Errors) > 0 {
		t.Fatalf("errors: %v", cat.Errors)
	}
	var ids []string
	for id := range cat.Nodes {
		ids = append(ids, id)
	}
	if len(cat.Nodes) != 3 || cat.Nodes["model.shop.orders"] == nil || cat.Nodes["model.shop.order_view"] == nil || cat.Nodes["seed.shop.raw"] == nil {
		t.Fatalf("catalog nodes = %v, want orders, order_view, raw", ids)
	}
	o := cat.Nodes["model.shop.orders"]
	if o.Metadata.Type != "BASE TABLE" || *o.Metadata.Comment != "all orders" {
		t.Errorf("orders metadata = %+v", o.Metadata)
	}
	if c := o.Columns["amount"]; c == nil || c.Type != "DECIMAL(10,2)" || c.Index != 2 {
		t.Errorf("amount column = %+v", c)
	}
	if c := o.Columns["id"]; c == nil || c.Comment == nil || *c.Comment != "primary key" {
		t.Errorf("id column = %+v", c)
	}
	if s := o.Stats["num_rows"]; s == nil || s.Value != int64(3) {
		t.Errorf("num_rows = %+v", s)
	}
	if s := o.Stats["has_stats"]; s == nil || s.Value != true {
		t.Errorf("has_stats = %+v", s)
	}
	if v := cat.Nodes["model.shop.order_view"]; v.Metadata.Type != "VIEW" || v.Stats["has_stats"].Value != false {
		t.Errorf("view entry = %+v", v.Metadata)
	}
	u := cat.Sources["source.shop.app.users"]
	if u == nil || u.Columns["email"] == nil || u.Metadata.Name != "app_users" {
		t.Fatalf("source entry = %+v", u)
	}
	validateCatalog(t, cat)

	// --select: only what was selected is described
	cat, err = BuildCatalog(context.Background(), catalogManifest(), db, CatalogOptions{Workers: 2, Only: map[string]bool{"seed.shop.raw": true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Nodes) != 1 || cat.Nodes["seed.shop.raw"] == nil || len(cat.Sources) != 0 {
		t.Errorf("selected catalog = %v / %v", cat.Nodes, cat.Sources)
	}
}

// A project whose relations were never built has an empty, valid catalog.
func TestCatalogUnbuiltProject(t *testing.T) {
	db := openDuck(t)
	cat, err := BuildCatalog(context.Background(), catalogManifest(), db, CatalogOptions{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Nodes)+len(cat.Sources) != 0 {
		t.Errorf("unbuilt project has catalog entries: %v", cat.Nodes)
	}
	validateCatalog(t, cat)
}

func schemaDir(t *testing.T) string {
	d := os.Getenv("KILN_DBT_SCHEMAS")
	if d == "" {
		_, file, _, _ := runtime.Caller(0)
		d = filepath.Join(filepath.Dir(file), "..", "..", "shared", "dbt-schemas")
	}
	if _, err := os.Stat(filepath.Join(d, "catalog-v1.json")); err != nil {
		t.Skipf("dbt JSON Schemas not found at %s (set KILN_DBT_SCHEMAS)", d)
	}
	return d
}

func validateCatalog(t *testing.T, cat *Catalog) {
	t.Helper()
	sch, err := jsonschema.NewCompiler().Compile(filepath.Join(schemaDir(t), "catalog-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(cat)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		msg := err.Error()
		if len(msg) > 2000 {
			msg = msg[:2000]
		}
		t.Errorf("catalog.json does not validate against catalog-v1.json:\n%s", msg)
	}
	if !strings.Contains(string(b), `"dbt_schema_version":"https://schemas.getdbt.com/dbt/catalog/v1.json"`) {
		t.Errorf("wrong schema version header")
	}
}
