// Package adapters defines what kiln needs from a warehouse: small composed
// interfaces that each concrete adapter (adapters/duckdb, adapters/postgres)
// implements, plus the plain value types (Relation, Column, Table) that flow
// between the compiler, the Jinja context and the runner.
//
// Nothing here imports a database driver; the compiler and Jinja packages
// depend on these interfaces only, and cmd/cli is the one place that names
// concrete adapters (through the registry).
package adapters

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// RelationType is the kind of object a relation is in the warehouse.
type RelationType string

const (
	RelTable     RelationType = "table"
	RelView      RelationType = "view"
	RelCTE       RelationType = "cte"
	RelExternal  RelationType = "external"
	RelUnknown   RelationType = ""
	RelEphemeral RelationType = "ephemeral"
)

// Relation names a warehouse object. Quote flags follow the project's
// quoting policy (Postgres and DuckDB quote all three parts by default).
type Relation struct {
	Database   string
	Schema     string
	Identifier string
	Type       RelationType
	// NoQuote turns quoting off per part; the zero value quotes everything.
	NoQuoteDatabase, NoQuoteSchema, NoQuoteIdentifier bool
	// CTEName, when set, makes Render return this bare name (ephemeral refs).
	CTEName string
}

// QuoteIdent quotes an identifier with double quotes, doubling embedded ones.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Render returns the relation as SQL with double-quoted parts, e.g.
// "db"."schema"."orders": for the adapters whose dialect quotes that way.
// Code outside an adapter renders with RenderWith(conn.Dialect().Quote).
func (r Relation) Render() string { return r.RenderWith(QuoteIdent) }

// RenderWith returns the relation as SQL, each quoted part quoted by quote
// (a Dialect's Quote; nil: QuoteIdent). Empty parts are left out. The
// quoting is a parameter, not a field, so that Relation stays a comparable
// value.
func (r Relation) RenderWith(quote func(string) string) string {
	if quote == nil {
		quote = QuoteIdent
	}
	if r.CTEName != "" {
		return r.CTEName
	}
	var parts []string
	add := func(s string, noQuote bool) {
		if s == "" {
			return
		}
		if noQuote {
			parts = append(parts, s)
		} else {
			parts = append(parts, quote(s))
		}
	}
	add(r.Database, r.NoQuoteDatabase)
	add(r.Schema, r.NoQuoteSchema)
	add(r.Identifier, r.NoQuoteIdentifier)
	return strings.Join(parts, ".")
}

func (r Relation) String() string { return r.Render() }

// WithIdentifier returns a copy named differently (temporary and backup names).
func (r Relation) WithIdentifier(id string) Relation {
	r.Identifier = id
	return r
}

// Column is a column of a relation or query result.
type Column struct {
	Name     string
	DataType string
	Comment  string
	Index    int // 1-based position
}

// Table is a fetched query result (dbt's agate table, simplified).
type Table struct {
	Columns []string
	Types   []string // database type names, same length as Columns
	Rows    [][]any
}

// Response is the adapter's summary of one statement (dbt's AdapterResponse).
type Response struct {
	Message      string // shown in console status, e.g. "OK", "CREATE VIEW", "INSERT 99"
	Code         string
	RowsAffected int64 // -1 when unknown
	// Warnings are things the warehouse did on its own that the user should
	// know (e.g. PostgreSQL truncating a seed's long column name).
	Warnings []string
}

// Credentials is the rendered target output from profiles.yml (all keys as
// written), plus the selected profile and target names.
type Credentials struct {
	Profile string
	Target  string
	Fields  map[string]any
	// Dir is the directory relative paths (e.g. a DuckDB file) resolve against.
	Dir string
}

// Adapter is a registered warehouse type.
type Adapter interface {
	// Type is the profile `type:` value, e.g. "duckdb".
	Type() string
	// Open connects using the target's credentials. threads sizes the pool.
	// Errors must never contain secrets (passwords).
	Open(ctx context.Context, creds Credentials, threads int) (DB, error)
	// TargetInfo returns the non-secret fields exposed as Jinja's `target`
	// (database and schema defaults filled in as the adapter computes them).
	TargetInfo(creds Credentials) map[string]any
}

