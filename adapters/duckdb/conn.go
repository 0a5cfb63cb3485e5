package duckdb

// Conn: one DuckDB connection owned by one worker. Statements run through
// database/sql on a dedicated *sql.Conn; duckdb-go interrupts the running
// query when the statement's context is cancelled. Transactions are plain SQL
// (BEGIN/COMMIT/ROLLBACK) on that connection so that Exec and Query inside a
// transaction need no *sql.Tx.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/adapters"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Conn implements adapters.Conn.
type Conn struct {
	db     *DB
	c      *sql.Conn
	inTx   bool
	broken bool // discard instead of returning to the pool
	closed bool
}

var _ adapters.Conn = (*Conn)(nil)

// Error is a DuckDB error: Msg is DuckDB's own text, e.g. `Binder Error:
// Referenced column "x" not found in FROM clause!` (DuckDB may append a
// `LINE 1: ...` excerpt of the failing statement). It never includes the SQL.
type Error struct {
	Type duckdb.ErrorType // DuckDB's error class; 0 when unknown
	Msg  string
	err  error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.err }

// IsCatalog reports whether DuckDB classified the error as a Catalog Error
// (missing or conflicting object).
func (e *Error) IsCatalog() bool { return e.Type == duckdb.ErrorTypeCatalog }

// CancelledError is returned when the context ended while a statement ran.
type CancelledError = adapters.CancelledError

// wrapErr turns a driver error into *Error or *CancelledError.
func wrapErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx != nil && ctx.Err() != nil {
		return &CancelledError{Err: ctx.Err()}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		if errors.Is(err, context.DeadlineExceeded) {
			return &CancelledError{Err: context.DeadlineExceeded}
		}
		return &CancelledError{Err: context.Canceled}
	}
	return cleanError(err)
}

func cleanError(err error) error {
	var mine *Error
	if errors.As(err, &mine) {
		return err
	}
	var de *duckdb.Error
	if errors.As(err, &de) {
		return &Error{Type: de.Type, Msg: strings.TrimRight(de.Msg, " \n"), err: de}
	}
	return &Error{Msg: driverMessage(err), err: err}
}

func isCatalogErr(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.IsCatalog()
}

func isNoTxErr(err error) bool {
	var e *Error
	return errors.As(err, &e) && strings.Contains(e.Msg, "no transaction is active")
}

// Dialect returns DuckDB's SQL dialect.
func (c *Conn) Dialect() adapters.Dialect { return Dialect{} }

// exec runs sql (possibly several statements; the result describes the last).
func (c *Conn) exec(ctx context.Context, q string) (sql.Result, error) {
	if c.closed {
		return nil, errors.New("duckdb: connection is closed")
	}
	res, err := c.c.ExecContext(ctx, q)
	if err != nil {
		err = wrapErr(ctx, err)
		var ce *CancelledError
		if errors.As(err, &ce) && c.inTx {
			// An interrupted statement leaves the transaction unusable.
			c.rollbackQuietly()
		}
		return nil, err
	}
	return res, nil
}

// Exec runs one or more statements. Response.Message is "OK" as in
// dbt-duckdb; RowsAffected is DuckDB's changed-row count of the last
// statement.
func (c *Conn) Exec(ctx context.Context, q string) (adapters.Response, error) {
	res, err := c.exec(ctx, q)
	if err != nil {
		return adapters.Response{Message: "ERROR", RowsAffected: -1}, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		n = -1
	}
	return adapters.Response{Message: "OK", RowsAffected: n}, nil
}

// Query runs q and fetches up to limit rows (limit <= 0: all). Values are
// Go values: int64 (all integer types; HUGEINT/UBIGINT beyond int64 become
// their decimal string), float64 (FLOAT, DOUBLE and DECIMAL — decimals are
// converted to float64), string (VARCHAR, ENUM, UUID as its canonical text,
// BLOB as raw bytes in a string, INTERVAL as DuckDB prints it), bool,
// time.Time (DATE, TIME, TIMESTAMP*, in UTC), nil; LIST/ARRAY as []any and
// STRUCT/MAP as map[string]any / map[any]any with converted elements.
func (c *Conn) Query(ctx context.Context, q string, limit int) (*adapters.Table, adapters.Response, error) {
	if c.closed {
		return nil, adapters.Response{}, errors.New("duckdb: connection is closed")
	}
	rows, err := c.c.QueryContext(ctx, q)
	if err != nil {
		err = wrapErr(ctx, err)
		var ce *CancelledError
		if errors.As(err, &ce) && c.inTx {
			c.rollbackQuietly()
		}
		return nil, adapters.Response{Message: "ERROR", RowsAffected: -1}, err
	}
	t, err := readTable(rows, limit)
	if err != nil {
		err = wrapErr(ctx, err)
		return nil, adapters.Response{Message: "ERROR", RowsAffected: -1}, err
	}
	return t, adapters.Response{Message: "OK", RowsAffected: int64(len(t.Rows))}, nil
}

