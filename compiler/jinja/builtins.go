package jinja

import (
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strings"
)

// dynamic values are computed per render (execute, context).
type dynamic func(r *renderer) any

// builtins are the names every template sees after macros and globals.
var builtins map[string]any

func fn(name string, f func(r *renderer, a *callArgs) (any, error)) *Func {
	return &Func{Name: name, Fn: f}
}

var (
	refFunc    = fn("ref", builtinRef)
	sourceFunc = fn("source", builtinSource)
	cfgObj     = &configObj{}
)

func init() {
	builtins = map[string]any{
		"none":       nil,
		"ref":        refFunc,
		"source":     sourceFunc,
		"config":     cfgObj,
		"var":        fn("var", builtinVar),
		"env_var":    fn("env_var", builtinEnvVar),
		"doc":        fn("doc", builtinDoc),
		"log":        fn("log", builtinLog),
		"print":      fn("print", builtinPrint),
		"return":     fn("return", builtinReturn),
		"exceptions": exceptionsObj,
		"fromjson":   fn("fromjson", builtinFromJSON),
		"tojson":     fn("tojson", builtinToJSON),
		"fromyaml":   fn("fromyaml", builtinFromYAML),
		"toyaml":     fn("toyaml", builtinToYAML),
		"local_md5":  fn("local_md5", builtinMD5),
		"zip":        fn("zip", builtinZip),
		"zip_strict": fn("zip_strict", func(r *renderer, a *callArgs) (any, error) {
			return builtinZip(r, &callArgs{pos: a.pos, kw: map[string]any{zipStrictKey: true}})
		}),
		"set":                  fn("set", builtinSet),
		"set_strict":           fn("set_strict", builtinSetStrict),
		"namespace":            fn("namespace", builtinNamespace),
		"range":                fn("range", builtinRange),
		"dict":                 fn("dict", builtinDict),
		"cycler":               fn("cycler", builtinCycler),
		"joiner":               fn("joiner", builtinJoiner),
		"modules":              modulesObj,
		"api":                  apiObj,
		"adapter":              adapterObject,
		"run_query":            fn("run_query", builtinRunQuery),
		"statement":            fn("statement", builtinStatement),
		"load_relation":        fn("load_relation", builtinLoadRelation),
		"load_cached_relation": fn("load_cached_relation", builtinLoadRelation),
		"load_result": fn("load_result", func(r *renderer, a *callArgs) (any, error) {
			name := toStr(a.argOr(0, "name", ""))
			if v, ok := r.st.results[name]; ok {
				return v, nil
			}
			return nil, nil
		}),
		"store_result":      fn("store_result", builtinStoreResult),
		"store_raw_result":  fn("store_raw_result", builtinStoreRawResult),
		"noop_statement":    fn("noop_statement", builtinNoopStatement),
		"render":            fn("render", builtinRender),
		"diff_of_two_dicts": fn("diff_of_two_dicts", builtinDiffDicts),
		"flags":             map[string]any{},
		"dbt_version":       "1.11.0",
		"execute":           dynamic(func(r *renderer) any { return r.execute() }),
		"context":           dynamic(func(r *renderer) any { return &contextObj{r: r} }),
		"builtins": &objAttrs{name: "builtins", attrs: map[string]any{
			"ref": refFunc, "source": sourceFunc, "config": cfgObj,
		}},
		"try_or_compiler_error": fn("try_or_compiler_error", func(r *renderer, a *callArgs) (any, error) {
			if len(a.pos) < 2 {
				return nil, errorf("try_or_compiler_error(message, func, *args)")
			}
			v, err := r.callValue(a.pos[1], &callArgs{pos: a.pos[2:], kw: a.kw})
			if err != nil {
				return nil, errorf("%s", toStr(a.pos[0]))
			}
			return v, nil
		}),
	}
}

// objAttrs is a simple object with a fixed attribute table.
type objAttrs struct {
	name  string
	attrs map[string]any
}

func (o *objAttrs) getAttr(name string) (any, bool) {
	v, ok := o.attrs[name]
	return v, ok
}

func (o *objAttrs) String() string { return "<" + o.name + ">" }

// contextObj exposes the full context as a mapping (dbt's "context").
type contextObj struct{ r *renderer }

