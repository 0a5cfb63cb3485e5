// Package jinja is kiln's dbt-compatible Jinja engine. It uses gonja/v2's
// parser (with kiln's own lexer and statement parsers for dbt's blocks) and
// evaluates the resulting syntax tree with its own renderer, which
// implements dbt's semantics: return(), permissive undefined at parse time,
// package macro namespaces and adapter.dispatch, and the dbt context
// (ref, source, config, var, adapter, run_query, statement, ...).
//
// Nothing outside this package imports gonja.
package jinja

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Config describes the project the environment renders for.
type Config struct {
	AdapterType    string              // "duckdb", "postgres"; used by adapter.dispatch prefixes
	RootPackage    string              // root project name
	Packages       []string            // installed non-root package names, lookup order
	DispatchOrders map[string][]string // project `dispatch:` config: macro_namespace -> search_order
	// Quote quotes an identifier the warehouse's way (adapter.quote and
	// the internal macros); nil: double quotes (adapters.QuoteIdent).
	Quote func(string) string
}

// Quote quotes an identifier with the configured dialect (adapter.quote).
func (e *Env) Quote(id string) string { return e.quote(id) }

// quote quotes an identifier with the configured dialect.
func (e *Env) quote(id string) string {
	if e.cfg.Quote != nil {
		return e.cfg.Quote(id)
	}
	return adapters.QuoteIdent(id)
}

// Macro describes one registered macro.
type Macro struct {
	Package   string
	Name      string
	Path      string
	Line      int
	SQL       string   // the block text, "{% macro ... %}...{% endmacro %}"
	DependsOn []string // macro names it calls ("name" or "package.name"), best effort
	// Calls is the body's calls as dbt's static analysis reads them, for
	// the manifest's depends_on.macros (see StaticDeps).
	Calls []StaticCall
	// CallsConfig: the body calls config() (a generic test setting its
	// own fail_calc, say), which dbt captures by rendering it at parse time.
	CallsConfig bool
}

// Lazy is a global computed when a template first reads it (each read
// calls it; it caches itself if it is costly), so that objects few
// templates use, such as `graph`, cost nothing for the others.
type Lazy func() any

// Context is what one render sees.
type Context struct {
	Package  string         // package of the node being rendered: macro lookup order = this package → root → other packages → dbt
	Execute  bool           // false at parse time, true at run time
	Globals  map[string]any // this, model, target, graph, invocation_id, run_started_at, flags, project_name, ...
	Resolver Resolver       // callbacks for the dbt functions
	Conn     adapters.Conn  // nil at parse time; run_query/statement/adapter.* use it at execute time
	Ctx      context.Context
	// Builtin, when set, runs kiln's own materialization kind for the node
	// being built (dbt.materialization_<kind>_default() called from a
	// {% materialization %} block) and returns the adapter's response.
	Builtin func(ctx context.Context, kind string) (adapters.Response, error)
	// Results, when set, receives the statement results of the render
	// (load_result), so a caller can read e.g. a materialization's 'main'.
	Results map[string]any
	// Overrides replace names before macros and globals are looked up (unit
	// test `overrides.macros`): a macro name becomes a function returning
	// the value, any other name the value itself.
	Overrides map[string]any
}

// Resolver answers the dbt context functions.
type Resolver interface {
	Ref(args []string, version any) (any, error) // 1 or 2 positional args (package, name); return a *Relation (or adapters.Relation)
	Source(source, table string) (any, error)
	Config(kwargs map[string]any) error // {{ config(...) }}: parse-time capture (also called at runtime: ignore there)
	ConfigGet(key string) (any, bool)   // config.get / config.require (execute time; parse time returns "")
	Var(name string) (any, bool)
	EnvVar(name string) (string, bool)
	Doc(args []string) (string, error) // doc('name') / doc('pkg','name')
	Log(msg string, info bool)         // log(); print() goes to Log(msg, true)
	Warn(msg string)                   // exceptions.warn
}

// Env holds the macro namespaces of one project and parses templates.
type Env struct {
	cfg Config

	mu     sync.Mutex
	pkgs   map[string]map[string]*macroDef
	order  []*macroDef // registration order, for Macros()
	snap   atomic.Pointer[snapshot]
	render sync.Map // source → *Template, for render() and RenderString
}

// macroDef is one registered macro.
type macroDef struct {
	pkg, name string
	path, src string // file path and normalized source of the defining file
	node      *macroNode
	closure   *scope // for macros defined inside a template body
	meta      *Macro
	val       *macroVal
	lazy      *lazyFile // internal macros: node is parsed on first use (internal.go)
}

