// Selection methods: the "method:" part of a criterion.
//
// Each built-in method is a predicate over one Node compiled from the
// criterion's value once (patterns are precompiled), then run over every
// node in the universe. Methods that need outside state (state:, result:,
// source_status:) exist only as names until another package installs them
// in Universe.Methods.

package selector

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Method names.
const (
	MethodFQN           = "fqn"
	MethodTag           = "tag"
	MethodGroup         = "group"
	MethodAccess        = "access"
	MethodSource        = "source"
	MethodPath          = "path"
	MethodFile          = "file"
	MethodPackage       = "package"
	MethodConfig        = "config"
	MethodTestName      = "test_name"
	MethodTestType      = "test_type"
	MethodResourceType  = "resource_type"
	MethodState         = "state"
	MethodExposure      = "exposure"
	MethodMetric        = "metric"
	MethodResult        = "result"
	MethodSourceStatus  = "source_status"
	MethodVersion       = "version"
	MethodSemanticModel = "semantic_model"
	MethodSavedQuery    = "saved_query"
	MethodUnitTest      = "unit_test"
)

// ErrNeedsState is wrapped by the error returned when a state-dependent
// method (state:, result:, source_status:) is used but no implementation was
// installed in Universe.Methods, i.e. --state was not given.
var ErrNeedsState = errors.New("needs --state")

type argRule uint8

const (
	argsNone argRule = iota
	argsRequired
	argsAny
)

type methodInfo struct {
	args  argRule
	check func(value string) string // parse-time validation; "" = ok
	hook  bool                      // only available via Universe.Methods
}

var resourceTypes = []string{
	"analysis", "doc", "exposure", "fixture", "function", "group", "macro",
	"metric", "model", "operation", "rpc", "saved_query", "seed",
	"semantic_model", "snapshot", "source", "sql_operation", "test", "unit_test",
}

func oneOf(what string, allowed ...string) func(string) string {
	return func(v string) string {
		if slices.Contains(allowed, v) {
			return ""
		}
		return fmt.Sprintf("invalid %s '%s' (expected %s)", what, v, strings.Join(allowed, ", "))
	}
}

func maxParts(n int, form string) func(string) string {
	return func(v string) string {
		if strings.Count(v, ".") >= n {
			return fmt.Sprintf("too many dotted parts in '%s' (expected %s)", v, form)
		}
		return ""
	}
}

var methods = map[string]methodInfo{
	MethodFQN:      {},
	MethodTag:      {},
	MethodGroup:    {},
	MethodAccess:   {check: oneOf("access", "private", "protected", "public")},
	MethodSource:   {check: maxParts(3, "source, source.table or package.source.table")},
	MethodPath:     {},
	MethodFile:     {},
	MethodPackage:  {},
	MethodConfig:   {args: argsRequired},
	MethodTestName: {},
	MethodTestType: {check: oneOf("test type", "generic", "schema", "singular", "data", "unit")},
	MethodResourceType: {check: func(v string) string {
		return oneOf("resource type", resourceTypes...)(v)
	}},
	MethodState:         {args: argsAny, hook: true},
	MethodExposure:      {check: maxParts(2, "name or package.name")},
	MethodMetric:        {check: maxParts(2, "name or package.name")},
	MethodResult:        {args: argsAny, hook: true},
	MethodSourceStatus:  {args: argsAny, hook: true},
	MethodVersion:       {check: oneOf("version selector", "latest", "prerelease", "old", "none")},
	MethodSemanticModel: {check: maxParts(2, "name or package.name")},
	MethodSavedQuery:    {check: maxParts(2, "name or package.name")},
	MethodUnitTest:      {},
}