func (c *contextObj) getAttr(name string) (any, bool) {
	v := c.r.lookup(name)
	if d, ok := v.(dynamic); ok {
		return d(c.r), true
	}
	_, undef := v.(*Undefined)
	return v, !undef
}

func (c *contextObj) getItem(key any) (any, bool) {
	s, ok := key.(string)
	if !ok {
		return nil, false
	}
	return c.getAttr(s)
}

func resolver(r *renderer, what string) (Resolver, error) {
	if r.st.ctx.Resolver == nil {
		return nil, errorf("%s() is not available in this context", what)
	}
	return r.st.ctx.Resolver, nil
}

func builtinRef(r *renderer, a *callArgs) (any, error) {
	res, err := resolver(r, "ref")
	if err != nil {
		return nil, err
	}
	if len(a.pos) < 1 || len(a.pos) > 2 {
		return nil, errorf("ref() takes 1 or 2 positional arguments (model name, or package and model name), %d given", len(a.pos))
	}
	args := make([]string, len(a.pos))
	for i, v := range a.pos {
		s, ok := v.(string)
		if !ok {
			if _, undef := v.(*Undefined); undef && !r.execute() {
				return &Undefined{Name: "ref"}, nil
			}
			return nil, errorf("ref() arguments must be strings, got %s", typeName(v))
		}
		args[i] = s
	}
	var version any
	for k, v := range a.kw {
		switch k {
		case "version", "v":
			version = ToGo(v)
		default:
			return nil, errorf("ref() got an unexpected keyword argument '%s'", k)
		}
	}
	v, err := res.Ref(args, version)
	if err != nil {
		return nil, err
	}
	return r.wrap(v), nil
}

func builtinSource(r *renderer, a *callArgs) (any, error) {
	res, err := resolver(r, "source")
	if err != nil {
		return nil, err
	}
	src, ok1 := a.arg(0, "source_name")
	tbl, ok2 := a.arg(1, "table_name")
	if !ok1 || !ok2 || len(a.pos) > 2 {
		return nil, errorf("source() takes exactly two arguments: source name and table name")
	}
	s1, ok1 := src.(string)
	s2, ok2 := tbl.(string)
	if !ok1 || !ok2 {
		if !r.execute() {
			return &Undefined{Name: "source"}, nil
		}
		return nil, errorf("source() arguments must be strings")
	}
	v, err := res.Source(s1, s2)
	if err != nil {
		return nil, err
	}
	return r.wrap(v), nil
}

// configObj is "config": callable, plus get/require/set/...
type configObj struct{}

func (c *configObj) String() string { return "" }

func (c *configObj) call(r *renderer, a *callArgs) (any, error) {
	var opts map[string]any
	switch {
	case len(a.pos) > 0 && len(a.kw) > 0:
		return nil, errorf("invalid inline config: config() takes either keyword arguments or a single dict, not both")
	case len(a.pos) > 1:
		return nil, errorf("invalid inline config: config() takes at most one positional argument (a dict)")
	case len(a.pos) == 1:
		m, ok := ToGo(a.pos[0]).(map[string]any)
		if !ok {
			return nil, errorf("invalid inline config: config() positional argument must be a dict, got %s", typeName(a.pos[0]))
		}
		opts = m
	default:
		opts = make(map[string]any, len(a.kw))
		for k, v := range a.kw {
			opts[k] = ToGo(v)
		}
	}
	res, err := resolver(r, "config")
	if err != nil {
		return nil, err
	}
	if err := res.Config(opts); err != nil {
		return nil, err
	}
	return "", nil
}

