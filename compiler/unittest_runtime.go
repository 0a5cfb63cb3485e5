package compiler

import (
	"context"
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

// Substitution changes one execution render of a model for a unit test:
// ref()/source() of the listed nodes and `this` render to fixture CTE
// names, and vars, env vars and macros are overridden.
type Substitution struct {
	// Relations maps a ref'd node's or source's unique_id to a CTE name.
	Relations map[string]string
	// This, when set, is what {{ this }} renders to.
	This    string
	Vars    map[string]any
	EnvVars map[string]string
	Macros  map[string]any
}

func (s *Substitution) relation(id string) (string, bool) {
	if s == nil {
		return "", false
	}
	c, ok := s.Relations[id]
	return c, ok
}

// CompileNodeWith renders node n at execution time with sub applied. Unlike
// CompileNode it leaves n untouched (the model's own compiled code stays
// what its real build uses). Ephemeral models that are not replaced are
// still injected as CTEs.
func (r *Result) CompileNodeWith(ctx context.Context, n *manifest.Node, conn adapters.Conn, sub *Substitution) (string, error) {
	jctx, rr := r.RuntimeContext(ctx, n, conn)
	rr.sub = sub
	if sub != nil {
		if sub.This != "" {
			jctx.Globals["this"] = jinja.NewRelation(adapters.Relation{CTEName: sub.This})
		}
		jctx.Overrides = sub.Macros
	}
	tmpl, ok := n.Template.(*jinja.Template)
	if !ok {
		var err error
		if tmpl, err = r.Env.Parse(shownFile(n), n.RawCode); err != nil {
			return "", &RenderError{Node: n, Err: err}
		}
	}
	sql, err := tmpl.Render(jctx)
	if err != nil {
		return "", &RenderError{Node: n, Err: err}
	}
	ctes, err := r.ephemeralCTEs(ctx, rr.ctes, conn)
	if err != nil {
		return "", &RenderError{Node: n, Err: err}
	}
	return injectCTEs(sql, ctes), nil
}

// InjectCTEs puts CTEs ("name as (sql)") in front of a query, merging with
// its own top-level WITH clause.
func InjectCTEs(sql string, ctes map[string]string, order []string) string {
	list := make([]manifest.CTE, 0, len(order))
	for _, name := range order {
		list = append(list, manifest.CTE{ID: name, SQL: " " + name + " as (\n" + strings.TrimSpace(ctes[name]) + "\n)"})
	}
	return injectCTEs(sql, list)
}

// AuditSchema is the schema a test stores its failures in: the test's own
// schema config if set, else generate_schema_name('dbt_test__audit'),
// which is "<target schema>_dbt_test__audit" unless the project overrides
// the macro (dbt's default test config is schema: dbt_test__audit).
func (r *Result) AuditSchema(ctx context.Context, n *manifest.Node) (string, error) {
	if s, _ := n.Config["schema"].(string); strings.TrimSpace(s) != "" {
		return n.Schema, nil
	}
	const custom = "dbt_test__audit"
	if !r.Env.IsOverridden("generate_schema_name") {
		ts, _ := r.opts.Target["schema"].(string)
		return ts + "_" + custom, nil
	}
	jctx, _ := r.RuntimeContext(ctx, n, nil)
	v, err := r.Env.CallMacro(jctx, "generate_schema_name", []any{custom, nodeContextMap(n)}, nil)
	if err != nil {
		return "", &RenderError{Node: n, Err: err}
	}
	return strings.TrimSpace(fmt.Sprint(v)), nil
}
