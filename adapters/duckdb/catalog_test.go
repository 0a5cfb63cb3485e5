package duckdb

import (
	"context"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
)

func TestIntrospection(t *testing.T) {
	ctx := context.Background()
	db := openFileDB(t, nil)
	c := conn(t, db)
	mustExec(t, c, `create schema s;
create table s."Orders" (id integer, amount decimal(10,2), note varchar, ts timestamp, d date, ok boolean, f double);
insert into s."Orders" select range, 1.5, 'x', null, null, true, 2 from range(3);
comment on table s."Orders" is 'all orders';
comment on column s."Orders".id is 'the key';
create view s.v as select id, note from s."Orders";
create table main.other as select 1 as x`)

	r, err := c.GetRelation(ctx, "", "s", "Orders")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "table", r, &adapters.Relation{Database: "test", Schema: "s", Identifier: "Orders", Type: adapters.RelTable})
	r, err = c.GetRelation(ctx, "test", "s", "v")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "view", r.Type, adapters.RelView)
	for _, probe := range [][3]string{{"test", "s", "orders"}, {"test", "S", "Orders"}, {"other", "s", "Orders"}, {"test", "nope", "x"}} {
		r, err := c.GetRelation(ctx, probe[0], probe[1], probe[2])
		if err != nil || r != nil {
			t.Errorf("%v: want nil, nil; got %v, %v", probe, r, err)
		}
	}

	cols, err := c.Columns(ctx, rel("s", "Orders"))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "columns", cols, []adapters.Column{
		{Name: "id", DataType: "INTEGER", Comment: "the key", Index: 1},
		{Name: "amount", DataType: "DECIMAL(10,2)", Index: 2},
		{Name: "note", DataType: "VARCHAR", Index: 3},
		{Name: "ts", DataType: "TIMESTAMP", Index: 4},
		{Name: "d", DataType: "DATE", Index: 5},
		{Name: "ok", DataType: "BOOLEAN", Index: 6},
		{Name: "f", DataType: "DOUBLE", Index: 7},
	})
	vcols, err := c.Columns(ctx, rel("s", "v"))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "view columns", vcols, []adapters.Column{{Name: "id", DataType: "INTEGER", Index: 1}, {Name: "note", DataType: "VARCHAR", Index: 2}})
	none, err := c.Columns(ctx, rel("s", "missing"))
	if err != nil || len(none) != 0 {
		t.Fatalf("missing relation: %v %v", none, err)
	}
	// A schema-less relation is the temporary table the bare name means
	// (make_temp_relation's), else the table of the current schema.
	if _, err := c.Exec(ctx, "create temp table tmp_cols as select 1 as q, 'x' as r"); err != nil {
		t.Fatal(err)
	}
	tcols, err := c.Columns(ctx, adapters.Relation{Identifier: "tmp_cols"})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "temporary table columns", tcols, []adapters.Column{{Name: "q", DataType: "INTEGER", Index: 1}, {Name: "r", DataType: "VARCHAR", Index: 2}})
	ocols, err := c.Columns(ctx, adapters.Relation{Identifier: "other"})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "bare name in the current schema", ocols, []adapters.Column{{Name: "x", DataType: "INTEGER", Index: 1}})

	list, err := c.ListRelations(ctx, "test", "s")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "list", list, []adapters.Relation{
		{Database: "test", Schema: "s", Identifier: "Orders", Type: adapters.RelTable},
		{Database: "test", Schema: "s", Identifier: "v", Type: adapters.RelView},
	})

	qcols, err := c.ColumnsOfQuery(ctx, `select id, amount * 2 as a2, [1] as l from s."Orders";`)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "query columns", qcols, []adapters.Column{
		{Name: "id", DataType: "INTEGER", Index: 1},
		{Name: "a2", DataType: "DECIMAL(18,2)", Index: 2},
		{Name: "l", DataType: "INTEGER[]", Index: 3},
	})
	if _, err := c.ColumnsOfQuery(ctx, "select nope"); err == nil {
		t.Fatal("want binder error")
	}

	cat, err := c.Catalog(ctx, []adapters.Relation{{Schema: "s"}, {Database: "test", Schema: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cat) != 2 {
		t.Fatalf("catalog: %+v", cat)
	}
	orders, v := cat[0], cat[1]
	equal(t, "orders meta", []any{orders.Database, orders.Schema, orders.Name, orders.Type, orders.TypeLabel, orders.Comment},
		[]any{"test", "s", "Orders", adapters.RelTable, "BASE TABLE", "all orders"})
	equal(t, "orders columns", orders.Columns, cols)
	equal(t, "orders stats", orders.Stats, []CatalogStat{{ID: "num_rows", Label: "# Rows", Value: int64(3), Include: true, Description: "Approximate count of rows in this table"}})
	equal(t, "view meta", []any{v.Name, v.Type, v.TypeLabel, len(v.Columns), len(v.Stats)}, []any{"v", adapters.RelView, "VIEW", 2, 0})
}

func TestDialect(t *testing.T) {
	c := conn(t, openDB(t, adapters.Credentials{Fields: map[string]any{}}))
	d := c.Dialect()
	equal(t, "quote", d.Quote(`a"b`), `"a""b"`)
	equal(t, "max", d.MaxIdentifierLength(), 0)
}