func (c *configObj) getAttr(name string) (any, bool) {
	switch name {
	case "get":
		return fn("config.get", configGet), true
	case "require":
		return fn("config.require", configRequire), true
	case "set":
		return fn("config.set", func(r *renderer, a *callArgs) (any, error) {
			k, ok1 := a.arg(0, "name")
			v, ok2 := a.arg(1, "value")
			if !ok1 || !ok2 {
				return nil, errorf("config.set(name, value)")
			}
			d := newDict(1)
			d.Set(k, v)
			return c.call(r, &callArgs{pos: []any{d}})
		}), true
	case "meta_get":
		return fn("config.meta_get", func(r *renderer, a *callArgs) (any, error) {
			def := a.argOr(1, "default", nil)
			if !r.execute() || r.st.ctx.Resolver == nil {
				return def, nil
			}
			meta, _ := r.st.ctx.Resolver.ConfigGet("meta")
			if v, ok := mapGet(wrapGo(meta), a.argOr(0, "name", "")); ok {
				return v, nil
			}
			return def, nil
		}), true
	case "meta_require":
		return fn("config.meta_require", func(r *renderer, a *callArgs) (any, error) {
			if !r.execute() || r.st.ctx.Resolver == nil {
				return "", nil
			}
			key := a.argOr(0, "name", "")
			meta, _ := r.st.ctx.Resolver.ConfigGet("meta")
			if v, ok := mapGet(wrapGo(meta), key); ok {
				return v, nil
			}
			return nil, errorf("required meta config '%s' was not found", toStr(key))
		}), true
	case "persist_relation_docs", "persist_column_docs":
		key := "relation"
		if name == "persist_column_docs" {
			key = "columns"
		}
		return fn("config."+name, func(r *renderer, a *callArgs) (any, error) {
			if !r.execute() || r.st.ctx.Resolver == nil {
				return false, nil
			}
			pd, _ := r.st.ctx.Resolver.ConfigGet("persist_docs")
			v, _ := mapGet(wrapGo(pd), key)
			return truthy(v), nil
		}), true
	}
	return nil, false
}

func configGet(r *renderer, a *callArgs) (any, error) {
	key, ok := a.arg(0, "name")
	if !ok {
		return nil, errorf("config.get() requires a config name")
	}
	def := a.argOr(1, "default", nil)
	if !r.execute() {
		// dbt's parse-time config object answers "" to everything
		return "", nil
	}
	if r.st.ctx.Resolver == nil {
		return def, nil
	}
	v, found := r.st.ctx.Resolver.ConfigGet(toStr(key))
	if !found || v == nil {
		return def, nil
	}
	return wrapGo(v), nil
}

func configRequire(r *renderer, a *callArgs) (any, error) {
	key, ok := a.arg(0, "name")
	if !ok {
		return nil, errorf("config.require() requires a config name")
	}
	if !r.execute() {
		return "", nil
	}
	if r.st.ctx.Resolver != nil {
		if v, found := r.st.ctx.Resolver.ConfigGet(toStr(key)); found && v != nil {
			return wrapGo(v), nil
		}
	}
	return nil, errorf("required config '%s' was not found", toStr(key))
}

func builtinVar(r *renderer, a *callArgs) (any, error) {
	name, ok := a.arg(0, "name")
	if !ok {
		return nil, errorf("var() requires a variable name")
	}
	res, err := resolver(r, "var")
	if err != nil {
		return nil, err
	}
	if v, found := res.Var(toStr(name)); found {
		if s, ok := v.(string); ok && hasJinja(s) {
			return renderVar(r, toStr(name), s)
		}
		return fromGo(v), nil // a copy the template may change, as in dbt
	}
	if def, ok := a.arg(1, "default"); ok {
		return def, nil
	}
	return nil, errorf("Required var '%s' not found in config", toStr(name))
}

// renderVar renders a string var as dbt does when var() is called: with
// the caller's context (its this, model, target, refs), every time.
func renderVar(r *renderer, name, src string) (any, error) {
	if r.st.depth > maxVarDepth {
		return nil, errorf("var '%s' refers to itself through var() (it renders to a var() call of itself)", name)
	}
	t, err := r.st.env.cachedParse("var "+name, src)
	if err != nil {
		return nil, errorf("var '%s': %v", name, err)
	}
	var b strings.Builder
	r.st.depth++
	defer func() { r.st.depth-- }()
	sub := &renderer{st: r.st, path: t.path, src: t.src, out: &b, sc: &scope{}}
	if err := sub.execNodes(t.nodes); err != nil {
		return nil, errorf("var '%s': %v", name, finalizeErr(err))
	}
	return b.String(), nil
}

const maxVarDepth = 50

func builtinEnvVar(r *renderer, a *callArgs) (any, error) {
	name, ok := a.arg(0, "var")
	if !ok {
		return nil, errorf("env_var() requires a variable name")
	}
	res, err := resolver(r, "env_var")
	if err != nil {
		return nil, err
	}
	if err := checkSecretEnvVar(res, toStr(name)); err != nil {
		return nil, err
	}
	if v, found := res.EnvVar(toStr(name)); found {
		return v, nil
	}
	if def, ok := a.arg(1, "default"); ok {
		return def, nil
	}
	return nil, errorf("Env var required but not provided: '%s'", toStr(name))
}

