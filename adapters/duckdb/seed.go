package duckdb

// Seeds. Type inference and value normalisation (dbt's agate rules) are in
// adapters/seedcsv, shared with the PostgreSQL adapter. The normalised
// values go to a temporary CSV, which DuckDB's own reader loads (all columns
// read as VARCHAR, then CAST to the column type in the INSERT, so a bad value
// for a forced type fails with DuckDB's conversion error).
//
// The load is one transaction: create (or delete all rows, or drop and
// re-create on full refresh), insert, in-transaction post-hooks, commit. A
// failing load leaves the old table exactly as it was.

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/seedcsv"
)

// The inference and normalisation live in adapters/seedcsv (shared with
// the PostgreSQL adapter); these names keep this file's code unchanged.
type seedTable = seedcsv.Table

func normalizeSeed(path string, delim rune, t *seedTable) (string, error) {
	return seedcsv.Normalize(path, delim, t)
}

// LoadSeed loads a CSV file into req.Target (see the file comment).
// Response: "INSERT <n>" (or "CREATE <n>" on full refresh), RowsAffected n.
func (c *Conn) LoadSeed(ctx context.Context, req adapters.SeedRequest) (adapters.Response, error) {
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	t := req.Target
	delim, table, err := adapters.ReadSeed("duckdb", req, t, c.inTx)
	if err != nil {
		return fail, err
	}
	var dataPath string
	if table.Rows > 0 {
		if dataPath, err = normalizeSeed(req.Path, delim, table); err != nil {
			return fail, fmt.Errorf("seed file %s: %w", req.Path, err)
		}
		defer os.Remove(dataPath)
	}
	database := c.defaultDB(t.Database)
	if err := c.db.ensureSchema(ctx, c, database, t.Schema, false); err != nil {
		return fail, err
	}
	if err := c.runHooks(ctx, req.PreHooks, false); err != nil {
		return fail, err
	}
	err = c.withCatalogRetry(ctx, database, t.Schema, []string{t.Identifier}, func(types []adapters.RelationType) error {
		if types[0] == adapters.RelView {
			return fmt.Errorf("cannot seed to %s: it is a view", t.Render())
		}
		q := seedBatch(req, table, dataPath, types[0] == adapters.RelTable)
		if !adapters.HasLazy(req.PostHooks, true) {
			return c.execTx(ctx, q)
		}
		// The loaded table must exist before the post-hooks render: run the
		// load, then the hooks, then commit, all in one transaction.
		if _, err := c.exec(ctx, q); err != nil {
			c.rollbackQuietly()
			return err
		}
		if err := c.execHooks(ctx, req.PostHooks, true); err != nil {
			c.rollbackQuietly()
			return err
		}
		return c.execTx(ctx, "COMMIT")
	})
	if err != nil {
		return fail, err
	}
	c.db.cache.set(database, t.Schema, t.Identifier, adapters.RelTable)
	if err := c.runHooks(ctx, req.PostHooks, false); err != nil {
		return fail, err
	}
	code := "INSERT"
	if req.FullRefresh {
		code = "CREATE"
	}
	return adapters.Response{Message: fmt.Sprintf("%s %d", code, table.Rows), Code: code, RowsAffected: table.Rows}, nil
}

func seedBatch(req adapters.SeedRequest, table *seedTable, dataPath string, exists bool) string {
	t := req.Target
	quoteCol := func(n string) string {
		if req.QuoteColumns {
			return adapters.QuoteIdent(n)
		}
		return n
	}
	var b batch
	b.add("BEGIN TRANSACTION")
	b.hooks(req.PreHooks, true)
	create := func() {
		var cols []string
		for _, col := range table.Columns {
			cols = append(cols, quoteCol(col.Name)+" "+col.SQLType())
		}
		b.add("CREATE TABLE " + t.Render() + " (" + strings.Join(cols, ", ") + ")")
	}
	switch {
	case exists && req.FullRefresh:
		b.add("DROP TABLE " + t.Render())
		create()
	case exists:
		b.add("DELETE FROM " + t.Render())
	default:
		create()
	}
	if dataPath != "" {
		var names, specs, casts []string
		for i, col := range table.Columns {
			src := "c" + strconv.Itoa(i+1)
			names = append(names, quoteCol(col.Name))
			specs = append(specs, quoteString(src)+": 'VARCHAR'")
			casts = append(casts, "CAST("+src+" AS "+col.SQLType()+")")
		}
		// DuckDB refuses lines over 2,000,000 bytes by default; a seed
		// with a long text field loads anyway (dbt stops at 128 KiB).
		lineSize := ""
		if table.MaxLine+2 > 2_000_000 {
			lineSize = "max_line_size = " + strconv.Itoa(table.MaxLine+2) + ", "
		}
		b.add("INSERT INTO " + t.Render() + " (" + strings.Join(names, ", ") + ")\nSELECT " + strings.Join(casts, ", ") +
			"\nFROM read_csv(" + quoteString(dataPath) + ", header = false, delim = ',', quote = '\"', escape = '\"', nullstr = '', " +
			lineSize + "auto_detect = false, columns = {" + strings.Join(specs, ", ") + "})")
	}
	if adapters.HasLazy(req.PostHooks, true) {
		return b.String() // LoadSeed runs the hooks and commits
	}
	b.hooks(req.PostHooks, true)
	b.add("COMMIT")
	return b.String()
}
