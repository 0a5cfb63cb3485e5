package postgres

// Introspection through pg_catalog (exact, case-sensitive names; faster and
// more complete than information_schema, which hides relations the user
// cannot use and has no comments). Type names are format_type's: integer,
// text, double precision, numeric(10,2), character varying(20),
// timestamp without time zone.

import (
	"context"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-dev/kiln/adapters"
)

// relKinds are the relkinds kiln lists: tables (plain, partitioned,
// foreign), views and materialized views.
const relKinds = `('r', 'p', 'f', 'v', 'm')`

// GetRelation returns the relation with exactly this schema and identifier,
// or nil, nil when there is none (or it is not a table or view).
func (c *Conn) GetRelation(ctx context.Context, database, schema, identifier string) (*adapters.Relation, error) {
	if err := c.checkDatabase(database); err != nil {
		return nil, err
	}
	rels, err := c.lookup(ctx, schema, identifier)
	if err != nil {
		return nil, err
	}
	r, ok := rels[identifier]
	if !ok || !r.replaceable() {
		return nil, nil
	}
	return &adapters.Relation{Database: c.db.cfg.Database, Schema: schema, Identifier: identifier, Type: r.relType()}, nil
}

// ListRelations lists the tables and views of one schema, sorted by name.
func (c *Conn) ListRelations(ctx context.Context, database, schema string) ([]adapters.Relation, error) {
	if err := c.checkDatabase(database); err != nil {
		return nil, err
	}
	pc, err := c.raw()
	if err != nil {
		return nil, err
	}
	rows, err := pc.Query(ctx, `select c.relname, c.relkind::text
from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and c.relkind in `+relKinds+`
order by c.relname`, schema)
	if err != nil {
		return nil, c.afterErr(ctx, err)
	}
	defer rows.Close()
	var out []adapters.Relation
	for rows.Next() {
		var name, kind string
		if err := rows.Scan(&name, &kind); err != nil {
			return nil, c.afterErr(ctx, err)
		}
		out = append(out, adapters.Relation{Database: c.db.cfg.Database, Schema: schema, Identifier: name, Type: pgRel{kind: kind}.relType()})
	}
	if err := rows.Err(); err != nil {
		return nil, c.afterErr(ctx, err)
	}
	return out, nil
}

// Columns returns the relation's columns in ordinal order with PostgreSQL
// type names. A missing relation has none.
func (c *Conn) Columns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error) {
	if err := c.checkDatabase(rel.Database); err != nil {
		return nil, err
	}
	pc, err := c.raw()
	if err != nil {
		return nil, err
	}
	// A relation without a schema (a temporary table) is the one the bare
	// name resolves to on the search path, pg_temp first.
	where := "n.nspname = $1 and c.relname = $2"
	args := []any{rel.Schema, rel.Identifier}
	if rel.Schema == "" {
		where, args = "c.relname = $1 and pg_catalog.pg_table_is_visible(c.oid)", []any{rel.Identifier}
	}
	rows, err := pc.Query(ctx, `select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
  coalesce(pg_catalog.col_description(a.attrelid, a.attnum), ''), a.attnum::int
from pg_catalog.pg_attribute a
join pg_catalog.pg_class c on c.oid = a.attrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where `+where+` and a.attnum > 0 and not a.attisdropped
order by a.attnum`, args...)
	if err != nil {
		return nil, c.afterErr(ctx, err)
	}
	defer rows.Close()
	var cols []adapters.Column
	for rows.Next() {
		var col adapters.Column
		var idx int
		if err := rows.Scan(&col.Name, &col.DataType, &col.Comment, &idx); err != nil {
			return nil, c.afterErr(ctx, err)
		}
		col.Index = len(cols) + 1 // ordinal among live columns
		cols = append(cols, col)
	}
	if err := rows.Err(); err != nil {
		return nil, c.afterErr(ctx, err)
	}
	return cols, nil
}

// ColumnsOfQuery describes a SELECT without fetching rows (dbt's
// get_column_schema_from_query: the query wrapped in `limit 0`).
func (c *Conn) ColumnsOfQuery(ctx context.Context, q string) ([]adapters.Column, error) {
	pc, err := c.raw()
	if err != nil {
		return nil, err
	}
	rows, err := pc.Query(ctx, "select * from (\n"+trimSQL(q)+"\n) as kiln_columns_of_query limit 0", pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, c.afterErr(ctx, err)
	}
	fds := rows.FieldDescriptions()
	oids := make([]uint32, len(fds))
	mods := make([]int32, len(fds))
	cols := make([]adapters.Column, len(fds))
	for i, fd := range fds {
		oids[i], mods[i] = fd.DataTypeOID, fd.TypeModifier
		cols[i] = adapters.Column{Name: fd.Name, Index: i + 1}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, c.afterErr(ctx, err)
	}
	if len(cols) == 0 {
		return cols, nil
	}
	var names []string
	if err := pc.QueryRow(ctx, `select coalesce(array_agg(pg_catalog.format_type(t.oid, t.mod) order by t.i), '{}')
from unnest($1::oid[], $2::int4[]) with ordinality as t(oid, mod, i)`, oids, mods).Scan(&names); err != nil {
		return nil, c.afterErr(ctx, err)
	}
	for i := range cols {
		if i < len(names) {
			cols[i].DataType = names[i]
		}
	}
	return cols, nil
}

