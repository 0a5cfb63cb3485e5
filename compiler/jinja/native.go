package jinja

import (
	"strings"

	"github.com/nikolalohinski/gonja/v2/nodes"
)

// dbt renders YAML values with Jinja's native environment: a template that
// is one expression yields that expression's value; as_bool, as_number and
// as_native mark a string to be read as a Python literal at the end (and
// fail when it is not the promised type); as_text keeps a string a string.
// In ordinary (text) rendering the four filters return their input.

type markKind int

const (
	markText markKind = iota
	markBool
	markNumber
	markNative
)

// nativeMarker is the marked string (dbt's TextMarker/BoolMarker/...: a
// str subclass, so it compares and prints as its text).
type nativeMarker struct {
	s    string
	kind markKind
}

func (m *nativeMarker) String() string { return m.s }
func (m *nativeMarker) pyType() string { return "str" }
func (m *nativeMarker) truth() bool    { return m.s != "" }
func (m *nativeMarker) eq(b any) (bool, bool) {
	if o, ok := b.(*nativeMarker); ok {
		return m.s == o.s, true
	}
	s, ok := b.(string)
	return ok && s == m.s, true
}

func (r *renderer) native() bool { return r.st.native }

func (r *renderer) nativeMark(v any, kind markKind) any {
	if !r.native() {
		return v
	}
	if _, u := v.(*Undefined); u {
		return v
	}
	return &nativeMarker{s: toStr(v), kind: kind}
}

// finish is the end of dbt's native rendering for a marked value.
func (m *nativeMarker) finish() (any, error) {
	if m.kind == markText {
		return m.s, nil
	}
	v, ok := pyLiteral(m.s)
	if !ok {
		v = m.s
	}
	switch m.kind {
	case markBool:
		if _, isBool := v.(bool); !isBool {
			return nil, errorf("Could not convert value '%s' into type 'bool'", m.s)
		}
	case markNumber:
		switch v.(type) {
		case int, float64:
		default:
			if !isBig(v) {
				return nil, errorf("Could not convert value '%s' into type 'number'", m.s)
			}
		}
	}
	return v, nil
}

// pyLiteral is Python's ast.literal_eval for the literals YAML values use:
// numbers, strings, True/False/None, lists, tuples, dicts.
func pyLiteral(s string) (any, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, false
	}
	root, err := parseSource("<literal>", "{{ "+t+" }}")
	if err != nil || len(root.Nodes) != 1 {
		return nil, false
	}
	o, ok := root.Nodes[0].(*nodes.Output)
	if !ok || o.Condition != nil {
		return nil, false
	}
	return literalValue(o.Expression)
}

func literalValue(n nodes.Expression) (any, bool) {
	switch x := n.(type) {
	case *nodes.String:
		return x.Val, true
	case *nodes.Integer:
		return x.Val, true
	case *bigIntLit:
		return x.val, true
	case *nodes.Float:
		return x.Val, true
	case *nodes.Bool:
		// Python spells them True and False
		if tok := x.Position(); tok != nil && (tok.Val == "true" || tok.Val == "false") {
			return nil, false
		}
		return x.Val, true
	case *nodes.None:
		if tok := x.Position(); tok != nil && tok.Val == "none" {
			return nil, false
		}
		return nil, true
	case *nodes.UnaryExpression:
		v, ok := literalValue(x.Term)
		if !ok || !x.Negative {
			return v, ok
		}
		switch y := v.(type) {
		case int:
			return -y, true
		case float64:
			return -y, true
		}
		if b, isB := toBig(v); isB {
			return normBig(b.Neg(b)), true
		}
		return nil, false
	case *nodes.List, *nodes.Tuple:
		var exprs []nodes.Expression
		tuple := false
		if l, ok := x.(*nodes.List); ok {
			exprs = l.Val
		} else {
			exprs, tuple = x.(*nodes.Tuple).Val, true
		}
		items := make([]any, len(exprs))
		for i, e := range exprs {
			v, ok := literalValue(e)
			if !ok {
				return nil, false
			}
			items[i] = v
		}
		return &List{Items: items, tuple: tuple}, true
	case *nodes.Dict:
		d := newDict(len(x.Pairs))
		for _, p := range x.Pairs {
			k, ok := literalValue(p.Key)
			if !ok {
				return nil, false
			}
			v, ok := literalValue(p.Value)
			if !ok {
				return nil, false
			}
			d.Set(k, v)
		}
		return d, true
	}
	return nil, false
}

// constantExpr reports whether an expression uses no names and no calls:
// Jinja folds such an output at compile time, and in the native
// environment a folded output arrives as text.
func constantExpr(n nodes.Node) bool {
	constant := true
	walkExpr(n, func(x nodes.Node) {
		switch x.(type) {
		case *nodes.Name, *nodes.Call:
			constant = false
		}
	})
	return constant
}
