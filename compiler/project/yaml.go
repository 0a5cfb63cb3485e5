package project

// YAML plumbing shared by dbt_project.yml, profiles.yml and property files.
//
// Files are parsed into yaml.Node trees (which keep line and column) and then
// walked by hand; nothing is decoded through reflection. Two invariants:
//
//   - Plain scalars are resolved with YAML 1.1 rules, as PyYAML (which dbt
//     uses) does: yes/no/on/off are booleans, 010 is octal. Quoted or
//     explicitly tagged scalars keep their tag. Mapping keys are always
//     strings.
//   - Aliases are followed, so a hostile file could expand exponentially or
//     (yaml.v3 builds the graph before checking) refer to itself. Every walk
//     is bounded by maxDepth and by a per-file node budget.

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/internal/diag"
)

// ynode is kiln's YAML node: the parts of yaml.Node that kiln reads, in
// about half the memory (large projects build millions of them). The fast
// parser builds ynodes directly; yaml.v3 trees are converted, with each
// alias replaced by a pointer to its anchor's node.
type ynode struct {
	Kind         yaml.Kind
	Style        yaml.Style
	Line, Column int32
	Tag          string // explicit or resolved tag; "" for plain scalars from the fast parser
	Value        string
	Content      []*ynode
}

// fromYAML converts a yaml.v3 tree. Aliases become shared pointers, never
// copies, so alias bombs cost nothing here; an anchor that contains its
// own alias becomes a cycle, which every walker bounds with maxDepth.
func fromYAML(n *yaml.Node, memo map[*yaml.Node]*ynode) *ynode {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > maxDepth {
			return nil
		}
		n = n.Alias
	}
	if n == nil {
		return nil
	}
	if y, ok := memo[n]; ok {
		return y
	}
	y := &ynode{Kind: n.Kind, Style: n.Style, Line: int32(n.Line), Column: int32(n.Column), Tag: n.Tag, Value: n.Value}
	memo[n] = y
	if len(n.Content) > 0 {
		y.Content = make([]*ynode, 0, len(n.Content))
		for _, c := range n.Content {
			if cy := fromYAML(c, memo); cy != nil {
				y.Content = append(y.Content, cy)
			}
		}
	}
	return y
}

// fastYAML enables the fast parser (benchmarks turn it off to compare).
var fastYAML = true

const (
	maxDepth      = 256
	maxYAMLValues = 2_000_000 // values produced from one file, counting alias expansion
)

// ydoc carries the state of walking one YAML file.
type ydoc struct {
	file   string // diagnostic path (relative to the project root where possible)
	src    []byte
	diags  diag.List
	budget int
	blown  bool // budget or depth exceeded (reported once)
	secret bool // never quote source lines (profiles.yml)
	// seen holds key nodes already reported, so walking a mapping twice
	// (typed fields, then Raw) does not repeat a warning.
	seen map[*ynode]bool
}

func (d *ydoc) once(n *ynode) bool {
	if d.seen == nil {
		d.seen = map[*ynode]bool{}
	}
	if d.seen[n] {
		return false
	}
	d.seen[n] = true
	return true
}

func newDoc(file string, src []byte) *ydoc {
	// The budget scales with the file so that a small file cannot make
	// kiln do much work through aliases and merge keys.
	return &ydoc{file: file, src: src, budget: min(maxYAMLValues, 64*len(src)+100_000)}
}

func (d *ydoc) pos(n *ynode) diag.Pos {
	if n == nil {
		return diag.Pos{File: d.file}
	}
	return diag.Pos{File: d.file, Line: int(n.Line), Col: int(n.Column)}
}

func (d *ydoc) errorf(n *ynode, code, suggestion, format string, args ...any) {
	x := diag.Errorf(d.pos(n), code, format, args...)
	x.Suggestion = suggestion
	d.diags = append(d.diags, x)
}

func (d *ydoc) warnf(n *ynode, code, suggestion, format string, args ...any) {
	x := diag.Warnf(d.pos(n), code, format, args...)
	x.Suggestion = suggestion
	d.diags = append(d.diags, x)
}

var yamlLineRe = regexp.MustCompile(`^line (\d+): `)

