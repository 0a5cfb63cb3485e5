package run

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

// swap builds a view or table under a temporary name and swaps it in.
func (b *Build) swap(ctx context.Context, kind adapters.RelationType) (adapters.Response, error) {
	return b.Conn.Materialize(ctx, adapters.MaterializeRequest{
		Target: b.Runner.res.Relation(b.Node), Kind: kind, SQL: b.SQL,
		SQLHeader: b.Node.Config.String("sql_header", ""), PreHooks: b.PreHooks, PostHooks: b.PostHooks,
	})
}

// FullRefresh reports whether this build should rebuild from scratch
// (--full-refresh, unless the node pins full_refresh: false).
func (b *Build) FullRefresh() bool {
	if v, ok := b.Node.Config["full_refresh"].(bool); ok {
		return v
	}
	return b.Runner.opts.FullRefresh
}