// ast is the macro's syntax tree, parsing its file first if it is an
// internal macro not called before.
func (d *macroDef) ast() *macroNode {
	if d.lazy != nil {
		d.lazy.parse()
	}
	return d.node
}

func (d *macroDef) value() *macroVal {
	if d.val == nil {
		return &macroVal{def: d}
	}
	return d.val
}

// snapshot is an immutable view of the registered macros plus lazily built
// per-package lookup tables.
type snapshot struct {
	env       *Env
	byPkg     map[string]map[string]*macroDef
	lookups   sync.Map // package → map[string]*macroDef
	dispatch  sync.Map // "ns\x00name\x00pkg" → *macroDef (or nil marker)
	overrides sync.Map // name → bool (see overridden)
	// materializations caches Env.Materialization: name → *MaterializationMacro
	materializations sync.Map
	nsObjects        map[string]*pkgNamespace
}

// New creates an environment with the internal dbt package loaded.
func New(cfg Config) *Env {
	e := &Env{cfg: cfg, pkgs: map[string]map[string]*macroDef{}}
	for _, d := range internalDefs() {
		e.register(d)
	}
	return e
}

func (e *Env) register(d *macroDef) {
	m := e.pkgs[d.pkg]
	if m == nil {
		m = map[string]*macroDef{}
		e.pkgs[d.pkg] = m
	}
	m[d.name] = d
	e.order = append(e.order, d)
}

// macroSQLSpan is the byte span of mn's macro_sql in the file's own source
// (mn's positions are in its normalized form): dbt keeps the file's line
// endings (and, like normalizing, leaves out the file's final newline).
func macroSQLSpan(src, norm string, mn *macroNode) (int, int) {
	end := mn.end
	if end > len(norm) || end < mn.start {
		end = len(norm)
	}
	return origOffset(src, mn.start), origOffset(src, end)
}

// parseMacroFile parses a macro file and returns its top-level macros.
func parseMacroFile(pkg, path, src string) ([]*macroDef, error) {
	norm := normalizeSource(src)
	root, err := parseSource(path, norm)
	if err != nil {
		return nil, syntaxError(path, norm, err)
	}
	var defs []*macroDef
	for _, n := range root.Nodes {
		b, ok := n.(*nodes.ControlStructureBlock)
		if !ok {
			continue
		}
		mn, ok := b.ControlStructure.(*macroNode)
		if !ok {
			continue
		}
		d := &macroDef{pkg: pkg, name: mn.name, path: path, src: norm, node: mn}
		d.val = &macroVal{def: d}
		start, end := macroSQLSpan(src, norm, mn)
		d.meta = &Macro{Package: pkg, Name: mn.name, Path: path, Line: mn.line, SQL: src[start:end],
			DependsOn: macroCalls(mn), Calls: staticCalls(mn), CallsConfig: callsConfig(mn)}
		defs = append(defs, d)
	}
	return defs, nil
}

// macroCalls lists the names a macro calls: "name" or "namespace.name".
func macroCalls(mn *macroNode) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	local := map[string]bool{}
	for _, p := range mn.params {
		local[p.name] = true
	}
	walkNodes(mn.body, func(n nodes.Node) {
		c, ok := n.(*nodes.Call)
		if !ok {
			return
		}
		switch f := c.Func.(type) {
		case *nodes.Name:
			name := f.Name.Val
			if _, builtin := builtins[name]; builtin || local[name] || name == "caller" || name == "loop" {
				return
			}
			add(name)
		case *nodes.GetAttribute:
			if base, ok := f.Node.(*nodes.Name); ok && f.Attribute != "" {
				switch base.Name.Val {
				case "adapter", "exceptions", "modules", "api", "config", "loop", "this", "model", "builtins", "target", "flags", "graph":
					if base.Name.Val == "adapter" && f.Attribute == "dispatch" && len(c.Args) > 0 {
						if s, ok := c.Args[0].(*nodes.String); ok {
							add(s.Val)
						}
					}
					return
				}
				if local[base.Name.Val] {
					return
				}
				add(base.Name.Val + "." + f.Attribute)
			}
		}
	})
	return out
}

