package jinja

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Our statements. gonja parses expressions and drives the statement
// parsers registered below; the resulting nodes are evaluated by our own
// renderer (eval.go), so the node types carry exported-to-us fields.

type ifNode struct {
	loc      *tokens.Token
	conds    []nodes.Expression
	bodies   []*nodes.Wrapper
	elseBody *nodes.Wrapper
}

type forNode struct {
	loc       *tokens.Token
	targets   []string
	iter      nodes.Expression
	cond      nodes.Expression
	body      *nodes.Wrapper
	elseBody  *nodes.Wrapper
	recursive bool
}

type setNode struct {
	loc     *tokens.Token
	targets []string            // one or more names (tuple unpacking)
	attr    *nodes.GetAttribute // set ns.attr = ...
	item    *nodes.GetItem      // set d['k'] = ...
	expr    nodes.Expression
	body    *nodes.Wrapper // block set
	filters []*nodes.FilterCall
}

type macroParam struct {
	name string
	def  nodes.Expression // nil: required (None when missing)
}

type macroNode struct {
	loc         *tokens.Token
	kind        string // "macro", "test", "materialization"
	name        string // registered name (test_x, materialization_x_default)
	params      []macroParam
	body        *nodes.Wrapper
	usesVarargs bool
	usesKwargs  bool
	start, end  int // byte span of the block in the normalized source
	line        int
}

type callNode struct {
	loc    *tokens.Token
	params []macroParam
	call   *nodes.Call
	body   *nodes.Wrapper
}

type doNode struct {
	loc  *tokens.Token
	expr nodes.Expression
}

type filterNode struct {
	loc     *tokens.Token
	filters []*nodes.FilterCall
	body    *nodes.Wrapper
}

type withNode struct {
	loc   *tokens.Token
	names []string
	exprs []nodes.Expression
	body  *nodes.Wrapper
}

type loopCtlNode struct {
	loc *tokens.Token
	brk bool
}

// condExpr is "a if cond else b" where gonja's grammar does not provide it
// (statement arguments).
type condExpr struct {
	expr, cond, alt nodes.Expression
}

func (n *ifNode) Position() *tokens.Token      { return n.loc }
func (n *ifNode) String() string               { return "if" }
func (n *forNode) Position() *tokens.Token     { return n.loc }
func (n *forNode) String() string              { return "for" }
func (n *setNode) Position() *tokens.Token     { return n.loc }
func (n *setNode) String() string              { return "set" }
func (n *macroNode) Position() *tokens.Token   { return n.loc }
func (n *macroNode) String() string            { return n.kind + " " + n.name }
func (n *callNode) Position() *tokens.Token    { return n.loc }
func (n *callNode) String() string             { return "call" }
func (n *doNode) Position() *tokens.Token      { return n.loc }
func (n *doNode) String() string               { return "do" }
func (n *filterNode) Position() *tokens.Token  { return n.loc }
func (n *filterNode) String() string           { return "filter" }
func (n *withNode) Position() *tokens.Token    { return n.loc }
func (n *withNode) String() string             { return "with" }
func (n *loopCtlNode) Position() *tokens.Token { return n.loc }
func (n *loopCtlNode) String() string          { return "loopctl" }
func (n *condExpr) Position() *tokens.Token    { return n.expr.Position() }

// bigIntLit is an integer literal beyond 64 bits.
type bigIntLit struct {
	loc *tokens.Token
	val *big.Int
}

func (n *bigIntLit) Position() *tokens.Token { return n.loc }
func (n *bigIntLit) String() string          { return n.val.String() }
func (n *condExpr) String() string           { return "condexpr" }

type csGetter map[string]parser.ControlStructureParser

func (g csGetter) Get(name string) (parser.ControlStructureParser, bool) {
	p, ok := g[name]
	return p, ok
}

var statements = csGetter{}