// DialectProvider is implemented by adapters whose dialect is known before
// connecting, so that compile-time Jinja (adapter.quote, Column.quoted)
// quotes the warehouse's way. Without it, identifiers are double-quoted.
type DialectProvider interface {
	Dialect() Dialect
}

// EarlyOpener is implemented by adapters whose Open may start in the
// background while the project still compiles, because opening changes
// nothing a failed compile should not leave behind (DuckDB: the database
// file already exists, or the database is in memory). Opening DuckDB 2.0
// is ~20-30 ms of CPU, as much as compiling a small project, and runs on
// another core meanwhile.
type EarlyOpener interface {
	OpensEarly(creds Credentials) bool
}

// DB is an open warehouse for one invocation.
type DB interface {
	// Conn returns a connection for one worker; callers Close it when done.
	Conn(ctx context.Context) (Conn, error)
	Close() error
	Version() string
}

// DebugDescriber is implemented by a DB that can say more about the
// warehouse for `kiln debug` than its version (Trino: the cluster's nodes).
type DebugDescriber interface {
	DebugLines(ctx context.Context) ([]string, error)
}

// Querier runs SQL. Every method honours ctx cancellation by cancelling the
// running statement.
type Querier interface {
	Exec(ctx context.Context, sql string) (Response, error)
	// Query fetches up to limit rows (limit <= 0: all).
	Query(ctx context.Context, sql string, limit int) (*Table, Response, error)
}

// Transactor runs explicit transactions on one connection.
type Transactor interface {
	Begin(ctx context.Context) error
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
	InTransaction() bool
}

// Introspector answers questions about existing relations.
type Introspector interface {
	// GetRelation returns nil, nil when the relation does not exist.
	GetRelation(ctx context.Context, database, schema, identifier string) (*Relation, error)
	Columns(ctx context.Context, rel Relation) ([]Column, error)
	// ListRelations lists relations in one schema.
	ListRelations(ctx context.Context, database, schema string) ([]Relation, error)
	// ColumnsOfQuery returns the column names and types a SELECT would produce.
	ColumnsOfQuery(ctx context.Context, sql string) ([]Column, error)
}

// Materializer builds relations safely: the old relation survives any failure.
type Materializer interface {
	CreateSchema(ctx context.Context, database, schema string) error
	// Materialize builds req.Target from req.SQL as a view or table: build
	// under a temporary name, then swap inside one transaction.
	Materialize(ctx context.Context, req MaterializeRequest) (Response, error)
	// LoadSeed loads a CSV file into a table.
	LoadSeed(ctx context.Context, req SeedRequest) (Response, error)
	DropRelation(ctx context.Context, rel Relation) error
	RenameRelation(ctx context.Context, from Relation, toIdentifier string) error
}

// Conn is one connection: everything a worker needs.
type Conn interface {
	Querier
	Transactor
	Introspector
	Materializer
	Dialect() Dialect
	Close() error
}

// Hook is a pre- or post-hook.
type Hook struct {
	SQL         string
	Transaction bool // run inside the build transaction (dbt's default)
	// Render, when set, renders the hook when it is about to run (SQL is
	// then unused): post-hooks are rendered after the new relation exists,
	// on the connection and inside the transaction that builds it, so that
	// run_query/statement in their Jinja act on the new relation.
	Render func(ctx context.Context) (string, error)
}

// Statement is the hook's SQL, rendered now when the hook is lazy.
func (h Hook) Statement(ctx context.Context) (string, error) {
	if h.Render != nil {
		return h.Render(ctx)
	}
	return h.SQL, nil
}

// HasLazy reports whether a hook with Transaction == inTx renders late.
func HasLazy(hooks []Hook, inTx bool) bool {
	for _, h := range hooks {
		if h.Transaction == inTx && h.Render != nil {
			return true
		}
	}
	return false
}

