package jinja

// Static macro-call analysis of node templates, for depends_on.macros and
// state:modified.macros. It is static (every branch, executed or not) so a
// macro called only under {% if execute %} still counts as a dependency.

import (
	"slices"
	"strings"

	"github.com/nikolalohinski/gonja/v2/nodes"
)

// MacroCalls lists the names the template calls ("name" or
// "namespace.name"), including adapter.dispatch targets by their dispatch
// name, in first-call order.
func (t *Template) MacroCalls() []string {
	if t == nil || len(t.nodes) == 0 {
		return nil
	}
	return macroCalls(&macroNode{body: &nodes.Wrapper{Nodes: t.nodes}})
}

// ResolveMacro finds the macro a call named name ("name" or "pkg.name")
// made from package fromPkg reaches, with dbt's lookup order.
func (e *Env) ResolveMacro(fromPkg, name string) (Macro, bool) {
	s := e.snapshot()
	var d *macroDef
	if pkg, n, ok := strings.Cut(name, "."); ok {
		d = s.byPkg[pkg][n]
	} else {
		d = s.lookupFor(fromPkg)[name]
	}
	if d == nil {
		return Macro{}, false
	}
	return *d.meta, true
}

// DispatchImplementations returns every macro, in any package, that
// adapter.dispatch(name) could pick: "<adapter>__name" and "default__name".
// Callers that need a conservative dependency set use it, since which one
// runs depends on the dispatch search order at run time.
func (e *Env) DispatchImplementations(name string) []Macro {
	s := e.snapshot()
	var out []Macro
	for _, pre := range []string{e.cfg.AdapterType, "default"} {
		if pre == "" {
			continue
		}
		for _, m := range s.byPkg {
			if d := m[pre+"__"+name]; d != nil {
				out = append(out, *d.meta)
			}
		}
	}
	slices.SortFunc(out, func(a, b Macro) int {
		return strings.Compare(a.Package+"."+a.Name, b.Package+"."+b.Name)
	})
	return out
}