var methodNames = func() []string {
	var out []string
	for k := range methods {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}()

// MethodNames lists every recognised method name, sorted.
func MethodNames() []string { return slices.Clone(methodNames) }

// predicate builds the node test for a built-in method.
func (u *Universe) predicate(s *Spec) (func(*Node) bool, error) {
	v := s.Value
	switch s.Method {
	case MethodFQN:
		m := newFQNMatcher(v)
		return func(n *Node) bool { return m.match(n.FQN, n.Version != "") }, nil
	case MethodTag:
		p := compile(v)
		return func(n *Node) bool { return slices.ContainsFunc(n.Tags, p.match) }, nil
	case MethodGroup:
		p := compile(v)
		// As dbt: nodes and metrics have groups for selection; semantic
		// models and saved queries do not.
		return func(n *Node) bool {
			if n.ResourceType == MethodSemanticModel || n.ResourceType == MethodSavedQuery {
				return false
			}
			g, ok := n.Config["group"].(string)
			return ok && g != "" && p.match(g)
		}, nil
	case MethodAccess:
		return func(n *Node) bool {
			if a, ok := n.Config["access"].(string); ok && a != "" {
				return a == v
			}
			return n.ResourceType == "model" && v == "protected"
		}, nil
	case MethodSource:
		pkg, src, tbl := "*", "*", "*"
		switch parts := strings.Split(v, "."); len(parts) {
		case 1:
			src = parts[0]
		case 2:
			src, tbl = parts[0], parts[1]
		default:
			pkg, src, tbl = parts[0], parts[1], parts[2]
		}
		pp, sp, tp := compile(pkg), compile(src), compile(tbl)
		return func(n *Node) bool {
			return n.ResourceType == "source" && pp.match(n.Package) && sp.match(n.SourceName) && tp.match(n.Name)
		}, nil
	case MethodPath:
		return u.pathPredicate(v), nil
	case MethodFile:
		p := compile(v)
		return func(n *Node) bool {
			if n.Path == "" {
				return false
			}
			base := path.Base(filepath.ToSlash(n.Path))
			return p.match(base) || p.match(strings.TrimSuffix(base, path.Ext(base)))
		}, nil
	case MethodPackage:
		if v == "this" {
			v = u.RootPackage
		}
		p := compile(v)
		return func(n *Node) bool { return p.match(n.Package) }, nil
	case MethodConfig:
		fold := len(s.Args) == 1 && s.Args[0] == "severity"
		return func(n *Node) bool {
			val, ok := lookup(n.Config, s.Args)
			return ok && configMatch(val, v, fold)
		}, nil
	case MethodTestName:
		p := compile(v)
		return func(n *Node) bool {
			if isUnitTest(n) {
				return p.match(n.Name)
			}
			return n.ResourceType == "test" && n.TestName != "" && p.match(n.TestName)
		}, nil
	case MethodTestType:
		generic := func(n *Node) bool { return n.ResourceType == "test" && n.TestType == "generic" }
		singular := func(n *Node) bool { return n.ResourceType == "test" && n.TestType == "singular" }
		switch v {
		case "generic", "schema":
			return generic, nil
		case "singular":
			return singular, nil
		case "data":
			return func(n *Node) bool { return generic(n) || singular(n) }, nil
		default: // "unit"
			return isUnitTest, nil
		}
	case MethodResourceType:
		return func(n *Node) bool { return n.ResourceType == v }, nil
	case MethodExposure, MethodMetric, MethodSemanticModel, MethodSavedQuery:
		rt := s.Method
		pkg, name := "*", v
		if a, b, ok := strings.Cut(v, "."); ok {
			pkg, name = a, b
		}
		pp, np := compile(pkg), compile(name)
		return func(n *Node) bool { return n.ResourceType == rt && pp.match(n.Package) && np.match(n.Name) }, nil
	case MethodUnitTest:
		// name | package.name | fqn-style dotted path (package.dir.model.name)
		parts := strings.Split(v, ".")
		switch len(parts) {
		case 1, 2:
			pkg, name := "*", parts[0]
			if len(parts) == 2 {
				pkg, name = parts[0], parts[1]
			}
			pp, np := compile(pkg), compile(name)
			return func(n *Node) bool { return isUnitTest(n) && pp.match(n.Package) && np.match(n.Name) }, nil
		default:
			m := newFQNMatcher(v)
			return func(n *Node) bool { return isUnitTest(n) && m.match(n.FQN, false) }, nil
		}
	case MethodVersion:
		return func(n *Node) bool {
			if v == "none" {
				return n.ResourceType == "model" && n.Version == ""
			}
			if n.Version == "" || n.LatestVersion == "" {
				return false
			}
			c := compareVersions(n.Version, n.LatestVersion)
			switch v {
			case "latest":
				return c == 0
			case "prerelease":
				return c > 0
			default: // old
				return c < 0
			}
		}, nil
	case MethodState, MethodResult, MethodSourceStatus:
		return nil, fmt.Errorf("selector method '%s:%s' %w", s.Method, v, ErrNeedsState)
	}
	return nil, fmt.Errorf("selector method '%s' is not implemented", s.Method)
}

func isUnitTest(n *Node) bool {
	return n.ResourceType == "unit_test" || (n.ResourceType == "test" && n.TestType == "unit")
}

// compareVersions compares numerically when both parse as numbers (dbt
// versions are usually integers), else as strings.
func compareVersions(a, b string) int {
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil {
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}

// fqnMatcher implements dbt's fqn rules: a selector matches a node when it
// equals the node's name (for versioned models also "name.vN"/"name_vN"),
// or when its dot-separated parts are a prefix of the node's fqn; from the
// first part containing a wildcard on, the rest of the fqn is fnmatched as
// one dotted string. Each node is tried with and without its leading
// package segment, so "staging.*" and "shop.staging" both work.
type fqnMatcher struct {
	sel     string
	parts   []string
	wild    int      // index of first wildcard part, -1 if none
	rest    *pattern // parts[wild:] joined by "."
	lastTwo string   // last two parts joined by "_", for versioned names
}

func newFQNMatcher(sel string) *fqnMatcher {
	m := &fqnMatcher{sel: sel, parts: strings.Split(sel, "."), wild: -1}
	for i, p := range m.parts {
		if hasWildcard(p) {
			m.wild = i
			m.rest = compile(strings.Join(m.parts[i:], "."))
			break
		}
	}
	m.lastTwo = strings.Join(m.parts[max(0, len(m.parts)-2):], "_")
	return m
}

func (m *fqnMatcher) match(fqn []string, versioned bool) bool {
	if len(fqn) == 0 {
		return false
	}
	// Dots inside fqn segments (e.g. versioned or dotted names) act as
	// separators for prefix matching; flatten once for both attempts.
	flat := fqn
	if slices.ContainsFunc(fqn, func(s string) bool { return strings.Contains(s, ".") }) {
		flat = strings.Split(strings.Join(fqn, "."), ".")
	}
	if m.matchOne(fqn, flat, versioned) {
		return true
	}
	if len(fqn) < 2 {
		return false
	}
	// Unscoped: drop the package segment.
	uflat := flat[1:]
	if strings.Contains(fqn[0], ".") {
		uflat = flat[strings.Count(fqn[0], ".")+1:]
	}
	return m.matchOne(fqn[1:], uflat, versioned)
}

func (m *fqnMatcher) matchOne(fqn, flat []string, versioned bool) bool {
	last := fqn[len(fqn)-1]
	if versioned {
		if len(fqn) >= 2 && fqn[len(fqn)-2] == m.sel {
			return true
		}
		lt := last
		if len(fqn) >= 2 {
			lt = fqn[len(fqn)-2] + "_" + last
		}
		if lt == m.lastTwo {
			return true
		}
	} else if last == m.sel {
		return true
	}
	if len(flat) < len(m.parts) {
		return false
	}
	for i, p := range m.parts {
		if i == m.wild {
			return m.rest.match(strings.Join(flat[i:], "."))
		}
		if flat[i] != p {
			return false
		}
	}
	return true
}

// pathPredicate matches a node whose file, YAML patch file, or any parent
// directory of its file matches the (possibly globbed) path relative to the
// project root. dbt globs the filesystem; matching node paths directly is
// equivalent for files that exist and needs no disk access.
func (u *Universe) pathPredicate(v string) func(*Node) bool {
	p := strings.ReplaceAll(v, `\`, "/")
	if path.IsAbs(p) || filepath.IsAbs(v) {
		if u.ProjectDir == "" {
			return func(*Node) bool { return false }
		}
		rel, err := filepath.Rel(u.ProjectDir, filepath.FromSlash(p))
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return func(*Node) bool { return false }
		}
		p = filepath.ToSlash(rel)
	}
	p = path.Clean(p)
	if p == "." {
		return func(n *Node) bool { return n.Path != "" }
	}
	if !hasWildcard(p) {
		return func(n *Node) bool {
			f := filepath.ToSlash(n.Path)
			return f == p || (len(f) > len(p) && f[len(p)] == '/' && strings.HasPrefix(f, p)) ||
				(n.PatchPath != "" && filepath.ToSlash(n.PatchPath) == p)
		}
	}
	g := compileGlob(p)
	return func(n *Node) bool {
		if n.PatchPath != "" && g.match(strings.Split(filepath.ToSlash(n.PatchPath), "/")) {
			return true
		}
		if n.Path == "" {
			return false
		}
		parts := strings.Split(filepath.ToSlash(n.Path), "/")
		for k := 1; k <= len(parts); k++ {
			if g.match(parts[:k]) {
				return true
			}
		}
		return false
	}
}

// implicitPath reports whether an unqualified value names an existing file
// or directory under the project root, in which case it means path:.
func (u *Universe) implicitPath(v string) bool {
	if u.ProjectDir == "" || hasWildcard(v) {
		return false
	}
	_, err := os.Stat(filepath.Join(u.ProjectDir, v))
	return err == nil
}

// lookup descends into nested config maps.
func lookup(cfg map[string]any, keys []string) (any, bool) {
	var cur any = cfg
	for _, k := range keys {
		var (
			v  any
			ok bool
		)
		switch m := cur.(type) {
		case map[string]any:
			v, ok = m[k]
		case map[string]string:
			v, ok = m[k]
		case map[any]any:
			v, ok = m[k]
		}
		if !ok {
			return nil, false
		}
		cur = v
	}
	return cur, true
}

// configMatch compares a config value with the selector value as strings;
// booleans compare case-insensitively ("True" selects true); a list matches
// when any element does. fold makes strings case-insensitive (severity).
func configMatch(val any, sel string, fold bool) bool {
	switch x := val.(type) {
	case []any:
		return slices.ContainsFunc(x, func(e any) bool { return configMatch(e, sel, fold) })
	case []string:
		return slices.ContainsFunc(x, func(e string) bool { return configMatch(e, sel, fold) })
	case string:
		if fold {
			return strings.EqualFold(x, sel)
		}
		return x == sel
	case bool:
		return strings.EqualFold(sel, strconv.FormatBool(x))
	case nil:
		return false
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64) == sel
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32) == sel
	}
	return fmt.Sprint(val) == sel
}