func init() {
	statements[outputTag] = parseOutput
	statements["if"] = parseIf
	statements["for"] = parseFor
	statements["set"] = parseSet
	statements["macro"] = func(p, a *parser.Parser) (nodes.ControlStructure, error) {
		return parseMacroLike(p, a, "macro", "endmacro")
	}
	statements["test"] = func(p, a *parser.Parser) (nodes.ControlStructure, error) {
		return parseMacroLike(p, a, "test", "endtest")
	}
	statements["data_test"] = func(p, a *parser.Parser) (nodes.ControlStructure, error) {
		return parseMacroLike(p, a, "test", "enddata_test")
	}
	statements["materialization"] = parseMaterialization
	statements["call"] = parseCall
	statements["do"] = parseDo
	statements["filter"] = parseFilterBlock
	statements["with"] = parseWith
	statements["break"] = func(p, a *parser.Parser) (nodes.ControlStructure, error) {
		return &loopCtlNode{loc: a.Current(), brk: true}, nil
	}
	statements["continue"] = func(p, a *parser.Parser) (nodes.ControlStructure, error) {
		return &loopCtlNode{loc: a.Current()}, nil
	}
}

func posErr(t *tokens.Token, format string, args ...any) error {
	e := &positionedErr{msg: fmt.Sprintf(format, args...)}
	if t != nil {
		e.line, e.col = t.Line, t.Col
	}
	return e
}

// openTok returns a token to report an unclosed block at.
func openTok(p, args *parser.Parser) *tokens.Token {
	if t := args.Current(); t != nil && t.Line > 0 {
		return t
	}
	return p.Current()
}

func wrapUntil(p *parser.Parser, open *tokens.Token, stmt string, ends ...string) (*nodes.Wrapper, *parser.Parser, error) {
	w, endArgs, err := p.WrapUntil(ends...)
	if err != nil {
		if strings.Contains(err.Error(), "Unexpected EOF") {
			return nil, nil, posErr(open, "unclosed '%s' block: expected '{%% %s %%}' before the end of the template", stmt, ends[len(ends)-1])
		}
		return nil, nil, err
	}
	return w, endArgs, nil
}

// parseExprCond parses an expression with an optional inline "if ... else ...".
func parseExprCond(a *parser.Parser) (nodes.Expression, error) {
	return parseExpr(a)
}

func expectEnd(a *parser.Parser, what string) error {
	if !a.End() {
		return posErr(a.Current(), "unexpected %q in '%s' tag", a.Current().Val, what)
	}
	return nil
}

func parseIf(p, a *parser.Parser) (nodes.ControlStructure, error) {
	open := openTok(p, a)
	n := &ifNode{loc: open}
	cond, err := parseExprCond(a)
	if err != nil {
		return nil, err
	}
	if err := expectEnd(a, "if"); err != nil {
		return nil, err
	}
	n.conds = append(n.conds, cond)
	for {
		w, endArgs, err := wrapUntil(p, open, "if", "elif", "else", "endif")
		if err != nil {
			return nil, err
		}
		switch w.EndTag {
		case "elif":
			n.bodies = append(n.bodies, w)
			c, err := parseExprCond(endArgs)
			if err != nil {
				return nil, err
			}
			if err := expectEnd(endArgs, "elif"); err != nil {
				return nil, err
			}
			n.conds = append(n.conds, c)
		case "else":
			n.bodies = append(n.bodies, w)
			if err := expectEnd(endArgs, "else"); err != nil {
				return nil, err
			}
			w2, endArgs2, err := wrapUntil(p, open, "if", "endif")
			if err != nil {
				return nil, err
			}
			if err := expectEnd(endArgs2, "endif"); err != nil {
				return nil, err
			}
			n.elseBody = w2
			return n, nil
		default:
			n.bodies = append(n.bodies, w)
			if err := expectEnd(endArgs, "endif"); err != nil {
				return nil, err
			}
			return n, nil
		}
	}
}