// parse parses src and returns the document's root node, or nil for an empty
// document. Syntax errors become one positioned diagnostic.
func (d *ydoc) parse() (root *ynode) {
	if fastYAML {
		if n, ok := fastParse(d.src); ok {
			return n
		}
	}
	var doc yaml.Node
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil { // yaml.v3 has panicked on odd input before
				err = fmt.Errorf("%v", r)
			}
		}()
		return yaml.Unmarshal(d.src, &doc)
	}()
	if err != nil {
		d.syntaxError(err)
		return nil
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return fromYAML(doc.Content[0], map[*yaml.Node]*ynode{})
	}
	return nil
}

// UnmarshalNode parses a YAML file outside the project tree kiln loads
// itself (selectors.yml) into a yaml.v3 document node. A syntax error is
// the same positioned diagnostic the project's own files get: file, the
// true line (yaml.v3 often gives none) and what to do.
func UnmarshalNode(file string, src []byte) (*yaml.Node, error) {
	var doc yaml.Node
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil { // yaml.v3 has panicked on odd input before
				err = fmt.Errorf("%v", r)
			}
		}()
		return yaml.Unmarshal(src, &doc)
	}()
	if err != nil {
		d := newDoc(file, src)
		d.syntaxError(err)
		return nil, d.diags[0]
	}
	return &doc, nil
}

func (d *ydoc) syntaxError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := diag.Pos{File: d.file}
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	p.Line = locateSyntaxError(d.src, p.Line)
	x := diag.Errorf(p, "yaml-syntax", "invalid YAML: %s", msg)
	if line, ok := sourceLine(d.src, p.Line); ok {
		// yaml.v3 reports no column; point at the line's first non-blank.
		x.Pos.Col = 1 + len(line) - len(strings.TrimLeft(line, " \t"))
		if !d.secret {
			x.Notes = []string{fmt.Sprintf("%4d | %s", p.Line, line)}
		}
	}
	switch {
	case strings.Contains(msg, "cannot start any token") && bytes.Contains(d.src, []byte("\t")):
		x.Suggestion = "YAML does not allow tabs for indentation; use spaces"
	case strings.Contains(msg, "did not find expected"), strings.Contains(msg, "mapping values are not allowed"):
		x.Suggestion = "check this line's indentation (it must line up with the keys or '- ' items around it), and quote values that contain ': '"
	case strings.Contains(msg, "end of stream"), strings.Contains(msg, "unexpected end"):
		x.Suggestion = "a quote or bracket opened here is never closed"
	default:
		x.Suggestion = "fix the YAML syntax (check indentation, colons and quotes)"
	}
	d.diags = append(d.diags, x)
}

