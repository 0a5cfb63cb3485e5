// Package selectorfile reads selectors.yml: named selection definitions
// (--selector NAME, and the one marked `default: true` when nothing is
// selected on the command line). It is its own package, apart from the CLI,
// so it can be tested and fuzzed without building the whole command layer.
//
// Definitions take every dbt form: a CLI-style string; a one-key mapping
// ({tag: nightly}); a full criterion ({method, value, children, parents,
// childrens_parents, children_depth, parents_depth, indirect_selection,
// exclude}); {union: [...]} / {intersection: [...]} whose items may be
// {exclude: [...]}; and {method: selector, value: other} to reuse another
// selector. Every mistake is reported as selectors.yml:line:col.
package selectorfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/graph/selector"
)

// Def is one entry of selectors.yml.
type Def struct {
	Name        string
	Description string
	Default     bool
	Definition  *yaml.Node // as written; compiled by File.Expr
	Line        int
}

// File is a parsed selectors.yml whose every definition compiles.
type File struct {
	Path    string // as shown in messages (relative to the project)
	Defs    map[string]*Def
	Order   []string // names in file order
	Default string   // name of the default selector, if any
}

// Load reads <dir>/selectors.yml; a missing file is no error.
func Load(dir string) (*File, error) {
	full := filepath.Join(dir, "selectors.yml")
	b, err := os.ReadFile(full)
	if os.IsNotExist(err) {
		return &File{Path: "selectors.yml", Defs: map[string]*Def{}}, nil
	}
	if err != nil {
		return nil, err
	}
	return Parse("selectors.yml", b)
}

// Parse reads the selectors.yml text b; path names it in error messages.
func Parse(path string, b []byte) (*File, error) {
	sf := &File{Path: path, Defs: map[string]*Def{}}
	doc, err := project.UnmarshalNode(path, b)
	if err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return sf, nil
	}
	root := doc.Content[0]
	errAt := func(n *yaml.Node, format string, a ...any) error {
		return fmt.Errorf("%s:%d:%d: %s", path, n.Line, n.Column, fmt.Sprintf(format, a...))
	}
	if root.Kind != yaml.MappingNode {
		return nil, errAt(root, "expected a mapping with a `selectors:` list")
	}
	list := mapValue(root, "selectors")
	if list == nil {
		return nil, errAt(root, "missing `selectors:` list")
	}
	if list.Kind != yaml.SequenceNode {
		return nil, errAt(list, "`selectors:` must be a list of {name, definition} entries")
	}
	for _, item := range list.Content {
		if item.Kind != yaml.MappingNode {
			return nil, errAt(item, "each selector must be a mapping with `name` and `definition`")
		}
		d := &Def{Line: item.Line}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			switch k.Value {
			case "name":
				d.Name = v.Value
			case "description":
				d.Description = v.Value
			case "default":
				bv, err := strconv.ParseBool(v.Value)
				if err != nil || v.Kind != yaml.ScalarNode {
					return nil, errAt(v, "`default` must be true or false")
				}
				d.Default = bv
			case "definition":
				d.Definition = v
			default:
				return nil, errAt(k, "unknown selector key '%s' (expected name, description, default, definition)", k.Value)
			}
		}
		if d.Name == "" {
			return nil, errAt(item, "selector without a `name`")
		}
		if d.Definition == nil {
			return nil, errAt(item, "selector '%s' has no `definition`", d.Name)
		}
		if old, dup := sf.Defs[d.Name]; dup {
			return nil, errAt(item, "selector '%s' is defined twice (also at line %d)", d.Name, old.Line)
		}
		if d.Default {
			if sf.Default != "" {
				return nil, errAt(item, "selectors '%s' and '%s' are both `default: true`; at most one selector may be the default", sf.Default, d.Name)
			}
			sf.Default = d.Name
		}
		sf.Defs[d.Name] = d
		sf.Order = append(sf.Order, d.Name)
	}
	// Compile every definition once so mistakes surface even in unused ones.
	for _, name := range sf.Order {
		if _, err := sf.Expr(name); err != nil {
			return nil, err
		}
	}
	return sf, nil
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// Expr builds the expression of the selector called name.
func (sf *File) Expr(name string) (*selector.Expr, error) {
	return sf.expr(name, nil)
}

