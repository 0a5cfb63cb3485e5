package postgres

// Seeds. Type inference and value normalisation (dbt's agate rules) are in
// adapters/seedcsv, shared with the DuckDB adapter. The load is one
// transaction:
//
//	BEGIN;
//	<pre-hooks with transaction: true>
//	CREATE TABLE x (...)  |  DELETE FROM x  |  DROP TABLE x; CREATE TABLE x (...)  -- new, reload, full refresh
//	CREATE TEMPORARY TABLE kiln_seed (c1 text, ...) ON COMMIT DROP;
//	COPY kiln_seed FROM STDIN;                 -- pgx CopyFrom, streamed from the file
//	INSERT INTO x (...) SELECT CAST(c1 AS <type>), ... FROM kiln_seed;
//	<post-hooks with transaction: true>
//	COMMIT;
//
// Values travel as canonical text and are cast by PostgreSQL, so a bad value
// for a column_types override fails with PostgreSQL's own conversion error
// and the old table is untouched. A reload deletes the old rows instead of
// truncating (as dbt does): TRUNCATE is not MVCC-safe, so a query whose
// snapshot predates the reload (a model starting at that moment, another
// session's transaction) would see an empty table; with DELETE it sees the
// old rows, and every later query the new ones. dbt truncates on reload and drops with
// CASCADE on full refresh; kiln never cascades, so a view over the seed makes
// a full refresh fail with PostgreSQL's message naming it (a plain reload
// keeps the table, so such views keep working).

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/seedcsv"
)

// LoadSeed loads a CSV file into req.Target (see the file comment).
// Response: "INSERT <n>" (or "CREATE <n>" on full refresh), RowsAffected n.
func (c *Conn) LoadSeed(ctx context.Context, req adapters.SeedRequest) (adapters.Response, error) {
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	t := req.Target
	delim, table, err := adapters.ReadSeed("postgres", req, t, c.inTx)
	if err != nil {
		return fail, err
	}
	if err := checkIdent("seed", t.Identifier); err != nil {
		return fail, err
	}
	if err := c.checkDatabase(t.Database); err != nil {
		return fail, err
	}
	// PostgreSQL truncates a longer column name to its limit, and dbt's
	// seeds load that way; kiln does the same, and says so.
	var warnings []string
	for i, col := range table.Columns {
		if len(col.Name) <= maxIdent {
			continue
		}
		keep := maxIdent
		for keep > 0 && !utf8.RuneStart(col.Name[keep]) {
			keep--
		}
		table.Columns[i].Name = col.Name[:keep]
		warnings = append(warnings, fmt.Sprintf("column name %q is %d bytes long; PostgreSQL keeps %d, so the column is %q",
			col.Name, len(col.Name), maxIdent, col.Name[:keep]))
	}
	if err := c.db.ensureSchema(ctx, c, t.Schema, false); err != nil {
		return fail, err
	}
	if err := c.runHooks(ctx, req.PreHooks, false); err != nil {
		return fail, err
	}
	if err := c.loadSeed(ctx, req, table, delim); err != nil {
		c.rollbackQuietly()
		return fail, err
	}
	if err := c.runHooks(ctx, req.PostHooks, false); err != nil {
		return fail, err
	}
	code := "INSERT"
	if req.FullRefresh {
		code = "CREATE"
	}
	return adapters.Response{Message: fmt.Sprintf("%s %d", code, table.Rows), Code: code, RowsAffected: table.Rows, Warnings: warnings}, nil
}

