package adapters

import (
	"context"
	"errors"
	"sync"
)

// LazyDB opens the warehouse the first time something queries it. Commands
// that may or may not need the warehouse (compile: only for run_query,
// adapter.get_relation, is_incremental() and the like) would otherwise pay
// for connecting every time: opening a DuckDB 2.0 file costs ~60 ms, twice
// what a whole command on a small project should take.
//
// An open that fails is remembered: every later use returns the same error,
// and OpenErr hands it to the command so that a locked file or an
// unreachable server is reported as if the command had opened eagerly.
type LazyDB struct {
	open    func(ctx context.Context) (DB, error)
	dialect Dialect // nil: ask the opened connection

	mu     sync.Mutex
	db     DB
	err    error
	closed bool
}

// ErrLazyClosed is returned by a LazyDB used after Close.
var ErrLazyClosed = errors.New("the warehouse connection was already closed")

// NewLazyDB returns a DB that calls open on first use. dialect, when known
// without connecting (DialectProvider), answers Conn.Dialect without opening.
func NewLazyDB(open func(ctx context.Context) (DB, error), dialect Dialect) *LazyDB {
	return &LazyDB{open: open, dialect: dialect}
}

// DB opens the warehouse if it is not open yet and returns it.
func (l *LazyDB) DB(ctx context.Context) (DB, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrLazyClosed
	}
	if l.db == nil && l.err == nil {
		l.db, l.err = l.open(ctx)
		if l.err == nil && l.db == nil {
			l.err = errors.New("the adapter opened no database")
		}
	}
	return l.db, l.err
}

// OpenErr is the error of a failed open, nil if none failed (or none ran).
func (l *LazyDB) OpenErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Opened reports whether the warehouse was opened.
func (l *LazyDB) Opened() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.db != nil
}

// Conn returns a connection that connects on its first statement.
func (l *LazyDB) Conn(ctx context.Context) (Conn, error) { return &lazyConn{l: l}, nil }

// Close closes the database if it was opened.
func (l *LazyDB) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.db == nil {
		return nil
	}
	return l.db.Close()
}

// Version opens the warehouse to ask it (empty when that fails).
func (l *LazyDB) Version() string {
	db, err := l.DB(context.Background())
	if err != nil {
		return ""
	}
	return db.Version()
}

var _ Conn = (*lazyConn)(nil)

// lazyConn takes a real connection from its LazyDB on first use.
type lazyConn struct {
	l *LazyDB

	mu sync.Mutex
	c  Conn
}

func (c *lazyConn) get(ctx context.Context) (Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.c != nil {
		return c.c, nil
	}
	db, err := c.l.DB(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	c.c = conn
	return conn, nil
}

// opened is the real connection, nil when none was made.
func (c *lazyConn) opened() Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.c
}

func (c *lazyConn) Dialect() Dialect {
	if c.l.dialect != nil {
		return c.l.dialect
	}
	conn, err := c.get(context.Background())
	if err != nil {
		return nil
	}
	return conn.Dialect()
}

func (c *lazyConn) Close() error {
	if conn := c.opened(); conn != nil {
		return conn.Close()
	}
	return nil
}

func (c *lazyConn) InTransaction() bool {
	if conn := c.opened(); conn != nil {
		return conn.InTransaction()
	}
	return false
}

func (c *lazyConn) Exec(ctx context.Context, sql string) (Response, error) {
	conn, err := c.get(ctx)
	if err != nil {
		return Response{}, err
	}
	return conn.Exec(ctx, sql)
}

func (c *lazyConn) Query(ctx context.Context, sql string, limit int) (*Table, Response, error) {
	conn, err := c.get(ctx)
	if err != nil {
		return nil, Response{}, err
	}
	return conn.Query(ctx, sql, limit)
}

func (c *lazyConn) Begin(ctx context.Context) error {
	conn, err := c.get(ctx)
	if err != nil {
		return err
	}
	return conn.Begin(ctx)
}

func (c *lazyConn) Commit(ctx context.Context) error {
	conn, err := c.get(ctx)
	if err != nil {
		return err
	}
	return conn.Commit(ctx)
}

func (c *lazyConn) Rollback(ctx context.Context) error {
	conn, err := c.get(ctx)
	if err != nil {
		return err
	}
	return conn.Rollback(ctx)
}

func (c *lazyConn) GetRelation(ctx context.Context, database, schema, identifier string) (*Relation, error) {
	conn, err := c.get(ctx)
	if err != nil {
		return nil, err
	}
	return conn.GetRelation(ctx, database, schema, identifier)
}

func (c *lazyConn) Columns(ctx context.Context, rel Relation) ([]Column, error) {
	conn, err := c.get(ctx)
	if err != nil {
		return nil, err
	}
	return conn.Columns(ctx, rel)
}

func (c *lazyConn) ListRelations(ctx context.Context, database, schema string) ([]Relation, error) {
	conn, err := c.get(ctx)
	if err != nil {
		return nil, err
	}
	return conn.ListRelations(ctx, database, schema)
}

func (c *lazyConn) ColumnsOfQuery(ctx context.Context, sql string) ([]Column, error) {
	conn, err := c.get(ctx)
	if err != nil {
		return nil, err
	}
	return conn.ColumnsOfQuery(ctx, sql)
}

func (c *lazyConn) CreateSchema(ctx context.Context, database, schema string) error {
	conn, err := c.get(ctx)
	if err != nil {
		return err
	}
	return conn.CreateSchema(ctx, database, schema)
}

func (c *lazyConn) Materialize(ctx context.Context, req MaterializeRequest) (Response, error) {
	conn, err := c.get(ctx)
	if err != nil {
		return Response{}, err
	}
	return conn.Materialize(ctx, req)
}

func (c *lazyConn) LoadSeed(ctx context.Context, req SeedRequest) (Response, error) {
	conn, err := c.get(ctx)
	if err != nil {
		return Response{}, err
	}
	return conn.LoadSeed(ctx, req)
}

func (c *lazyConn) DropRelation(ctx context.Context, rel Relation) error {
	conn, err := c.get(ctx)
	if err != nil {
		return err
	}
	return conn.DropRelation(ctx, rel)
}

func (c *lazyConn) RenameRelation(ctx context.Context, from Relation, toIdentifier string) error {
	conn, err := c.get(ctx)
	if err != nil {
		return err
	}
	return conn.RenameRelation(ctx, from, toIdentifier)
}
