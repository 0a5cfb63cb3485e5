// Package selector evaluates dbt node selection (--select/--exclude, YAML
// selectors) over a graph.Graph.
//
// Evaluation follows dbt's model, so results match it on real projects:
//
//  1. A criterion selects the nodes its method matches, then adds graph
//     neighbours for "+", "N+", "+N" and "@".
//  2. Indirect test selection is applied per criterion: a test (or unit
//     test) that is a graph child of a selected node is added per the mode
//     (eager: any parent selected; cautious: all parents; buildable: all
//     parents selected or upstream of the selection, sources always count;
//     empty: never). Tests that qualify only partially are remembered as
//     "indirect" candidates.
//  3. Composites combine the direct sets with union/intersection/difference,
//     combine the direct+candidate sets the same way, and then re-admit
//     candidates whose parents are now all covered (cautious/buildable).
//
// Consequence for --exclude: the exclusion is evaluated like a selection,
// with the same indirect mode, before being subtracted. In the default eager
// mode, excluding a model therefore also excludes every test touching it,
// including a relationships test that also depends on a still-selected
// model. In cautious/buildable mode only tests whose parents are all
// excluded are removed with it. An explicitly excluded test always stays out.
//
// Invariants: Universe.Nodes keys are a subset of Universe.Graph's nodes
// (checked); a Universe must not be modified after its first Select (it
// caches an index). Select is safe for concurrent use on one Universe.
package selector

import (
	"fmt"
	"sync"

	"github.com/kiln-dev/kiln/graph"
)

// Node is the view of a manifest node that selection needs.
type Node struct {
	ID           string // unique_id, e.g. model.shop.orders
	Name         string // for sources: the table name
	ResourceType string // model, seed, snapshot, test, unit_test, source, exposure, ...
	Package      string
	FQN          []string
	Tags         []string
	// Path is original_file_path relative to the project root, slash-
	// separated (e.g. models/staging/stg_orders.sql). PatchPath is the YAML
	// file that describes the node, if any (also matched by path:).
	Path      string
	PatchPath string
	Config    map[string]any
	// SourceName is the source a source table belongs to.
	SourceName string
	// TestType is "generic", "singular" or "unit" for tests; TestName is the
	// generic test macro name (e.g. "unique").
	TestType string
	TestName string
	// Version and LatestVersion are set for versioned models ("" otherwise).
	Version       string
	LatestVersion string
}

// MethodFunc implements a selection method outside this package (state:,
// result:, source_status:, or overrides). It returns the matching IDs, which
// must be nodes of the graph. Graph operators and indirect selection are
// applied by the caller of the hook, as for built-in methods.
type MethodFunc func(u *Universe, args []string, value string) ([]string, error)

// Universe is everything selection looks at.
type Universe struct {
	Graph       *graph.Graph
	Nodes       map[string]*Node
	RootPackage string // resolves package:this
	// ProjectDir, when set, lets an unqualified value that names an existing
	// file or directory mean path:, and resolves absolute path: values.
	ProjectDir string
	// Methods adds or overrides methods by name. The name must be one Parse
	// recognises (see MethodNames).
	Methods map[string]MethodFunc

	once    sync.Once
	byIndex []*Node // graph index -> node (nil for graph-only nodes)
	tests   []bool  // graph index -> test-like node
	sources []int   // graph indices of sources
	initErr error
}

func (u *Universe) init() error {
	u.once.Do(func() {
		g := u.Graph
		if g == nil {
			u.initErr = fmt.Errorf("selector: Universe.Graph is nil")
			return
		}
		u.byIndex = make([]*Node, g.Len())
		u.tests = make([]bool, g.Len())
		for id, n := range u.Nodes {
			i := g.Index(id)
			if i < 0 {
				u.initErr = fmt.Errorf("selector: node %q is not in the graph", id)
				return
			}
			u.byIndex[i] = n
			u.tests[i] = n.ResourceType == "test" || n.ResourceType == "unit_test"
			if n.ResourceType == "source" {
				u.sources = append(u.sources, i)
			}
		}
	})
	return u.initErr
}

// IndirectMode is the --indirect-selection mode.
type IndirectMode string

const (
	Eager     IndirectMode = "eager"
	Cautious  IndirectMode = "cautious"
	Buildable IndirectMode = "buildable"
	Empty     IndirectMode = "empty"
)

// ParseIndirectMode validates a flag value ("" means eager).
func ParseIndirectMode(s string) (IndirectMode, error) {
	switch m := IndirectMode(s); m {
	case "":
		return Eager, nil
	case Eager, Cautious, Buildable, Empty:
		return m, nil
	}
	return "", fmt.Errorf("invalid indirect selection mode %q (expected eager, cautious, buildable or empty)", s)
}

// Options tune Select.
type Options struct {
	Indirect IndirectMode // "" = eager
	// OnNoMatch, if set, receives the text of every CLI term (Expr.Raw) that
	// selected nothing, for dbt's "does not match any enabled nodes" warning.
	OnNoMatch func(raw string)
}

// Select evaluates e (nil = every node) and returns the selected IDs,
// sorted. Resource-type filtering is left to the caller.
func Select(u *Universe, e *Expr, opts Options) ([]string, error) {
	s, err := SelectSet(u, e, opts)
	if err != nil {
		return nil, err
	}
	return s.IDs(), nil
}

// SelectSet is Select returning the graph set, for callers that go on
// combining sets.
func SelectSet(u *Universe, e *Expr, opts Options) (*graph.Set, error) {
	if err := u.init(); err != nil {
		return nil, err
	}
	if e == nil {
		e = All()
	}
	mode := opts.Indirect
	if mode == "" {
		mode = Eager
	}
	if _, err := ParseIndirectMode(string(mode)); err != nil {
		return nil, err
	}
	ev := &evaluator{u: u, g: u.Graph, mode: mode, onNoMatch: opts.OnNoMatch}
	direct, _, err := ev.eval(e)
	return direct, err
}

