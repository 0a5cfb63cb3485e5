package jinja

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
)

// fakeResolver records calls and answers from maps.
type fakeResolver struct {
	mu      sync.Mutex
	refs    [][]string
	sources [][2]string
	configs []map[string]any
	config  map[string]any
	vars    map[string]any
	env     map[string]string
	docs    map[string]string
	logs    []string
	warns   []string
}

var errUnknownRef = errors.New("unknown ref")

type refError struct{ name string }

func (e *refError) Error() string { return fmt.Sprintf("model '%s' not found", e.name) }

func (f *fakeResolver) Ref(args []string, version any) (any, error) {
	f.mu.Lock()
	f.refs = append(f.refs, args)
	f.mu.Unlock()
	name := args[len(args)-1]
	if strings.HasPrefix(name, "missing") {
		return nil, &refError{name: name}
	}
	if version != nil {
		name = fmt.Sprintf("%s_v%v", name, version)
	}
	return NewRelation(adapters.Relation{Database: "db", Schema: "main", Identifier: name, Type: adapters.RelView}), nil
}

func (f *fakeResolver) Source(source, table string) (any, error) {
	f.mu.Lock()
	f.sources = append(f.sources, [2]string{source, table})
	f.mu.Unlock()
	return adapters.Relation{Database: "raw", Schema: source, Identifier: table, Type: adapters.RelTable}, nil
}

func (f *fakeResolver) Config(kwargs map[string]any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.configs = append(f.configs, kwargs)
	return nil
}

func (f *fakeResolver) ConfigGet(key string) (any, bool) {
	v, ok := f.config[key]
	return v, ok
}

func (f *fakeResolver) Var(name string) (any, bool) {
	v, ok := f.vars[name]
	return v, ok
}

func (f *fakeResolver) EnvVar(name string) (string, bool) {
	v, ok := f.env[name]
	return v, ok
}

func (f *fakeResolver) Doc(args []string) (string, error) {
	if d, ok := f.docs[strings.Join(args, ".")]; ok {
		return d, nil
	}
	return "", fmt.Errorf("doc '%s' not found", strings.Join(args, "."))
}

func (f *fakeResolver) Log(msg string, info bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf("%v:%s", info, msg))
}

func (f *fakeResolver) Warn(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.warns = append(f.warns, msg)
}

// fakeConn is a minimal adapters.Conn.
type fakeConn struct {
	mu        sync.Mutex
	execs     []string
	queries   []string
	relations map[string]*adapters.Relation
	columns   []adapters.Column
	table     *adapters.Table
}

func (c *fakeConn) Exec(_ context.Context, sql string) (adapters.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.execs = append(c.execs, sql)
	return adapters.Response{Message: "OK", RowsAffected: 1}, nil
}

func (c *fakeConn) Query(_ context.Context, sql string, limit int) (*adapters.Table, adapters.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queries = append(c.queries, sql)
	if strings.Contains(sql, "boom") {
		return nil, adapters.Response{}, errors.New("syntax error at or near boom")
	}
	return c.table, adapters.Response{Message: "SELECT 2", RowsAffected: 2}, nil
}

func (c *fakeConn) Begin(context.Context) error    { return nil }
func (c *fakeConn) Commit(context.Context) error   { return nil }
func (c *fakeConn) Rollback(context.Context) error { return nil }
func (c *fakeConn) InTransaction() bool            { return false }
func (c *fakeConn) GetRelation(_ context.Context, db, schema, ident string) (*adapters.Relation, error) {
	return c.relations[db+"."+schema+"."+ident], nil
}
func (c *fakeConn) Columns(context.Context, adapters.Relation) ([]adapters.Column, error) {
	return c.columns, nil
}
func (c *fakeConn) ListRelations(context.Context, string, string) ([]adapters.Relation, error) {
	return nil, nil
}
func (c *fakeConn) ColumnsOfQuery(context.Context, string) ([]adapters.Column, error) {
	return c.columns, nil
}
func (c *fakeConn) CreateSchema(context.Context, string, string) error { return nil }
func (c *fakeConn) Materialize(context.Context, adapters.MaterializeRequest) (adapters.Response, error) {
	return adapters.Response{}, nil
}
func (c *fakeConn) LoadSeed(context.Context, adapters.SeedRequest) (adapters.Response, error) {
	return adapters.Response{}, nil
}
func (c *fakeConn) DropRelation(context.Context, adapters.Relation) error           { return nil }
func (c *fakeConn) RenameRelation(context.Context, adapters.Relation, string) error { return nil }
func (c *fakeConn) Dialect() adapters.Dialect                                       { return nil }
func (c *fakeConn) Close() error                                                    { return nil }

func newTestEnv(t testing.TB) *Env {
	t.Helper()
	return New(Config{AdapterType: "duckdb", RootPackage: "proj", Packages: []string{"dbt_utils"}})
}

func thisRel() *Relation {
	return NewRelation(adapters.Relation{Database: "db", Schema: "main", Identifier: "orders", Type: adapters.RelTable})
}

func parseCtx(res *fakeResolver) *Context {
	return &Context{Package: "proj", Resolver: res, Globals: map[string]any{
		"this":   thisRel(),
		"target": map[string]any{"name": "dev", "schema": "main", "database": "db", "type": "duckdb"},
		"model":  map[string]any{"name": "orders", "config": map[string]any{"materialized": "table"}},
		"flags":  map[string]any{"FULL_REFRESH": false},
	}}
}

func execCtx(res *fakeResolver, conn adapters.Conn) *Context {
	c := parseCtx(res)
	c.Execute = true
	c.Conn = conn
	return c
}

func render(t testing.TB, e *Env, src string, ctx *Context) string {
	t.Helper()
	tpl, err := e.Parse("models/test.sql", src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	out, err := tpl.Render(ctx)
	if err != nil {
		t.Fatalf("render %q: %v", src, err)
	}
	return out
}

func renderErr(t testing.TB, e *Env, src string, ctx *Context) error {
	t.Helper()
	tpl, err := e.Parse("models/test.sql", src)
	if err != nil {
		return err
	}
	_, err = tpl.Render(ctx)
	if err == nil {
		t.Fatalf("expected an error rendering %q", src)
	}
	return err
}

func mustAdd(t testing.TB, e *Env, pkg, path, src string) {
	t.Helper()
	if _, err := e.AddMacroFile(pkg, path, src); err != nil {
		t.Fatalf("AddMacroFile %s: %v", path, err)
	}
}
