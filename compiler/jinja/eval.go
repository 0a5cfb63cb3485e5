package jinja

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/kiln-dev/kiln/internal/diag"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

const maxCallDepth = 200

const tokensAddition = tokens.Addition

// renderState is shared by everything one Render call executes (the node
// template and every macro it calls).
type renderState struct {
	env     *Env
	ctx     *Context
	snap    *snapshot
	lookup  map[string]*macroDef // macro names visible from ctx.Package
	results map[string]any       // statement results (load_result)
	depth   int
}

// scope is one level of local variables.
type scope struct {
	vars   map[string]any
	parent *scope
}

func (s *scope) set(name string, v any) {
	if s.vars == nil {
		s.vars = make(map[string]any, 4)
	}
	s.vars[name] = v
}

// renderer executes one template body (node template, macro, caller block).
type renderer struct {
	st       *renderState
	path     string
	src      string
	out      *strings.Builder
	sc       *scope
	macroPkg string // package of the running macro; "" in the node template
}

func (r *renderer) execute() bool { return r.st.ctx.Execute }

// errAt converts err to a positioned *Error unless it already is one (or is
// a control-flow signal).
func (r *renderer) errAt(tok *tokens.Token, err error) error {
	switch e := err.(type) {
	case *Error, *returnSignal, *loopSignal:
		return err
	case *userError:
		line, col := 0, 0
		if tok != nil {
			line, col = tok.Line, tok.Col
		}
		return newError(r.path, r.src, line, col, e.msg, nil)
	}
	var je *Error
	if errors.As(err, &je) {
		return err
	}
	line, col := 0, 0
	if tok != nil {
		line, col = tok.Line, tok.Col
	}
	return newError(r.path, r.src, line, col, err.Error(), err)
}

// userError is an error message without an underlying cause.
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

func errorf(format string, args ...any) error {
	return &userError{msg: fmt.Sprintf(format, args...)}
}

// startTok returns the leftmost token of an expression.
func startTok(n nodes.Node) *tokens.Token {
	for {
		switch x := n.(type) {
		case *nodes.GetAttribute:
			n = x.Node
		case *nodes.GetItem:
			n = x.Node
		case *nodes.GetSlice:
			n = x.Node
		case *nodes.Call:
			n = x.Func
		case *nodes.BinaryExpression:
			n = x.Left
		case *nodes.FilteredExpression:
			n = x.Expression
		case *nodes.TestExpression:
			n = x.Expression
		case *condExpr:
			n = x.expr
		case nil:
			return nil
		default:
			return n.Position()
		}
	}
}

// ---------------------------------------------------------------------------
// Statements

func (r *renderer) execNodes(list []nodes.Node) error {
	for _, n := range list {
		if err := r.execNode(n); err != nil {
			return err
		}
	}
	return nil
}

func (r *renderer) execWrapper(w *nodes.Wrapper) error {
	if w == nil {
		return nil
	}
	return r.execNodes(w.Nodes)
}

func (r *renderer) execNode(n nodes.Node) error {
	switch x := n.(type) {
	case *nodes.Data:
		r.out.WriteString(x.Data.Val)
		return nil
	case *nodes.Output:
		v, err := r.evalOutput(x)
		if err != nil {
			return r.errAt(startTok(x.Expression), err)
		}
		writeValue(r.out, v)
		return nil
	case *nodes.Comment, nil:
		return nil
	case *nodes.ControlStructureBlock:
		return r.execStatement(x.ControlStructure)
	}
	return errorf("unsupported template node %T", n)
}

func writeValue(b *strings.Builder, v any) {
	switch x := v.(type) {
	case string:
		b.WriteString(x)
	case *Relation:
		b.WriteString(x.render())
	case *Undefined:
	default:
		b.WriteString(toStr(v))
	}
}

func (r *renderer) evalOutput(x *nodes.Output) (any, error) {
	if x.Condition != nil {
		c, err := r.eval(x.Condition)
		if err != nil {
			return nil, err
		}
		if !truthy(c) {
			if x.Alternative == nil {
				return &Undefined{Name: "<inline if>"}, nil
			}
			return r.eval(x.Alternative)
		}
	}
	return r.eval(x.Expression)
}