func (c *Conn) loadSeed(ctx context.Context, req adapters.SeedRequest, table *seedcsv.Table, delim rune) error {
	t := req.Target
	quoteCol := func(n string) string {
		if req.QuoteColumns {
			return adapters.QuoteIdent(n)
		}
		return n
	}
	if _, err := c.exec(ctx, "begin"); err != nil {
		return err
	}
	rels, err := c.lookup(ctx, t.Schema, t.Identifier)
	if err != nil {
		return err
	}
	existing, exists := rels[t.Identifier]
	if exists && existing.kind != "r" && existing.kind != "p" {
		return fmt.Errorf("cannot seed to %s: it is a %s", t.Render(), existing.keyword())
	}
	if err := c.runHooks(ctx, req.PreHooks, true); err != nil {
		return err
	}
	var cols []string
	for _, col := range table.Columns {
		cols = append(cols, quoteCol(col.Name)+" "+col.SQLType())
	}
	create := "create table " + t.Render() + " (" + strings.Join(cols, ", ") + ")"
	var stmts []string
	switch {
	case exists && req.FullRefresh:
		stmts = []string{"drop table " + t.Render(), create}
	case exists:
		stmts = []string{"delete from " + t.Render()} // not truncate: see the file comment
	default:
		stmts = []string{create}
	}
	for _, s := range stmts {
		if _, err := c.exec(ctx, s); err != nil {
			return err
		}
	}
	if table.Rows > 0 {
		if err := c.copySeed(ctx, req, table, delim, quoteCol); err != nil {
			return err
		}
	}
	if err := c.runHooks(ctx, req.PostHooks, true); err != nil {
		return err
	}
	pc, err := c.raw()
	if err != nil {
		return err
	}
	if pc.PgConn().TxStatus() == 'I' {
		return nil
	}
	tag, err := pc.Exec(ctx, "commit")
	if err != nil {
		return c.afterErr(ctx, err)
	}
	if tag.String() == "ROLLBACK" {
		return &Error{Msg: "the transaction was rolled back because a statement in it failed"}
	}
	return nil
}

const stageTable = "kiln_seed_stage"

// copySeed streams the canonical values into a temporary text table with
// COPY, then casts them into the target.
func (c *Conn) copySeed(ctx context.Context, req adapters.SeedRequest, table *seedcsv.Table, delim rune, quoteCol func(string) string) error {
	var stageCols, names, casts, copyCols []string
	for i, col := range table.Columns {
		src := "c" + strconv.Itoa(i+1)
		stageCols = append(stageCols, src+" text")
		copyCols = append(copyCols, src)
		names = append(names, quoteCol(col.Name))
		casts = append(casts, "cast("+src+" as "+col.SQLType()+")")
	}
	if _, err := c.exec(ctx, "create temporary table "+stageTable+" ("+strings.Join(stageCols, ", ")+") on commit drop"); err != nil {
		return err
	}
	pc, err := c.raw()
	if err != nil {
		return err
	}
	src := &csvSource{path: req.Path, delim: delim, table: table}
	src.start()
	defer src.stop()
	if _, err := pc.CopyFrom(ctx, pgx.Identifier{stageTable}, copyCols, src); err != nil {
		if src.err != nil {
			return fmt.Errorf("seed file %s: %w", req.Path, src.err)
		}
		return c.afterErr(ctx, err)
	}
	_, err = c.exec(ctx, "insert into "+req.Target.Render()+" ("+strings.Join(names, ", ")+")\nselect "+strings.Join(casts, ", ")+"\nfrom "+stageTable)
	if err == nil {
		_, err = c.exec(ctx, "drop table "+stageTable)
	}
	return err
}

// csvSource adapts seedcsv.Each (a push iterator) to pgx.CopyFromSource (a
// pull iterator) with a goroutine and a small channel.
type csvSource struct {
	path  string
	delim rune
	table *seedcsv.Table

	rows chan []any
	done chan struct{}
	cur  []any
	err  error
	fin  chan struct{}
}

func (s *csvSource) start() {
	s.rows = make(chan []any, 256)
	s.done = make(chan struct{})
	s.fin = make(chan struct{})
	go func() {
		defer close(s.fin)
		defer close(s.rows)
		err := seedcsv.Each(s.path, s.delim, s.table, func(row []any) error {
			cp := make([]any, len(row))
			copy(cp, row)
			select {
			case s.rows <- cp:
				return nil
			case <-s.done:
				return errStopped
			}
		})
		if err != nil && err != errStopped {
			s.err = err
		}
	}()
}

var errStopped = errors.New("stopped")

func (s *csvSource) stop() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	<-s.fin
}

func (s *csvSource) Next() bool {
	row, ok := <-s.rows
	if !ok {
		<-s.fin // s.err is final once the producer has finished
		return false
	}
	s.cur = row
	return true
}

func (s *csvSource) Values() ([]any, error) { return s.cur, nil }

func (s *csvSource) Err() error { return s.err }
