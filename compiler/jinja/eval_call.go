package jinja

// Calls: argument evaluation, callables, caller() and macro invocation
// (including dbt's return(), which ends a macro with a native value).

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nikolalohinski/gonja/v2/nodes"

	"github.com/kiln-dev/kiln/internal/diag"
)

func (r *renderer) evalArgs(n *nodes.Call) (*callArgs, error) {
	a := &callArgs{}
	if len(n.Args) > 0 {
		a.pos = make([]any, len(n.Args))
		for i, e := range n.Args {
			v, err := r.eval(e)
			if err != nil {
				return nil, err
			}
			a.pos[i] = v
		}
	}
	if len(n.Kwargs) > 0 {
		a.kw = make(map[string]any, len(n.Kwargs))
		for _, k := range kwargOrder(n.Kwargs) {
			e := n.Kwargs[k]
			v, err := r.eval(e)
			if err != nil {
				return nil, err
			}
			a.kw[k] = v
		}
		if err := expandSplats(a); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// expandSplats applies f(*args, **kwargs), which the lexer turns into the
// keyword arguments splatArgs=args and splatKwargs=kwargs.
func expandSplats(a *callArgs) error {
	if v, ok := a.kw[splatArgs]; ok {
		delete(a.kw, splatArgs)
		items, err := iterate(v)
		if err != nil {
			return errorf("argument after * must be an iterable, not %s", typeName(v))
		}
		a.pos = append(a.pos, items...)
	}
	if v, ok := a.kw[splatKwargs]; ok {
		delete(a.kw, splatKwargs)
		m, isMap := asMapping(v)
		if !isMap {
			if _, u := v.(*Undefined); u {
				return nil
			}
			return errorf("argument after ** must be a mapping, not %s", typeName(v))
		}
		keys, _ := iterate(m)
		for _, k := range keys {
			val, _ := mapGet(m, k)
			a.kw[keyStr(k)] = val
		}
	}
	return nil
}

func (r *renderer) evalCall(n *nodes.Call, caller any) (any, error) {
	var fn any
	if ga, ok := n.Func.(*nodes.GetAttribute); ok && ga.Attribute != "" {
		obj, err := r.eval(ga.Node)
		if err != nil {
			return nil, err
		}
		switch o := obj.(type) {
		case *Undefined:
			if _, err := r.undefinedUse(o); err != nil {
				return nil, r.errAt(startTok(n), err)
			}
			return o, nil
		case attrGetter:
			v, ok := o.getAttr(ga.Attribute)
			if !ok {
				if !r.execute() {
					// parse time is permissive: unknown adapter methods and the like
					return &Undefined{Name: ga.Attribute}, nil
				}
				return nil, r.errAt(ga.Location, errorf("'%s' object has no attribute '%s'", typeName(obj), ga.Attribute))
			}
			fn = v
		default:
			if hasMethod(obj, ga.Attribute) {
				a, err := r.evalArgs(n)
				if err != nil {
					return nil, err
				}
				v, err := callMethod(r, obj, ga.Attribute, a)
				if err != nil {
					return nil, r.errAt(startTok(n), err)
				}
				return v, nil
			}
			v, err := r.getAttr(obj, ga.Attribute)
			if err != nil {
				return nil, r.errAt(startTok(n), err)
			}
			if u, isU := v.(*Undefined); isU {
				if !r.execute() {
					return u, nil
				}
				return nil, r.errAt(ga.Location, errorf("'%s' object has no attribute '%s'", typeName(obj), ga.Attribute))
			}
			fn = v
		}
	} else {
		var err error
		if fn, err = r.eval(n.Func); err != nil {
			return nil, err
		}
	}
	a, err := r.evalArgs(n)
	if err != nil {
		return nil, err
	}
	a.caller = caller
	v, err := r.callValue(fn, a)
	if err != nil {
		tok := startTok(n)
		if je, ok := err.(*Error); ok {
			if m, isMacro := fn.(*macroVal); isMacro && tok != nil {
				je.Trace = append(je.Trace, fmt.Sprintf("in macro %s.%s, called from %s:%d:%d", m.def.pkg, m.def.name, r.path, tok.Line, tok.Col))
				je.From = diag.Pos{File: r.path, Line: tok.Line, Col: tok.Col}
			}
			return nil, je
		}
		return nil, r.errAt(tok, err)
	}
	return v, nil
}

// callable is implemented by objects that can be called with (...) directly.
type callable interface {
	call(r *renderer, a *callArgs) (any, error)
}

func (r *renderer) callValue(fn any, a *callArgs) (any, error) {
	switch f := fn.(type) {
	case *Func:
		return f.Fn(r, a)
	case *macroVal:
		return r.callMacro(f.def, a)
	case *Undefined:
		if !r.execute() {
			return f, nil
		}
		if f.Hint == "" {
			msg := fmt.Sprintf("'%s' is undefined: no macro or function named '%s' exists", f.Name, f.Name)
			if pkg := r.packageDefining(f.Name); pkg != "" {
				msg = fmt.Sprintf("'%s' is undefined here: it is a macro of package '%s', which a bare name does not reach (as in dbt); call it as %s.%s()", f.Name, pkg, pkg, f.Name)
			} else if s := r.suggest(f.Name); s != "" {
				msg += fmt.Sprintf(" (did you mean '%s'?)", s)
			}
			return nil, &userError{msg: msg}
		}
		return nil, errorf("%s", f.message())
	case callable:
		return f.call(r, a)
	case nil:
		return nil, errorf("'NoneType' object is not callable")
	}
	return nil, errorf("'%s' object is not callable", typeName(fn))
}

// callerVal is the body of a {% call %} block, exposed as caller().
type callerVal struct {
	node *callNode
	r    *renderer
	sc   *scope
}

func (c *callerVal) call(_ *renderer, a *callArgs) (any, error) {
	sc := &scope{parent: c.sc}
	for i, p := range c.node.params {
		if i < len(a.pos) {
			sc.set(p.name, a.pos[i])
		} else if v, ok := a.kw[p.name]; ok {
			sc.set(p.name, v)
		} else if p.def != nil {
			v, err := c.r.eval(p.def)
			if err != nil {
				return nil, err
			}
			sc.set(p.name, v)
		} else {
			sc.set(p.name, &Undefined{Name: p.name})
		}
	}
	sub := c.r.sub(sc)
	if err := sub.execWrapper(c.node.body); err != nil {
		return nil, err
	}
	return sub.out.String(), nil
}

// macroVal is a macro as a template value.
type macroVal struct{ def *macroDef }

func (m *macroVal) String() string { return "<Macro '" + m.def.name + "'>" }

func (m *macroVal) getAttr(name string) (any, bool) {
	switch name {
	case "name":
		return m.def.name, true
	case "package_name":
		return m.def.pkg, true
	}
	return nil, false
}

func (r *renderer) callMacro(def *macroDef, a *callArgs) (any, error) {
	st := r.st
	if st.depth >= maxCallDepth {
		return nil, errorf("maximum macro call depth exceeded calling '%s' (infinite recursion?)", def.name)
	}
	st.depth++
	defer func() { st.depth-- }()
	node := def.ast()
	sc := &scope{parent: def.closure, vars: make(map[string]any, len(node.params)+2)}
	sub := &renderer{st: st, path: def.path, src: def.src, out: &strings.Builder{}, sc: sc, macroPkg: def.pkg}
	if len(a.pos) > len(node.params) && !node.usesVarargs {
		return nil, errorf("macro '%s' takes not more than %d argument(s), %d given", def.name, len(node.params), len(a.pos))
	}
	for i, p := range node.params {
		if i < len(a.pos) {
			if _, dup := a.kw[p.name]; dup {
				return nil, errorf("macro '%s' got multiple values for argument '%s'", def.name, p.name)
			}
			sc.vars[p.name] = a.pos[i]
			continue
		}
		if v, ok := a.kw[p.name]; ok {
			sc.vars[p.name] = v
			continue
		}
		if p.def != nil {
			v, err := sub.eval(p.def)
			if err != nil {
				return nil, sub.errAt(startTok(p.def), err)
			}
			sc.vars[p.name] = v
			continue
		}
		sc.vars[p.name] = &Undefined{Name: p.name, Hint: fmt.Sprintf("macro '%s' was called without a value for parameter '%s'", def.name, p.name)}
	}
	if node.usesVarargs {
		var extra []any
		if len(a.pos) > len(node.params) {
			extra = append(extra, a.pos[len(node.params):]...)
		}
		sc.vars["varargs"] = &List{Items: extra, tuple: true}
	}
	if len(a.kw) > 0 || node.usesKwargs {
		var kw *Dict
		if node.usesKwargs {
			kw = newDict(0)
		}
		for k, v := range a.kw {
			if node.hasParam(k) {
				continue
			}
			if kw == nil {
				return nil, errorf("macro '%s' takes no keyword argument '%s'", def.name, k)
			}
			kw.Set(k, v)
		}
		if kw != nil {
			sortDictKeys(kw)
			sc.vars["kwargs"] = kw
		}
	}
	if a.caller != nil {
		sc.vars["caller"] = a.caller
	}
	err := sub.execWrapper(node.body)
	if err != nil {
		if rs, ok := err.(*returnSignal); ok {
			return rs.val, nil
		}
		if ls, ok := err.(*loopSignal); ok {
			return nil, errorf("%s", ls.Error())
		}
		return nil, err
	}
	return sub.out.String(), nil
}

func (n *macroNode) hasParam(name string) bool {
	for _, p := range n.params {
		if p.name == name {
			return true
		}
	}
	return false
}

// sortDictKeys orders keyword arguments deterministically (Go maps are not).
func sortDictKeys(d *Dict) {
	if d.Len() < 2 {
		return
	}
	type kv struct {
		k, v any
	}
	pairs := make([]kv, d.Len())
	for i := range d.keys {
		pairs[i] = kv{d.keys[i], d.vals[i]}
	}
	for i := 1; i < len(pairs); i++ {
		for j := i; j > 0 && keyStr(pairs[j].k) < keyStr(pairs[j-1].k); j-- {
			pairs[j], pairs[j-1] = pairs[j-1], pairs[j]
		}
	}
	nd := newDict(len(pairs))
	for _, p := range pairs {
		nd.Set(p.k, p.v)
	}
	*d = *nd
}

// ---------------------------------------------------------------------------
// Operators

// kwargOrder lists keyword arguments in source order: Python evaluates them
// left to right, which shows in what their side effects record (the order
// of refs in a model's manifest entry).
func kwargOrder(kw map[string]nodes.Expression) []string {
	keys := make([]string, 0, len(kw))
	for k := range kw {
		keys = append(keys, k)
	}
	if len(keys) < 2 {
		return keys
	}
	pos := func(k string) int {
		if t := kw[k].Position(); t != nil {
			return t.Pos
		}
		return 0
	}
	slices.SortFunc(keys, func(a, b string) int {
		if d := pos(a) - pos(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return keys
}