func parseFor(p, a *parser.Parser) (nodes.ControlStructure, error) {
	open := openTok(p, a)
	n := &forNode{loc: open}
	paren := a.Match(tokens.LeftParenthesis) != nil
	for {
		t := a.Match(tokens.Name)
		if t == nil {
			return nil, posErr(a.Current(), "expected a loop variable name in 'for'")
		}
		n.targets = append(n.targets, t.Val)
		if a.Match(tokens.Comma) == nil {
			break
		}
	}
	if paren && a.Match(tokens.RightParenthesis) == nil {
		return nil, posErr(a.Current(), "expected ')' in 'for' targets")
	}
	if a.Match(tokens.In) == nil {
		return nil, posErr(a.Current(), "expected 'in' in 'for' tag")
	}
	iter, err := parseOrExpr(a)
	if err != nil {
		return nil, err
	}
	if a.Current(tokens.Comma) != nil {
		// for x in a, b
		tup := &nodes.Tuple{Location: iter.Position(), Val: []nodes.Expression{iter}}
		for a.Match(tokens.Comma) != nil && !a.End() && a.CurrentName("if", "recursive") == nil {
			e, err := parseOrExpr(a)
			if err != nil {
				return nil, err
			}
			tup.Val = append(tup.Val, e)
		}
		iter = tup
	}
	n.iter = iter
	if a.MatchName("if") != nil {
		c, err := parseExpr(a)
		if err != nil {
			return nil, err
		}
		n.cond = c
	}
	if a.MatchName("recursive") != nil {
		n.recursive = true
	}
	if err := expectEnd(a, "for"); err != nil {
		return nil, err
	}
	w, endArgs, err := wrapUntil(p, open, "for", "else", "endfor")
	if err != nil {
		return nil, err
	}
	n.body = w
	if err := expectEnd(endArgs, w.EndTag); err != nil {
		return nil, err
	}
	if w.EndTag == "else" {
		w2, endArgs2, err := wrapUntil(p, open, "for", "endfor")
		if err != nil {
			return nil, err
		}
		if err := expectEnd(endArgs2, "endfor"); err != nil {
			return nil, err
		}
		n.elseBody = w2
	}
	return n, nil
}

func parseSet(p, a *parser.Parser) (nodes.ControlStructure, error) {
	open := openTok(p, a)
	n := &setNode{loc: open}
	first := a.Match(tokens.Name)
	if first == nil {
		return nil, posErr(a.Current(), "expected a variable name after 'set'")
	}
	switch {
	case a.Current(tokens.Dot) != nil:
		a.Consume()
		attr := a.Match(tokens.Name)
		if attr == nil {
			return nil, posErr(a.Current(), "expected an attribute name in 'set'")
		}
		n.attr = &nodes.GetAttribute{Location: attr, Node: &nodes.Name{Name: first}, Attribute: attr.Val}
	case a.Current(tokens.LeftBracket) != nil:
		lb := a.Pop()
		key, err := parseExpr(a)
		if err != nil {
			return nil, err
		}
		if a.Match(tokens.RightBracket) == nil {
			return nil, posErr(a.Current(), "expected ']' in 'set'")
		}
		n.item = &nodes.GetItem{Location: lb, Node: &nodes.Name{Name: first}, Arg: key}
	default:
		n.targets = append(n.targets, first.Val)
		for a.Match(tokens.Comma) != nil {
			t := a.Match(tokens.Name)
			if t == nil {
				return nil, posErr(a.Current(), "expected a variable name in 'set'")
			}
			n.targets = append(n.targets, t.Val)
		}
	}
	if a.Match(tokens.Assign) == nil {
		// block set, optionally with filters
		for a.Match(tokens.Pipe) != nil {
			f, err := (&exprParser{a}).filterCall()
			if err != nil {
				return nil, err
			}
			n.filters = append(n.filters, f)
		}
		if err := expectEnd(a, "set"); err != nil {
			return nil, err
		}
		w, endArgs, err := wrapUntil(p, open, "set", "endset")
		if err != nil {
			return nil, err
		}
		if err := expectEnd(endArgs, "endset"); err != nil {
			return nil, err
		}
		n.body = w
		return n, nil
	}
	expr, err := parseExprCond(a)
	if err != nil {
		return nil, err
	}
	if a.Current(tokens.Comma) != nil {
		// tuple without parentheses: set a, b = 1, 2
		list := &nodes.Tuple{Location: expr.Position(), Val: []nodes.Expression{expr}}
		for a.Match(tokens.Comma) != nil {
			e, err := parseExprCond(a)
			if err != nil {
				return nil, err
			}
			list.Val = append(list.Val, e)
		}
		expr = list
	}
	n.expr = expr
	if err := expectEnd(a, "set"); err != nil {
		return nil, err
	}
	return n, nil
}

