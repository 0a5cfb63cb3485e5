package duckdb

// Introspection. Public methods always read DuckDB's catalog (exact,
// case-sensitive names). Materialize and LoadSeed use relCache, a per-schema
// memo of relation names and types kept current by the adapter's own DDL;
// see the package comment for why staleness is harmless.

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/kiln-dev/kiln/adapters"
)

const listTablesSQL = `select table_name from duckdb_tables() where database_name = ? and schema_name = ?`
const listViewsSQL = `select view_name from duckdb_views() where database_name = ? and schema_name = ? and not internal`

// defaultDB fills an empty database name with the target's database.
func (c *Conn) defaultDB(database string) string {
	if database == "" {
		return c.db.cfg.Database
	}
	return database
}

// GetRelation returns the relation with exactly this database, schema and
// identifier, or nil, nil when there is none.
func (c *Conn) GetRelation(ctx context.Context, database, schema, identifier string) (*adapters.Relation, error) {
	database = c.defaultDB(database)
	for _, probe := range []struct {
		q   string
		typ adapters.RelationType
	}{
		{listTablesSQL + " and table_name = ?", adapters.RelTable},
		{listViewsSQL + " and view_name = ?", adapters.RelView},
	} {
		var name string
		err := c.c.QueryRowContext(ctx, probe.q, database, schema, identifier).Scan(&name)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, wrapErr(ctx, err)
		}
		return &adapters.Relation{Database: database, Schema: schema, Identifier: identifier, Type: probe.typ}, nil
	}
	return nil, nil
}

// ListRelations lists the tables and views of one schema, sorted by name.
func (c *Conn) ListRelations(ctx context.Context, database, schema string) ([]adapters.Relation, error) {
	database = c.defaultDB(database)
	m, err := c.listRelations(ctx, database, schema)
	if err != nil {
		return nil, err
	}
	out := make([]adapters.Relation, 0, len(m))
	for name, typ := range m {
		out = append(out, adapters.Relation{Database: database, Schema: schema, Identifier: name, Type: typ})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Identifier < out[j].Identifier })
	return out, nil
}

func (c *Conn) listRelations(ctx context.Context, database, schema string) (map[string]adapters.RelationType, error) {
	m := map[string]adapters.RelationType{}
	for _, probe := range []struct {
		q   string
		typ adapters.RelationType
	}{{listTablesSQL, adapters.RelTable}, {listViewsSQL, adapters.RelView}} {
		rows, err := c.c.QueryContext(ctx, probe.q, database, schema)
		if err != nil {
			return nil, wrapErr(ctx, err)
		}
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return nil, wrapErr(ctx, err)
			}
			m[name] = probe.typ
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrapErr(ctx, err)
		}
	}
	return m, nil
}

// Columns returns the relation's columns in ordinal order with DuckDB type
// names (INTEGER, VARCHAR, DECIMAL(10,2), ...). A missing relation has none.
//
// A relation without a schema (a temporary table, as make_temp_relation or
// api.Relation.create(identifier=...) name them) is looked up as DuckDB
// resolves the bare name: the temporary table first, else the table in the
// current database and schema.
func (c *Conn) Columns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error) {
	const q = `select column_name, data_type, coalesce(comment, ''), column_index
from duckdb_columns() where database_name = ? and schema_name = ? and table_name = ?
order by column_index`
	const bare = `select column_name, data_type, coalesce(comment, ''), column_index
from duckdb_columns() where table_name = ? and database_name = (
  select database_name from duckdb_columns()
  where table_name = ? and (database_name = 'temp' or (database_name = current_database() and schema_name = current_schema()))
  order by database_name = 'temp' desc limit 1)
  and schema_name = case when database_name = 'temp' then schema_name else current_schema() end
order by column_index`
	var rows *sql.Rows
	var err error
	if rel.Schema == "" && rel.CTEName == "" {
		rows, err = c.c.QueryContext(ctx, bare, rel.Identifier, rel.Identifier)
	} else {
		rows, err = c.c.QueryContext(ctx, q, c.defaultDB(rel.Database), rel.Schema, rel.Identifier)
	}
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	defer rows.Close()
	var cols []adapters.Column
	for rows.Next() {
		var col adapters.Column
		var idx int64
		if err := rows.Scan(&col.Name, &col.DataType, &col.Comment, &idx); err != nil {
			return nil, wrapErr(ctx, err)
		}
		col.Index = int(idx)
		cols = append(cols, col)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, err)
	}
	return cols, nil
}

// ColumnsOfQuery describes a SELECT without running it.
func (c *Conn) ColumnsOfQuery(ctx context.Context, q string) ([]adapters.Column, error) {
	rows, err := c.c.QueryContext(ctx, "DESCRIBE (\n"+trimSQL(q)+"\n)")
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	defer rows.Close()
	var cols []adapters.Column
	for rows.Next() {
		var name, typ string
		var null, key, def, extra sql.NullString
		if err := rows.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
			return nil, wrapErr(ctx, err)
		}
		cols = append(cols, adapters.Column{Name: name, DataType: typ, Index: len(cols) + 1})
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, err)
	}
	return cols, nil
}