// MaterializeRequest asks for a view or table.
type MaterializeRequest struct {
	Target Relation
	Kind   RelationType // RelView or RelTable
	SQL    string       // compiled SELECT, ephemeral CTEs already injected
	// SQLHeader is emitted before the DDL (config sql_header).
	SQLHeader string
	PreHooks  []Hook
	PostHooks []Hook
	// CreateSQL, when set, returns the statement that builds tmp — the
	// adapter's temporary name for Target — in place of the adapter's own
	// CREATE ... AS (SQL and SQLHeader are then unused): a project's
	// create_table_as / create_view_as override. It runs where the
	// adapter's statement would, inside the swap's transaction.
	CreateSQL func(ctx context.Context, tmp Relation) (string, error)
}

// SeedRequest asks to load a CSV file.
type SeedRequest struct {
	Target       Relation
	Path         string            // absolute path of the CSV file
	Delimiter    string            // default ","
	ColumnTypes  map[string]string // column name → SQL type (config column_types)
	QuoteColumns bool
	FullRefresh  bool
	PreHooks     []Hook
	PostHooks    []Hook
}

// Dialect covers the SQL differences the compiler and runner need: how
// identifiers are quoted and how long they may be, and the statements of
// dbt's building blocks (SQLBuilder, see sqlgen.go; embed StandardSQL for
// the portable ones).
type Dialect interface {
	Quote(identifier string) string
	// MaxIdentifierLength is 0 for no practical limit (DuckDB), 63 on Postgres.
	MaxIdentifierLength() int
	SQLBuilder
}

// ErrLocked is returned (wrapped) by Open when another process holds the
// database file; the CLI maps it to exit code 2 with a clear message.
type LockedError struct {
	Path string
	Err  error
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("the database file %s is locked by another process (is another kiln or DuckDB session using it?): %v", e.Path, e.Err)
}
func (e *LockedError) Unwrap() error { return e.Err }

// ConnectError is a failure to connect (bad host, password, database). Its
// message must never include a secret.
type ConnectError struct {
	Target string
	Err    error
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("could not connect to target '%s': %v", e.Target, e.Err)
}
func (e *ConnectError) Unwrap() error { return e.Err }

var (
	regMu    sync.RWMutex
	registry = map[string]Adapter{}
)

// Register makes an adapter available by type name. Concrete adapter
// packages call it from the composition root (cmd/cli), not from init, so
// that importing a package has no side effects.
func Register(a Adapter) {
	regMu.Lock()
	defer regMu.Unlock()
	registry[a.Type()] = a
}

// Lookup finds a registered adapter.
func Lookup(typ string) (Adapter, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	a, ok := registry[typ]
	return a, ok
}

// Types lists registered adapter types, sorted.
func Types() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	var out []string
	for t := range registry {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Unquote returns the name an identifier written in d's quotes stands for
// ("Col" → Col where d quotes with double quotes, `Col` → Col with
// backticks), or s trimmed when it is not quoted that way. Config values
// that name columns (check_cols, merge_update_columns, a test's column)
// may be written quoted. d nil: double quotes.
func Unquote(d Dialect, s string) string {
	s = strings.TrimSpace(s)
	quote := QuoteIdent
	if d != nil {
		quote = d.Quote
	}
	// The dialect's quotes are what it wraps an empty name in: `""`, "``", `[]`.
	empty := quote("")
	if len(empty) < 2 || len(empty)%2 != 0 {
		return s
	}
	open, close := empty[:len(empty)/2], empty[len(empty)/2:]
	if len(s) < len(open)+len(close) || !strings.HasPrefix(s, open) || !strings.HasSuffix(s, close) {
		return s
	}
	inner := s[len(open) : len(s)-len(close)]
	// Undo the escaping the dialect applies to its closing quote.
	esc := quote(close)
	esc = esc[len(open) : len(esc)-len(close)]
	return strings.ReplaceAll(inner, esc, close)
}