func parseParams(a *parser.Parser, what string) ([]macroParam, error) {
	var params []macroParam
	if a.Match(tokens.LeftParenthesis) == nil {
		return nil, posErr(a.Current(), "expected '(' after %s name", what)
	}
	for a.Match(tokens.RightParenthesis) == nil {
		name := a.Match(tokens.Name)
		if name == nil {
			return nil, posErr(a.Current(), "expected a parameter name in %s signature", what)
		}
		mp := macroParam{name: name.Val}
		if a.Match(tokens.Assign) != nil {
			def, err := parseExprCond(a)
			if err != nil {
				return nil, err
			}
			mp.def = def
		}
		params = append(params, mp)
		if a.Match(tokens.Comma) == nil {
			if a.Match(tokens.RightParenthesis) == nil {
				return nil, posErr(a.Current(), "expected ',' or ')' in %s signature", what)
			}
			break
		}
	}
	return params, nil
}

func parseMacroLike(p, a *parser.Parser, kind, end string) (nodes.ControlStructure, error) {
	open := openTok(p, a)
	name := a.Match(tokens.Name)
	if name == nil {
		return nil, posErr(a.Current(), "expected a name after '%s'", kind)
	}
	n := &macroNode{loc: name, kind: kind, name: name.Val}
	if kind == "test" {
		n.name = "test_" + name.Val
	}
	params, err := parseParams(a, kind)
	if err != nil {
		return nil, err
	}
	n.params = params
	if err := expectEnd(a, kind); err != nil {
		return nil, err
	}
	w, endArgs, err := wrapUntil(p, open, kind, end)
	if err != nil {
		return nil, err
	}
	// Jinja allows "{% endmacro name %}"
	if !endArgs.End() && endArgs.Match(tokens.Name) == nil {
		return nil, posErr(endArgs.Current(), "unexpected arguments to '%s'", end)
	}
	n.body = w
	n.end = p.Current().Pos
	finishMacro(n)
	return n, nil
}

func parseMaterialization(p, a *parser.Parser) (nodes.ControlStructure, error) {
	open := openTok(p, a)
	name := a.Match(tokens.Name)
	if name == nil {
		return nil, posErr(a.Current(), "expected a name after 'materialization'")
	}
	adapter := ""
	for a.Match(tokens.Comma) != nil {
		key := a.Match(tokens.Name)
		if key == nil {
			return nil, posErr(a.Current(), "malformed materialization tag")
		}
		if key.Val == "default" {
			adapter = "default"
			continue
		}
		if a.Match(tokens.Assign) == nil {
			return nil, posErr(a.Current(), "expected '=' after %q in materialization tag", key.Val)
		}
		val, err := parseExpr(a)
		if err != nil {
			return nil, err
		}
		if key.Val == "adapter" {
			s, ok := val.(*nodes.String)
			if !ok {
				return nil, posErr(key, "materialization adapter must be a string literal")
			}
			adapter = s.Val
		}
	}
	if adapter == "" {
		return nil, posErr(name, "materialization '%s' needs an adapter: add \", adapter='<type>'\" or \", default\"", name.Val)
	}
	if err := expectEnd(a, "materialization"); err != nil {
		return nil, err
	}
	w, _, err := wrapUntil(p, open, "materialization", "endmaterialization")
	if err != nil {
		return nil, err
	}
	n := &macroNode{loc: name, kind: "materialization", name: "materialization_" + name.Val + "_" + adapter, body: w}
	n.end = p.Current().Pos
	finishMacro(n)
	return n, nil
}