// CatalogTable is one relation for catalog.json (dbt's catalog v1 "nodes").
// CatalogTable and CatalogStat are the adapter-neutral catalog types.
type (
	CatalogTable = adapters.CatalogTable
	CatalogStat  = adapters.CatalogStat
)

// Catalog describes every table and view in the given schemas (each
// relation's Database and Schema are used; an empty Database means the
// target's). Results are sorted by database, schema, name.
func (c *Conn) Catalog(ctx context.Context, schemas []adapters.Relation) ([]CatalogTable, error) {
	if len(schemas) == 0 {
		return nil, nil
	}
	var conds []string
	seen := map[[2]string]bool{}
	for _, s := range schemas {
		k := [2]string{c.defaultDB(s.Database), s.Schema}
		if seen[k] {
			continue
		}
		seen[k] = true
		conds = append(conds, fmt.Sprintf("(database_name = %s and schema_name = %s)", quoteString(k[0]), quoteString(k[1])))
	}
	where := "(" + strings.Join(conds, " or ") + ")"
	q := `select database_name, schema_name, table_name, 'table', coalesce(comment, ''), estimated_size
from duckdb_tables() where ` + where + `
union all
select database_name, schema_name, view_name, 'view', coalesce(comment, ''), null
from duckdb_views() where not internal and ` + where
	rows, err := c.c.QueryContext(ctx, q)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	byKey := map[[3]string]*CatalogTable{}
	var out []*CatalogTable
	for rows.Next() {
		t := &CatalogTable{}
		var typ string
		var size sql.NullInt64
		if err := rows.Scan(&t.Database, &t.Schema, &t.Name, &typ, &t.Comment, &size); err != nil {
			rows.Close()
			return nil, wrapErr(ctx, err)
		}
		t.Type = adapters.RelationType(typ)
		t.TypeLabel = "VIEW"
		if t.Type == adapters.RelTable {
			t.TypeLabel = "BASE TABLE"
			if size.Valid {
				t.Stats = []CatalogStat{{
					ID: "num_rows", Label: "# Rows", Value: size.Int64, Include: true,
					Description: "Approximate count of rows in this table",
				}}
			}
		}
		byKey[[3]string{t.Database, t.Schema, t.Name}] = t
		out = append(out, t)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	cq := `select database_name, schema_name, table_name, column_name, column_index, data_type, coalesce(comment, '')
from duckdb_columns() where ` + where + ` order by database_name, schema_name, table_name, column_index`
	rows, err = c.c.QueryContext(ctx, cq)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var d, s, n string
		var col adapters.Column
		var idx int64
		if err := rows.Scan(&d, &s, &n, &col.Name, &idx, &col.DataType, &col.Comment); err != nil {
			return nil, wrapErr(ctx, err)
		}
		col.Index = int(idx)
		if t := byKey[[3]string{d, s, n}]; t != nil {
			t.Columns = append(t.Columns, col)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, err)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Database != b.Database {
			return a.Database < b.Database
		}
		if a.Schema != b.Schema {
			return a.Schema < b.Schema
		}
		return a.Name < b.Name
	})
	res := make([]CatalogTable, len(out))
	for i, t := range out {
		res[i] = *t
	}
	return res, nil
}

// relCache memoises, per (database, schema), which relation names exist and
// their type. Entries load lazily with one catalog read; a loader holds the
// entry's lock, and DDL updates are applied after their commit under the
// same lock, so a load never overwrites a newer update.
type relCache struct {
	mu      sync.Mutex
	schemas map[[2]string]*schemaEntry
}

type schemaEntry struct {
	mu     sync.Mutex
	loaded bool
	rels   map[string]adapters.RelationType
}

func newRelCache() *relCache { return &relCache{schemas: map[[2]string]*schemaEntry{}} }

func (rc *relCache) entry(database, schema string) *schemaEntry {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	k := [2]string{database, schema}
	e := rc.schemas[k]
	if e == nil {
		e = &schemaEntry{}
		rc.schemas[k] = e
	}
	return e
}

// types returns the cached type of each name (RelUnknown = absent), loading
// the schema's listing through c if needed.
func (rc *relCache) types(ctx context.Context, c *Conn, database, schema string, names ...string) ([]adapters.RelationType, error) {
	e := rc.entry(database, schema)
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.loaded {
		m, err := c.listRelations(ctx, database, schema)
		if err != nil {
			return nil, err
		}
		e.rels, e.loaded = m, true
	}
	out := make([]adapters.RelationType, len(names))
	for i, n := range names {
		out[i] = e.rels[n]
	}
	return out, nil
}

// set records name's type after a committed change (RelUnknown: dropped).
func (rc *relCache) set(database, schema, name string, typ adapters.RelationType) {
	e := rc.entry(database, schema)
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.loaded {
		return
	}
	if typ == adapters.RelUnknown {
		delete(e.rels, name)
	} else {
		e.rels[name] = typ
	}
}

func (rc *relCache) invalidate(database, schema string) {
	e := rc.entry(database, schema)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.loaded, e.rels = false, nil
}

// trimSQL: see adapters.TrimStatement (one trimmer for every adapter).
func trimSQL(q string) string { return adapters.TrimStatement(q) }

var _ adapters.Cataloger = (*Conn)(nil)
