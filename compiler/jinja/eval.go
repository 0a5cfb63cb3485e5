package jinja

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

const maxCallDepth = 200

const (
	tokensAddition = tokens.Addition
	tokensModulo   = tokens.Modulo
)

// renderState is shared by everything one Render call executes (the node
// template and every macro it calls).
type renderState struct {
	env     *Env
	ctx     *Context
	snap    *snapshot
	lookup  map[string]*macroDef // macro names visible from ctx.Package
	results map[string]any       // statement results (load_result)
	inMacro map[string]int       // adapter methods running their macro (see viaMacro)
	depth   int
	native  bool // dbt's native rendering (RenderNative): as_* filters mark values
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

// wrap is wrapGo with the environment's quoting (the adapter's dialect).
func (r *renderer) wrap(v any) any { return wrapGoQ(v, r.st.env.cfg.Quote) }

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
		writeValue(r.out, r.wrap(v))
		return nil
	case *nodes.Comment, nil:
		return nil
	case *nodes.ControlStructureBlock:
		return r.execStatement(x.ControlStructure)
	}
	return errorf("this template construct (%s) is not supported", nodeKind(n))
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
	return errorf("this statement (%s) is not supported", nodeKind(cs))
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
	lastChanged any // loop.changed()'s last value
	changedSeen bool
	index0      int
	length      int
	items       []any
	depth       int
	r           *renderer
	node        *forNode
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
			val := newTuple(a.pos...)
			if l.changedSeen && equal(l.lastChanged, val) {
				return false, nil
			}
			l.changedSeen, l.lastChanged = true, val
			return true, nil
		}}, true
	}
	return nil, false
}

func (l *loopObj) String() string {
	return fmt.Sprintf("<LoopContext %d/%d>", l.index0+1, l.length)
}

func (l *loopObj) pyType() string { return "LoopContext" }

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
	for i, it := range items {
		loop.index0 = i
		// each iteration has its own scope: a {% set %} in one iteration
		// is not seen by the next (Jinja2 semantics)
		iter := &scope{parent: saved, vars: make(map[string]any, len(s.targets)+2)}
		iter.vars["loop"] = loop
		r.sc = iter
		if err := bindTargets(iter, s.targets, it); err != nil {
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
	case *bigIntLit:
		return x.val, nil
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
		return r.evalList(x.Val)
	case *nodes.Tuple:
		v, err := r.evalList(x.Val)
		if l, ok := v.(*List); ok {
			l.tuple = true
		}
		return v, err
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
			if t == math.MinInt {
				return new(big.Int).Neg(big.NewInt(int64(t))), nil
			}
			return -t, nil
		case *big.Int:
			return normBig(new(big.Int).Neg(t)), nil
		case *TimeDelta:
			return &TimeDelta{D: -t.D}, nil
		case bool:
			return -boolInt(t), nil
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
	return nil, errorf("this expression (%s) is not supported", nodeKind(n))
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
		if m.pkg == "dbt" {
			if f := st.snap.native(name); f != nil {
				return f
			}
		}
		return m.value()
	}
	if g := st.ctx.Globals; g != nil {
		if v, ok := g[name]; ok {
			if l, ok := v.(Lazy); ok {
				v = l()
			}
			return r.wrap(v)
		}
	}
	if v, ok := builtins[name]; ok {
		if d, ok := v.(dynamic); ok {
			return d(r)
		}
		return v
	}
	if ns := st.snap.namespace(name); ns != nil {
		if len(st.ctx.Overrides) > 0 {
			return &overriddenNS{pkgNamespace: ns.(*pkgNamespace), r: r}
		}
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
	case *Column:
		if name == "quoted" {
			return r.st.env.quote(o.C.Name), nil
		}
		if v, ok := o.getAttr(name); ok {
			return v, nil
		}
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
			return r.wrap(v), nil
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
		v, err := indexSeq(o, key, obj)
		return r.wrap(v), err
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
				return r.wrap(v), nil
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
	return &List{Items: out, tuple: isTuple(obj)}, nil
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

func (r *renderer) evalList(exprs []nodes.Expression) (any, error) {
	items := make([]any, len(exprs))
	for i, e := range exprs {
		v, err := r.eval(e)
		if err != nil {
			return nil, err
		}
		items[i] = v
	}
	return &List{Items: items}, nil
}

// nodeKind names a syntax node for a message, without Go's type syntax.
func nodeKind(n any) string {
	if s, ok := n.(fmt.Stringer); ok {
		if str := s.String(); str != "" && !strings.ContainsAny(str, "*{&") {
			return str
		}
	}
	return strings.ToLower(goTypeToPy(n))
}