// expr builds the expression of selector name; stack detects cycles.
func (sf *File) expr(name string, stack []string) (*selector.Expr, error) {
	d, ok := sf.Defs[name]
	if !ok {
		names := strings.Join(sf.Order, ", ")
		if names == "" {
			names = "none: add selectors.yml to the project"
		}
		return nil, fmt.Errorf("unknown selector '%s' (defined in %s: %s)", name, sf.Path, names)
	}
	for _, s := range stack {
		if s == name {
			return nil, fmt.Errorf("%s:%d: selectors reference each other in a cycle: %s -> %s", sf.Path, d.Line, strings.Join(stack, " -> "), name)
		}
	}
	return sf.node(d.Definition, append(stack, name))
}

func (sf *File) errAt(n *yaml.Node, format string, a ...any) error {
	return fmt.Errorf("%s:%d:%d: %s", sf.Path, n.Line, n.Column, fmt.Sprintf(format, a...))
}

// node compiles one definition node.
func (sf *File) node(n *yaml.Node, stack []string) (*selector.Expr, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		e, err := selector.Parse([]string{n.Value}, nil)
		if err != nil {
			return nil, sf.errAt(n, "%v", err)
		}
		return e, nil
	case yaml.MappingNode:
	default:
		return nil, sf.errAt(n, "a selector definition is a string or a mapping")
	}
	if len(n.Content) == 2 {
		k, v := n.Content[0], n.Content[1]
		switch k.Value {
		case "union", "intersection":
			return sf.composite(k.Value, v, stack)
		case "exclude":
			return nil, sf.errAt(k, "`exclude` is only allowed inside a union or intersection list, or next to `method`")
		case "method":
		default:
			if v.Kind != yaml.ScalarNode {
				return nil, sf.errAt(v, "the value of '%s' must be a string", k.Value)
			}
			return sf.criterion(k, k.Value, v.Value, nil, stack)
		}
	}
	return sf.fullCriterion(n, stack)
}

func (sf *File) composite(op string, v *yaml.Node, stack []string) (*selector.Expr, error) {
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		return nil, sf.errAt(v, "`%s` needs a non-empty list of definitions", op)
	}
	var args, excl []*selector.Expr
	for _, item := range v.Content {
		if item.Kind == yaml.MappingNode && len(item.Content) == 2 && item.Content[0].Value == "exclude" {
			ex, err := sf.excludeList(item.Content[1], stack)
			if err != nil {
				return nil, err
			}
			excl = append(excl, ex)
			continue
		}
		e, err := sf.node(item, stack)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 0 {
		return nil, sf.errAt(v, "`%s` has only `exclude` items; add something to select", op)
	}
	var e *selector.Expr
	switch {
	case len(args) == 1:
		e = args[0]
	case op == "union":
		e = selector.Union(args...)
	default:
		e = selector.Intersection(args...)
	}
	if len(excl) > 0 {
		e = selector.Difference(e, excl...)
	}
	return e, nil
}

func (sf *File) excludeList(v *yaml.Node, stack []string) (*selector.Expr, error) {
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		return nil, sf.errAt(v, "`exclude` needs a non-empty list of definitions")
	}
	var out []*selector.Expr
	for _, item := range v.Content {
		e, err := sf.node(item, stack)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return selector.Union(out...), nil
}

