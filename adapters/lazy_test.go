package adapters

import (
	"context"
	"errors"
	"testing"
)

// countingDB counts opens and connections; its Conn answers Query only.
type testDialect struct{ StandardSQL }

func (testDialect) Quote(s string) string    { return QuoteIdent(s) }
func (testDialect) MaxIdentifierLength() int { return 0 }

type countingDB struct {
	conns, closed int
}

type countingConn struct {
	Conn // unused methods panic: the test must not reach them
	db   *countingDB
}

func (c *countingConn) Query(context.Context, string, int) (*Table, Response, error) {
	return &Table{Columns: []string{"x"}}, Response{Message: "OK"}, nil
}
func (c *countingConn) Close() error { return nil }

func (d *countingDB) Conn(context.Context) (Conn, error) { d.conns++; return &countingConn{db: d}, nil }
func (d *countingDB) Close() error                       { d.closed++; return nil }
func (d *countingDB) Version() string                    { return "v-test" }

func TestLazyDBOpensOnFirstQueryOnly(t *testing.T) {
	ctx := context.Background()
	opens := 0
	real := &countingDB{}
	l := NewLazyDB(func(context.Context) (DB, error) { opens++; return real, nil }, testDialect{})
	c1, _ := l.Conn(ctx)
	c2, _ := l.Conn(ctx)
	if c1.Dialect() == nil || c1.InTransaction() {
		t.Fatal("Dialect/InTransaction must answer without connecting")
	}
	if err := c2.Close(); err != nil || opens != 0 || l.Opened() {
		t.Fatalf("opened before any statement: opens=%d err=%v", opens, err)
	}
	if _, resp, err := c1.Query(ctx, "select 1", 0); err != nil || resp.Message != "OK" {
		t.Fatalf("query: %v %v", resp, err)
	}
	if _, _, err := c1.Query(ctx, "select 2", 0); err != nil {
		t.Fatal(err)
	}
	c3, _ := l.Conn(ctx)
	if _, _, err := c3.Query(ctx, "select 3", 0); err != nil {
		t.Fatal(err)
	}
	if opens != 1 || real.conns != 2 {
		t.Fatalf("want 1 open and 2 connections, got %d and %d", opens, real.conns)
	}
	if l.Version() != "v-test" {
		t.Errorf("version %q", l.Version())
	}
	l.Close()
	if real.closed != 1 {
		t.Errorf("close reached the real DB %d times", real.closed)
	}
	if _, err := l.DB(ctx); !errors.Is(err, ErrLazyClosed) {
		t.Errorf("use after close: %v", err)
	}
}

func TestLazyDBRemembersAFailedOpen(t *testing.T) {
	ctx := context.Background()
	opens := 0
	locked := errors.New("file is locked by another process")
	l := NewLazyDB(func(context.Context) (DB, error) { opens++; return nil, locked }, nil)
	if l.OpenErr() != nil {
		t.Fatal("no open tried yet")
	}
	c, _ := l.Conn(ctx)
	for range 3 {
		if _, err := c.Exec(ctx, "select 1"); !errors.Is(err, locked) {
			t.Fatalf("want the open's error, got %v", err)
		}
	}
	if opens != 1 || !errors.Is(l.OpenErr(), locked) || l.Opened() {
		t.Fatalf("opens=%d OpenErr=%v", opens, l.OpenErr())
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}
