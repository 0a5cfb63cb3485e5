// Parsing of dbt node selection syntax (--select / --exclude values).
//
// Grammar of one criterion (mirrors dbt's selector spec):
//
//	[@][N+][method[.arg...]:]value[+N]
//
// Scanning is left to right and mirrors a regular expression: an optional
// "@", an optional "digits+" prefix, an optional "word-or-dot chars" method
// followed by ":", then the value, then an optional "+digits" suffix taken
// from the end. So "a+b" is the value "a+b", and "x++" is the value "x+"
// with children. Invariants after a successful Parse: every Spec has a known
// Method, a non-empty Value, depths >= -1, and not both "@" and a "+" suffix.

package selector

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Op is the kind of an Expr node.
type Op uint8

const (
	OpCriterion    Op = iota // a single Spec
	OpUnion                  // any of Args
	OpIntersection           // all of Args
	OpDifference             // Args[0] minus every later Arg
	OpAll                    // every node: the default when nothing is selected
)

// Expr is a selection expression tree. Parse builds it from CLI flags; a
// selectors.yml reader can build it directly with the constructors below.
type Expr struct {
	Op   Op
	Spec *Spec   // OpCriterion only
	Args []*Expr // composites
	// Indirect overrides Options.Indirect for this node ("" = default), as
	// selectors.yml's indirect_selection key does.
	Indirect IndirectMode
	// Raw is the user's text for this term. When set and the term selects
	// nothing, Options.OnNoMatch is told (dbt's NoNodesForSelectionCriteria).
	Raw string
}

// Spec is one parsed selection criterion.
type Spec struct {
	Method   string   // e.g. "tag", "config", "fqn"
	Args     []string // dotted method arguments: config.meta.owner -> [meta owner]
	Value    string
	Implicit bool // method inferred from the value's shape (no "method:")

	Parents          bool // "+x" / "N+x"
	ParentsDepth     int  // -1 = unlimited
	Children         bool // "x+" / "x+N"
	ChildrenDepth    int  // -1 = unlimited
	ChildrensParents bool // "@x"
}

// Criterion wraps a Spec as an Expr.
func Criterion(s *Spec) *Expr { return &Expr{Op: OpCriterion, Spec: s} }

// Union, Intersection and Difference build composite expressions.
func Union(args ...*Expr) *Expr { return &Expr{Op: OpUnion, Args: args} }

// Intersection: see Union.
func Intersection(args ...*Expr) *Expr { return &Expr{Op: OpIntersection, Args: args} }

// Difference selects include minus every exclude.
func Difference(include *Expr, exclude ...*Expr) *Expr {
	return &Expr{Op: OpDifference, Args: append([]*Expr{include}, exclude...)}
}

// All selects every node.
func All() *Expr { return &Expr{Op: OpAll} }

// SyntaxError is a selector that cannot be parsed or names an invalid value.
type SyntaxError struct {
	Input  string // the whole flag value
	Offset int    // byte offset of the problem within Input
	Msg    string
	Hint   string // optional, e.g. "did you mean 'tag'?"
}

func (e *SyntaxError) Error() string {
	off := min(max(e.Offset, 0), len(e.Input))
	col := utf8.RuneCountInString(e.Input[:off])
	var b strings.Builder
	fmt.Fprintf(&b, "invalid selector %q: %s at column %d", e.Input, e.Msg, col+1)
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	// Whitespace other than spaces would break caret alignment.
	shown := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, e.Input)
	fmt.Fprintf(&b, "\n  %s\n  %s^", shown, strings.Repeat(" ", col))
	return b.String()
}

// Parse turns --select and --exclude flag values into one expression.
// Within a value, whitespace-separated terms are a union and comma-separated
// criteria inside a term an intersection; several values are a union; the
// exclusion is subtracted last. No (non-blank) --select means every node.
func Parse(sel, exclude []string) (*Expr, error) {
	inc, err := parseUnion(sel)
	if err != nil {
		return nil, err
	}
	if inc == nil {
		inc = All()
	}
	exc, err := parseUnion(exclude)
	if err != nil {
		return nil, err
	}
	if exc == nil {
		return inc, nil
	}
	return Difference(inc, exc), nil
}