func parseCall(p, a *parser.Parser) (nodes.ControlStructure, error) {
	open := openTok(p, a)
	n := &callNode{loc: open}
	if a.Current(tokens.LeftParenthesis) != nil {
		params, err := parseParams(a, "call")
		if err != nil {
			return nil, err
		}
		n.params = params
	}
	expr, err := parseExpr(a)
	if err != nil {
		return nil, err
	}
	call, ok := expr.(*nodes.Call)
	if !ok {
		return nil, posErr(open, "expected a macro call after 'call'")
	}
	n.call = call
	if err := expectEnd(a, "call"); err != nil {
		return nil, err
	}
	w, _, err := wrapUntil(p, open, "call", "endcall")
	if err != nil {
		return nil, err
	}
	n.body = w
	return n, nil
}

func parseDo(p, a *parser.Parser) (nodes.ControlStructure, error) {
	open := openTok(p, a)
	e, err := parseExprCond(a)
	if err != nil {
		return nil, err
	}
	if err := expectEnd(a, "do"); err != nil {
		return nil, err
	}
	return &doNode{loc: open, expr: e}, nil
}

func parseFilterBlock(p, a *parser.Parser) (nodes.ControlStructure, error) {
	open := openTok(p, a)
	n := &filterNode{loc: open}
	for {
		f, err := (&exprParser{a}).filterCall()
		if err != nil {
			return nil, err
		}
		n.filters = append(n.filters, f)
		if a.Match(tokens.Pipe) == nil {
			break
		}
	}
	if err := expectEnd(a, "filter"); err != nil {
		return nil, err
	}
	w, _, err := wrapUntil(p, open, "filter", "endfilter")
	if err != nil {
		return nil, err
	}
	n.body = w
	return n, nil
}

func parseWith(p, a *parser.Parser) (nodes.ControlStructure, error) {
	open := openTok(p, a)
	n := &withNode{loc: open}
	for !a.End() {
		name := a.Match(tokens.Name)
		if name == nil || a.Match(tokens.Assign) == nil {
			return nil, posErr(a.Current(), "expected 'name = value' in 'with'")
		}
		e, err := parseExprCond(a)
		if err != nil {
			return nil, err
		}
		n.names = append(n.names, name.Val)
		n.exprs = append(n.exprs, e)
		if a.Match(tokens.Comma) == nil {
			break
		}
	}
	if err := expectEnd(a, "with"); err != nil {
		return nil, err
	}
	w, _, err := wrapUntil(p, open, "with", "endwith")
	if err != nil {
		return nil, err
	}
	n.body = w
	return n, nil
}

// finishMacro records whether the body uses the implicit varargs/kwargs.
func finishMacro(n *macroNode) {
	walkNodes(n.body, func(x nodes.Node) {
		if name, ok := x.(*nodes.Name); ok {
			switch name.Name.Val {
			case "varargs":
				n.usesVarargs = true
			case "kwargs":
				n.usesKwargs = true
			}
		}
	})
}

var parserConfig = config.New()

// parseGetter hands gonja our statement parsers, positioning errors that
// gonja reports without a position (at the end of a tag's arguments) at the
// tag's closing "%}".
type parseGetter struct{ src string }

func (g *parseGetter) Get(name string) (parser.ControlStructureParser, bool) {
	f, ok := statements[name]
	if !ok {
		return nil, false
	}
	return func(p, a *parser.Parser) (cs nodes.ControlStructure, err error) {
		defer func() {
			if r := recover(); r != nil {
				what := "'" + name + "' tag"
				if name == outputTag {
					what = "expression"
				}
				cs, err = nil, fmt.Errorf("malformed %s", what)
			}
			if err != nil && !hasPosition(err) {
				err = g.atTagEnd(p, err)
			}
		}()
		return f(p, a)
	}, true
}