func readTable(rows *sql.Rows, limit int) (*adapters.Table, error) {
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	t := &adapters.Table{Columns: make([]string, len(cts)), Types: make([]string, len(cts)), Rows: [][]any{}}
	for i, ct := range cts {
		t.Columns[i] = ct.Name()
		t.Types[i] = ct.DatabaseTypeName()
	}
	vals := make([]any, len(cts))
	ptrs := make([]any, len(cts))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if limit > 0 && len(t.Rows) >= limit {
			break
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]any, len(vals))
		for i, v := range vals {
			row[i] = goValue(v, t.Types[i])
		}
		t.Rows = append(t.Rows, row)
	}
	return t, rows.Err()
}

// goValue normalises a driver value to the small set of Go types documented
// on Query.
func goValue(v any, typ string) any {
	switch v := v.(type) {
	case nil, int64, float64, string, bool:
		return v
	case int8:
		return int64(v)
	case int16:
		return int64(v)
	case int32:
		return int64(v)
	case int:
		return int64(v)
	case uint8:
		return int64(v)
	case uint16:
		return int64(v)
	case uint32:
		return int64(v)
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v)
		}
		return fmt.Sprint(v)
	case float32:
		return float64(v)
	case *big.Int:
		if v == nil {
			return nil
		}
		if v.IsInt64() {
			return v.Int64()
		}
		return v.String()
	case duckdb.Decimal:
		return v.Float64()
	case time.Time:
		return v
	case []byte:
		if typ == "UUID" && len(v) == 16 {
			return formatUUID(v)
		}
		return string(v)
	case duckdb.UUID:
		return formatUUID(v[:])
	case duckdb.Interval:
		return formatInterval(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = goValue(e, "")
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = goValue(e, "")
		}
		return out
	case duckdb.Map:
		out := make(map[any]any, len(v))
		for k, e := range v {
			out[goValue(k, "")] = goValue(e, "")
		}
		return out
	case duckdb.Union:
		return goValue(v.Value, "")
	case fmt.Stringer:
		return v.String()
	default:
		return v
	}
}

func formatUUID(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// formatInterval prints an interval the way DuckDB casts it to VARCHAR,
// e.g. "1 year 2 months 3 days 04:05:06.5".
func formatInterval(iv duckdb.Interval) string {
	var parts []string
	plural := func(n int64, unit string) {
		if n == 0 {
			return
		}
		s := fmt.Sprintf("%d %s", n, unit)
		if n != 1 && n != -1 {
			s += "s"
		}
		parts = append(parts, s)
	}
	plural(int64(iv.Months/12), "year")
	plural(int64(iv.Months%12), "month")
	plural(int64(iv.Days), "day")
	if iv.Micros != 0 || len(parts) == 0 {
		m := iv.Micros
		sign := ""
		if m < 0 {
			sign, m = "-", -m
		}
		s := fmt.Sprintf("%s%02d:%02d:%02d", sign, m/3600e6, m/60e6%60, m/1e6%60)
		if frac := m % 1e6; frac != 0 {
			s += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// Begin starts an explicit transaction on this connection.
func (c *Conn) Begin(ctx context.Context) error {
	if c.inTx {
		return errors.New("duckdb: a transaction is already open on this connection")
	}
	if _, err := c.exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	c.inTx = true
	return nil
}

// Commit commits the open transaction. A transaction already ended by the
// SQL itself (a hook that ran `commit;`) counts as committed, as in dbt.
func (c *Conn) Commit(ctx context.Context) error {
	if !c.inTx {
		return errors.New("duckdb: commit without an open transaction")
	}
	_, err := c.exec(ctx, "COMMIT")
	c.inTx = false
	if err == nil || isNoTxErr(err) {
		return nil
	}
	c.rollbackQuietly() // DuckDB normally rolls back a failed commit itself
	return err
}

// Rollback rolls back the open transaction (a no-op when none is open).
func (c *Conn) Rollback(ctx context.Context) error {
	if !c.inTx {
		return nil
	}
	c.inTx = false
	_, err := c.c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	if err != nil && !isNoTxErr(cleanError(err)) {
		c.broken = true
		return cleanError(err)
	}
	return nil
}

// InTransaction reports whether Begin was called without Commit/Rollback.
func (c *Conn) InTransaction() bool { return c.inTx }

// rollbackQuietly ends any transaction DuckDB may hold on this connection,
// even one the caller does not know about (a failed batch). It uses a fresh
// context so it works after cancellation; if it fails the connection is
// discarded on Close.
func (c *Conn) rollbackQuietly() {
	c.inTx = false
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.c.ExecContext(ctx, "ROLLBACK"); err != nil && !isNoTxErr(cleanError(err)) {
		c.broken = true
	}
}

// Close rolls back an open transaction and returns the connection to the
// pool (or discards it if it may be in a bad state).
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	if c.inTx {
		c.rollbackQuietly()
	}
	c.closed = true
	if c.broken {
		_ = c.c.Raw(func(any) error { return driver.ErrBadConn })
	}
	err := c.c.Close()
	if errors.Is(err, sql.ErrConnDone) {
		err = nil
	}
	return err
}
