package postgres

// Conn: one pooled PostgreSQL connection owned by one worker. Transactions
// are plain SQL (BEGIN/COMMIT/ROLLBACK) on that connection, so Exec and
// Query inside a transaction need no pgx.Tx. User SQL uses the simple query
// protocol (see the package comment).

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kiln-dev/kiln/adapters"
)

// Conn implements adapters.Conn.
type Conn struct {
	db     *DB
	pc     *pgxpool.Conn
	inTx   bool
	closed bool
}

var _ adapters.Conn = (*Conn)(nil)

// Error is a PostgreSQL error: its message, SQLSTATE, and DETAIL/HINT when
// the server sent them. It never includes the SQL text.
type Error struct {
	Code   string // SQLSTATE, e.g. "42P01"; "" for client-side errors
	Msg    string
	Detail string
	Hint   string
	err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg)
	if e.Code != "" {
		b.WriteString(" (SQLSTATE " + e.Code + ")")
	}
	if e.Detail != "" {
		b.WriteString("\n  DETAIL: " + e.Detail)
	}
	if e.Hint != "" {
		b.WriteString("\n  HINT: " + e.Hint)
	}
	return b.String()
}
func (e *Error) Unwrap() error { return e.err }

// CancelledError is returned when the context ended while a statement ran.
type CancelledError = adapters.CancelledError

// wrapErr turns a driver error into *Error or *CancelledError.
func wrapErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var mine *Error
	var cancelled *CancelledError
	if errors.As(err, &mine) || errors.As(err, &cancelled) {
		return err
	}
	if ctx != nil && ctx.Err() != nil {
		return &CancelledError{Err: ctx.Err()}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		e := &Error{Code: pe.Code, Msg: pe.Message, Detail: pe.Detail, Hint: pe.Hint, err: err}
		if pe.Code == "0A000" && pe.Hint == "" && strings.Contains(pe.Detail, " on view ") {
			// ALTER COLUMN TYPE under a view (on_schema_change widening).
			e.Hint = "kiln does not retype a column that views read; rebuild the incremental model with --full-refresh (kiln recreates the dependent views), or drop the view, run again and recreate it"
		}
		if pe.Code == "2BP01" {
			// dependent_objects_still_exist: PostgreSQL suggests CASCADE,
			// which would silently drop the user's views.
			e.Hint = "kiln never drops dependent objects; rebuild with --full-refresh (kiln recreates the views that depend on the model), or change the dependent views first"
		}
		return e
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &CancelledError{Err: context.Cause(ctx)}
	}
	msg := err.Error()
	if pgconn.SafeToRetry(err) || errors.Is(err, pgconn.ErrConnClosed) || strings.Contains(msg, "conn closed") {
		msg = "the connection to PostgreSQL was lost: " + msg
	}
	return &Error{Msg: msg, err: err}
}

// Dialect returns PostgreSQL's SQL dialect.
func (c *Conn) Dialect() adapters.Dialect { return Dialect{} }

func (c *Conn) raw() (*pgx.Conn, error) {
	if c.closed {
		return nil, errors.New("postgres: connection is closed")
	}
	return c.pc.Conn(), nil
}

// exec runs q (one or more statements, simple protocol) and returns the
// command tag of the last one.
func (c *Conn) exec(ctx context.Context, q string) (pgconn.CommandTag, error) {
	pc, err := c.raw()
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := pc.Exec(ctx, q)
	if err != nil {
		return tag, c.afterErr(ctx, err)
	}
	c.syncTx()
	return tag, nil
}

// afterErr wraps err. An error inside an explicit transaction leaves it
// aborted on the server; Commit then reports it and Rollback ends it.
func (c *Conn) afterErr(ctx context.Context, err error) error {
	err = wrapErr(ctx, err)
	c.syncTx()
	return err
}

// syncTx notices a transaction ended (or begun) by the SQL itself, e.g. a
// hook that ran `commit;`.
func (c *Conn) syncTx() {
	if c.closed {
		return
	}
	switch c.pc.Conn().PgConn().TxStatus() {
	case 'I':
		c.inTx = false
	case 'T', 'E':
		// keep c.inTx: an explicit Begin is still expected to end it
	}
}

// pgTag is the response for a command tag: Message is PostgreSQL's status
// text ("CREATE VIEW", "SELECT 30", "INSERT 0 5"), Code its first word.
func pgTag(tag pgconn.CommandTag) adapters.Response {
	s := tag.String()
	code, _, _ := strings.Cut(s, " ")
	n := tag.RowsAffected()
	if !(tag.Insert() || tag.Update() || tag.Delete() || tag.Select() || strings.HasPrefix(s, "COPY") || strings.HasPrefix(s, "MERGE")) {
		n = -1
	}
	if s == "" {
		s = "OK"
	}
	return adapters.Response{Message: s, Code: code, RowsAffected: n}
}

// Exec runs one or more statements; the response describes the last.
func (c *Conn) Exec(ctx context.Context, q string) (adapters.Response, error) {
	tag, err := c.exec(ctx, q)
	if err != nil {
		return adapters.Response{Message: "ERROR", RowsAffected: -1}, err
	}
	return pgTag(tag), nil
}