// atTagEnd positions err at the "%}" (or "}}") closing the tag just parsed.
func (g *parseGetter) atTagEnd(p *parser.Parser, err error) error {
	end := len(g.src)
	if t := p.Current(); t != nil && t.Type != tokens.EOF && t.Pos <= len(g.src) {
		end = t.Pos
	}
	// "}}" closes the output statements the lexer makes of "{{ }}"
	i := max(strings.LastIndex(g.src[:end], "%}"), strings.LastIndex(g.src[:end], "}}"))
	if i < 0 {
		return err
	}
	if i > 0 && (g.src[i-1] == '-' || g.src[i-1] == '+') {
		i--
	}
	line := strings.Count(g.src[:i], "\n") + 1
	col := i - strings.LastIndexByte(g.src[:i], '\n')
	return &positionedErr{msg: errMessage(err), line: line, col: col}
}

func hasPosition(err error) bool {
	var pe *positionedErr
	if errors.As(err, &pe) {
		return pe.line > 0
	}
	var se *parser.SyntaxError
	if errors.As(err, &se) {
		return se.Line > 0
	}
	return false
}

func errMessage(err error) string {
	var se *parser.SyntaxError
	if errors.As(err, &se) {
		return se.Message
	}
	return err.Error()
}

// macroSpan is the extent of a top-level macro block as dbt records it in
// macro_sql: from its opening tag to the end of its closing tag, where a
// "{%-" opening takes in the whitespace before it (back to floor, the end
// of the previous block) and a "-%}" closing the whitespace after it, as
// dbt's block scanner does. after is the position of the first token after
// the block.
func macroSpan(src string, toks []*tokens.Token, open *tokens.Token, after, floor int) (int, int) {
	const ws = " \t\n\r\f\v"
	start := open.Pos
	if strings.HasPrefix(src[start:], "{%-") {
		for start > floor && strings.IndexByte(ws, src[start-1]) >= 0 {
			start--
		}
	}
	end := after
	k := sort.Search(len(toks), func(i int) bool { return toks[i].Pos >= after })
	for k--; k >= 0; k-- {
		if toks[k].Type == tokens.BlockEnd {
			end = toks[k].Pos + 2 // "%}"
			switch src[toks[k].Pos] {
			case '-':
				end++
				for end < len(src) && strings.IndexByte(ws, src[end]) >= 0 {
					end++
				}
			case '+':
				end++
			}
			break
		}
	}
	if end < start || end > len(src) {
		end = len(src)
	}
	return start, end
}

// parseSource lexes and parses src into gonja's AST with our statements.
func parseSource(path, src string) (root *nodes.Template, err error) {
	defer func() {
		if r := recover(); r != nil {
			root = nil
			err = &positionedErr{msg: fmt.Sprintf("malformed template (%v)", r)}
		}
	}()
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := parser.NewParser(path, tokens.NewStream(toks), parserConfig, nil, &parseGetter{src: src})
	root, err = p.Parse()
	if err != nil {
		return nil, err
	}
	unwrapOutputs(root)
	// record block spans for macros defined at top level
	floor := 0
	for _, n := range root.Nodes {
		if b, ok := n.(*nodes.ControlStructureBlock); ok {
			if m, ok := b.ControlStructure.(*macroNode); ok {
				m.start, m.end = macroSpan(src, toks, b.Location, m.end, floor)
				floor = m.end
				m.line = b.Location.Line
			}
		}
	}
	return root, nil
}

