package run

// Materializations, and where the macro layer meets them.
//
// A node materialized as X runs, in this order of preference:
//
//  1. a {% materialization X %} block of the project or of a package that
//     applies (jinja.Env.Materialization: adapter-specific beats default,
//     the root project beats packages, packages cannot replace built-ins),
//     run in Jinja inside a transaction kiln opens (jinjamat.go);
//  2. kiln's own implementation in Go (view, table: the adapter's
//     build-under-a-temporary-name-and-swap; incremental.go; snapshot.go).
//
// The Go implementations are fast paths of dbt's materialization macros. At
// every step that dbt delegates to an overridable macro they ask
// (Build.overridden) whether a project or package overrides it or a macro
// it calls; if so they render that macro and run its SQL in their own
// envelope — the swap for create_table_as / create_view_as
// (MaterializeRequest.CreateSQL), the incremental transaction for the
// strategy macros (strategyBlocks), the snapshot transaction for a strategy
// macro's row_changed. Otherwise the adapter's dialect builds the same SQL
// (adapters.SQLBuilder). Post-hooks render lazily (adapters.Hook.Render),
// after the new relation exists and before it is committed.

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

// Build is everything a materialization needs for one model.
type Build struct {
	Runner    *Runner
	Node      *manifest.Node
	Conn      adapters.Conn
	SQL       string // compiled SELECT with ephemeral CTEs injected
	PreHooks  []adapters.Hook
	PostHooks []adapters.Hook
	// batches is set by microbatch models: per-batch outcomes for the result.
	batches *batchResults
}

// Materialization builds one model. Every implementation must leave the
// existing relation exactly as it was when it returns an error.
type Materialization func(ctx context.Context, b *Build) (adapters.Response, error)

// materializations maps config.materialized to its implementation. Each
// kind lives in its own file and registers itself here.
var materializations = map[string]Materialization{
	"view":  func(ctx context.Context, b *Build) (adapters.Response, error) { return b.swap(ctx, adapters.RelView) },
	"table": func(ctx context.Context, b *Build) (adapters.Response, error) { return b.swap(ctx, adapters.RelTable) },
}

func materializationNames() []string {
	out := []string{"ephemeral"}
	for k := range materializations {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// materialization picks what builds a node materialized as name: a
// {% materialization %} block of the project or a package when one applies
// (custom), else kiln's own.
func (r *Runner) materialization(name string) (mz Materialization, custom bool, err error) {
	if mm, ok := r.res.Env.Materialization(name); ok {
		return macroMaterialization(mm), true, nil
	}
	if mz, ok := materializations[name]; ok {
		return mz, false, nil
	}
	if shadowed := r.res.Env.MaterializationShadowed(name); len(shadowed) > 0 {
		return nil, false, fmt.Errorf("materialization '%s' is built in, and installed packages cannot replace it (package %s defines one); to use it, define {%% materialization %s, default %%} in your project calling %s.materialization_%s_default()", name, strings.Join(shadowed, ", "), name, shadowed[0], name)
	}
	return nil, false, fmt.Errorf("materialization '%s' is not supported by kiln (supported: %s, or define {%% materialization %s, default %%} in a macro file)", name, strings.Join(materializationNames(), ", "), name)
}

// swap builds a view or table under a temporary name and swaps it in. The
// adapter writes the CREATE statement itself unless the project overrides
// the macro that writes it (get_create_table_as_sql / create_table_as,
// get_create_view_as_sql / create_view_as): then that macro's SQL runs in
// the adapter's place, inside the same swap.
func (b *Build) swap(ctx context.Context, kind adapters.RelationType) (adapters.Response, error) {
	req := adapters.MaterializeRequest{
		Target: b.Runner.res.Relation(b.Node), Kind: kind, SQL: b.SQL,
		SQLHeader: b.Node.Config.String("sql_header", ""), PreHooks: b.PreHooks, PostHooks: b.PostHooks,
	}
	entry, block := "get_create_view_as_sql", "create_view_as"
	args := func(tmp adapters.Relation) []any { return []any{b.Runner.res.Env.NewRelation(tmp), b.SQL} }
	if kind == adapters.RelTable {
		entry, block = "get_create_table_as_sql", "create_table_as"
		args = func(tmp adapters.Relation) []any { return []any{false, b.Runner.res.Env.NewRelation(tmp), b.SQL} }
	}
	if b.overridden(entry, block) {
		req.CreateSQL = func(ctx context.Context, tmp adapters.Relation) (string, error) {
			return b.renderBlock(ctx, entry, args(tmp))
		}
	}
	return b.Conn.Materialize(ctx, req)
}

// overridden reports whether a project or package overrides any of the
// building blocks (macros) named: the Go fast path must then give way.
func (b *Build) overridden(blocks ...string) bool {
	env := b.Runner.res.Env
	for _, name := range blocks {
		if env.IsOverridden(name) {
			return true
		}
	}
	return false
}

// renderBlock calls a building-block macro with the node's runtime context
// and returns the SQL it produced.
func (b *Build) renderBlock(ctx context.Context, name string, args []any) (string, error) {
	jctx, _ := b.Runner.res.RuntimeContext(ctx, b.Node, b.Conn)
	v, err := b.Runner.res.Env.CallMacro(jctx, name, args, nil)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	sql := ""
	if v != nil {
		sql = strings.TrimSpace(fmt.Sprint(v))
	}
	if sql == "" {
		return "", fmt.Errorf("%s returned no SQL for %s", name, relSQL(b.Conn, b.Runner.res.Relation(b.Node)))
	}
	return sql, nil
}

// FullRefresh reports whether this build should rebuild from scratch
// (--full-refresh, unless the node pins full_refresh: false).
func (b *Build) FullRefresh() bool {
	if v, ok := b.Node.Config["full_refresh"].(bool); ok {
		return v
	}
	return b.Runner.opts.FullRefresh
}