// AddMacroFile parses a file from macro-paths or tests/generic and registers
// its top-level macros, tests (as test_<name>) and materializations (as
// materialization_<name>_<adapter|default>) in package pkg.
func (e *Env) AddMacroFile(pkg, path, src string) ([]Macro, error) {
	defs, err := parseMacroFile(pkg, path, src)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, d := range defs {
		if old, ok := e.pkgs[pkg][d.name]; ok && pkg != "dbt" {
			return nil, &Error{Path: path, Line: d.meta.Line, Msg: fmt.Sprintf("macro '%s' is defined twice in package '%s': also in %s:%d", d.name, pkg, old.path, old.meta.Line), SourceLine: lineOf(d.src, d.meta.Line)}
		}
	}
	out := make([]Macro, 0, len(defs))
	for _, d := range defs {
		e.register(d)
		out = append(out, *d.meta)
	}
	e.snap.Store(nil)
	return out, nil
}

// Macros returns every registered macro, internal ones (package "dbt") included.
func (e *Env) Macros() []Macro {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Macro, 0, len(e.order))
	for _, d := range e.order {
		out = append(out, *d.meta)
	}
	return out
}

// HasMacro reports whether package pkg defines name.
func (e *Env) HasMacro(pkg, name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.pkgs[pkg][name]
	return ok
}

func (e *Env) snapshot() *snapshot {
	if s := e.snap.Load(); s != nil {
		return s
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.snap.Load(); s != nil {
		return s
	}
	s := &snapshot{env: e, byPkg: make(map[string]map[string]*macroDef, len(e.pkgs)), nsObjects: map[string]*pkgNamespace{}}
	for pkg, m := range e.pkgs {
		cp := make(map[string]*macroDef, len(m))
		for k, v := range m {
			cp[k] = v
		}
		s.byPkg[pkg] = cp
	}
	names := append([]string{"dbt", e.cfg.RootPackage}, e.cfg.Packages...)
	for pkg := range e.pkgs {
		names = append(names, pkg)
	}
	for _, n := range names {
		if n != "" {
			s.nsObjects[n] = &pkgNamespace{snap: s, pkg: n}
		}
	}
	e.snap.Store(s)
	return s
}

// searchOrder is the unqualified macro lookup order from package pkg.
func (s *snapshot) searchOrder(pkg string) []string {
	cfg := s.env.cfg
	order := make([]string, 0, len(cfg.Packages)+3)
	add := func(p string) {
		if p != "" && !slices.Contains(order, p) {
			order = append(order, p)
		}
	}
	add(pkg)
	add(cfg.RootPackage)
	for _, p := range cfg.Packages {
		add(p)
	}
	// packages registered without being listed in Config.Packages
	var extra []string
	for p := range s.byPkg {
		if p != "dbt" && !slices.Contains(order, p) {
			extra = append(extra, p)
		}
	}
	sort.Strings(extra)
	order = append(order, extra...)
	add("dbt")
	return order
}

// lookupFor returns the merged macro table seen from package pkg.
func (s *snapshot) lookupFor(pkg string) map[string]*macroDef {
	if m, ok := s.lookups.Load(pkg); ok {
		return m.(map[string]*macroDef)
	}
	order := s.searchOrder(pkg)
	n := 0
	for _, p := range order {
		n += len(s.byPkg[p])
	}
	m := make(map[string]*macroDef, n)
	for i := len(order) - 1; i >= 0; i-- {
		for k, v := range s.byPkg[order[i]] {
			m[k] = v
		}
	}
	actual, _ := s.lookups.LoadOrStore(pkg, m)
	return actual.(map[string]*macroDef)
}

func (s *snapshot) namespace(name string) any {
	if ns, ok := s.nsObjects[name]; ok {
		return ns
	}
	return nil
}

// pkgNamespace is a package as a template value: dbt.current_timestamp().
type pkgNamespace struct {
	snap *snapshot
	pkg  string
}

func (p *pkgNamespace) getAttr(name string) (any, bool) {
	if d := p.snap.byPkg[p.pkg][name]; d != nil {
		if p.pkg == "dbt" {
			if f := p.snap.native(name); f != nil {
				return f, true
			}
		}
		return d.value(), true
	}
	return &Undefined{Name: p.pkg + "." + name, Hint: fmt.Sprintf("'%s' has no macro named '%s'", p.pkg, name)}, true
}

func (p *pkgNamespace) String() string { return "<package " + p.pkg + ">" }

// dispatchPackages is the package search order of adapter.dispatch.
func (s *snapshot) dispatchPackages(ns string) []string {
	cfg := s.env.cfg
	var order []string
	if o, ok := cfg.DispatchOrders[ns]; ok && len(o) > 0 {
		order = append(order, o...)
	} else {
		order = []string{cfg.RootPackage, ns}
	}
	if !slices.Contains(order, "dbt") {
		order = append(order, "dbt")
	}
	return order
}

// resolveDispatch finds the implementation adapter.dispatch(name, ns) picks.
func (s *snapshot) resolveDispatch(nodePkg, name, ns string) (*macroDef, []string) {
	key := ns + "\x00" + name + "\x00" + nodePkg
	if v, ok := s.dispatch.Load(key); ok {
		d, _ := v.(*macroDef)
		if d != nil {
			return d, nil
		}
	}
	prefixes := []string{s.env.cfg.AdapterType, "default"}
	if s.env.cfg.AdapterType == "" {
		prefixes = prefixes[1:]
	}
	var searched []string
	if ns == "" {
		lk := s.lookupFor(nodePkg)
		for _, pre := range prefixes {
			cand := pre + "__" + name
			searched = append(searched, cand)
			if d := lk[cand]; d != nil {
				s.dispatch.Store(key, d)
				return d, nil
			}
		}
		return nil, searched
	}
	for _, pkg := range s.dispatchPackages(ns) {
		m := s.byPkg[pkg]
		for _, pre := range prefixes {
			cand := pre + "__" + name
			searched = append(searched, pkg+"."+cand)
			if d := m[cand]; d != nil {
				s.dispatch.Store(key, d)
				return d, nil
			}
		}
	}
	return nil, searched
}

// ---------------------------------------------------------------------------
// Templates

// Template is a parsed node template (model, analysis, test, hook, ...).
// It is immutable; Render is safe for concurrent use.
type Template struct {
	env   *Env
	path  string
	src   string
	nodes []nodes.Node
}

// Parse parses a node's SQL (or any Jinja string).
func (e *Env) Parse(path, src string) (*Template, error) {
	if !hasRenderChars(src) {
		// dbt returns such text as it is, without Jinja's newline
		// normalization or trailing-newline trimming
		t := &Template{env: e, path: path, src: src}
		if src != "" {
			t.nodes = []nodes.Node{&nodes.Data{Data: dataToken(src)}}
		}
		return t, nil
	}
	norm := normalizeSource(src)
	t := &Template{env: e, path: path, src: norm}
	root, err := parseSource(path, norm)
	if err != nil {
		return nil, syntaxError(path, norm, err)
	}
	t.nodes = root.Nodes
	return t, nil
}

func dataToken(s string) *tokens.Token {
	return &tokens.Token{Type: tokens.Data, Val: s, Line: 1, Col: 1}
}

// hasRenderChars is dbt's test for a string it passes through Jinja at
// all: one of {{ {% {# }} %} #}.
func hasRenderChars(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		switch s[i : i+2] {
		case "{{", "{%", "{#", "}}", "%}", "#}":
			return true
		}
	}
	return false
}

