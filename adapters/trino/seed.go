package trino

// Seeds. Type inference and value normalisation (dbt's agate rules) are in
// adapters/seedcsv, shared with the other adapters. Trino has no COPY, so
// rows travel as INSERT ... VALUES statements of at most seedBatchBytes,
// each value cast from its canonical text by Trino (a bad value for a
// column_types override fails with Trino's own cast error naming it).
//
// The rows are staged in x__dbt_tmp first, so a failure leaves the old
// table as it was:
//
//	new or full refresh: CREATE TABLE x__dbt_tmp; INSERT ...; swap as Materialize does
//	reload:              CREATE TABLE x__dbt_tmp; INSERT ...; DELETE FROM x;
//	                     INSERT INTO x SELECT ... FROM x__dbt_tmp; DROP x__dbt_tmp
//
// A reload keeps the table (its columns and properties) and replaces its
// rows, as dbt-trino does.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/seedcsv"
)

const seedBatchBytes = 256 << 10

// seedType maps seedcsv's inferred type names to Trino's.
func seedType(col seedcsv.Column) string {
	t := col.SQLType()
	if col.Forced != "" {
		return t
	}
	switch t {
	case "float8":
		return "double"
	case "timestamp without time zone":
		return "timestamp(6)"
	case "text":
		return "varchar"
	}
	return t
}

// LoadSeed loads a CSV file into req.Target (see the file comment).
func (c *Conn) LoadSeed(ctx context.Context, req adapters.SeedRequest) (adapters.Response, error) {
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	t := c.full(req.Target)
	delim, table, err := adapters.ReadSeed("trino", req, t, c.inTx)
	if err != nil {
		return fail, err
	}
	catalog := c.catalogOf(t.Database)
	if err := c.ensureSchema(ctx, catalog, t.Schema, false); err != nil {
		return fail, err
	}
	if err := c.runHooks(ctx, req.PreHooks, false); err != nil {
		return fail, err
	}
	id := strings.ToLower(t.Identifier)
	tmp := t.WithIdentifier(id + tmpSuffix)
	backup := t.WithIdentifier(id + backupSuffix)
	rels, err := c.lookup(ctx, catalog, t.Schema, id, tmp.Identifier, backup.Identifier)
	if err != nil {
		return fail, err
	}
	existing, exists := rels[id]
	if exists && existing.relType() != adapters.RelTable {
		return fail, fmt.Errorf("cannot seed to %s: it is a %s; drop it or rename the seed", t.Render(), strings.ToLower(existing.kind))
	}
	for _, leftover := range []adapters.Relation{tmp, backup} {
		if r, ok := rels[leftover.Identifier]; ok {
			if _, err := c.Exec(ctx, "drop "+r.keyword()+" "+leftover.Render()); err != nil {
				return fail, fmt.Errorf("dropping the leftover %s: %w", leftover.Render(), err)
			}
		}
	}
	if err := c.runHooks(ctx, req.PreHooks, true); err != nil {
		return fail, err
	}
	quoteCol := func(n string) string {
		if req.QuoteColumns {
			return adapters.QuoteIdent(n)
		}
		return n
	}
	var defs, names []string
	for _, col := range table.Columns {
		defs = append(defs, quoteCol(col.Name)+" "+seedType(col))
		names = append(names, quoteCol(col.Name))
	}
	if _, err := c.Exec(ctx, "create table "+tmp.Render()+" ("+strings.Join(defs, ", ")+")"); err != nil {
		return fail, err
	}
	if err := c.insertSeedRows(ctx, req.Path, delim, table, tmp, names); err != nil {
		c.dropQuietly(tmp, "table")
		return fail, err
	}
	if exists && !req.FullRefresh {
		cols := strings.Join(names, ", ")
		for _, s := range []string{"delete from " + t.Render(), "insert into " + t.Render() + " (" + cols + ") select " + cols + " from " + tmp.Render()} {
			if _, err := c.Exec(ctx, s); err != nil {
				c.dropQuietly(tmp, "table")
				return fail, err
			}
		}
		c.dropQuietly(tmp, "table")
	} else {
		if exists {
			if _, err := c.Exec(ctx, "alter table "+t.Render()+" rename to "+backup.Render()); err != nil {
				c.dropQuietly(tmp, "table")
				return fail, err
			}
		}
		if _, err := c.Exec(ctx, "alter table "+tmp.Render()+" rename to "+t.Render()); err != nil {
			c.dropQuietly(tmp, "table")
			if exists {
				_, _ = c.Exec(context.WithoutCancel(ctx), "alter table "+backup.Render()+" rename to "+t.Render())
			}
			return fail, err
		}
		if exists {
			if _, err := c.Exec(ctx, "drop table "+backup.Render()); err != nil {
				return fail, err
			}
		}
	}
	if err := c.runHooks(ctx, req.PostHooks, true); err != nil {
		return fail, err
	}
	if err := c.runHooks(ctx, req.PostHooks, false); err != nil {
		return fail, err
	}
	code := "INSERT"
	if req.FullRefresh {
		code = "CREATE"
	}
	return adapters.Response{Message: fmt.Sprintf("%s %d", code, table.Rows), Code: code, RowsAffected: table.Rows}, nil
}

// insertSeedRows sends the file's rows in INSERT ... VALUES batches.
func (c *Conn) insertSeedRows(ctx context.Context, path string, delim rune, table *seedcsv.Table, into adapters.Relation, names []string) error {
	types := make([]string, len(table.Columns))
	for i, col := range table.Columns {
		types[i] = seedType(col)
	}
	head := "insert into " + into.Render() + " (" + strings.Join(names, ", ") + ") values\n"
	var b strings.Builder
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		_, err := c.Exec(ctx, head+b.String())
		b.Reset()
		return err
	}
	err := seedcsv.Each(path, delim, table, func(row []any) error {
		if b.Len() > 0 {
			b.WriteString(",\n")
		}
		b.WriteByte('(')
		for i, v := range row {
			if i > 0 {
				b.WriteString(", ")
			}
			if v == nil {
				b.WriteString("cast(null as " + types[i] + ")")
			} else {
				b.WriteString("cast(" + quoteLiteral(fmt.Sprint(v)) + " as " + types[i] + ")")
			}
		}
		b.WriteByte(')')
		if b.Len() >= seedBatchBytes {
			return flush()
		}
		return nil
	})
	if err != nil {
		var e *Error
		var ce *CancelledError
		if errors.As(err, &e) || errors.As(err, &ce) {
			return err
		}
		return fmt.Errorf("seed file %s: %w", path, err)
	}
	return flush()
}