type evaluator struct {
	u         *Universe
	g         *graph.Graph
	mode      IndirectMode
	onNoMatch func(string)
}

func (ev *evaluator) modeOf(e *Expr) (IndirectMode, error) {
	if e.Indirect == "" {
		return ev.mode, nil
	}
	return ParseIndirectMode(string(e.Indirect))
}

// eval returns the directly selected nodes and the indirect test candidates.
func (ev *evaluator) eval(e *Expr) (direct, indirect *graph.Set, err error) {
	mode, err := ev.modeOf(e)
	if err != nil {
		return nil, nil, err
	}
	switch e.Op {
	case OpAll:
		return ev.g.All(), ev.g.NewSet(), nil
	case OpCriterion:
		sel, err := ev.criterion(e.Spec)
		if err != nil {
			return nil, nil, err
		}
		direct, indirect = ev.expand(sel, mode)
	case OpUnion, OpIntersection, OpDifference:
		if len(e.Args) == 0 {
			return nil, nil, fmt.Errorf("selector: empty composite expression")
		}
		var withIndirect *graph.Set
		for k, a := range e.Args {
			d, i, err := ev.eval(a)
			if err != nil {
				return nil, nil, err
			}
			i.Union(d)
			if k == 0 {
				direct, withIndirect = d, i
				continue
			}
			switch e.Op {
			case OpUnion:
				direct.Union(d)
				withIndirect.Union(i)
			case OpIntersection:
				direct.Intersect(d)
				withIndirect.Intersect(i)
			case OpDifference:
				direct.Subtract(d)
				withIndirect.Subtract(i)
			}
		}
		direct = ev.incorporate(direct, withIndirect, mode)
		indirect = withIndirect
	default:
		return nil, nil, fmt.Errorf("selector: unknown expression op %d", e.Op)
	}
	if e.Raw != "" && ev.onNoMatch != nil && direct.Len() == 0 {
		ev.onNoMatch(e.Raw)
	}
	return direct, indirect, nil
}

// criterion applies the method and graph operators of one spec.
func (ev *evaluator) criterion(s *Spec) (*graph.Set, error) {
	matched := ev.g.NewSet()
	method := s.Method
	if s.Implicit && method == MethodFQN && ev.u.implicitPath(s.Value) {
		method = MethodPath
	}
	if hook, ok := ev.u.Methods[method]; ok {
		ids, err := hook(ev.u, s.Args, s.Value)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if !matched.Add(id) {
				return nil, fmt.Errorf("selector method '%s' returned unknown node %q", method, id)
			}
		}
	} else {
		spec := s
		if method != s.Method {
			c := *s
			c.Method = method
			spec = &c
		}
		pred, err := ev.u.predicate(spec)
		if err != nil {
			return nil, err
		}
		for i, n := range ev.u.byIndex {
			if n != nil && pred(n) {
				matched.AddIndex(i)
			}
		}
	}
	out := matched.Clone()
	if s.Parents {
		out.Union(ev.g.AncestorsOf(matched, s.ParentsDepth))
	}
	if s.Children {
		out.Union(ev.g.DescendantsOf(matched, s.ChildrenDepth))
	}
	if s.ChildrensParents {
		down := ev.g.DescendantsOf(matched, -1).Union(matched)
		out.Union(down).Union(ev.g.AncestorsOf(down, -1))
	}
	return out, nil
}

// parentsWithin reports whether every graph parent of test index t is in one
// of the sets.
func (ev *evaluator) parentsWithin(t int, sets ...*graph.Set) bool {
next:
	for _, p := range ev.g.ParentIndices(t) {
		for _, s := range sets {
			if s.HasIndex(int(p)) {
				continue next
			}
		}
		return false
	}
	return true
}

// expand adds tests attached to selected nodes (step 2 in the package doc).
func (ev *evaluator) expand(sel *graph.Set, mode IndirectMode) (direct, indirect *graph.Set) {
	direct, indirect = sel.Clone(), ev.g.NewSet()
	if mode == Empty {
		return direct, indirect
	}
	var buildable *graph.Set
	sel.Each(func(i int) {
		for _, c32 := range ev.g.ChildIndices(i) {
			c := int(c32)
			if !ev.u.tests[c] || direct.HasIndex(c) {
				continue
			}
			switch {
			case mode == Eager || ev.parentsWithin(c, sel):
				direct.AddIndex(c)
			case mode == Buildable:
				if buildable == nil {
					buildable = ev.g.AncestorsOf(sel, -1).Union(sel)
					for _, s := range ev.u.sources {
						buildable.AddIndex(s)
					}
				}
				if ev.parentsWithin(c, buildable) {
					direct.AddIndex(c)
				} else {
					indirect.AddIndex(c)
				}
			default:
				indirect.AddIndex(c)
			}
		}
	})
	return direct, indirect
}

// incorporate re-admits candidate tests whose parents are now covered
// (step 3 in the package doc).
func (ev *evaluator) incorporate(direct, candidates *graph.Set, mode IndirectMode) *graph.Set {
	if mode != Cautious && mode != Buildable {
		return direct
	}
	pending := candidates.Clone().Subtract(direct)
	if pending.Len() == 0 {
		return direct
	}
	cover := direct
	if mode == Buildable {
		cover = ev.g.AncestorsOf(direct, -1).Union(direct)
	}
	var add []int
	pending.Each(func(i int) {
		if ev.u.tests[i] && ev.parentsWithin(i, cover) {
			add = append(add, i)
		}
	})
	for _, i := range add {
		direct.AddIndex(i)
	}
	return direct
}