// HasJinja reports whether s contains a Jinja tag, expression or comment.
func HasJinja(s string) bool { return hasJinja(s) }

func hasJinja(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '{' {
			switch s[i+1] {
			case '{', '%', '#':
				return true
			}
		}
	}
	return false
}

// Path is the template's file path.
func (t *Template) Path() string { return t.path }

func (e *Env) newState(ctx *Context) *renderState {
	if ctx == nil {
		ctx = &Context{}
	}
	s := e.snapshot()
	return &renderState{env: e, ctx: ctx, snap: s, lookup: s.lookupFor(ctx.Package), results: ctx.Results}
}

// Render executes the template with ctx.
func (t *Template) Render(ctx *Context) (string, error) {
	st := t.env.newState(ctx)
	var b strings.Builder
	b.Grow(len(t.src) + len(t.src)/4)
	r := &renderer{st: st, path: t.path, src: t.src, out: &b, sc: &scope{}}
	if err := r.execNodes(t.nodes); err != nil {
		return "", finalizeErr(err)
	}
	return b.String(), nil
}

// RenderNative renders the way dbt renders YAML values (its native Jinja
// environment): a template that is one expression yields the expression's
// value (converted with ToGo); a value marked with as_bool, as_number or
// as_native is read as a Python literal, and fails when it is not the
// promised type; as_text and everything else stay text. Several nodes
// render to a string.
func (t *Template) RenderNative(ctx *Context) (any, error) {
	if len(t.nodes) == 1 {
		if o, ok := t.nodes[0].(*nodes.Output); ok {
			st := t.env.newState(ctx)
			st.native = true
			r := &renderer{st: st, path: t.path, src: t.src, out: &strings.Builder{}, sc: &scope{}}
			v, err := r.evalOutput(o)
			if err != nil {
				return nil, finalizeErr(r.errAt(startTok(o.Expression), err))
			}
			if m, ok := v.(*nativeMarker); ok {
				out, err := m.finish()
				if err != nil {
					return nil, finalizeErr(r.errAt(startTok(o.Expression), err))
				}
				return ToGo(out), nil
			}
			if _, undef := v.(*Undefined); undef || constantExpr(o.Expression) {
				r.out.Reset()
				writeValue(r.out, v)
				return r.out.String(), nil
			}
			return ToGo(v), nil
		}
	}
	return t.Render(ctx)
}

