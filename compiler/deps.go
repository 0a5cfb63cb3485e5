package compiler

// What a node depends on beyond ref/source: the macros it calls (direct ones
// become depends_on.macros; the transitive closure feeds state comparison)
// and the values of the vars and env vars it reads. Deferral of refs to
// another environment's relations (--defer) is also configured here.

import (
	"slices"
	"strings"

	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

// VarValue is what var(name) returns for a node of package pkg.
func (r *Result) VarValue(pkg, name string) (any, bool) { return r.vars.lookup(pkg, name) }

// EnvValue is what env_var(name) reads.
func (r *Result) EnvValue(name string) (string, bool) { return r.opts.Getenv(name) }

func macroID(m jinja.Macro) string { return "macro." + dbtPackageOf(m) + "." + m.Name }

// directMacros resolves the macros a node calls itself: names in its
// template, the generic test macro, and a custom materialization.
func (r *Result) directMacros(n *manifest.Node, withMaterialization bool) []jinja.Macro {
	names := append([]string(nil), n.MacroCalls...)
	if t, ok := n.Template.(*jinja.Template); ok && len(names) == 0 {
		names = t.MacroCalls()
	}
	if tm := n.TestMetadata; tm != nil {
		name := "test_" + tm.Name
		if tm.Namespace != nil {
			name = *tm.Namespace + "." + name
		}
		// The test's model argument is rendered through get_where_subquery.
		names = append(names, name, "get_where_subquery")
	}
	if n.ResourceType == manifest.Model && withMaterialization {
		if mat := n.Config.Materialized(); mat != "" {
			for _, a := range []string{r.opts.AdapterType, "default"} {
				if m, ok := r.Env.ResolveMacro(n.PackageName, "materialization_"+mat+"_"+a); ok {
					names = append(names, m.Package+"."+m.Name)
					break
				}
			}
		}
	}
	seen := map[string]bool{}
	var out []jinja.Macro
	for _, name := range names {
		m, ok := r.Env.ResolveMacro(n.PackageName, name)
		if !ok || seen[macroID(m)] {
			continue
		}
		seen[macroID(m)] = true
		out = append(out, m)
	}
	return out
}

const whereSubqueryID = "macro.dbt.get_where_subquery"

// fillMacroDeps sets depends_on.macros of every node to the macros it calls
// directly, as dbt does (the closure is reachable through each macro's own
// depends_on).
func (b *builder) fillMacroDeps() {
	nodes := make([]*manifest.Node, 0, len(b.m.Nodes)+len(b.m.Hooks))
	for _, n := range b.m.Nodes {
		nodes = append(nodes, n)
	}
	for _, n := range b.m.Hooks {
		nodes = append(nodes, n)
	}
	parallel(len(nodes), b.r.opts.Workers, func(i int) {
		n := nodes[i]
		// In the order they are called, and without the materialization,
		// as dbt lists them.
		ms := b.r.directMacros(n, false)
		ids := make([]string, 0, len(ms))
		for _, m := range ms {
			ids = append(ids, macroID(m))
		}
		// dbt does not render not_null and unique tests at parse time, so
		// get_where_subquery (which renders their model argument) joins
		// their depends_on only once they compile.
		if len(ids) > 0 && (ids[0] == "macro.dbt.test_not_null" || ids[0] == "macro.dbt.test_unique") {
			if i := slices.Index(ids, whereSubqueryID); i > 0 {
				ids = slices.Delete(ids, i, i+1)
				n.CompileMacros = []string{whereSubqueryID}
			}
		}
		n.DependsOn.Macros = ids
	})
}

// MacroClosure returns every macro the node can reach through calls,
// including each adapter.dispatch implementation that could be picked, keyed
// by unique ID. Internal (package "dbt") macros are included.
func (r *Result) MacroClosure(n *manifest.Node) map[string]jinja.Macro {
	out := map[string]jinja.Macro{}
	var queue []jinja.Macro
	push := func(m jinja.Macro) {
		id := macroID(m)
		if _, ok := out[id]; !ok {
			out[id] = m
			queue = append(queue, m)
		}
	}
	expand := func(fromPkg, name string) {
		if m, ok := r.Env.ResolveMacro(fromPkg, name); ok {
			push(m)
		}
		base := name
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			base = name[i+1:]
		}
		for _, m := range r.Env.DispatchImplementations(base) {
			push(m)
		}
	}
	for _, m := range r.directMacros(n, true) {
		push(m)
		for _, d := range r.Env.DispatchImplementations(m.Name) {
			push(d)
		}
	}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		for _, name := range m.DependsOn {
			expand(m.Package, name)
		}
	}
	return out
}
