package jinja

// A macro's depends_on.macros as dbt records it in manifest.json: dbt reads
// every call expression in the macro body (executed or not) and keeps the
// ones that resolve to a macro. Calls on locals (fields.append) drop out by
// resolution, not by knowing what is local; adapter.dispatch(...) calls are
// resolved, at parse time, to the implementation the target adapter picks.

import (
	"github.com/nikolalohinski/gonja/v2/nodes"

	"github.com/kiln-dev/kiln/compiler/jinja/dbtpkg"
)

// StaticCall is one call of a macro body as dbt's static analysis sees it:
// Name is "name" or "qualifier.name", or for adapter.dispatch(Name,
// Namespace) the dispatched name (Namespace "" when none or a list).
type StaticCall = dbtpkg.Call

// staticSkip are call names dbt never records: ref/source/config and the
// base-context functions (never macros).
var staticSkip = map[string]bool{
	"ref": true, "source": true, "config": true,
	"return": true, "env_var": true, "var": true, "log": true, "print": true,
	"fromjson": true, "tojson": true, "fromyaml": true, "toyaml": true,
	"set": true, "set_strict": true, "zip": true, "zip_strict": true,
	"diff_of_two_dicts": true, "local_md5": true,
}

// staticCalls lists the calls of a macro body in source order.
func staticCalls(mn *macroNode) []StaticCall {
	var out []StaticCall
	seen := map[StaticCall]bool{}
	add := func(c StaticCall) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	walkNodes(mn.body, func(n nodes.Node) {
		c, ok := n.(*nodes.Call)
		if !ok {
			return
		}
		switch f := c.Func.(type) {
		case *nodes.Name:
			if !staticSkip[f.Name.Val] {
				add(StaticCall{Name: f.Name.Val})
			}
		case *nodes.GetAttribute:
			base, ok := f.Node.(*nodes.Name)
			if !ok || f.Attribute == "" {
				return // a.b.c() is not a macro call
			}
			if base.Name.Val != "adapter" {
				add(StaticCall{Name: base.Name.Val + "." + f.Attribute})
				return
			}
			if f.Attribute != "dispatch" {
				return // adapter methods
			}
			d := StaticCall{Dispatch: true}
			if len(c.Args) > 0 {
				if s, ok := c.Args[0].(*nodes.String); ok {
					d.Name = s.Val
				}
			}
			if s, ok := c.Kwargs["macro_name"].(*nodes.String); ok {
				d.Name = s.Val
			}
			if len(c.Args) > 1 {
				if s, ok := c.Args[1].(*nodes.String); ok {
					d.Namespace = s.Val
				}
			}
			if s, ok := c.Kwargs["macro_namespace"].(*nodes.String); ok {
				d.Namespace = s.Val
			}
			if d.Name != "" {
				add(d)
			}
		}
	})
	return out
}

// callsConfig reports whether the macro body calls config(...).
func callsConfig(mn *macroNode) bool {
	found := false
	walkNodes(mn.body, func(n nodes.Node) {
		if c, ok := n.(*nodes.Call); ok {
			if f, ok := c.Func.(*nodes.Name); ok && f.Name.Val == "config" {
				found = true
			}
		}
	})
	return found
}

// internalAlias maps the adapter packages dbt names to kiln's single
// internal package.
func (e *Env) internalAlias(pkg string) string {
	switch pkg {
	case "dbt_duckdb", "dbt_postgres", "dbt_trino":
		return "dbt"
	}
	return pkg
}

// StaticDeps resolves m's calls the way dbt fills a macro's
// depends_on.macros: a name is looked up in the calling (or qualifying)
// package, then in the global namespace (root project over packages over
// the internal one); unresolved names are dropped, as is a bare call of the
// macro's own name; a dispatch adds its name and the implementation the
// target adapter picks.
func (e *Env) StaticDeps(m Macro) []Macro {
	s := e.snapshot()
	global := s.lookupFor(e.cfg.RootPackage)
	var out []Macro
	seen := map[*macroDef]bool{}
	add := func(d *macroDef) {
		if d != nil && !seen[d] {
			seen[d] = true
			out = append(out, *d.meta)
		}
	}
	resolve := func(name string) *macroDef {
		pkg, n := m.Package, name
		for i := 0; i < len(name); i++ {
			if name[i] == '.' {
				pkg, n = name[:i], name[i+1:]
				break
			}
		}
		if d := s.byPkg[e.internalAlias(pkg)][n]; d != nil {
			return d
		}
		return global[n]
	}
	for _, c := range m.Calls {
		if c.Name != m.Name {
			add(resolve(c.Name))
		}
		if c.Dispatch {
			add(s.staticDispatch(c.Name, c.Namespace, global))
		}
	}
	return out
}

// staticDispatch is dbt's parse-time adapter.dispatch: with no namespace the
// global namespace is searched; with one, the project's dispatch search
// order for it, or else the root project and then that package.
func (s *snapshot) staticDispatch(name, ns string, global map[string]*macroDef) *macroDef {
	cfg := s.env.cfg
	prefixes := []string{"default"}
	if cfg.AdapterType != "" {
		prefixes = []string{cfg.AdapterType, "default"}
	}
	var pkgs []string
	if o := cfg.DispatchOrders[ns]; ns != "" && len(o) > 0 {
		pkgs = o
	} else if _, ok := s.byPkg[s.env.internalAlias(ns)]; ns != "" && ok {
		pkgs = []string{cfg.RootPackage, ns}
	}
	if len(pkgs) == 0 {
		for _, pre := range prefixes {
			if d := global[pre+"__"+name]; d != nil {
				return d
			}
		}
		return nil
	}
	for _, p := range pkgs {
		m := s.byPkg[s.env.internalAlias(p)]
		for _, pre := range prefixes {
			if d := m[pre+"__"+name]; d != nil {
				return d
			}
		}
	}
	return nil
}