func (r *renderer) execStatement(cs nodes.ControlStructure) error {
	switch s := cs.(type) {
	case *ifNode:
		for i, c := range s.conds {
			v, err := r.eval(c)
			if err != nil {
				return r.errAt(startTok(c), err)
			}
			if truthy(v) {
				return r.execWrapper(s.bodies[i])
			}
		}
		return r.execWrapper(s.elseBody)
	case *forNode:
		return r.execFor(s)
	case *setNode:
		return r.execSet(s)
	case *doNode:
		if _, err := r.eval(s.expr); err != nil {
			return r.errAt(startTok(s.expr), err)
		}
		return nil
	case *macroNode:
		// a macro defined inside a node template or macro body
		def := &macroDef{pkg: r.macroPkg, name: s.name, node: s, path: r.path, src: r.src, closure: r.sc}
		r.sc.set(s.name, &macroVal{def: def})
		return nil
	case *callNode:
		caller := &callerVal{node: s, r: r, sc: r.sc}
		v, err := r.evalCall(s.call, caller)
		if err != nil {
			return r.errAt(startTok(s.call), err)
		}
		writeValue(r.out, v)
		return nil
	case *filterNode:
		sub := r.sub(&scope{parent: r.sc})
		if err := sub.execWrapper(s.body); err != nil {
			return err
		}
		var v any = sub.out.String()
		for _, f := range s.filters {
			var err error
			if v, err = r.applyFilter(f, v); err != nil {
				return r.errAt(f.Token, err)
			}
		}
		writeValue(r.out, v)
		return nil
	case *withNode:
		sc := &scope{parent: r.sc}
		for i, name := range s.names {
			v, err := r.eval(s.exprs[i])
			if err != nil {
				return r.errAt(startTok(s.exprs[i]), err)
			}
			sc.set(name, v)
		}
		saved := r.sc
		r.sc = sc
		err := r.execWrapper(s.body)
		r.sc = saved
		return err
	case *loopCtlNode:
		return &loopSignal{brk: s.brk}
	}
	return errorf("unsupported statement %T", cs)
}

// sub returns a renderer writing to a fresh buffer in the given scope.
func (r *renderer) sub(sc *scope) *renderer {
	return &renderer{st: r.st, path: r.path, src: r.src, out: &strings.Builder{}, sc: sc, macroPkg: r.macroPkg}
}

func (r *renderer) execSet(s *setNode) error {
	var v any
	if s.body != nil {
		sub := r.sub(r.sc)
		if err := sub.execWrapper(s.body); err != nil {
			return err
		}
		v = sub.out.String()
		for _, f := range s.filters {
			var err error
			if v, err = r.applyFilter(f, v); err != nil {
				return r.errAt(f.Token, err)
			}
		}
	} else {
		var err error
		v, err = r.eval(s.expr)
		if err != nil {
			return r.errAt(startTok(s.expr), err)
		}
	}
	switch {
	case s.attr != nil:
		base, err := r.eval(s.attr.Node)
		if err != nil {
			return r.errAt(s.loc, err)
		}
		switch b := base.(type) {
		case *Namespace:
			b.attrs.Set(s.attr.Attribute, v)
		case *Dict:
			b.Set(s.attr.Attribute, v)
		default:
			return r.errAt(s.loc, errorf("cannot assign attribute on non-namespace object"))
		}
		return nil
	case s.item != nil:
		base, err := r.eval(s.item.Node)
		if err != nil {
			return r.errAt(s.loc, err)
		}
		key, err := r.eval(s.item.Arg)
		if err != nil {
			return r.errAt(s.loc, err)
		}
		if err := setItem(base, key, v); err != nil {
			return r.errAt(s.loc, err)
		}
		return nil
	}
	if len(s.targets) == 1 {
		r.sc.set(s.targets[0], v)
		return nil
	}
	items, ok := seqItems(v)
	if !ok || len(items) != len(s.targets) {
		return r.errAt(s.loc, errorf("cannot unpack %s into %d variables", typeName(v), len(s.targets)))
	}
	for i, t := range s.targets {
		r.sc.set(t, items[i])
	}
	return nil
}

