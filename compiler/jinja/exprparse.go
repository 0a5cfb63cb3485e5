package jinja

import (
	"math/big"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Expressions are parsed here, not by gonja: gonja's expression grammar
// differs from Jinja's in ways real packages hit (an inline "a if b else c"
// inside parentheses or call arguments, "x not in y | map('lower') and ...",
// tests with non-literal arguments, backslashes in string literals). This is
// Jinja2's grammar, precedence from loosest to tightest:
//
//	condexpr   or_expr ["if" or_expr ["else" condexpr]]
//	or / and / not
//	compare    math1 (("=="|"!="|"<"|"<="|">"|">="|"in"|"not in") math1)*
//	math1      concat (("+"|"-") concat)*
//	concat     math2 ("~" math2)*
//	math2      pow (("*"|"/"|"//"|"%") pow)*
//	pow        unary ("**" unary)*
//	unary      ("-"|"+") unary | primary postfix* (filter | test | call)*
//
// It builds gonja's node types (plus condExpr), which eval.go evaluates.

// outputTag is the statement name the lexer gives "{{ ... }}" so that
// gonja hands the expression to parseOutput.
const outputTag = "__kiln_output__"

type exprParser struct{ p *parser.Parser }

// parseExpr parses a full expression, inline if included.
func parseExpr(a *parser.Parser) (nodes.Expression, error) {
	return (&exprParser{a}).condExpr()
}

// parseOrExpr parses an expression without a trailing inline if (the
// iterable of a for loop, where "if" starts the loop filter).
func parseOrExpr(a *parser.Parser) (nodes.Expression, error) {
	return (&exprParser{a}).or()
}

func (e *exprParser) cur() *tokens.Token { return e.p.Current() }

func (e *exprParser) isName(val string) bool {
	t := e.cur()
	return t != nil && t.Type == tokens.Name && t.Val == val
}

// unexpected reports the current token (or the end of the tag).
func (e *exprParser) unexpected(what string) error {
	t := e.cur()
	if t == nil || e.p.End() {
		return posErr(nil, "unexpected end of tag: expected %s", what)
	}
	return posErr(t, "unexpected %q: expected %s", t.Val, what)
}

func (e *exprParser) expect(typ tokens.Type, what string) (*tokens.Token, error) {
	if t := e.p.Match(typ); t != nil {
		return t, nil
	}
	return nil, e.unexpected(what)
}

func (e *exprParser) condExpr() (nodes.Expression, error) {
	x, err := e.or()
	if err != nil {
		return nil, err
	}
	for e.isName("if") {
		e.p.Consume()
		cond, err := e.or()
		if err != nil {
			return nil, err
		}
		ce := &condExpr{expr: x, cond: cond}
		if e.isName("else") {
			e.p.Consume()
			if ce.alt, err = e.condExpr(); err != nil {
				return nil, err
			}
		}
		x = ce
	}
	return x, nil
}

func binary(l nodes.Expression, op *tokens.Token, r nodes.Expression) nodes.Expression {
	return &nodes.BinaryExpression{Left: l, Right: r, Operator: &nodes.BinOperator{Token: op}}
}

func (e *exprParser) or() (nodes.Expression, error) { return e.leftAssoc(e.and, tokens.Or) }

func (e *exprParser) and() (nodes.Expression, error) { return e.leftAssoc(e.not, tokens.And) }

func (e *exprParser) not() (nodes.Expression, error) {
	if t := e.p.Match(tokens.Not); t != nil {
		x, err := e.not()
		if err != nil {
			return nil, err
		}
		return &nodes.Negation{Term: x, Operator: t}, nil
	}
	return e.compare()
}

var compareOps = map[tokens.Type]bool{
	tokens.Equals: true, tokens.Ne: true,
	tokens.LowerThan: true, tokens.LowerThanOrEqual: true,
	tokens.GreaterThan: true, tokens.GreaterThanOrEqual: true,
}

func inTestExpr(l nodes.Expression, tok *tokens.Token, r nodes.Expression) nodes.Expression {
	return &nodes.TestExpression{Expression: l, Test: &nodes.TestCall{Token: tok, Name: "in", Args: []nodes.Expression{r}}}
}

// compare parses comparisons; a chain "a < b < c" means "a < b and b < c".
func (e *exprParser) compare() (nodes.Expression, error) {
	left, err := e.math1()
	if err != nil {
		return nil, err
	}
	var out nodes.Expression
	for {
		t := e.cur()
		var cmp nodes.Expression
		var right nodes.Expression
		switch {
		case compareOps[t.Type]:
			e.p.Consume()
			if right, err = e.math1(); err != nil {
				return nil, err
			}
			cmp = binary(left, t, right)
		case t.Type == tokens.In:
			e.p.Consume()
			if right, err = e.math1(); err != nil {
				return nil, err
			}
			cmp = inTestExpr(left, t, right)
		case t.Type == tokens.Not && e.p.Peek() != nil && e.p.Peek().Type == tokens.In:
			e.p.Consume()
			in := e.p.Pop()
			if right, err = e.math1(); err != nil {
				return nil, err
			}
			cmp = &nodes.Negation{Term: inTestExpr(left, in, right), Operator: t}
		}
		if cmp == nil {
			break
		}
		if out == nil {
			out = cmp
		} else {
			out = binary(out, &tokens.Token{Type: tokens.And, Val: "and", Line: t.Line, Col: t.Col, Pos: t.Pos}, cmp)
		}
		left = right
	}
	if out == nil {
		return left, nil
	}
	return out, nil
}

func (e *exprParser) leftAssoc(next func() (nodes.Expression, error), ops ...tokens.Type) (nodes.Expression, error) {
	x, err := next()
	if err != nil {
		return nil, err
	}
	for {
		t := e.cur()
		match := false
		for _, op := range ops {
			if t.Type == op {
				match = true
				break
			}
		}
		if !match {
			return x, nil
		}
		e.p.Consume()
		y, err := next()
		if err != nil {
			return nil, err
		}
		x = binary(x, t, y)
	}
}

func (e *exprParser) math1() (nodes.Expression, error) {
	return e.leftAssoc(e.concat, tokens.Addition, tokens.Subtraction)
}

func (e *exprParser) concat() (nodes.Expression, error) {
	return e.leftAssoc(e.math2, tokens.Tilde)
}

func (e *exprParser) math2() (nodes.Expression, error) {
	return e.leftAssoc(e.pow, tokens.Multiply, tokens.Division, tokens.FloorDivision, tokens.Modulo)
}

func (e *exprParser) pow() (nodes.Expression, error) {
	return e.leftAssoc(func() (nodes.Expression, error) { return e.unary(true) }, tokens.Power)
}

func (e *exprParser) unary(withFilter bool) (nodes.Expression, error) {
	var x nodes.Expression
	var err error
	if t := e.p.Match(tokens.Subtraction, tokens.Addition); t != nil {
		term, err := e.unary(false)
		if err != nil {
			return nil, err
		}
		x = &nodes.UnaryExpression{Negative: t.Type == tokens.Subtraction, Term: term, Operator: t}
	} else if x, err = e.primary(); err != nil {
		return nil, err
	}
	if x, err = e.postfix(x); err != nil {
		return nil, err
	}
	if withFilter {
		return e.filterExpr(x)
	}
	return x, nil
}

func (e *exprParser) primary() (nodes.Expression, error) {
	t := e.cur()
	switch t.Type {
	case tokens.Name:
		e.p.Consume()
		switch t.Val {
		case "true", "True":
			return &nodes.Bool{Location: t, Val: true}, nil
		case "false", "False":
			return &nodes.Bool{Location: t, Val: false}, nil
		case "none", "None":
			return &nodes.None{Location: t}, nil
		}
		return &nodes.Name{Name: t}, nil
	case tokens.String:
		// adjacent literals concatenate: 'a' 'b' == 'ab'
		e.p.Consume()
		val := t.Val
		for e.cur().Type == tokens.String {
			val += e.p.Pop().Val
		}
		return &nodes.String{Location: t, Val: val}, nil
	case tokens.Integer:
		e.p.Consume()
		i, err := strconv.ParseInt(strings.ReplaceAll(t.Val, "_", ""), 0, 64)
		if err != nil {
			// Python ints have no size limit
			if b, ok := new(big.Int).SetString(strings.ReplaceAll(t.Val, "_", ""), 0); ok {
				return &bigIntLit{loc: t, val: b}, nil
			}
			return nil, posErr(t, "invalid integer literal %q", t.Val)
		}
		return &nodes.Integer{Location: t, Val: int(i)}, nil
	case tokens.Float:
		e.p.Consume()
		f, err := strconv.ParseFloat(strings.ReplaceAll(t.Val, "_", ""), 64)
		if err != nil {
			return nil, posErr(t, "invalid number literal %q", t.Val)
		}
		return &nodes.Float{Location: t, Val: f}, nil
	case tokens.LeftParenthesis:
		return e.parenthesized()
	case tokens.LeftBracket:
		return e.list()
	case tokens.LeftBrace:
		return e.dict()
	}
	return nil, e.unexpected("an expression")
}

// parenthesized parses "(expr)", "()" and tuples "(a,)", "(a, b)".
func (e *exprParser) parenthesized() (nodes.Expression, error) {
	open := e.p.Pop()
	if e.p.Match(tokens.RightParenthesis) != nil {
		return &nodes.Tuple{Location: open}, nil
	}
	x, err := e.condExpr()
	if err != nil {
		return nil, err
	}
	if e.p.Match(tokens.RightParenthesis) != nil {
		return x, nil
	}
	if e.cur().Type != tokens.Comma {
		return nil, e.unexpected("',' or ')'")
	}
	tup := &nodes.Tuple{Location: open, Val: []nodes.Expression{x}}
	for e.p.Match(tokens.Comma) != nil {
		if e.cur().Type == tokens.RightParenthesis {
			break
		}
		y, err := e.condExpr()
		if err != nil {
			return nil, err
		}
		tup.Val = append(tup.Val, y)
	}
	if _, err := e.expect(tokens.RightParenthesis, "',' or ')'"); err != nil {
		return nil, err
	}
	return tup, nil
}

func (e *exprParser) list() (nodes.Expression, error) {
	open := e.p.Pop()
	l := &nodes.List{Location: open, Val: []nodes.Expression{}}
	for e.p.Match(tokens.RightBracket) == nil {
		if len(l.Val) > 0 {
			if _, err := e.expect(tokens.Comma, "',' or ']'"); err != nil {
				return nil, err
			}
			if e.p.Match(tokens.RightBracket) != nil {
				break
			}
		}
		x, err := e.condExpr()
		if err != nil {
			return nil, err
		}
		l.Val = append(l.Val, x)
	}
	return l, nil
}

func (e *exprParser) dict() (nodes.Expression, error) {
	open := e.p.Pop()
	d := &nodes.Dict{Token: open, Pairs: []*nodes.Pair{}}
	for e.p.Match(tokens.RightBrace) == nil {
		if len(d.Pairs) > 0 {
			if _, err := e.expect(tokens.Comma, "',' or '}'"); err != nil {
				return nil, err
			}
			if e.p.Match(tokens.RightBrace) != nil {
				break
			}
		}
		k, err := e.condExpr()
		if err != nil {
			return nil, err
		}
		if _, err := e.expect(tokens.Colon, "':' after a dict key"); err != nil {
			return nil, err
		}
		v, err := e.condExpr()
		if err != nil {
			return nil, err
		}
		d.Pairs = append(d.Pairs, &nodes.Pair{Key: k, Value: v})
	}
	return d, nil
}

// attrName accepts any word after a dot, keywords included (x.items, loop.index).
func attrName(t *tokens.Token) bool {
	switch t.Type {
	case tokens.Name, tokens.In, tokens.Is, tokens.And, tokens.Or, tokens.Not:
		return true
	}
	return false
}

func (e *exprParser) postfix(x nodes.Expression) (nodes.Expression, error) {
	for {
		t := e.cur()
		switch t.Type {
		case tokens.Dot:
			e.p.Consume()
			a := e.cur()
			switch {
			case attrName(a):
				e.p.Consume()
				x = &nodes.GetAttribute{Location: a, Node: x, Attribute: a.Val}
			case a.Type == tokens.Integer:
				e.p.Consume()
				i, err := strconv.Atoi(a.Val)
				if err != nil {
					return nil, posErr(a, "invalid index %q", a.Val)
				}
				x = &nodes.GetAttribute{Location: a, Node: x, Index: i}
			default:
				return nil, e.unexpected("an attribute name after '.'")
			}
		case tokens.LeftBracket:
			var err error
			if x, err = e.subscript(x); err != nil {
				return nil, err
			}
		case tokens.LeftParenthesis:
			var err error
			if x, err = e.call(x); err != nil {
				return nil, err
			}
		default:
			return x, nil
		}
	}
}

// subscript parses x[key], x[a:b:c] and x[a, b] (a tuple key).
func (e *exprParser) subscript(x nodes.Expression) (nodes.Expression, error) {
	open := e.p.Pop()
	var keys []nodes.Expression
	var slice *nodes.GetSlice
	for {
		var k nodes.Expression
		if e.cur().Type != tokens.Colon {
			var err error
			if k, err = e.condExpr(); err != nil {
				return nil, err
			}
		}
		if e.cur().Type == tokens.Colon {
			e.p.Consume()
			slice = &nodes.GetSlice{Location: open, Node: x}
			if k != nil {
				slice.Start = k
			}
			if t := e.cur().Type; t != tokens.RightBracket && t != tokens.Colon && t != tokens.Comma {
				end, err := e.condExpr()
				if err != nil {
					return nil, err
				}
				slice.End = end
			}
			if e.p.Match(tokens.Colon) != nil {
				if t := e.cur().Type; t != tokens.RightBracket && t != tokens.Comma {
					step, err := e.condExpr()
					if err != nil {
						return nil, err
					}
					slice.Step = step
				}
			}
		} else {
			keys = append(keys, k)
		}
		if e.p.Match(tokens.Comma) == nil {
			break
		}
		if slice != nil {
			return nil, posErr(open, "multi-dimensional slices are not supported")
		}
	}
	if _, err := e.expect(tokens.RightBracket, "']'"); err != nil {
		return nil, err
	}
	if slice != nil {
		if len(keys) > 0 {
			return nil, posErr(open, "multi-dimensional slices are not supported")
		}
		return slice, nil
	}
	var key nodes.Expression = keys[0]
	if len(keys) > 1 {
		key = &nodes.Tuple{Location: open, Val: keys}
	}
	return &nodes.GetItem{Location: open, Node: x, Arg: key}, nil
}

// callArgs parses "(a, b, k=v, *args, **kwargs)"; the lexer already turned
// the splats into the keywords splatArgs / splatKwargs.
func (e *exprParser) callArgs() ([]nodes.Expression, map[string]nodes.Expression, error) {
	e.p.Consume() // (
	args := []nodes.Expression{}
	kwargs := map[string]nodes.Expression{}
	realKw := false
	for e.p.Match(tokens.RightParenthesis) == nil {
		if len(args)+len(kwargs) > 0 {
			if _, err := e.expect(tokens.Comma, "',' or ')' in the argument list"); err != nil {
				return nil, nil, err
			}
			if e.p.Match(tokens.RightParenthesis) != nil {
				break
			}
		}
		if t := e.cur(); t.Type == tokens.Name && e.p.Peek() != nil && e.p.Peek().Type == tokens.Assign {
			e.p.Consume()
			e.p.Consume()
			v, err := e.condExpr()
			if err != nil {
				return nil, nil, err
			}
			if _, dup := kwargs[t.Val]; dup {
				return nil, nil, posErr(t, "keyword argument %q repeated", t.Val)
			}
			kwargs[t.Val] = v
			if t.Val != splatArgs && t.Val != splatKwargs {
				realKw = true
			}
			continue
		}
		start := e.cur()
		v, err := e.condExpr()
		if err != nil {
			return nil, nil, err
		}
		if realKw {
			return nil, nil, posErr(start, "positional argument follows keyword argument")
		}
		args = append(args, v)
	}
	return args, kwargs, nil
}

func (e *exprParser) call(fn nodes.Expression) (nodes.Expression, error) {
	open := e.cur()
	args, kwargs, err := e.callArgs()
	if err != nil {
		return nil, err
	}
	return &nodes.Call{Location: open, Func: fn, Args: args, Kwargs: kwargs}, nil
}

// dottedName reads "name" or "name.sub" (filter and test names).
func (e *exprParser) dottedName(what string) (*tokens.Token, string, error) {
	t := e.cur()
	if t.Type != tokens.Name && t.Type != tokens.In {
		return nil, "", e.unexpected(what)
	}
	e.p.Consume()
	name := t.Val
	for e.cur().Type == tokens.Dot && e.p.Peek() != nil && e.p.Peek().Type == tokens.Name {
		e.p.Consume()
		name += "." + e.p.Pop().Val
	}
	return t, name, nil
}

func (e *exprParser) filterExpr(x nodes.Expression) (nodes.Expression, error) {
	for {
		switch e.cur().Type {
		case tokens.Pipe:
			e.p.Consume()
			f, err := e.filterCall()
			if err != nil {
				return nil, err
			}
			if fe, ok := x.(*nodes.FilteredExpression); ok {
				fe.Filters = append(fe.Filters, f)
			} else {
				x = &nodes.FilteredExpression{Expression: x, Filters: []*nodes.FilterCall{f}}
			}
		case tokens.Is:
			var err error
			if x, err = e.test(x); err != nil {
				return nil, err
			}
		case tokens.LeftParenthesis:
			var err error
			if x, err = e.call(x); err != nil {
				return nil, err
			}
		default:
			return x, nil
		}
	}
}

// filterCall parses "name" or "name(args)" after a pipe.
func (e *exprParser) filterCall() (*nodes.FilterCall, error) {
	t, name, err := e.dottedName("a filter name after '|'")
	if err != nil {
		return nil, err
	}
	f := &nodes.FilterCall{Token: t, Name: name, Args: []nodes.Expression{}, Kwargs: map[string]nodes.Expression{}}
	if e.cur().Type == tokens.LeftParenthesis {
		if f.Args, f.Kwargs, err = e.callArgs(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// test parses "is [not] name", "is name(args)" and "is name arg" where the
// single argument is a primary with postfixes (is divisibleby 3,
// is sameas x.y, is in ['a', 'b']).
func (e *exprParser) test(x nodes.Expression) (nodes.Expression, error) {
	e.p.Consume() // is
	neg := e.p.Match(tokens.Not)
	t, name, err := e.dottedName("a test name after 'is'")
	if err != nil {
		return nil, err
	}
	tc := &nodes.TestCall{Token: t, Name: name, Args: []nodes.Expression{}, Kwargs: map[string]nodes.Expression{}}
	switch c := e.cur(); {
	case c.Type == tokens.LeftParenthesis:
		if tc.Args, tc.Kwargs, err = e.callArgs(); err != nil {
			return nil, err
		}
	case c.Type == tokens.String || c.Type == tokens.Integer || c.Type == tokens.Float ||
		c.Type == tokens.LeftBracket || c.Type == tokens.LeftBrace ||
		(c.Type == tokens.Name && c.Val != "else" && c.Val != "if"):
		arg, err := e.primary()
		if err != nil {
			return nil, err
		}
		if arg, err = e.postfix(arg); err != nil {
			return nil, err
		}
		tc.Args = []nodes.Expression{arg}
	}
	if e.cur().Type == tokens.Is {
		return nil, posErr(e.cur(), "tests cannot be chained with 'is': add parentheses")
	}
	var out nodes.Expression = &nodes.TestExpression{Expression: x, Test: tc}
	if neg != nil {
		out = &nodes.Negation{Term: out, Operator: neg}
	}
	return out, nil
}

// parseOutput is the statement parser for "{{ expr }}".
func parseOutput(p, a *parser.Parser) (nodes.ControlStructure, error) {
	open := a.Current()
	if a.End() {
		return nil, posErr(nil, "empty expression: write something between '{{' and '}}'")
	}
	x, err := parseExpr(a)
	if err != nil {
		return nil, err
	}
	if !a.End() {
		return nil, posErr(a.Current(), "unexpected %q after the expression: close it with '}}'", a.Current().Val)
	}
	return &nodes.Output{Start: open, Expression: x}, nil
}

// unwrapOutputs replaces the statement blocks the lexer made of "{{ }}" by
// the plain output nodes the renderer expects.
func unwrapOutputs(root *nodes.Template) {
	fix := func(list []nodes.Node) {
		for i, n := range list {
			if b, ok := n.(*nodes.ControlStructureBlock); ok {
				if o, ok := b.ControlStructure.(*nodes.Output); ok {
					list[i] = o
				}
			}
		}
	}
	walkNodes(root, func(n nodes.Node) {
		switch x := n.(type) {
		case *nodes.Template:
			fix(x.Nodes)
		case *nodes.Wrapper:
			fix(x.Nodes)
		}
	})
}