// locateSyntaxError improves yaml.v3's line number, which is often the
// start of the enclosing block (or missing on line 1): it finds the first
// line, at or after the reported one, whose inclusion makes the file fail
// to parse. Only runs on the error path.
func locateSyntaxError(src []byte, reported int) int {
	if reported < 1 {
		reported = 1
	}
	// offsets of line ends
	var ends []int
	for i, c := range src {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(src) {
		ends = append(ends, len(src))
	}
	if len(ends) > 1<<16 || reported > len(ends) {
		return reported
	}
	fails := func(lines int) bool {
		var n yaml.Node
		ok := func() (ok bool) {
			defer func() {
				if recover() != nil {
					ok = false
				}
			}()
			return yaml.Unmarshal(src[:ends[lines-1]], &n) == nil
		}()
		return !ok
	}
	lo, hi := reported, len(ends) // invariant: prefix(hi) fails
	if !fails(hi) {
		return reported
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return hi
}

func sourceLine(src []byte, line int) (string, bool) {
	if line < 1 {
		return "", false
	}
	for i := 1; i < line; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return "", false
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimRight(string(src), "\r"), true
}

// deref is kept for readability at call sites: ynode trees have no alias
// nodes (fromYAML resolves them), so it is the identity.
func deref(n *ynode) *ynode { return n }

// kv is one entry of a mapping, with the key already a string.
type kv struct {
	Key  string
	K, V *ynode // V is alias-resolved (may be nil if unresolvable)
}

func isNull(n *ynode) bool {
	if n == nil {
		return true
	}
	if n.Kind != yaml.ScalarNode {
		return false
	}
	if n.Style&yaml.TaggedStyle != 0 {
		return n.Tag == "!!null"
	}
	if n.Style != 0 {
		return false
	}
	switch n.Value {
	case "", "~", "null", "Null", "NULL":
		return true
	}
	return false
}

// pairs returns the entries of mapping n in order, expanding `<<` merge
// keys (explicit keys win over merged ones, as in YAML). A key given twice
// is a warning: PyYAML keeps the last one silently, which hides mistakes.
func (d *ydoc) pairs(n *ynode) []kv {
	return d.pairsDepth(n, 0)
}

func (d *ydoc) pairsDepth(n *ynode, depth int) []kv {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	d.budget -= len(n.Content) / 2
	if depth > maxDepth || d.budget < 0 {
		d.tooDeep(n)
		return nil
	}
	out := make([]kv, 0, len(n.Content)/2)
	var merged []kv
	var seen map[string]*ynode
	if len(n.Content) > 16 {
		seen = make(map[string]*ynode, len(n.Content)/2)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		k = deref(k)
		if k == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			if !d.once(k) {
				continue
			}
			d.errorf(k, "yaml-key", "", "mapping keys must be plain strings, not a %s", kindName(k))
			continue
		}
		if k.Tag == "!!merge" || (k.Value == "<<" && k.Style == 0) {
			switch {
			case v == nil:
			case v.Kind == yaml.MappingNode:
				merged = append(merged, d.pairsDepth(v, depth+1)...)
			case v.Kind == yaml.SequenceNode:
				for _, m := range v.Content {
					merged = append(merged, d.pairsDepth(m, depth+1)...)
				}
			default:
				d.errorf(v, "yaml-merge", "", "a `<<` merge key needs a mapping or a list of mappings")
			}
			continue
		}
		// duplicate check
		var prev *ynode
		if seen != nil {
			prev = seen[k.Value]
			seen[k.Value] = k
		} else {
			for _, e := range out {
				if e.Key == k.Value {
					prev = e.K
					break
				}
			}
		}
		if prev != nil && d.once(k) {
			d.warnf(k, "duplicate-key", "remove one of them; only the last is used",
				"key '%s' is given twice in this mapping (first at line %d)", k.Value, prev.Line)
		}
		if prev != nil {
			for j := range out {
				if out[j].Key == k.Value {
					out[j] = kv{k.Value, k, v}
				}
			}
			continue
		}
		out = append(out, kv{k.Value, k, v})
	}
	for _, m := range merged {
		dup := false
		for _, e := range out {
			if e.Key == m.Key {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, m)
		}
	}
	return out
}

func (d *ydoc) tooDeep(n *ynode) {
	if !d.blown {
		d.blown = true
		d.errorf(n, "yaml-too-large", "simplify the file; anchors and aliases may refer to themselves",
			"YAML is nested too deeply or expands to too many values")
	}
}

func kindName(n *ynode) string {
	n = deref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		switch scalarValue(n).(type) {
		case nil:
			return "null"
		case string:
			return "string"
		case int, float64:
			return "number"
		case bool:
			return "boolean"
		}
	}
	return "value"
}

// value converts n to plain Go values: map[string]any, []any, string, int,
// float64, bool or nil.
func (d *ydoc) value(n *ynode) any { return d.valueDepth(n, 0) }

func (d *ydoc) valueDepth(n *ynode, depth int) any {
	n = deref(n)
	if n == nil {
		return nil
	}
	d.budget--
	if depth > maxDepth || d.budget < 0 {
		d.tooDeep(n)
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return scalarValue(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, d.valueDepth(c, depth+1))
		}
		return out
	case yaml.MappingNode:
		ps := d.pairsDepth(n, depth+1)
		out := make(map[string]any, len(ps))
		for _, p := range ps {
			out[p.Key] = d.valueDepth(p.V, depth+1)
		}
		return out
	}
	return nil
}

// mapValue is value() for a node that must be a mapping (null → nil map).
func (d *ydoc) mapValue(n *ynode, what string) map[string]any {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "yaml-type", "", "%s must be a mapping, not a %s", what, kindName(n))
		return nil
	}
	m, _ := d.value(n).(map[string]any)
	return m
}

// str returns a scalar's text; other kinds are an error naming `what`.
func (d *ydoc) str(n *ynode, what string) string {
	n = deref(n)
	if isNull(n) {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "yaml-type", "", "%s must be a string, not a %s", what, kindName(n))
		return ""
	}
	return n.Value
}

