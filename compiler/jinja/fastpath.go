package jinja

// Fast paths of the macro layer.
//
// dbt's global project is a package of Jinja macros that packages call and
// override. kiln's internal "dbt" package (dbtpkg) defines the same macros,
// and three kinds of Go code may stand in for one of them — only while no
// project or package overrides it (or a macro it calls):
//
//   - natives: a dbt-package macro with a Go twin (run_query, statement,
//     load_relation, ...). When a name resolves to the dbt package's macro
//     and neither it nor a macro it calls is overridden, the Go twin runs.
//   - adapter methods that dbt implements by calling a macro
//     (adapter.get_columns_in_relation calls get_columns_in_relation): Go
//     answers unless the macro is overridden, in which case the macro runs;
//     an adapter method called from inside its own macro always answers in
//     Go, so the internal macro bodies can be thin wrappers over it.
//   - the runner's materializations (internal/run): Env.IsOverridden tells
//     it whether a building block (create_table_as, get_merge_sql, ...) must
//     be rendered from its macro instead of being built in Go, and
//     Env.Materialization whether a {% materialization %} block replaces a
//     built-in one.
//
// "Overridden" is conservative: any non-dbt package defining the name or a
// dispatch variant of it (<anything>__name). The macro path is always
// correct; the fast path is only taken when it is certainly equivalent.

import (
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
)

// nativeMacros are dbt-package macros with a Go twin, and the macros each
// body calls (an override of one of them disables the twin).
var nativeMacros = map[string]struct {
	fn   *Func
	deps []string
}{}

func init() {
	for name, deps := range map[string][]string{
		"run_query":            {"statement"},
		"statement":            nil,
		"noop_statement":       nil,
		"load_relation":        {"load_cached_relation"},
		"load_cached_relation": nil,
	} {
		f, ok := builtins[name].(*Func)
		if !ok {
			panic("jinja: native macro " + name + " has no builtin")
		}
		nativeMacros[name] = struct {
			fn   *Func
			deps []string
		}{f, deps}
	}
}

// IsOverridden reports whether any non-dbt package defines name or a
// dispatch variant of it (default__name, <adapter>__name), i.e. whether the
// internal default implementation may not be the one that runs. The answer
// is cached until the next AddMacroFile.
func (e *Env) IsOverridden(name string) bool { return e.snapshot().overridden(name) }

func (s *snapshot) overridden(name string) bool {
	if v, ok := s.overrides.Load(name); ok {
		return v.(bool)
	}
	suffix := "__" + name
	found := false
	for pkg, m := range s.byPkg {
		if pkg == "dbt" {
			continue
		}
		if _, ok := m[name]; ok {
			found = true
			break
		}
		for n := range m {
			if strings.HasSuffix(n, suffix) {
				found = true
				break
			}
		}
		if found {
			break
		}
	}
	s.overrides.Store(name, found)
	return found
}

// native returns the Go twin of the dbt-package macro name, or nil when it
// has none or the macro or one of its callees is overridden.
func (s *snapshot) native(name string) *Func {
	nm, ok := nativeMacros[name]
	if !ok || s.overridden(name) {
		return nil
	}
	for _, d := range nm.deps {
		if s.overridden(d) {
			return nil
		}
	}
	return nm.fn
}

// viaMacro runs the macro behind an adapter method when a project or
// package overrides it: ok is false when Go should answer (not overridden,
// already inside that macro, or no arguments to pass on).
func (r *renderer) viaMacro(name string, args []any, kw map[string]any) (any, bool, error) {
	st := r.st
	if args == nil || !r.execute() || !st.snap.overridden(name) || st.inMacro[name] > 0 {
		return nil, false, nil
	}
	def := st.lookup[name]
	if def == nil {
		return nil, false, nil
	}
	if st.inMacro == nil {
		st.inMacro = map[string]int{}
	}
	st.inMacro[name]++
	defer func() { st.inMacro[name]-- }()
	v, err := r.callMacro(def, &callArgs{pos: args, kw: kw})
	return v, true, err
}