func finalizeErr(err error) error {
	switch e := err.(type) {
	case *returnSignal:
		return &Error{Msg: "return() called outside of a macro"}
	case *loopSignal:
		return &Error{Msg: e.Error()}
	}
	return err
}

// RenderString parses (cached) and renders a one-off string: hooks,
// descriptions, profile values. Strings without Jinja are returned as is.
func (e *Env) RenderString(path, src string, ctx *Context) (string, error) {
	if !hasJinja(src) {
		return src, nil
	}
	t, err := e.cachedParse(path, src)
	if err != nil {
		return "", err
	}
	return t.Render(ctx)
}

// RenderNative is RenderString for YAML values: a single expression using
// as_bool/as_number/as_native yields the native value, anything else a string.
func (e *Env) RenderNative(path, src string, ctx *Context) (any, error) {
	if !hasJinja(src) {
		return src, nil
	}
	t, err := e.cachedParse(path, src)
	if err != nil {
		return nil, err
	}
	return t.RenderNative(ctx)
}

// RenderValue renders src like dbt's native rendering of generic test
// arguments: a template that is one expression ("{{ ref('x') }}") yields the
// expression's value itself (a relation stays a relation, so packages can
// inspect it); anything else renders to a string.
func (e *Env) RenderValue(path, src string, ctx *Context) (any, error) {
	if !hasJinja(src) {
		return src, nil
	}
	t, err := e.cachedParse(path, src)
	if err != nil {
		return nil, err
	}
	if len(t.nodes) == 1 {
		if o, ok := t.nodes[0].(*nodes.Output); ok {
			st := t.env.newState(ctx)
			r := &renderer{st: st, path: t.path, src: t.src, out: &strings.Builder{}, sc: &scope{}}
			v, err := r.evalOutput(o)
			if err != nil {
				return nil, finalizeErr(r.errAt(startTok(o.Expression), err))
			}
			if _, undef := v.(*Undefined); undef {
				return "", nil
			}
			return v, nil
		}
	}
	return t.Render(ctx)
}

func (e *Env) cachedParse(path, src string) (*Template, error) {
	key := path + "\x00" + src
	if t, ok := e.render.Load(key); ok {
		return t.(*Template), nil
	}
	t, err := e.Parse(path, src)
	if err != nil {
		return nil, err
	}
	e.render.Store(key, t)
	return t, nil
}

// CallMacro calls a macro resolved with dbt's lookup order from
// ctx.Package (or "pkg.name"), returning the return() value if the macro
// called return (converted with ToGo), else its rendered text.
func (e *Env) CallMacro(ctx *Context, name string, args []any, kwargs map[string]any) (any, error) {
	st := e.newState(ctx)
	var def *macroDef
	if pkg, n, ok := strings.Cut(name, "."); ok {
		def = st.snap.byPkg[pkg][n]
	} else {
		def = st.lookup[name]
	}
	if def == nil {
		return nil, &Error{Msg: fmt.Sprintf("macro '%s' not found", name)}
	}
	r := &renderer{st: st, path: def.path, src: def.src, out: &strings.Builder{}, sc: &scope{}}
	a := &callArgs{pos: make([]any, len(args)), kw: make(map[string]any, len(kwargs))}
	for i, v := range args {
		a.pos[i] = fromGoQ(v, e.cfg.Quote)
	}
	for k, v := range kwargs {
		a.kw[k] = fromGoQ(v, e.cfg.Quote)
	}
	v, err := r.callMacro(def, a)
	if err != nil {
		if _, ok := err.(*Error); !ok {
			err = &Error{Path: def.path, Line: def.meta.Line, Msg: err.Error(), Err: err}
		}
		return nil, finalizeErr(err)
	}
	return ToGo(v), nil
}