// fullCriterion compiles {method, value, children, parents, ...}.
func (sf *File) fullCriterion(n *yaml.Node, stack []string) (*selector.Expr, error) {
	var method, value *yaml.Node
	var excl *yaml.Node
	opts := &critOpts{parentsDepth: -1, childrenDepth: -1}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "method":
			method = v
		case "value":
			value = v
		case "exclude":
			excl = v
		case "children", "parents", "childrens_parents":
			b, err := strconv.ParseBool(v.Value)
			if err != nil || v.Kind != yaml.ScalarNode {
				return nil, sf.errAt(v, "`%s` must be true or false", k.Value)
			}
			switch k.Value {
			case "children":
				opts.children = b
			case "parents":
				opts.parents = b
			default:
				opts.childrensParents = b
			}
		case "children_depth", "parents_depth":
			d, err := strconv.Atoi(v.Value)
			if err != nil || d < 0 {
				return nil, sf.errAt(v, "`%s` must be a non-negative integer", k.Value)
			}
			if k.Value == "children_depth" {
				opts.childrenDepth = d
			} else {
				opts.parentsDepth = d
			}
		case "indirect_selection":
			m, err := selector.ParseIndirectMode(v.Value)
			if err != nil || v.Value == "" {
				return nil, sf.errAt(v, "invalid indirect_selection '%s' (expected eager, cautious, buildable or empty)", v.Value)
			}
			opts.indirect = m
		default:
			return nil, sf.errAt(k, "unknown key '%s' in a selector definition (expected method, value, children, parents, childrens_parents, children_depth, parents_depth, indirect_selection, exclude; or union/intersection)", k.Value)
		}
	}
	if method == nil || value == nil {
		return nil, sf.errAt(n, "a selector criterion needs both `method` and `value`")
	}
	if value.Kind != yaml.ScalarNode {
		return nil, sf.errAt(value, "`value` must be a string")
	}
	e, err := sf.criterion(method, method.Value, value.Value, opts, stack)
	if err != nil {
		return nil, err
	}
	if excl != nil {
		ex, err := sf.excludeList(excl, stack)
		if err != nil {
			return nil, err
		}
		e = selector.Difference(e, ex)
	}
	return e, nil
}

type critOpts struct {
	parents, children, childrensParents bool
	parentsDepth, childrenDepth         int
	indirect                            selector.IndirectMode
}

// criterion compiles method:value with graph options, reusing the CLI
// grammar so validation and error messages are the same.
func (sf *File) criterion(at *yaml.Node, method, value string, o *critOpts, stack []string) (*selector.Expr, error) {
	if method == "selector" {
		if o != nil && (o.parents || o.children || o.childrensParents) {
			return nil, sf.errAt(at, "graph operators cannot be applied to `method: selector`")
		}
		// As dbt, which reads the selectors in file order: a selector can
		// only use one defined above it.
		if d, ok := sf.Defs[value]; ok && len(stack) > 0 {
			if user := sf.Defs[stack[len(stack)-1]]; user != nil && d.Line > user.Line {
				return nil, sf.errAt(at, "selector '%s' uses selector '%s', which is defined below it (line %d); dbt reads selectors in order, so move '%s' above '%s'", user.Name, value, d.Line, value, user.Name)
			}
		}
		e, err := sf.expr(value, stack)
		if err != nil {
			return nil, sf.errAt(at, "%v", err)
		}
		if o != nil && o.indirect != "" {
			e = &selector.Expr{Op: selector.OpUnion, Args: []*selector.Expr{e}, Indirect: o.indirect}
		}
		return e, nil
	}
	var b strings.Builder
	if o != nil && o.childrensParents {
		b.WriteByte('@')
	}
	if o != nil && o.parents {
		if o.parentsDepth >= 0 {
			b.WriteString(strconv.Itoa(o.parentsDepth))
		}
		b.WriteByte('+')
	}
	b.WriteString(method)
	b.WriteByte(':')
	b.WriteString(value)
	if o != nil && o.children {
		b.WriteByte('+')
		if o.childrenDepth >= 0 {
			b.WriteString(strconv.Itoa(o.childrenDepth))
		}
	}
	spec, err := selector.ParseSpec(b.String())
	if err != nil {
		return nil, sf.errAt(at, "%v", err)
	}
	e := selector.Criterion(spec)
	if o != nil {
		e.Indirect = o.indirect
	}
	return e, nil
}