// walkNodes calls fn for every node (statements and expressions) under n.
func walkNodes(n nodes.Node, fn func(nodes.Node)) {
	if n == nil {
		return
	}
	switch x := n.(type) {
	case *nodes.Template:
		fn(x)
		for _, c := range x.Nodes {
			walkNodes(c, fn)
		}
		return
	case *nodes.Wrapper:
		if x == nil {
			return
		}
		fn(x)
		for _, c := range x.Nodes {
			walkNodes(c, fn)
		}
		return
	}
	fn(n)
	switch x := n.(type) {
	case *nodes.Output:
		walkNodes(x.Expression, fn)
		walkExpr(x.Condition, fn)
		walkExpr(x.Alternative, fn)
	case *nodes.ControlStructureBlock:
		walkNodes(x.ControlStructure, fn)
	case *ifNode:
		for _, c := range x.conds {
			walkNodes(c, fn)
		}
		for _, b := range x.bodies {
			walkNodes(b, fn)
		}
		walkWrapper(x.elseBody, fn)
	case *forNode:
		walkNodes(x.iter, fn)
		walkExpr(x.cond, fn)
		walkWrapper(x.body, fn)
		walkWrapper(x.elseBody, fn)
	case *setNode:
		walkExpr(x.expr, fn)
		if x.attr != nil {
			walkNodes(x.attr, fn)
		}
		if x.item != nil {
			walkNodes(x.item, fn)
		}
		walkWrapper(x.body, fn)
		walkFilters(x.filters, fn)
	case *macroNode:
		for _, p := range x.params {
			walkExpr(p.def, fn)
		}
		walkWrapper(x.body, fn)
	case *callNode:
		for _, p := range x.params {
			walkExpr(p.def, fn)
		}
		walkNodes(x.call, fn)
		walkWrapper(x.body, fn)
	case *doNode:
		walkNodes(x.expr, fn)
	case *filterNode:
		walkFilters(x.filters, fn)
		walkWrapper(x.body, fn)
	case *withNode:
		for _, e := range x.exprs {
			walkNodes(e, fn)
		}
		walkWrapper(x.body, fn)
	case *condExpr:
		walkNodes(x.expr, fn)
		walkNodes(x.cond, fn)
		walkExpr(x.alt, fn)
	case *nodes.List:
		for _, e := range x.Val {
			walkNodes(e, fn)
		}
	case *nodes.Tuple:
		for _, e := range x.Val {
			walkNodes(e, fn)
		}
	case *nodes.Dict:
		for _, p := range x.Pairs {
			walkNodes(p.Key, fn)
			walkNodes(p.Value, fn)
		}
	case *nodes.Pair:
		walkNodes(x.Key, fn)
		walkNodes(x.Value, fn)
	case *nodes.Call:
		walkNodes(x.Func, fn)
		for _, e := range x.Args {
			walkNodes(e, fn)
		}
		for _, e := range x.Kwargs {
			walkNodes(e, fn)
		}
	case *nodes.GetItem:
		walkNodes(x.Node, fn)
		walkNodes(x.Arg, fn)
	case *nodes.GetSlice:
		walkNodes(x.Node, fn)
		walkNodes(x.Start, fn)
		walkNodes(x.End, fn)
		walkNodes(x.Step, fn)
	case *nodes.GetAttribute:
		walkNodes(x.Node, fn)
	case *nodes.Negation:
		walkNodes(x.Term, fn)
	case *nodes.UnaryExpression:
		walkNodes(x.Term, fn)
	case *nodes.BinaryExpression:
		walkNodes(x.Left, fn)
		walkNodes(x.Right, fn)
	case *nodes.FilteredExpression:
		walkNodes(x.Expression, fn)
		walkFilters(x.Filters, fn)
	case *nodes.TestExpression:
		walkNodes(x.Expression, fn)
		if x.Test != nil {
			for _, e := range x.Test.Args {
				walkNodes(e, fn)
			}
			for _, e := range x.Test.Kwargs {
				walkNodes(e, fn)
			}
		}
	}
}

func walkExpr(e nodes.Expression, fn func(nodes.Node)) {
	if e != nil {
		walkNodes(e, fn)
	}
}

func walkWrapper(w *nodes.Wrapper, fn func(nodes.Node)) {
	if w != nil {
		walkNodes(w, fn)
	}
}

func walkFilters(fs []*nodes.FilterCall, fn func(nodes.Node)) {
	for _, f := range fs {
		for _, e := range f.Args {
			walkNodes(e, fn)
		}
		for _, e := range f.Kwargs {
			walkNodes(e, fn)
		}
	}
}