// ParseSpec parses one criterion (no spaces or commas), e.g. for YAML
// selector definitions written as strings.
func ParseSpec(s string) (*Spec, error) {
	if s == "" {
		return nil, &SyntaxError{Input: s, Msg: "empty selector"}
	}
	return parseSpec(s, 0, s)
}

// parseUnion returns nil when values hold no terms at all.
func parseUnion(values []string) (*Expr, error) {
	var terms []*Expr
	for _, v := range values {
		for start := 0; start < len(v); {
			r, size := utf8.DecodeRuneInString(v[start:])
			if unicode.IsSpace(r) {
				start += size
				continue
			}
			end := start
			for end < len(v) {
				r, size := utf8.DecodeRuneInString(v[end:])
				if unicode.IsSpace(r) {
					break
				}
				end += size
			}
			t, err := parseTerm(v, start, end)
			if err != nil {
				return nil, err
			}
			terms = append(terms, t)
			start = end
		}
	}
	switch len(terms) {
	case 0:
		return nil, nil
	case 1:
		return terms[0], nil
	}
	return Union(terms...), nil
}

// parseTerm parses input[start:end], a comma-separated intersection.
func parseTerm(input string, start, end int) (*Expr, error) {
	var parts []*Expr
	for p := start; ; {
		q := strings.IndexByte(input[p:end], ',')
		if q < 0 {
			q = end
		} else {
			q += p
		}
		if q == p {
			return nil, &SyntaxError{Input: input, Offset: p, Msg: "empty selector"}
		}
		s, err := parseSpec(input[p:q], p, input)
		if err != nil {
			return nil, err
		}
		parts = append(parts, Criterion(s))
		if q == end {
			break
		}
		p = q + 1
	}
	e := parts[0]
	if len(parts) > 1 {
		e = Intersection(parts...)
	}
	e.Raw = input[start:end]
	return e, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isMethodRune(r rune) bool {
	return r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// parseSpec parses s, located at byte offset base of input (for errors).
func parseSpec(s string, base int, input string) (*Spec, error) {
	fail := func(off int, format string, a ...any) error {
		return &SyntaxError{Input: input, Offset: base + off, Msg: fmt.Sprintf(format, a...)}
	}
	sp := &Spec{ParentsDepth: -1, ChildrenDepth: -1}
	depth := func(digits string, off int) (int, error) {
		if digits == "" {
			return -1, nil
		}
		n, err := strconv.Atoi(digits)
		if err != nil || n > 1<<30 {
			return 0, fail(off, "graph depth %s is too large", digits)
		}
		return n, nil
	}
	i := 0
	if strings.HasPrefix(s, "@") {
		sp.ChildrensParents = true
		i = 1
	}
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j < len(s) && s[j] == '+' {
		sp.Parents = true
		d, err := depth(s[i:j], i)
		if err != nil {
			return nil, err
		}
		sp.ParentsDepth = d
		i = j + 1
	}
	methodAt := i
	k := i
	for k < len(s) {
		r, size := utf8.DecodeRuneInString(s[k:])
		if !isMethodRune(r) {
			break
		}
		k += size
	}
	method := ""
	if k > i && k < len(s) && s[k] == ':' {
		method = s[i:k]
		i = k + 1
	}
	valueAt := i
	rest := s[i:]
	p := len(rest)
	for p > 0 && isDigit(rest[p-1]) {
		p--
	}
	if p > 0 && rest[p-1] == '+' {
		sp.Children = true
		d, err := depth(rest[p:], valueAt+p)
		if err != nil {
			return nil, err
		}
		sp.ChildrenDepth = d
		if sp.ChildrensParents {
			return nil, fail(valueAt+p-1, "the '@' prefix and a trailing '+' cannot be combined")
		}
		rest = rest[:p-1]
	}
	sp.Value = rest
	if rest == "" {
		if method != "" {
			return nil, fail(valueAt, "missing value after %q", method+":")
		}
		return nil, fail(valueAt, "missing node name")
	}
	if method == "" {
		sp.Implicit = true
		switch {
		case strings.ContainsAny(rest, `/\`):
			sp.Method = MethodPath
		case hasAnySuffixFold(rest, ".sql", ".py", ".csv"):
			sp.Method = MethodFile
		default:
			sp.Method = MethodFQN
		}
		return sp, nil
	}
	segs := strings.Split(method, ".")
	sp.Method, sp.Args = segs[0], segs[1:]
	info, ok := methods[sp.Method]
	if !ok {
		e := &SyntaxError{Input: input, Offset: base + methodAt,
			Msg: fmt.Sprintf("unknown selector method '%s'", sp.Method)}
		if s := suggest(sp.Method); s != "" {
			e.Hint = fmt.Sprintf("did you mean '%s'?", s)
		}
		return nil, e
	}
	argAt := methodAt + len(sp.Method)
	for _, a := range sp.Args {
		if a == "" {
			return nil, fail(argAt, "empty method argument")
		}
	}
	switch {
	case info.args == argsRequired && len(sp.Args) == 0:
		return nil, fail(argAt, "method '%s' needs a key, e.g. '%s.materialized:table'", sp.Method, sp.Method)
	case info.args == argsNone && len(sp.Args) > 0:
		return nil, fail(argAt, "method '%s' takes no arguments", sp.Method)
	}
	if info.check != nil {
		if msg := info.check(sp.Value); msg != "" {
			return nil, fail(valueAt, "%s", msg)
		}
	}
	return sp, nil
}

func hasAnySuffixFold(s string, suffixes ...string) bool {
	for _, suf := range suffixes {
		if len(s) >= len(suf) && strings.EqualFold(s[len(s)-len(suf):], suf) {
			return true
		}
	}
	return false
}

// String renders the spec in CLI syntax; Parse(String()) yields an equal
// Spec.
func (s *Spec) String() string {
	var b strings.Builder
	if s.ChildrensParents {
		b.WriteByte('@')
	}
	if s.Parents {
		if s.ParentsDepth >= 0 {
			b.WriteString(strconv.Itoa(s.ParentsDepth))
		}
		b.WriteByte('+')
	}
	if !s.Implicit {
		b.WriteString(s.Method)
		for _, a := range s.Args {
			b.WriteByte('.')
			b.WriteString(a)
		}
		b.WriteByte(':')
	}
	b.WriteString(s.Value)
	if s.Children {
		b.WriteByte('+')
		if s.ChildrenDepth >= 0 {
			b.WriteString(strconv.Itoa(s.ChildrenDepth))
		}
	}
	return b.String()
}

// String renders the expression. Terms parsed from the CLI render back in
// CLI syntax; other nestings use parentheses, which are for display only.
func (e *Expr) String() string {
	return e.format(true)
}

func (e *Expr) format(top bool) string {
	join := func(sep string) string {
		parts := make([]string, len(e.Args))
		for i, a := range e.Args {
			parts[i] = a.format(false)
		}
		return strings.Join(parts, sep)
	}
	switch e.Op {
	case OpCriterion:
		return e.Spec.String()
	case OpIntersection:
		return join(",")
	case OpUnion:
		if top {
			return join(" ")
		}
		return "(" + join(" ") + ")"
	case OpDifference:
		parts := make([]string, len(e.Args))
		for i, a := range e.Args {
			parts[i] = a.format(true)
		}
		s := strings.Join(parts, " --exclude ")
		if top {
			return s
		}
		return "(" + s + ")"
	case OpAll:
		return "*"
	}
	return fmt.Sprintf("Op(%d)", e.Op)
}

// suggest returns the known method closest to name, if plausibly a typo.
func suggest(name string) string {
	best, bestD := "", 1<<30
	for _, m := range methodNames {
		if d := levenshtein(strings.ToLower(name), m); d < bestD {
			best, bestD = m, d
		}
	}
	if bestD <= max(2, len(name)/3) {
		return best
	}
	return ""
}

// levenshtein is the classic edit distance over runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
