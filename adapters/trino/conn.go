package trino

// Conn: one database/sql connection owned by one worker. Trino's protocol
// takes one statement per request, so Exec and Query split a script at its
// semicolons (adapters.SplitStatements) and run the statements in order.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	trinodrv "github.com/trinodb/trino-go-client/trino"

	"github.com/kiln-dev/kiln/adapters"
)

// Conn implements adapters.Conn.
type Conn struct {
	db     *DB
	sc     *sql.Conn
	inTx   bool
	closed bool
}

var _ adapters.Conn = (*Conn)(nil)

// Error is a Trino error: its error name (e.g. TABLE_NOT_FOUND), message and
// position. It never includes the SQL text.
type Error struct {
	Name   string // Trino's errorName; "" for client-side errors
	Msg    string
	Line   int
	Column int
	err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg)
	if e.Name != "" {
		b.WriteString(" (" + e.Name + ")")
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
	if errors.Is(err, trinodrv.ErrQueryCancelled) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &CancelledError{Err: context.Canceled}
	}
	var te *trinodrv.ErrTrino
	if errors.As(err, &te) {
		e := &Error{Name: te.ErrorName, Msg: te.Message, Line: te.ErrorLocation.LineNumber, Column: te.ErrorLocation.ColumnNumber, err: err}
		if te.ErrorName == "NOT_SUPPORTED" && strings.Contains(te.Message, "autocommit") {
			e.Msg += " — this catalog writes only outside transactions; kiln's Trino adapter never opens one, so a hook or macro ran START TRANSACTION"
		}
		return e
	}
	return &Error{Msg: "trino: " + err.Error(), err: err}
}

// Dialect returns Trino's SQL dialect.
func (c *Conn) Dialect() adapters.Dialect { return Dialect{} }

func (c *Conn) check() error {
	if c.closed {
		return errors.New("trino: connection is closed")
	}
	return nil
}

// statementCode is what a statement does, as Trino's update type names it
// ("CREATE TABLE", "INSERT", "DELETE", "MERGE", ...).
func statementCode(q string) string {
	w := strings.Fields(strings.ToUpper(adapters.TrimStatement(stripLeadingComments(q))))
	if len(w) == 0 {
		return "OK"
	}
	switch w[0] {
	case "CREATE", "DROP", "ALTER":
		// CREATE [OR REPLACE] TABLE|VIEW|SCHEMA ...
		rest := w[1:]
		if len(rest) >= 2 && rest[0] == "OR" && rest[1] == "REPLACE" {
			rest = rest[2:]
		}
		if len(rest) > 0 {
			if rest[0] == "MATERIALIZED" && len(rest) > 1 {
				return w[0] + " MATERIALIZED VIEW"
			}
			return w[0] + " " + rest[0]
		}
	case "WITH":
		return "SELECT"
	}
	return w[0]
}

// stripLeadingComments drops comments and blank space before a statement.
func stripLeadingComments(q string) string {
	for {
		q = strings.TrimSpace(q)
		switch {
		case strings.HasPrefix(q, "--"):
			if i := strings.IndexByte(q, '\n'); i >= 0 {
				q = q[i+1:]
				continue
			}
			return ""
		case strings.HasPrefix(q, "/*"):
			if i := strings.Index(q, "*/"); i >= 0 {
				q = q[i+2:]
				continue
			}
			return q
		}
		return q
	}
}

// resultful reports whether a statement returns rows (a query) rather than
// an update count.
func resultful(code string) bool {
	switch code {
	case "SELECT", "VALUES", "SHOW", "DESCRIBE", "EXPLAIN", "TABLE", "CALL", "(":
		return true
	}
	return false
}

// Exec runs one or more statements; the response describes the last.
func (c *Conn) Exec(ctx context.Context, q string) (adapters.Response, error) {
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	if err := c.check(); err != nil {
		return fail, err
	}
	resp := adapters.Response{Message: "OK", Code: "OK", RowsAffected: -1}
	for _, s := range adapters.SplitStatements(q) {
		r, err := c.execOne(ctx, s)
		if err != nil {
			return fail, err
		}
		resp = r
	}
	return resp, nil
}

func (c *Conn) execOne(ctx context.Context, s string) (adapters.Response, error) {
	code := statementCode(s)
	if resultful(code) {
		// Drain a query's rows (a hook's SELECT): Trino runs it to the end
		// only while the client reads.
		t, resp, err := c.queryOne(ctx, s, 0)
		if err != nil {
			return resp, err
		}
		n := int64(len(t.Rows))
		return adapters.Response{Message: fmt.Sprintf("SELECT %d", n), Code: "SELECT", RowsAffected: n}, nil
	}
	res, err := c.sc.ExecContext(ctx, s)
	if err != nil {
		return adapters.Response{Message: "ERROR", RowsAffected: -1}, wrapErr(ctx, err)
	}
	n, err := res.RowsAffected()
	if err != nil || !counts(code) {
		n = -1
	}
	msg := code
	if n >= 0 {
		msg = code + " " + strconv.FormatInt(n, 10)
	}
	return adapters.Response{Message: msg, Code: code, RowsAffected: n}, nil
}

