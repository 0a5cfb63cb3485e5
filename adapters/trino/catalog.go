package trino

// Introspection through each catalog's information_schema (Trino's only
// portable metadata; names are lower case). Type names are Trino's:
// integer, bigint, double, decimal(10,2), varchar, varchar(20),
// timestamp(6), date, boolean.

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
)

// GetRelation returns the table or view, or nil, nil when there is none.
func (c *Conn) GetRelation(ctx context.Context, database, schema, identifier string) (*adapters.Relation, error) {
	catalog := c.catalogOf(database)
	rels, err := c.lookup(ctx, catalog, schema, identifier)
	if err != nil {
		return nil, err
	}
	r, ok := rels[strings.ToLower(identifier)]
	if !ok || r.relType() == adapters.RelUnknown {
		return nil, nil
	}
	return &adapters.Relation{Database: catalog, Schema: strings.ToLower(schema), Identifier: strings.ToLower(identifier), Type: r.relType()}, nil
}

// ListRelations lists the tables and views of one schema, sorted by name.
func (c *Conn) ListRelations(ctx context.Context, database, schema string) ([]adapters.Relation, error) {
	catalog := c.catalogOf(database)
	t, _, err := c.Query(ctx, "select table_name, table_type from "+adapters.QuoteIdent(catalog)+".information_schema.tables where table_schema = "+
		quoteLiteral(strings.ToLower(schema))+" order by table_name", 0)
	if err != nil {
		return nil, err
	}
	var out []adapters.Relation
	for _, r := range t.Rows {
		rt := trinoRel{kind: fmt.Sprint(r[1])}.relType()
		if rt == adapters.RelUnknown {
			continue
		}
		out = append(out, adapters.Relation{Database: catalog, Schema: strings.ToLower(schema), Identifier: fmt.Sprint(r[0]), Type: rt})
	}
	return out, nil
}

// Columns lists a relation's columns in order (none for a missing one).
func (c *Conn) Columns(ctx context.Context, rel adapters.Relation) ([]adapters.Column, error) {
	catalog := c.catalogOf(rel.Database)
	t, _, err := c.Query(ctx, "select column_name, data_type, ordinal_position, comment from "+adapters.QuoteIdent(catalog)+
		".information_schema.columns where table_schema = "+quoteLiteral(strings.ToLower(rel.Schema))+
		" and table_name = "+quoteLiteral(strings.ToLower(rel.Identifier))+" order by ordinal_position", 0)
	if err != nil {
		return nil, err
	}
	out := make([]adapters.Column, 0, len(t.Rows))
	for _, r := range t.Rows {
		col := adapters.Column{Name: fmt.Sprint(r[0]), DataType: fmt.Sprint(r[1]), Index: int(toInt(r[2]))}
		if r[3] != nil {
			col.Comment = fmt.Sprint(r[3])
		}
		out = append(out, col)
	}
	return out, nil
}

func toInt(v any) int64 {
	switch v := v.(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

// ColumnsOfQuery returns the names and full Trino types a SELECT produces,
// without running it (LIMIT 0 still plans the query and reports its types).
func (c *Conn) ColumnsOfQuery(ctx context.Context, q string) ([]adapters.Column, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	rows, err := c.sc.QueryContext(ctx, "select * from (\n"+adapters.TrimStatement(q)+"\n) as kiln_columns limit 0")
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, err)
	}
	out := make([]adapters.Column, len(cts))
	for i, ct := range cts {
		out[i] = adapters.Column{Name: ct.Name(), DataType: fullType(ct), Index: i + 1}
	}
	return out, nil
}

// fullType spells a result column's type with its parameters, as DDL takes
// it: the driver's type name drops them (varchar(20) → VARCHAR).
func fullType(ct *sql.ColumnType) string {
	name := strings.ToLower(ct.DatabaseTypeName())
	switch name {
	case "varchar", "char", "varbinary":
		if n, ok := ct.Length(); ok && n > 0 && n < 1<<31-1 {
			return fmt.Sprintf("%s(%d)", name, n)
		}
	case "decimal":
		if p, s, ok := ct.DecimalSize(); ok {
			return fmt.Sprintf("decimal(%d,%d)", p, s)
		}
	case "timestamp", "time", "timestamp with time zone", "time with time zone":
		if p, _, ok := ct.DecimalSize(); ok {
			word, zone, _ := strings.Cut(name, " ")
			if zone != "" {
				return fmt.Sprintf("%s(%d) %s", word, p, zone)
			}
			return fmt.Sprintf("%s(%d)", word, p)
		}
	}
	return name
}

// Catalog lists the tables and views of the given schemas with their
// columns, comments and (for tables) a row count, for catalog.json.
func (c *Conn) Catalog(ctx context.Context, schemas []adapters.Relation) ([]adapters.CatalogTable, error) {
	var out []adapters.CatalogTable
	for _, s := range schemas {
		catalog := c.catalogOf(s.Database)
		schema := strings.ToLower(s.Schema)
		rels, err := c.ListRelations(ctx, catalog, schema)
		if err != nil {
			return nil, err
		}
		comments := map[string]string{}
		if t, _, err := c.Query(ctx, "select table_name, comment from system.metadata.table_comments where catalog_name = "+quoteLiteral(catalog)+
			" and schema_name = "+quoteLiteral(schema)+" and comment is not null", 0); err == nil {
			for _, r := range t.Rows {
				comments[fmt.Sprint(r[0])] = fmt.Sprint(r[1])
			}
		}
		for _, r := range rels {
			cols, err := c.Columns(ctx, r)
			if err != nil {
				return nil, err
			}
			ct := adapters.CatalogTable{Database: catalog, Schema: schema, Name: r.Identifier, Type: r.Type, Comment: comments[r.Identifier], Columns: cols}
			ct.TypeLabel = "BASE TABLE"
			if r.Type == adapters.RelView {
				ct.TypeLabel = "VIEW"
			} else {
				t, _, err := c.Query(ctx, "select count(*) from "+r.Render(), 0)
				if err != nil {
					return nil, err
				}
				ct.Stats = []adapters.CatalogStat{{ID: "num_rows", Label: "# Rows", Value: toInt(t.Rows[0][0]), Include: true, Description: "Number of rows in the table"}}
			}
			out = append(out, ct)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Schema != b.Schema {
			return a.Schema < b.Schema
		}
		return a.Name < b.Name
	})
	return out, nil
}