func builtinDoc(r *renderer, a *callArgs) (any, error) {
	res, err := resolver(r, "doc")
	if err != nil {
		return nil, err
	}
	if len(a.pos) < 1 || len(a.pos) > 2 {
		return nil, errorf("doc() takes 1 or 2 arguments (name, or package and name)")
	}
	args := make([]string, len(a.pos))
	for i, v := range a.pos {
		args[i] = toStr(v)
	}
	s, err := res.Doc(args)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func builtinLog(r *renderer, a *callArgs) (any, error) {
	msg := a.argOr(0, "msg", "")
	info := truthy(a.argOr(1, "info", false))
	if res := r.st.ctx.Resolver; res != nil {
		res.Log(toStr(msg), info)
	}
	return "", nil
}

func builtinPrint(r *renderer, a *callArgs) (any, error) {
	parts := make([]string, len(a.pos))
	for i, v := range a.pos {
		parts[i] = toStr(v)
	}
	if res := r.st.ctx.Resolver; res != nil {
		if pr, ok := res.(interface{ Print(string) }); ok {
			pr.Print(strings.Join(parts, " "))
		} else {
			res.Log(strings.Join(parts, " "), true)
		}
	}
	return "", nil
}

func builtinReturn(r *renderer, a *callArgs) (any, error) {
	return nil, &returnSignal{val: a.argOr(0, "value", nil)}
}

var exceptionsObj = &objAttrs{name: "exceptions", attrs: map[string]any{
	"raise_compiler_error": fn("raise_compiler_error", func(r *renderer, a *callArgs) (any, error) {
		return nil, &userError{msg: toStr(a.argOr(0, "msg", "compilation error"))}
	}),
	"warn": fn("warn", func(r *renderer, a *callArgs) (any, error) {
		if res := r.st.ctx.Resolver; res != nil {
			res.Warn(toStr(a.argOr(0, "msg", "")))
		}
		return "", nil
	}),
	"raise_not_implemented": fn("raise_not_implemented", func(r *renderer, a *callArgs) (any, error) {
		return nil, errorf("not implemented: %s", toStr(a.argOr(0, "msg", "")))
	}),
	"raise_fail_fast_error": fn("raise_fail_fast_error", func(r *renderer, a *callArgs) (any, error) {
		return nil, errorf("fail fast: %s", toStr(a.argOr(0, "msg", "")))
	}),
	"raise_database_error": fn("raise_database_error", func(r *renderer, a *callArgs) (any, error) {
		return nil, errorf("database error: %s", toStr(a.argOr(0, "msg", "")))
	}),
	"raise_dependency_error": fn("raise_dependency_error", func(r *renderer, a *callArgs) (any, error) {
		return nil, errorf("dependency error: %s", toStr(a.argOr(0, "msg", "")))
	}),
	"relation_wrong_type": fn("relation_wrong_type", func(r *renderer, a *callArgs) (any, error) {
		return nil, errorf("trying to create %s %s, but it currently exists as a %s: either drop it manually or run with --full-refresh",
			toStr(a.argOr(1, "expected_type", "")), toStr(a.argOr(0, "relation", "")), relType(a.argOr(0, "relation", nil)))
	}),
	"missing_config": fn("missing_config", func(r *renderer, a *callArgs) (any, error) {
		return nil, errorf("model is missing required config '%s'", toStr(a.argOr(1, "name", "")))
	}),
	"raise_contract_error": fn("raise_contract_error", func(r *renderer, a *callArgs) (any, error) {
		return nil, errorf("this model has an enforced contract that failed: the columns of the model do not match the contract")
	}),
	"warn_snapshot_timestamp_data_types": fn("warn_snapshot_timestamp_data_types", func(r *renderer, a *callArgs) (any, error) {
		return "", nil
	}),
}}

func relType(v any) string {
	if rel, ok := v.(*Relation); ok {
		return string(rel.R.Type)
	}
	return "unknown"
}

func builtinMD5(r *renderer, a *callArgs) (any, error) {
	sum := md5.Sum([]byte(toStr(a.argOr(0, "value", ""))))
	return hex.EncodeToString(sum[:]), nil
}

func builtinZip(r *renderer, a *callArgs) (any, error) {
	var lists [][]any
	for _, v := range a.pos {
		items, err := iterate(v)
		if err != nil {
			if r.isStrictZip(a) {
				return nil, err
			}
			return nil, nil // dbt's zip() returns None where Python raises TypeError
		}
		lists = append(lists, items)
	}
	if len(lists) == 0 {
		return &List{}, nil
	}
	n := len(lists[0])
	for _, l := range lists {
		n = min(n, len(l))
	}
	out := make([]any, n)
	for i := range n {
		tuple := make([]any, len(lists))
		for j, l := range lists {
			tuple[j] = l[i]
		}
		out[i] = &List{Items: tuple, tuple: true}
	}
	return &List{Items: out}, nil
}

func uniqueItems(items []any) []any {
	out := make([]any, 0, len(items))
	seen := make(map[any]bool, len(items))
	for _, it := range items {
		if hashable(it) {
			k := normKey(it)
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, it)
			continue
		}
		dup := false
		for _, o := range out {
			if equal(o, it) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, it)
		}
	}
	return out
}