// Query runs q and fetches up to limit rows (limit <= 0: all). Values are
// Go values: int64 (all integer types), float64 (real, double precision and
// numeric — numeric is converted to float64, as the DuckDB adapter does for
// DECIMAL), string (text types, uuid, json, interval and every type kiln does
// not convert, as PostgreSQL prints it), bool, time.Time (date, timestamp,
// timestamptz in UTC), nil, and []any for arrays.
func (c *Conn) Query(ctx context.Context, q string, limit int) (*adapters.Table, adapters.Response, error) {
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	pc, err := c.raw()
	if err != nil {
		return nil, fail, err
	}
	rows, err := pc.Query(ctx, q, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, fail, c.afterErr(ctx, err)
	}
	t, err := c.readTable(rows, limit)
	if err != nil {
		return nil, fail, c.afterErr(ctx, err)
	}
	resp := pgTag(rows.CommandTag())
	if limit > 0 && len(t.Rows) >= limit {
		resp = adapters.Response{Message: fmt.Sprintf("SELECT %d", len(t.Rows)), Code: "SELECT", RowsAffected: int64(len(t.Rows))}
	}
	c.syncTx()
	return t, resp, nil
}

func (c *Conn) readTable(rows pgx.Rows, limit int) (*adapters.Table, error) {
	defer rows.Close()
	fds := rows.FieldDescriptions()
	tm := c.pc.Conn().TypeMap()
	t := &adapters.Table{Columns: make([]string, len(fds)), Types: make([]string, len(fds)), Rows: [][]any{}}
	for i, fd := range fds {
		t.Columns[i] = fd.Name
		t.Types[i] = "unknown"
		if typ, ok := tm.TypeForOID(fd.DataTypeOID); ok {
			t.Types[i] = typ.Name
		}
	}
	for rows.Next() {
		if limit > 0 && len(t.Rows) >= limit {
			break
		}
		raw := rows.RawValues()
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		row := make([]any, len(vals))
		for i, v := range vals {
			row[i] = goValue(v, raw[i], fds[i].DataTypeOID)
		}
		t.Rows = append(t.Rows, row)
	}
	rows.Close()
	return t, rows.Err()
}

// goValue normalises a decoded value to the Go types documented on Query;
// raw is the value as PostgreSQL sent it (text format).
func goValue(v any, raw []byte, oid uint32) any {
	if raw == nil {
		return nil
	}
	switch v := v.(type) {
	case nil:
		return nil
	case int64, float64, string, bool:
		return v
	case int16:
		return int64(v)
	case int32:
		return int64(v)
	case uint32:
		return int64(v)
	case float32:
		return float64(v)
	case pgtype.Numeric:
		f, err := v.Float64Value()
		if err == nil && f.Valid {
			return f.Float64
		}
		return string(raw)
	case time.Time:
		if oid == pgtype.TimestamptzOID {
			return v.UTC()
		}
		return v
	case *big.Int:
		if v.IsInt64() {
			return v.Int64()
		}
		return v.String()
	case [16]byte:
		if oid == pgtype.UUIDOID {
			h := hex.EncodeToString(v[:])
			return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
		}
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = goValue(e, []byte{}, 0)
		}
		return out
	}
	return string(raw)
}

// Begin starts an explicit transaction on this connection.
func (c *Conn) Begin(ctx context.Context) error {
	if c.inTx {
		return errors.New("postgres: a transaction is already open on this connection")
	}
	if _, err := c.exec(ctx, "begin"); err != nil {
		return err
	}
	c.inTx = true
	return nil
}

// Commit commits the open transaction. PostgreSQL answers COMMIT of a
// failed transaction with ROLLBACK (and no error); that is reported as an
// error. A transaction already ended by the SQL itself (a hook that ran
// `commit;`) counts as committed, as in dbt.
func (c *Conn) Commit(ctx context.Context) error {
	if !c.inTx {
		return errors.New("postgres: commit without an open transaction")
	}
	c.inTx = false
	pc, err := c.raw()
	if err != nil {
		return err
	}
	if pc.PgConn().TxStatus() == 'I' {
		return nil
	}
	tag, err := pc.Exec(ctx, "commit")
	if err != nil {
		err = wrapErr(ctx, err)
		c.rollbackQuietly()
		return err
	}
	if tag.String() == "ROLLBACK" {
		return &Error{Msg: "the transaction was rolled back because a statement in it failed"}
	}
	return nil
}

// Rollback rolls back the open transaction (a no-op when none is open).
func (c *Conn) Rollback(ctx context.Context) error {
	if !c.inTx {
		return nil
	}
	c.inTx = false
	pc, err := c.raw()
	if err != nil {
		return err
	}
	if pc.PgConn().TxStatus() == 'I' {
		return nil
	}
	if _, err := pc.Exec(context.WithoutCancel(ctx), "rollback"); err != nil {
		return wrapErr(nil, err)
	}
	return nil
}

// InTransaction reports whether Begin was called without Commit/Rollback.
func (c *Conn) InTransaction() bool { return c.inTx }

// rollbackQuietly ends any transaction the server holds on this connection,
// with a fresh bounded context so it works after cancellation. If it fails
// the connection is broken; the pool discards it on release.
func (c *Conn) rollbackQuietly() {
	c.inTx = false
	if c.closed {
		return
	}
	pg := c.pc.Conn().PgConn()
	if pg.IsClosed() || pg.TxStatus() == 'I' {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.pc.Conn().Exec(ctx, "rollback"); err != nil {
		_ = pg.Close(ctx)
	}
}

// Close rolls back an open transaction and returns the connection to the
// pool (which discards it if it is closed or not idle).
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	c.rollbackQuietly()
	c.closed = true
	c.pc.Release()
	return nil
}