// strList accepts a string or a list of strings.
func (d *ydoc) strList(n *ynode, what string) []string {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "yaml-type", "", "%s must be a string or a list of strings, not a %s", what, kindName(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		c = deref(c)
		if c == nil || c.Kind != yaml.ScalarNode || isNull(c) {
			d.errorf(c, "yaml-type", "", "%s must contain only strings, found a %s", what, kindName(c))
			continue
		}
		out = append(out, c.Value)
	}
	return out
}

// list returns the items of a sequence; null is empty, anything else is an error.
func (d *ydoc) list(n *ynode, what string) []*ynode {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "yaml-type", "write it as a list of entries, each starting with '- '",
			"%s must be a list, not a %s", what, kindName(n))
		return nil
	}
	out := make([]*ynode, 0, len(n.Content))
	for _, c := range n.Content {
		if c = deref(c); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// boolMap reads {key: bool} (quoting).
func (d *ydoc) boolMap(n *ynode, what string) map[string]bool {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "yaml-type", "", "%s must be a mapping of booleans, not a %s", what, kindName(n))
		return nil
	}
	out := map[string]bool{}
	for _, p := range d.pairs(n) {
		b, ok := scalarValue(p.V).(bool)
		if p.V == nil || p.V.Kind != yaml.ScalarNode || !ok {
			d.errorf(p.V, "yaml-type", "use true or false", "%s.%s must be a boolean", what, p.Key)
			continue
		}
		out[p.Key] = b
	}
	return out
}

// scalarValue resolves a scalar like PyYAML's SafeLoader (YAML 1.1) for
// plain scalars, minus timestamps and sexagesimal numbers, which stay strings.
func scalarValue(n *ynode) any {
	v := n.Value
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return v
	}
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.Tag {
		case "!!str", "!!binary":
			return v
		case "!!null":
			return nil
		case "!!bool":
			if b, ok := resolveBool(v); ok {
				return b
			}
			return v
		case "!!int", "!!float":
			if x, ok := resolveNumber(v); ok {
				return x
			}
			return v
		}
		return v
	}
	if v == "" {
		return nil
	}
	switch v[0] {
	case '~', 'n', 'N':
		if v == "~" || v == "null" || v == "Null" || v == "NULL" {
			return nil
		}
	}
	if b, ok := resolveBool(v); ok {
		return b
	}
	c := v[0]
	if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' {
		if x, ok := resolveNumber(v); ok {
			return x
		}
	}
	return v
}

func resolveBool(v string) (bool, bool) {
	switch v {
	case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON":
		return true, true
	case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF":
		return false, true
	}
	return false, false
}

func resolveNumber(v string) (any, bool) {
	switch strings.TrimLeft(v, "+-") {
	case ".inf", ".Inf", ".INF":
		if v[0] == '-' {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case ".nan", ".NaN", ".NAN":
		return math.NaN(), true
	}
	plain := strings.ReplaceAll(v, "_", "")
	if plain == "" || strings.HasSuffix(plain, "_") {
		return nil, false
	}
	body := strings.TrimLeft(plain, "+-")
	if body == "" || len(plain)-len(body) > 1 {
		return nil, false
	}
	neg := plain[0] == '-'
	isInt := true
	for i := 0; i < len(body); i++ {
		if body[i] < '0' || body[i] > '9' {
			isInt = false
			break
		}
	}
	if isInt {
		base := 10
		if len(body) > 1 && body[0] == '0' { // YAML 1.1 octal
			base = 8
		}
		if u, err := strconv.ParseUint(body, base, 63); err == nil {
			if neg {
				return -int(u), true
			}
			return int(u), true
		}
		if base == 10 {
			if f, err := strconv.ParseFloat(plain, 64); err == nil {
				return f, true
			}
		}
		return nil, false
	}
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'b') {
		base := 16
		if body[1] == 'b' {
			base = 2
		}
		if u, err := strconv.ParseUint(body[2:], base, 63); err == nil {
			if neg {
				return -int(u), true
			}
			return int(u), true
		}
		return nil, false
	}
	// YAML 1.1 floats need a dot: 1.5, .5, 1.5e3, 1.e-2 (not 1e3).
	dot := strings.IndexByte(body, '.')
	if dot < 0 {
		return nil, false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return nil, false
		}
	}
	if f, err := strconv.ParseFloat(plain, 64); err == nil {
		return f, true
	}
	return nil, false
}
