package run

// Custom materializations: a {% materialization name, adapter %} block of
// the project or of a package (jinja.Env.Materialization decides which one,
// as dbt does) runs in Jinja with dbt's materialization context: `this`,
// `model`, `sql`/`compiled_code`, `pre_hooks`/`post_hooks` (dicts with sql,
// transaction, index, rendered by run_hooks), `config`, `adapter.*`,
// statement('main'), and return({'relations': [...]}).
//
// kiln's safety envelope around it: every statement runs inside a
// transaction that kiln begins before the first statement (and again after
// each adapter.commit()), and any error rolls the open transaction back. A
// materialization that builds under a temporary name and renames in one
// transaction — as the built-in ones and dbt's do — therefore never loses
// the old relation. What it committed itself stays committed.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

// txConn begins a transaction before any statement that runs outside one,
// so a materialization's work is atomic up to its next commit.
type txConn struct {
	adapters.Conn
	began bool // a transaction was begun by txConn at least once
}

func (t *txConn) ensure(ctx context.Context) error {
	if t.Conn.InTransaction() {
		return nil
	}
	t.began = true
	return t.Conn.Begin(ctx)
}

func (t *txConn) Exec(ctx context.Context, sql string) (adapters.Response, error) {
	if err := t.ensure(ctx); err != nil {
		return adapters.Response{}, err
	}
	return t.Conn.Exec(ctx, sql)
}

func (t *txConn) Query(ctx context.Context, sql string, limit int) (*adapters.Table, adapters.Response, error) {
	if err := t.ensure(ctx); err != nil {
		return nil, adapters.Response{}, err
	}
	return t.Conn.Query(ctx, sql, limit)
}

func (t *txConn) DropRelation(ctx context.Context, rel adapters.Relation) error {
	if err := t.ensure(ctx); err != nil {
		return err
	}
	return t.Conn.DropRelation(ctx, rel)
}

func (t *txConn) RenameRelation(ctx context.Context, from adapters.Relation, to string) error {
	if err := t.ensure(ctx); err != nil {
		return err
	}
	return t.Conn.RenameRelation(ctx, from, to)
}

// finish commits what is still open (ok) or rolls it back.
func (t *txConn) finish(ctx context.Context, ok bool) error {
	if !t.Conn.InTransaction() {
		return nil
	}
	if ok {
		return t.Conn.Commit(ctx)
	}
	return t.Conn.Rollback(context.WithoutCancel(ctx))
}

// hookDicts are a node's pre- or post-hooks as the materialization context
// has them: unrendered SQL, transaction flag, index.
func hookDicts(n *manifest.Node, key string) []any {
	hooks := n.Config.Hooks(key)
	out := make([]any, len(hooks))
	for i, h := range hooks {
		out[i] = map[string]any{"sql": h.SQL, "transaction": h.Transaction, "index": i}
	}
	return out
}

// macroMaterialization returns the materialization that runs mm.
func macroMaterialization(mm jinja.MaterializationMacro) Materialization {
	return func(ctx context.Context, b *Build) (adapters.Response, error) { return b.runMacro(ctx, mm) }
}

func (b *Build) runMacro(ctx context.Context, mm jinja.MaterializationMacro) (adapters.Response, error) {
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	res := b.Runner.res
	n := b.Node
	if b.Conn.InTransaction() {
		return fail, fmt.Errorf("internal error: materialization %s started inside a transaction", mm.Macro)
	}
	tc := &txConn{Conn: b.Conn}
	jctx, _ := res.RuntimeContext(ctx, n, tc)
	g := jctx.Globals
	g["sql"] = b.SQL
	g["compiled_code"] = b.SQL
	g["pre_hooks"] = hookDicts(n, "pre-hook")
	g["post_hooks"] = hookDicts(n, "post-hook")
	results := map[string]any{}
	jctx.Results = results
	// dbt.materialization_<kind>_default(): kiln's own implementation, on
	// the plain connection after committing what the block did so far.
	jctx.Builtin = func(ctx context.Context, kind string) (adapters.Response, error) {
		mz, ok := materializations[kind]
		if !ok {
			return adapters.Response{}, fmt.Errorf("kiln has no built-in materialization '%s'", kind)
		}
		if err := tc.finish(ctx, true); err != nil {
			return adapters.Response{}, err
		}
		pre, post, err := b.Runner.renderHooks(ctx, n, b.Conn, true)
		if err != nil {
			return adapters.Response{}, err
		}
		inner := *b
		inner.PreHooks, inner.PostHooks = pre, post
		return mz(ctx, &inner)
	}
	where := fmt.Sprintf("%s (%s:%d)", mm.Macro, mm.Path, mm.Line)
	v, err := res.Env.CallMacro(jctx, mm.Package+"."+mm.Macro, nil, nil)
	if err == nil {
		err = checkRelations(v, where)
	}
	if err != nil {
		_ = tc.finish(ctx, false)
		forgetTarget(b)
		return fail, macroErr(n, err)
	}
	if err := tc.finish(ctx, true); err != nil {
		_ = tc.finish(ctx, false)
		forgetTarget(b)
		return fail, err
	}
	forgetTarget(b)
	main, ok := results["main"]
	if !ok {
		return fail, macroErr(n, fmt.Errorf("materialization %s ran no statement('main'); call {%% call statement('main') %%}...{%% endcall %%} for the statement that builds %s", where, res.Relation(n).RenderWith(res.Env.Quote)))
	}
	return mainResponse(main), nil
}

// compilationError is a mistake in a materialization's Jinja (as opposed to
// an error the warehouse reported while it ran).
type compilationError struct {
	n   *manifest.Node
	err error
}

func (e *compilationError) Error() string {
	return fmt.Sprintf("Compilation Error in %s %s (%s)\n  %s", e.n.ResourceType, e.n.Name, e.n.Shown(), strings.ReplaceAll(e.err.Error(), "\n", "\n  "))
}

func (e *compilationError) Unwrap() error { return e.err }

// macroErr classifies an error of a materialization macro: template-level
// errors (raise_compiler_error, undefined names, a missing return) are
// compilation errors; errors from the warehouse stay database errors.
func macroErr(n *manifest.Node, err error) error {
	var je *jinja.Error
	if errors.As(err, &je) && je.Err != nil {
		return err
	}
	return &compilationError{n: n, err: err}
}

// checkRelations requires dbt's return({'relations': [...]}).
func checkRelations(v any, where string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("materialization %s must end with {{ return({'relations': [this]}) }} listing the relations it built", where)
	}
	if _, ok := m["relations"]; !ok {
		return fmt.Errorf("materialization %s returned a dict without 'relations'; return({'relations': [this]})", where)
	}
	return nil
}

// forgetTarget drops cached facts about the node's relation: the macro
// built it with plain SQL.
func forgetTarget(b *Build) {
	if ic, ok := b.Conn.(adapters.IncrementalConn); ok {
		ic.Forget(b.Runner.res.Relation(b.Node))
	}
}

// mainResponse reads the adapter response of load_result('main').
func mainResponse(main any) adapters.Response {
	resp, ok := jinja.ResultResponse(main)
	if !ok {
		return adapters.Response{Message: "OK", RowsAffected: -1}
	}
	if resp.Message == "" {
		resp.Message = "OK"
	}
	return resp
}