// builtinMaterializations are dbt's built-in materialization names: an
// installed package cannot replace them (dbt 1.8+ behaviour flag
// require_explicit_package_overrides_for_builtin_materializations, default
// true); the root project can.
var builtinMaterializations = map[string]bool{
	"view": true, "table": true, "incremental": true, "materialized_view": true, "test": true,
	"unit": true, "snapshot": true, "seed": true, "clone": true, "ephemeral": true,
}

// MaterializationMacro is the {% materialization %} block a node runs with.
type MaterializationMacro struct {
	Package string // defining package
	Macro   string // registered name: materialization_<name>_<adapter|default>
	Path    string
	Line    int
}

// Materialization finds the {% materialization name %} block that replaces
// kiln's own implementation of name, as dbt resolves it: an adapter-specific
// block beats a default one; among equals the root project beats installed
// packages; installed packages cannot replace a built-in materialization.
// ok is false when kiln's own implementation runs (nothing defines one, or
// only the internal package does).
func (e *Env) Materialization(name string) (MaterializationMacro, bool) {
	s := e.snapshot()
	if v, ok := s.materializations.Load(name); ok {
		mm := v.(*MaterializationMacro)
		return *mm, mm.Macro != ""
	}
	mm, ok := s.findMaterialization(name)
	s.materializations.Store(name, &mm)
	return mm, ok
}

func (s *snapshot) findMaterialization(name string) (MaterializationMacro, bool) {
	e := s.env
	root := e.cfg.RootPackage
	var pkgs []string
	for p := range s.byPkg {
		if p != "dbt" && p != root {
			pkgs = append(pkgs, p)
		}
	}
	sort.Strings(pkgs)
	order := append([]string{root}, pkgs...)
	for _, adapter := range []string{e.cfg.AdapterType, "default"} {
		if adapter == "" {
			continue
		}
		macro := "materialization_" + name + "_" + adapter
		for _, p := range order {
			if p != root && builtinMaterializations[name] {
				continue
			}
			if d := s.byPkg[p][macro]; d != nil {
				return MaterializationMacro{Package: p, Macro: macro, Path: d.path, Line: d.meta.Line}, true
			}
		}
	}
	return MaterializationMacro{}, false
}

// MaterializationNames lists every materialization a node could name:
// dbt's built-ins and each {% materialization %} block of any package, for
// any adapter (sorted). A name outside it cannot run anywhere, so the
// compiler reports it at parse time, with a suggestion.
func (e *Env) MaterializationNames() []string {
	s := e.snapshot()
	set := map[string]bool{}
	for k := range builtinMaterializations {
		set[k] = true
	}
	for _, m := range s.byPkg {
		for macro := range m {
			rest, ok := strings.CutPrefix(macro, "materialization_")
			if i := strings.LastIndexByte(rest, '_'); ok && i > 0 {
				set[rest[:i]] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// MaterializationShadowed lists installed packages whose {% materialization
// name %} blocks are ignored because name is built in (for a warning).
func (e *Env) MaterializationShadowed(name string) []string {
	if !builtinMaterializations[name] {
		return nil
	}
	s := e.snapshot()
	var out []string
	for p, m := range s.byPkg {
		if p == "dbt" || p == e.cfg.RootPackage {
			continue
		}
		for _, a := range []string{e.cfg.AdapterType, "default"} {
			if m["materialization_"+name+"_"+a] != nil {
				out = append(out, p)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// ResultResponse is the adapter response a statement stored under a name
// in Context.Results (what load_result(name).response holds).
func ResultResponse(v any) (adapters.Response, bool) {
	d, ok := v.(*Dict)
	if !ok {
		return adapters.Response{}, false
	}
	r, _ := d.Get("response")
	resp, ok := r.(*responseObj)
	if !ok || resp == nil {
		return adapters.Response{}, false
	}
	return resp.R, true
}

// Resolves reports whether name ("macro" or "package.macro") names a macro
// as seen from package pkg (dbt's lookup order).
func (e *Env) Resolves(pkg, name string) bool {
	s := e.snapshot()
	if p, n, ok := strings.Cut(name, "."); ok {
		return s.byPkg[p][n] != nil
	}
	return s.lookupFor(pkg)[name] != nil
}