func setItem(base, key, v any) error {
	switch b := base.(type) {
	case *Dict:
		b.Set(key, v)
	case map[string]any:
		b[keyStr(key)] = v
	case *List:
		i, ok := key.(int)
		if !ok {
			return errorf("list indices must be integers")
		}
		if i < 0 {
			i += len(b.Items)
		}
		if i < 0 || i >= len(b.Items) {
			return errorf("list assignment index out of range")
		}
		b.Items[i] = v
	case *Namespace:
		b.attrs.Set(key, v)
	default:
		return errorf("'%s' object does not support item assignment", typeName(base))
	}
	return nil
}

// loopObj is the "loop" variable of a for loop.
type loopObj struct {
	index0 int
	length int
	items  []any
	depth  int
	r      *renderer
	node   *forNode
}

func (l *loopObj) getAttr(name string) (any, bool) {
	switch name {
	case "index":
		return l.index0 + 1, true
	case "index0":
		return l.index0, true
	case "revindex":
		return l.length - l.index0, true
	case "revindex0":
		return l.length - l.index0 - 1, true
	case "first":
		return l.index0 == 0, true
	case "last":
		return l.index0 == l.length-1, true
	case "length":
		return l.length, true
	case "depth":
		return l.depth + 1, true
	case "depth0":
		return l.depth, true
	case "previtem":
		if l.index0 > 0 {
			return l.items[l.index0-1], true
		}
		return &Undefined{Name: "previtem"}, true
	case "nextitem":
		if l.index0+1 < len(l.items) {
			return l.items[l.index0+1], true
		}
		return &Undefined{Name: "nextitem"}, true
	case "cycle":
		return &Func{Name: "cycle", Fn: func(_ *renderer, a *callArgs) (any, error) {
			if len(a.pos) == 0 {
				return nil, errorf("no items for cycling given")
			}
			return a.pos[l.index0%len(a.pos)], nil
		}}, true
	case "changed":
		return &Func{Name: "changed", Fn: func(_ *renderer, a *callArgs) (any, error) {
			return l.index0 == 0, nil
		}}, true
	}
	return nil, false
}

// loop(children) in a recursive for loop.
func (l *loopObj) call(r *renderer, a *callArgs) (any, error) {
	if !l.node.recursive {
		return nil, errorf("the loop is not recursive: add 'recursive' to the for tag")
	}
	if len(a.pos) != 1 {
		return nil, errorf("loop() takes exactly one argument")
	}
	sub := l.r.sub(l.r.sc)
	if err := sub.runFor(l.node, a.pos[0], l.depth+1); err != nil {
		return nil, err
	}
	return sub.out.String(), nil
}

func (r *renderer) execFor(s *forNode) error {
	seq, err := r.eval(s.iter)
	if err != nil {
		return r.errAt(startTok(s.iter), err)
	}
	return r.runFor(s, seq, 0)
}