func builtinSet(r *renderer, a *callArgs) (any, error) {
	v, ok := a.arg(0, "value")
	if !ok {
		return nil, errorf("set() missing 1 required positional argument: 'value'")
	}
	s, err := setFrom(v)
	if err != nil {
		return nil, nil // dbt's set() returns None where Python's raises TypeError
	}
	return s, nil
}

func builtinSetStrict(r *renderer, a *callArgs) (any, error) {
	v, ok := a.arg(0, "value")
	if !ok {
		return nil, errorf("set_strict() missing 1 required positional argument: 'value'")
	}
	return setFrom(v)
}

func builtinNamespace(r *renderer, a *callArgs) (any, error) {
	ns := &Namespace{attrs: newDict(len(a.kw))}
	for _, p := range a.pos {
		if m, ok := asMapping(p); ok {
			keys, _ := iterate(m)
			for _, k := range keys {
				v, _ := mapGet(m, k)
				ns.attrs.Set(k, v)
			}
		}
	}
	keys := make([]string, 0, len(a.kw))
	for k := range a.kw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ns.attrs.Set(k, a.kw[k])
	}
	return ns, nil
}

func (n *Namespace) String() string { return "<Namespace " + repr(n.attrs) + ">" }

func builtinRange(r *renderer, a *callArgs) (any, error) {
	ints := make([]int, len(a.pos))
	for i, v := range a.pos {
		n, ok := v.(int)
		if !ok {
			return nil, errorf("range() arguments must be integers, got %s", typeName(v))
		}
		ints[i] = n
	}
	start, stop, step := 0, 0, 1
	switch len(ints) {
	case 1:
		stop = ints[0]
	case 2:
		start, stop = ints[0], ints[1]
	case 3:
		start, stop, step = ints[0], ints[1], ints[2]
	default:
		return nil, errorf("range() takes 1 to 3 arguments")
	}
	if step == 0 {
		return nil, errorf("range() step must not be zero")
	}
	var out []any
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, i)
		if len(out) > 1_000_000 {
			return nil, errorf("range() too large")
		}
	}
	return &List{Items: out}, nil
}

func builtinDict(r *renderer, a *callArgs) (any, error) {
	d := newDict(len(a.kw))
	if err := d.updateFrom(a, "dict() sequence elements must be pairs"); err != nil {
		return nil, err
	}
	return d, nil
}

// updateFrom applies Python's dict(...)/d.update(...) arguments: mappings
// and sequences of pairs, positionally, then keyword arguments (sorted, for
// a deterministic order).
func (d *Dict) updateFrom(a *callArgs, pairErr string) error {
	for _, p := range a.pos {
		if row, ok := p.(*Row); ok {
			// an agate Row is a mapping of column name to value
			for _, kv := range row.rowItems() {
				d.Set(kv.(*List).Items[0], kv.(*List).Items[1])
			}
			continue
		}
		if m, ok := asMapping(p); ok {
			keys, _ := iterate(m)
			for _, k := range keys {
				v, _ := mapGet(m, k)
				d.Set(k, v)
			}
			continue
		}
		items, err := iterate(p)
		if err != nil {
			return err
		}
		for _, it := range items {
			kv, ok := seqItems(it)
			if !ok || len(kv) != 2 {
				return errorf("%s", pairErr)
			}
			d.Set(kv[0], kv[1])
		}
	}
	keys := make([]string, 0, len(a.kw))
	for k := range a.kw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d.Set(k, a.kw[k])
	}
	return nil
}