// CatalogTable and CatalogStat are the adapter-neutral catalog types.
type (
	CatalogTable = adapters.CatalogTable
	CatalogStat  = adapters.CatalogStat
)

// exactCountPages: tables up to this many 8 kB pages (8 MB) whose
// statistics are missing get an exact count(*); bigger ones report the
// planner's estimate (pg_class.reltuples) or nothing.
const exactCountPages = 1024

// Catalog describes every table and view in the given schemas of the
// connected database (schemas of other databases are skipped). Results are
// sorted by schema and name.
func (c *Conn) Catalog(ctx context.Context, schemas []adapters.Relation) ([]CatalogTable, error) {
	var names []string
	seen := map[string]bool{}
	for _, s := range schemas {
		if s.Database != "" && s.Database != c.db.cfg.Database || seen[s.Schema] {
			continue
		}
		seen[s.Schema] = true
		names = append(names, s.Schema)
	}
	if len(names) == 0 {
		return nil, nil
	}
	pc, err := c.raw()
	if err != nil {
		return nil, err
	}
	rows, err := pc.Query(ctx, `select c.oid, n.nspname, c.relname, c.relkind::text,
  coalesce(pg_catalog.obj_description(c.oid, 'pg_class'), ''), pg_catalog.pg_get_userbyid(c.relowner),
  c.reltuples::float8, c.relpages::int8
from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1) and c.relkind in `+relKinds+`
order by n.nspname, c.relname`, names)
	if err != nil {
		return nil, c.afterErr(ctx, err)
	}
	type entry struct {
		t     *CatalogTable
		kind  string
		tuple float64
		pages int64
	}
	var out []*entry
	byOID := map[uint32]*entry{}
	var oids []uint32
	for rows.Next() {
		e := &entry{t: &CatalogTable{Database: c.db.cfg.Database}}
		var oid uint32
		if err := rows.Scan(&oid, &e.t.Schema, &e.t.Name, &e.kind, &e.t.Comment, &e.t.Owner, &e.tuple, &e.pages); err != nil {
			rows.Close()
			return nil, c.afterErr(ctx, err)
		}
		e.t.Type = pgRel{kind: e.kind}.relType()
		e.t.TypeLabel = map[string]string{"r": "BASE TABLE", "p": "BASE TABLE", "f": "FOREIGN", "v": "VIEW", "m": "MATERIALIZED VIEW"}[e.kind]
		out = append(out, e)
		byOID[oid] = e
		oids = append(oids, oid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, c.afterErr(ctx, err)
	}
	if len(oids) > 0 {
		rows, err = pc.Query(ctx, `select a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
  coalesce(pg_catalog.col_description(a.attrelid, a.attnum), '')
from pg_catalog.pg_attribute a
where a.attrelid = any($1) and a.attnum > 0 and not a.attisdropped
order by a.attrelid, a.attnum`, oids)
		if err != nil {
			return nil, c.afterErr(ctx, err)
		}
		for rows.Next() {
			var oid uint32
			var col adapters.Column
			if err := rows.Scan(&oid, &col.Name, &col.DataType, &col.Comment); err != nil {
				rows.Close()
				return nil, c.afterErr(ctx, err)
			}
			if e := byOID[oid]; e != nil {
				col.Index = len(e.t.Columns) + 1
				e.t.Columns = append(e.t.Columns, col)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, c.afterErr(ctx, err)
		}
	}
	for _, e := range out {
		if e.kind != "r" && e.kind != "m" {
			continue
		}
		// reltuples is -1 until the table is first vacuumed or analyzed (a
		// freshly built model); small tables are then counted exactly.
		switch {
		case e.tuple >= 0:
			e.t.Stats = []CatalogStat{{ID: "num_rows", Label: "# Rows", Value: int64(e.tuple), Include: true,
				Description: "Approximate count of rows in this table (pg_class.reltuples)"}}
		case e.pages <= exactCountPages:
			var n int64
			rel := adapters.Relation{Schema: e.t.Schema, Identifier: e.t.Name}
			if err := pc.QueryRow(ctx, "select count(*) from "+rel.Render()).Scan(&n); err != nil {
				if ctx.Err() != nil || c.inTx {
					return nil, c.afterErr(ctx, err)
				}
				continue // e.g. no SELECT privilege: no stats, not a failure
			}
			e.t.Stats = []CatalogStat{{ID: "num_rows", Label: "# Rows", Value: n, Include: true,
				Description: "Exact count of rows in this table"}}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].t, out[j].t
		if a.Schema != b.Schema {
			return a.Schema < b.Schema
		}
		return a.Name < b.Name
	})
	res := make([]CatalogTable, len(out))
	for i, e := range out {
		res[i] = *e.t
	}
	return res, nil
}

var _ adapters.Cataloger = (*Conn)(nil)