func (r *renderer) runFor(s *forNode, seq any, depth int) error {
	items, err := iterate(seq)
	if err != nil {
		return r.errAt(startTok(s.iter), err)
	}
	loop := &loopObj{depth: depth, r: r, node: s}
	sc := &scope{parent: r.sc, vars: make(map[string]any, len(s.targets)+1)}
	saved := r.sc
	r.sc = sc
	defer func() { r.sc = saved }()
	if s.cond != nil {
		var kept []any
		for _, it := range items {
			if err := bindTargets(sc, s.targets, it); err != nil {
				return r.errAt(s.loc, err)
			}
			c, err := r.eval(s.cond)
			if err != nil {
				return r.errAt(startTok(s.cond), err)
			}
			if truthy(c) {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	loop.items = items
	loop.length = len(items)
	sc.vars["loop"] = loop
	for i, it := range items {
		loop.index0 = i
		if err := bindTargets(sc, s.targets, it); err != nil {
			return r.errAt(s.loc, err)
		}
		if err := r.execWrapper(s.body); err != nil {
			if ls, ok := err.(*loopSignal); ok {
				if ls.brk {
					break
				}
				continue
			}
			return err
		}
	}
	if len(items) == 0 && s.elseBody != nil {
		r.sc = saved
		return r.execWrapper(s.elseBody)
	}
	return nil
}

func bindTargets(sc *scope, targets []string, it any) error {
	if len(targets) == 1 {
		sc.vars[targets[0]] = it
		return nil
	}
	items, ok := seqItems(it)
	if !ok {
		return errorf("cannot unpack non-sequence %s", typeName(it))
	}
	if len(items) != len(targets) {
		return errorf("cannot unpack %d values into %d loop variables", len(items), len(targets))
	}
	for i, t := range targets {
		sc.vars[t] = items[i]
	}
	return nil
}

// ---------------------------------------------------------------------------
// Expressions

func (r *renderer) eval(n nodes.Expression) (any, error) {
	switch x := n.(type) {
	case *nodes.String:
		return x.Val, nil
	case *nodes.Name:
		return r.lookup(x.Name.Val), nil
	case *nodes.Call:
		return r.evalCall(x, nil)
	case *nodes.Integer:
		return x.Val, nil
	case *nodes.Float:
		return x.Val, nil
	case *nodes.Bool:
		return x.Val, nil
	case *nodes.None:
		return nil, nil
	case *nodes.GetAttribute:
		obj, err := r.eval(x.Node)
		if err != nil {
			return nil, err
		}
		if x.Attribute == "" {
			return r.getItem(obj, x.Index)
		}
		return r.getAttr(obj, x.Attribute)
	case *nodes.GetItem:
		obj, err := r.eval(x.Node)
		if err != nil {
			return nil, err
		}
		if x.Arg == nil {
			return nil, errorf("missing subscript")
		}
		key, err := r.eval(x.Arg)
		if err != nil {
			return nil, err
		}
		return r.getItem(obj, key)
	case *nodes.GetSlice:
		return r.evalSlice(x)
	case *nodes.List:
		items := make([]any, len(x.Val))
		for i, e := range x.Val {
			v, err := r.eval(e)
			if err != nil {
				return nil, err
			}
			items[i] = v
		}
		return &List{Items: items}, nil
	case *nodes.Tuple:
		items := make([]any, len(x.Val))
		for i, e := range x.Val {
			v, err := r.eval(e)
			if err != nil {
				return nil, err
			}
			items[i] = v
		}
		return &List{Items: items}, nil
	case *nodes.Dict:
		d := newDict(len(x.Pairs))
		for _, p := range x.Pairs {
			k, err := r.eval(p.Key)
			if err != nil {
				return nil, err
			}
			v, err := r.eval(p.Value)
			if err != nil {
				return nil, err
			}
			d.Set(k, v)
		}
		return d, nil
	case *nodes.BinaryExpression:
		return r.evalBinary(x)
	case *nodes.Negation:
		v, err := r.eval(x.Term)
		if err != nil {
			return nil, err
		}
		return !truthy(v), nil
	case *nodes.UnaryExpression:
		v, err := r.eval(x.Term)
		if err != nil {
			return nil, err
		}
		if !x.Negative {
			return v, nil
		}
		switch t := v.(type) {
		case int:
			return -t, nil
		case float64:
			return -t, nil
		case *Undefined:
			return r.undefinedUse(t)
		}
		return nil, errorf("bad operand type for unary -: '%s'", typeName(v))
	case *nodes.FilteredExpression:
		v, err := r.eval(x.Expression)
		if err != nil {
			return nil, err
		}
		for _, f := range x.Filters {
			if v, err = r.applyFilter(f, v); err != nil {
				return nil, r.errAt(f.Token, err)
			}
		}
		return v, nil
	case *nodes.TestExpression:
		return r.evalTest(x)
	case *condExpr:
		c, err := r.eval(x.cond)
		if err != nil {
			return nil, err
		}
		if truthy(c) {
			return r.eval(x.expr)
		}
		if x.alt == nil {
			return &Undefined{Name: "<inline if>"}, nil
		}
		return r.eval(x.alt)
	case *nodes.Error:
		return nil, x.Error
	case *nodes.Pair:
		return nil, errorf("unexpected pair")
	}
	return nil, errorf("unsupported expression %T", n)
}

// lookup resolves a name: locals, the running package's own macros (for
// macros of installed packages), the node's macro namespace, the context
// globals, then the builtins.
func (r *renderer) lookup(name string) any {
	for s := r.sc; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v
		}
	}
	st := r.st
	if v, ok := st.ctx.Overrides[name]; ok {
		return r.override(name, v)
	}
	if r.macroPkg != "" && r.macroPkg != "dbt" && r.macroPkg != st.ctx.Package && r.macroPkg != st.env.cfg.RootPackage {
		if m := st.snap.byPkg[r.macroPkg][name]; m != nil {
			return m.value()
		}
	}
	if m := st.lookup[name]; m != nil {
		return m.value()
	}
	if g := st.ctx.Globals; g != nil {
		if v, ok := g[name]; ok {
			return wrapGo(v)
		}
	}
	if v, ok := builtins[name]; ok {
		if d, ok := v.(dynamic); ok {
			return d(r)
		}
		return v
	}
	if ns := st.snap.namespace(name); ns != nil {
		return ns
	}
	return &Undefined{Name: name}
}

// undefinedUse is what using an Undefined (attribute, call, arithmetic)
// does: another Undefined at parse time, an error at execute time.
func (r *renderer) undefinedUse(u *Undefined) (any, error) {
	if !r.execute() {
		return u, nil
	}
	return nil, errorf("%s", u.message())
}

func (r *renderer) getAttr(obj any, name string) (any, error) {
	switch o := obj.(type) {
	case attrGetter:
		if v, ok := o.getAttr(name); ok {
			return v, nil
		}
		return &Undefined{Name: name, Hint: fmt.Sprintf("'%s' object has no attribute '%s'", typeName(obj), name)}, nil
	case *Dict:
		if v, ok := o.Get(name); ok {
			return v, nil
		}
	case map[string]any:
		if v, ok := o[name]; ok {
			return wrapGo(v), nil
		}
	case *Undefined:
		return r.undefinedUse(o)
	case *Namespace:
		if v, ok := o.attrs.Get(name); ok {
			return v, nil
		}
	case nil:
		return &Undefined{Name: name, Hint: fmt.Sprintf("'None' has no attribute '%s'", name)}, nil
	default:
		if m, ok := asMapping(obj); ok {
			return r.getAttr(m, name)
		}
	}
	if hasMethod(obj, name) {
		return &boundMethod{obj: obj, name: name}, nil
	}
	return &Undefined{Name: name, Hint: fmt.Sprintf("'%s' object has no attribute '%s'", typeName(obj), name)}, nil
}

func (r *renderer) getItem(obj any, key any) (any, error) {
	switch o := obj.(type) {
	case *List:
		return indexSeq(o.Items, key, obj)
	case []any:
		return indexSeq(o, key, obj)
	case *Dict:
		if v, ok := o.Get(key); ok {
			return v, nil
		}
		if s, ok := key.(string); ok {
			return &Undefined{Name: s, Hint: fmt.Sprintf("dict object has no key '%s'", s)}, nil
		}
		return &Undefined{Name: toStr(key)}, nil
	case map[string]any:
		if s, ok := key.(string); ok {
			if v, ok := o[s]; ok {
				return wrapGo(v), nil
			}
			return &Undefined{Name: s, Hint: fmt.Sprintf("dict object has no key '%s'", s)}, nil
		}
		return &Undefined{Name: toStr(key)}, nil
	case string:
		i, ok := key.(int)
		if !ok {
			return nil, errorf("string indices must be integers")
		}
		rs := []rune(o)
		if i < 0 {
			i += len(rs)
		}
		if i < 0 || i >= len(rs) {
			return &Undefined{Name: "index"}, nil
		}
		return string(rs[i]), nil
	case itemGetter:
		if v, ok := o.getItem(key); ok {
			return v, nil
		}
		return &Undefined{Name: toStr(key)}, nil
	case *Undefined:
		return r.undefinedUse(o)
	case nil:
		return &Undefined{Name: toStr(key), Hint: "'None' has no item " + repr(key)}, nil
	}
	if s, ok := key.(string); ok {
		if ag, ok := obj.(attrGetter); ok {
			if v, ok := ag.getAttr(s); ok {
				return v, nil
			}
		}
	}
	if items, ok := seqItems(obj); ok {
		return indexSeq(items, key, obj)
	}
	if m, ok := asMapping(obj); ok {
		return r.getItem(m, key)
	}
	return nil, errorf("'%s' object is not subscriptable", typeName(obj))
}

func indexSeq(items []any, key any, obj any) (any, error) {
	i, ok := key.(int)
	if !ok {
		if b, isBool := key.(bool); isBool {
			i = 0
			if b {
				i = 1
			}
		} else {
			return &Undefined{Name: toStr(key), Hint: fmt.Sprintf("list indices must be integers, not %s", typeName(key))}, nil
		}
	}
	if i < 0 {
		i += len(items)
	}
	if i < 0 || i >= len(items) {
		return &Undefined{Name: "index", Hint: "list index out of range"}, nil
	}
	return items[i], nil
}

func (r *renderer) evalSlice(x *nodes.GetSlice) (any, error) {
	obj, err := r.eval(x.Node)
	if err != nil {
		return nil, err
	}
	bound := func(n nodes.Node) (int, bool, error) {
		if n == nil {
			return 0, false, nil
		}
		v, err := r.eval(n)
		if err != nil {
			return 0, false, err
		}
		if v == nil {
			return 0, false, nil
		}
		i, ok := v.(int)
		if !ok {
			return 0, false, errorf("slice indices must be integers")
		}
		return i, true, nil
	}
	start, hasStart, err := bound(x.Start)
	if err != nil {
		return nil, err
	}
	end, hasEnd, err := bound(x.End)
	if err != nil {
		return nil, err
	}
	step, hasStep, err := bound(x.Step)
	if err != nil {
		return nil, err
	}
	if !hasStep {
		step = 1
	}
	if step == 0 {
		return nil, errorf("slice step cannot be zero")
	}
	var items []any
	isStr := false
	switch o := obj.(type) {
	case string:
		isStr = true
		for _, c := range o {
			items = append(items, string(c))
		}
	case *Undefined:
		return r.undefinedUse(o)
	default:
		var ok bool
		if items, ok = seqItems(obj); !ok {
			return nil, errorf("'%s' object is not subscriptable", typeName(obj))
		}
	}
	idx := sliceIndices(len(items), start, end, step, hasStart, hasEnd)
	out := make([]any, 0, len(idx))
	for _, i := range idx {
		out = append(out, items[i])
	}
	if isStr {
		var b strings.Builder
		for _, c := range out {
			b.WriteString(c.(string))
		}
		return b.String(), nil
	}
	return &List{Items: out}, nil
}

func sliceIndices(n, start, end, step int, hasStart, hasEnd bool) []int {
	adj := func(i int, def int, has bool, lo, hi int) int {
		if !has {
			return def
		}
		if i < 0 {
			i += n
		}
		if i < lo {
			i = lo
		}
		if i > hi {
			i = hi
		}
		return i
	}
	var out []int
	if step > 0 {
		s := adj(start, 0, hasStart, 0, n)
		e := adj(end, n, hasEnd, 0, n)
		for i := s; i < e; i += step {
			out = append(out, i)
		}
	} else {
		s := adj(start, n-1, hasStart, -1, n-1)
		e := adj(end, -1, hasEnd, -1, n-1)
		for i := s; i > e; i += step {
			out = append(out, i)
		}
	}
	return out
}

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
		for k, e := range n.Kwargs {
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
			if _, isMacro := fn.(*macroVal); isMacro && tok != nil {
				je.Trace = append(je.Trace, fmt.Sprintf("called from %s:%d:%d", r.path, tok.Line, tok.Col))
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
			if s := r.suggest(f.Name); s != "" {
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
	node := def.node
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
		sc.vars["varargs"] = &List{Items: extra}
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

func (r *renderer) evalBinary(x *nodes.BinaryExpression) (any, error) {
	l, err := r.eval(x.Left)
	if err != nil {
		return nil, err
	}
	op := x.Operator.Token.Type
	switch op {
	case tokens.And:
		if !truthy(l) {
			return l, nil
		}
		return r.eval(x.Right)
	case tokens.Or:
		if truthy(l) {
			return l, nil
		}
		return r.eval(x.Right)
	}
	rv, err := r.eval(x.Right)
	if err != nil {
		return nil, err
	}
	return r.binaryOp(op, x.Operator.Token.Val, l, rv)
}

func (r *renderer) binaryOp(op tokens.Type, sym string, l, rv any) (any, error) {
	switch op {
	case tokens.Tilde:
		return toStr(l) + toStr(rv), nil
	case tokens.Equals:
		return equal(l, rv), nil
	case tokens.Ne:
		return !equal(l, rv), nil
	case tokens.LowerThan, tokens.LowerThanOrEqual, tokens.GreaterThan, tokens.GreaterThanOrEqual:
		if ul, ok := l.(*Undefined); ok {
			if _, err := r.undefinedUse(ul); err != nil {
				return nil, err
			}
			return false, nil
		}
		if ur, ok := rv.(*Undefined); ok {
			if _, err := r.undefinedUse(ur); err != nil {
				return nil, err
			}
			return false, nil
		}
		c, err := compare(l, rv)
		if err != nil {
			return nil, err
		}
		switch op {
		case tokens.LowerThan:
			return c < 0, nil
		case tokens.LowerThanOrEqual:
			return c <= 0, nil
		case tokens.GreaterThan:
			return c > 0, nil
		}
		return c >= 0, nil
	}
	if u, ok := l.(*Undefined); ok {
		return r.undefinedUse(u)
	}
	if u, ok := rv.(*Undefined); ok {
		return r.undefinedUse(u)
	}
	return arith(op, sym, l, rv)
}

func arith(op tokens.Type, sym string, l, rv any) (any, error) {
	li, lInt := l.(int)
	ri, rInt := rv.(int)
	if lb, ok := l.(bool); ok {
		li, lInt = boolInt(lb), true
	}
	if rb, ok := rv.(bool); ok {
		ri, rInt = boolInt(rb), true
	}
	lf, lNum := toFloat(l)
	rf, rNum := toFloat(rv)
	switch op {
	case tokens.Addition:
		switch {
		case lInt && rInt:
			return li + ri, nil
		case lNum && rNum:
			return lf + rf, nil
		}
		if ls, ok := l.(string); ok {
			if rs, ok := rv.(string); ok {
				return ls + rs, nil
			}
		}
		if lItems, ok := seqItems(l); ok {
			if rItems, ok := seqItems(rv); ok {
				out := make([]any, 0, len(lItems)+len(rItems))
				out = append(append(out, lItems...), rItems...)
				return &List{Items: out}, nil
			}
		}
		if ld, ok := l.(*DateTime); ok {
			if td, ok := rv.(*TimeDelta); ok {
				return ld.add(td.D), nil
			}
		}
		if ld, ok := l.(*TimeDelta); ok {
			if rd, ok := rv.(*TimeDelta); ok {
				return &TimeDelta{D: ld.D + rd.D}, nil
			}
			if dt, ok := rv.(*DateTime); ok {
				return dt.add(ld.D), nil
			}
		}
	case tokens.Subtraction:
		switch {
		case lInt && rInt:
			return li - ri, nil
		case lNum && rNum:
			return lf - rf, nil
		}
		if ld, ok := l.(*DateTime); ok {
			switch y := rv.(type) {
			case *TimeDelta:
				return ld.add(-y.D), nil
			case *DateTime:
				return &TimeDelta{D: ld.T.Sub(y.T)}, nil
			}
		}
		if ld, ok := l.(*TimeDelta); ok {
			if rd, ok := rv.(*TimeDelta); ok {
				return &TimeDelta{D: ld.D - rd.D}, nil
			}
		}
	case tokens.Multiply:
		switch {
		case lInt && rInt:
			return li * ri, nil
		case lNum && rNum:
			return lf * rf, nil
		}
		if s, ok := l.(string); ok && rInt {
			if ri < 0 {
				ri = 0
			}
			return strings.Repeat(s, ri), nil
		}
		if items, ok := seqItems(l); ok && rInt {
			var out []any
			for i := 0; i < ri; i++ {
				out = append(out, items...)
			}
			return &List{Items: out}, nil
		}
		if td, ok := l.(*TimeDelta); ok && rNum {
			return &TimeDelta{D: scaleDuration(td.D, rf)}, nil
		}
	case tokens.Division:
		if lNum && rNum {
			if rf == 0 {
				return nil, errorf("division by zero")
			}
			return lf / rf, nil
		}
	case tokens.FloorDivision:
		if lInt && rInt {
			if ri == 0 {
				return nil, errorf("integer division or modulo by zero")
			}
			return floorDiv(li, ri), nil
		}
		if lNum && rNum {
			if rf == 0 {
				return nil, errorf("float floor division by zero")
			}
			return math.Floor(lf / rf), nil
		}
	case tokens.Modulo:
		if lInt && rInt {
			if ri == 0 {
				return nil, errorf("integer division or modulo by zero")
			}
			m := li % ri
			if m != 0 && (m < 0) != (ri < 0) {
				m += ri
			}
			return m, nil
		}
		if lNum && rNum {
			if rf == 0 {
				return nil, errorf("float modulo")
			}
			m := math.Mod(lf, rf)
			if m != 0 && (m < 0) != (rf < 0) {
				m += rf
			}
			return m, nil
		}
		if s, ok := l.(string); ok {
			return percentFormat(s, rv)
		}
	case tokens.Power:
		if lInt && rInt && ri >= 0 {
			res := 1
			for i := 0; i < ri; i++ {
				res *= li
			}
			return res, nil
		}
		if lNum && rNum {
			return math.Pow(lf, rf), nil
		}
	}
	return nil, errorf("unsupported operand type(s) for %s: '%s' and '%s'", sym, typeName(l), typeName(rv))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// percentFormat implements "fmt" % args for %s, %d, %i, %f, %r and %%.
func percentFormat(format string, arg any) (any, error) {
	var args []any
	if items, ok := seqItems(arg); ok {
		args = items
	} else {
		args = []any{arg}
	}
	var b strings.Builder
	ai := 0
	next := func() (any, error) {
		if ai >= len(args) {
			return nil, errorf("not enough arguments for format string")
		}
		ai++
		return args[ai-1], nil
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("0123456789.-+ #", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			b.WriteString(format[i:])
			break
		}
		spec := format[i+1 : j]
		verb := format[j]
		i = j
		switch verb {
		case '%':
			b.WriteByte('%')
		case 's':
			v, err := next()
			if err != nil {
				return nil, err
			}
			b.WriteString(fmt.Sprintf("%"+spec+"s", toStr(v)))
		case 'r':
			v, err := next()
			if err != nil {
				return nil, err
			}
			b.WriteString(repr(v))
		case 'd', 'i':
			v, err := next()
			if err != nil {
				return nil, err
			}
			n, ok := toInt(v)
			if !ok {
				return nil, errorf("%%d format: a number is required, not %s", typeName(v))
			}
			b.WriteString(fmt.Sprintf("%"+spec+"d", n))
		case 'f', 'e', 'g':
			v, err := next()
			if err != nil {
				return nil, err
			}
			f, ok := toFloat(v)
			if !ok {
				return nil, errorf("must be real number, not %s", typeName(v))
			}
			if spec == "" && verb == 'f' {
				spec = ".6"
			}
			b.WriteString(fmt.Sprintf("%"+spec+string(verb), f))
		default:
			return nil, errorf("unsupported format character '%c'", verb)
		}
	}
	return b.String(), nil
}

// suggest proposes a visible macro or builtin close to name.
func (r *renderer) suggest(name string) string {
	cands := make([]string, 0, len(r.st.lookup)+len(builtins))
	for k := range r.st.lookup {
		cands = append(cands, k)
	}
	for k := range builtins {
		cands = append(cands, k)
	}
	return diag.Suggest(name, cands)
}