type cyclerObj struct {
	items []any
	pos   int
}

func (c *cyclerObj) getAttr(name string) (any, bool) {
	switch name {
	case "current":
		if len(c.items) == 0 {
			return nil, true
		}
		return c.items[c.pos], true
	case "next":
		return fn("next", func(r *renderer, a *callArgs) (any, error) {
			if len(c.items) == 0 {
				return nil, nil
			}
			v := c.items[c.pos]
			c.pos = (c.pos + 1) % len(c.items)
			return v, nil
		}), true
	case "reset":
		return fn("reset", func(r *renderer, a *callArgs) (any, error) { c.pos = 0; return nil, nil }), true
	}
	return nil, false
}

func builtinCycler(r *renderer, a *callArgs) (any, error) {
	return &cyclerObj{items: append([]any(nil), a.pos...)}, nil
}

func builtinJoiner(r *renderer, a *callArgs) (any, error) {
	sep := toStr(a.argOr(0, "sep", ", "))
	used := false
	return fn("joiner", func(r *renderer, _ *callArgs) (any, error) {
		if !used {
			used = true
			return "", nil
		}
		return sep, nil
	}), nil
}

func builtinRender(r *renderer, a *callArgs) (any, error) {
	src := toStr(a.argOr(0, "string", ""))
	if !hasJinja(src) {
		return src, nil
	}
	t, err := r.st.env.cachedParse(r.path, src)
	if err != nil {
		return nil, err
	}
	sub := &renderer{st: r.st, path: t.path, src: t.src, out: &strings.Builder{}, sc: &scope{}}
	if err := sub.execNodes(t.nodes); err != nil {
		return nil, err
	}
	return sub.out.String(), nil
}

// builtinDiffDicts is dbt's diff_of_two_dicts: the keys and list values
// of dict_a that dict_b lacks, compared case-insensitively (casefold).
func builtinDiffDicts(r *renderer, a *callArgs) (any, error) {
	da, okA := asMapping(a.argOr(0, "dict_a", nil))
	db, okB := asMapping(a.argOr(1, "dict_b", nil))
	if !okA || !okB {
		return nil, errorf("diff_of_two_dicts needs two dicts of lists")
	}
	fold := func(v any) (string, error) {
		s, ok := v.(string)
		if !ok {
			return "", errorf("'%s' object has no attribute 'casefold'", typeName(v))
		}
		return strings.ReplaceAll(pyLower(s), "ß", "ss"), nil
	}
	lowered := map[string]map[string]bool{}
	bkeys, _ := iterate(db)
	for _, k := range bkeys {
		fk, err := fold(k)
		if err != nil {
			return nil, err
		}
		bv, _ := mapGet(db, k)
		items, err := iterate(bv)
		if err != nil {
			return nil, err
		}
		set := map[string]bool{}
		for _, x := range items {
			fx, err := fold(x)
			if err != nil {
				return nil, err
			}
			set[fx] = true
		}
		lowered[fk] = set
	}
	out := newDict(0)
	akeys, _ := iterate(da)
	for _, k := range akeys {
		av, _ := mapGet(da, k)
		fk, err := fold(k)
		if err != nil {
			return nil, err
		}
		inB, ok := lowered[fk]
		if !ok {
			out.Set(k, av)
			continue
		}
		items, err := iterate(av)
		if err != nil {
			return nil, err
		}
		var diff []any
		for _, x := range items {
			fx, err := fold(x)
			if err != nil {
				return nil, err
			}
			if !inB[fx] {
				diff = append(diff, x)
			}
		}
		if len(diff) > 0 {
			out.Set(k, &List{Items: diff})
		}
	}
	return out, nil
}

const zipStrictKey = "\x00strict"

func (r *renderer) isStrictZip(a *callArgs) bool { _, ok := a.kw[zipStrictKey]; return ok }
