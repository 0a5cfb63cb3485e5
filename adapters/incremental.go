package adapters

// Incremental models and snapshots.
//
// The algorithms — which rows to insert, update or close, how a schema
// evolves, which microbatch windows to rebuild — live once in internal/run
// and are written in SQL that DuckDB and PostgreSQL both accept (CREATE TABLE
// AS, INSERT ... SELECT, DELETE ... USING, UPDATE ... FROM, MERGE, ALTER
// TABLE ADD/DROP COLUMN, md5, cast(... as varchar)). An adapter supports them
// by implementing IncrementalConn on its Conn: only what really differs
// between warehouses. The runner does every step of one node inside one
// transaction it opens with Begin and ends with Commit or Rollback, so the
// target is either fully updated or exactly as it was.

import (
	"context"
	"fmt"
)

// IncrementalConn is a Conn that can run incremental models and snapshots.
// The runner type-asserts a worker's Conn to it; an adapter without it
// reports "incremental models are not supported on <type>".
type IncrementalConn interface {
	Conn

	// IncrementalStrategies lists the built-in incremental_strategy values
	// the warehouse can run: a subset of "append", "delete+insert", "merge",
	// "microbatch" (e.g. no "merge" before PostgreSQL 15). Other names are
	// only accepted when the project defines get_incremental_<name>_sql.
	IncrementalStrategies() []string

	// TempRelation names a temporary table that stages rows for target
	// (purpose distinguishes several per node, e.g. "new", "snap_src"). It
	// must be visible only to this connection and never clash with a
	// relation of the project (DuckDB: "temp"."main"."<id>__kiln_<purpose>";
	// PostgreSQL: an unqualified name, which resolves to pg_temp first).
	TempRelation(target Relation, purpose string) Relation

	// CreateTempTableSQL returns the statement that creates tmp (from
	// TempRelation) holding the rows of query. It runs inside the runner's
	// transaction; the runner drops tmp before committing.
	CreateTempTableSQL(tmp Relation, query string) string

	// WidenType returns the type a column declared as have must take so
	// that it holds every value it holds now and every value of type
	// incoming, without loss: have itself when incoming values already fit
	// (BIGINT column, INTEGER values), a wider type when they do not
	// (INTEGER column, BIGINT or VARCHAR values). When no type holds both
	// losslessly (DATE and INTEGER, BIGINT and DOUBLE) it returns a
	// *TypeChangeError. Type names are as ColumnsOfQuery reports them.
	WidenType(have, incoming string) (string, error)

	// AlterColumnTypeSQL changes a column's type in place, converting the
	// stored values. The runner only asks for types WidenType returned.
	AlterColumnTypeSQL(rel Relation, column, newType string) string

	// LockRelation takes an exclusive write lock on rel for this connection
	// and returns the function that releases it; the runner calls it right
	// after Begin and releases after Commit or Rollback. A second writer of
	// the same relation — another worker or another kiln process — must wait
	// (or fail with a clear error), never interleave: two snapshot runs that
	// both see "no current row" would both insert one. DuckDB: the database
	// file already admits one writing process, so an in-process lock is
	// enough; PostgreSQL: pg_advisory_xact_lock on a hash of the relation
	// name (released by the transaction's end; release is then a no-op).
	LockRelation(ctx context.Context, rel Relation) (release func(), err error)

	// Forget drops anything the adapter caches about rel: the runner created,
	// altered or dropped it with plain SQL through Exec.
	Forget(rel Relation)
}

// TypeChangeError says a column's type changed in a way no wider type can
// absorb without losing data.
type TypeChangeError struct {
	Column   string // set by the caller that knows the column
	Have     string
	Incoming string
	Reason   string
	// Quote quotes Column in the message (the dialect's; nil: QuoteIdent).
	Quote func(string) string
}

func (e *TypeChangeError) Error() string {
	col := ""
	if e.Column != "" {
		q := e.Quote
		if q == nil {
			q = QuoteIdent
		}
		col = "column " + q(e.Column) + ": "
	}
	msg := fmt.Sprintf("%sthe model now produces %s but the table stores %s, and no type holds both without losing data", col, e.Incoming, e.Have)
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	return msg
}