// counts reports statements whose update count is a row count.
func counts(code string) bool {
	switch code {
	case "INSERT", "DELETE", "UPDATE", "MERGE", "CREATE TABLE":
		return true
	}
	return false
}

// Query runs q (the last statement's rows are returned) and fetches up to
// limit rows (limit <= 0: all). Values are Go values: int64 (integer
// types), float64 (real, double and decimal — decimal is converted to
// float64, as the DuckDB and PostgreSQL adapters do), string (varchar, char,
// json, uuid and every type kiln does not convert), bool, time.Time (date,
// timestamp; with time zone in UTC), nil, []any and map[string]any.
func (c *Conn) Query(ctx context.Context, q string, limit int) (*adapters.Table, adapters.Response, error) {
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	if err := c.check(); err != nil {
		return nil, fail, err
	}
	stmts := adapters.SplitStatements(q)
	if len(stmts) == 0 {
		return &adapters.Table{Rows: [][]any{}}, adapters.Response{Message: "OK", Code: "OK", RowsAffected: -1}, nil
	}
	for _, s := range stmts[:len(stmts)-1] {
		if _, err := c.execOne(ctx, s); err != nil {
			return nil, fail, err
		}
	}
	last := stmts[len(stmts)-1]
	if code := statementCode(last); !resultful(code) {
		resp, err := c.execOne(ctx, last)
		if err != nil {
			return nil, fail, err
		}
		return &adapters.Table{Columns: []string{"rows"}, Types: []string{"bigint"}, Rows: [][]any{{resp.RowsAffected}}}, resp, nil
	}
	return c.queryOne(ctx, last, limit)
}

func (c *Conn) queryOne(ctx context.Context, q string, limit int) (*adapters.Table, adapters.Response, error) {
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	rows, err := c.sc.QueryContext(ctx, q)
	if err != nil {
		return nil, fail, wrapErr(ctx, err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, fail, wrapErr(ctx, err)
	}
	t := &adapters.Table{Columns: make([]string, len(cts)), Types: make([]string, len(cts)), Rows: [][]any{}}
	for i, ct := range cts {
		t.Columns[i] = ct.Name()
		t.Types[i] = strings.ToLower(ct.DatabaseTypeName())
	}
	for rows.Next() {
		if limit > 0 && len(t.Rows) >= limit {
			break
		}
		vals := make([]any, len(cts))
		ptrs := make([]any, len(cts))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fail, wrapErr(ctx, err)
		}
		for i, v := range vals {
			vals[i] = goValue(v, t.Types[i])
		}
		t.Rows = append(t.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, fail, wrapErr(ctx, err)
	}
	if err := rows.Close(); err != nil {
		return nil, fail, wrapErr(ctx, err)
	}
	n := int64(len(t.Rows))
	return t, adapters.Response{Message: fmt.Sprintf("SELECT %d", n), Code: "SELECT", RowsAffected: n}, nil
}

// goValue normalises a driver value to the Go types documented on Query.
func goValue(v any, typ string) any {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		if strings.HasPrefix(typ, "decimal") {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				return f
			}
		}
		return v
	case time.Time:
		if strings.Contains(typ, "with time zone") {
			return v.UTC()
		}
		// A date or a timestamp without zone is a wall-clock value: keep it
		// as is, in time.UTC (the driver attaches the session's zone).
		return time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), time.UTC)
	case float32:
		return float64(v)
	case int32:
		return int64(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = goValue(e, "")
		}
		return out
	}
	return v
}

// Begin marks the start of a unit of work. No START TRANSACTION is sent:
// Trino's lakehouse catalogs only write in autocommit mode (see the package
// comment), so statements take effect one by one and Rollback cannot undo
// them; the runner's steps are ordered so that a failure leaves the old
// relation in place.
func (c *Conn) Begin(ctx context.Context) error {
	if c.inTx {
		return errors.New("trino: a unit of work is already open on this connection")
	}
	if err := c.check(); err != nil {
		return err
	}
	c.inTx = true
	return nil
}

// Commit ends the unit of work (its statements are already applied).
func (c *Conn) Commit(ctx context.Context) error {
	if !c.inTx {
		return errors.New("trino: commit without an open unit of work")
	}
	c.inTx = false
	return nil
}

// Rollback ends the unit of work. Statements already run stay applied
// (autocommit); a no-op when none is open.
func (c *Conn) Rollback(ctx context.Context) error {
	c.inTx = false
	return nil
}

// InTransaction reports whether Begin was called without Commit/Rollback.
func (c *Conn) InTransaction() bool { return c.inTx }

// Close returns the connection to the pool.
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.inTx = false
	return c.sc.Close()
}
