package adaptertest

// Quoting belongs to the adapter's dialect. RunForeignQuoting proves it:
// it builds the Project subtest's project (seeds, the cross-database
// macros, data tests) and the incremental project (every strategy,
// snapshots, a custom materialization, unit tests) and the snapshots run
// through dbt's snapshot macros, all through a wrapper of the adapter whose
// dialect quotes identifiers with backticks. The wrapper turns backticks
// back into double quotes just before the database sees a statement, and
// records every statement that already holds a double quote: quoting that
// the runner, the compiler or the internal macros wrote themselves instead
// of asking the dialect. SQL the adapter writes for itself (inside
// Materialize, LoadSeed, CreateTempTableSQL, ...) is the adapter's own
// dialect and is not checked.

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
)

// RunForeignQuoting runs the Project and Incremental subtests through the backtick
// wrapper of h's adapter and fails on any double quote that leaked. The
// wrapper's dialect is the adapter's building blocks (Harness.Builder;
// adapters.StandardSQL when nil, as for DuckDB and PostgreSQL) with backtick
// quoting.
func RunForeignQuoting(t *testing.T, h Harness) {
	if h.Profile == nil || h.Adapter == nil {
		t.Skip("the harness has no profile: the suite cannot build a project")
	}
	leaks := &leakLog{}
	inner := h.Adapter
	var b adapters.SQLBuilder = adapters.StandardSQL{Quote: backtick}
	if h.Builder != nil {
		b = h.Builder(backtick)
	}
	d := backtickDialect{SQLBuilder: b}
	// The same type, so that dispatch still finds the adapter's macros;
	// the suite hands the compiler the wrapper's dialect.
	wa := &backtickAdapter{Adapter: inner, d: d}
	open := h.Open
	h.Open = func(t *testing.T, threads int) adapters.DB {
		return &backtickDB{DB: open(t, threads), d: d, leaks: leaks}
	}
	h.Adapter = wa
	s := &suite{h: h}
	t.Run("Project", s.project)
	t.Run("Incremental", s.incremental)
	t.Run("SnapshotMacros", s.snapshotMacros)
	for _, l := range leaks.get() {
		t.Errorf("a double quote not written by the dialect reached the warehouse:\n%s", l)
	}
}

func backtick(id string) string { return "`" + strings.ReplaceAll(id, "`", "``") + "`" }

// backtickDialect quotes with backticks; the rest is the adapter's SQL.
type backtickDialect struct{ adapters.SQLBuilder }

func (backtickDialect) Quote(id string) string   { return backtick(id) }
func (backtickDialect) MaxIdentifierLength() int { return 0 }

type backtickAdapter struct {
	adapters.Adapter
	d adapters.Dialect
}

func (a *backtickAdapter) Dialect() adapters.Dialect { return a.d }
func (a *backtickAdapter) Open(ctx context.Context, creds adapters.Credentials, threads int) (adapters.DB, error) {
	return nil, context.Canceled // the suite opens databases through Harness.Open
}

type leakLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *leakLog) add(sql string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.seen) < 20 {
		l.seen = append(l.seen, sql)
	}
}

func (l *leakLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seen...)
}

// toWarehouse checks sql for double quotes and turns the dialect's
// backticks into the warehouse's double quotes (the project's SQL has no
// backticks and no quotes inside names).
func (l *leakLog) toWarehouse(sql string) string {
	if strings.Contains(sql, `"`) {
		l.add(sql)
	}
	return strings.ReplaceAll(sql, "`", `"`)
}

// fromAdapter turns SQL the adapter wrote in its own dialect into the
// wrapper's, so that toWarehouse accepts it.
func fromAdapter(sql string) string { return strings.ReplaceAll(sql, `"`, "`") }

type backtickDB struct {
	adapters.DB
	d     adapters.Dialect
	leaks *leakLog
}

func (db *backtickDB) Conn(ctx context.Context) (adapters.Conn, error) {
	c, err := db.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	ic, ok := c.(adapters.IncrementalConn)
	if !ok {
		c.Close()
		return nil, context.Canceled
	}
	return &backtickConn{IncrementalConn: ic, d: db.d, leaks: db.leaks}, nil
}

type backtickConn struct {
	adapters.IncrementalConn
	d     adapters.Dialect
	leaks *leakLog
}

func (c *backtickConn) Dialect() adapters.Dialect { return c.d }

func (c *backtickConn) Exec(ctx context.Context, sql string) (adapters.Response, error) {
	return c.IncrementalConn.Exec(ctx, c.leaks.toWarehouse(sql))
}

func (c *backtickConn) Query(ctx context.Context, sql string, limit int) (*adapters.Table, adapters.Response, error) {
	return c.IncrementalConn.Query(ctx, c.leaks.toWarehouse(sql), limit)
}

func (c *backtickConn) ColumnsOfQuery(ctx context.Context, sql string) ([]adapters.Column, error) {
	return c.IncrementalConn.ColumnsOfQuery(ctx, c.leaks.toWarehouse(sql))
}

func (c *backtickConn) CreateTempTableSQL(tmp adapters.Relation, query string) string {
	if strings.Contains(query, `"`) {
		c.leaks.add(query)
	}
	return fromAdapter(c.IncrementalConn.CreateTempTableSQL(tmp, query))
}

func (c *backtickConn) AlterColumnTypeSQL(rel adapters.Relation, column, newType string) string {
	return fromAdapter(c.IncrementalConn.AlterColumnTypeSQL(rel, column, newType))
}

func (c *backtickConn) Materialize(ctx context.Context, req adapters.MaterializeRequest) (adapters.Response, error) {
	req.SQL = c.leaks.toWarehouse(req.SQL)
	if create := req.CreateSQL; create != nil {
		req.CreateSQL = func(ctx context.Context, tmp adapters.Relation) (string, error) {
			s, err := create(ctx, tmp)
			return c.leaks.toWarehouse(s), err
		}
	}
	for _, hooks := range [][]adapters.Hook{req.PreHooks, req.PostHooks} {
		for i, h := range hooks {
			h.SQL = c.leaks.toWarehouse(h.SQL)
			if render := h.Render; render != nil {
				h.Render = func(ctx context.Context) (string, error) {
					s, err := render(ctx)
					return c.leaks.toWarehouse(s), err
				}
			}
			hooks[i] = h
		}
	}
	return c.IncrementalConn.Materialize(ctx, req)
}
