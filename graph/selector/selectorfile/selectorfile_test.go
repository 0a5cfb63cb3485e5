package selectorfile

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/graph/selector"
)

func TestSelectorDefinitionForms(t *testing.T) {
	src := `selectors:
  - name: cli
    definition: "tag:nightly+ config.materialized:table,stg_*"
  - name: short
    definition:
      tag: nightly
  - name: full
    definition:
      method: fqn
      value: orders
      parents: true
      parents_depth: 2
      children: true
      children_depth: 1
      indirect_selection: cautious
  - name: at
    definition:
      method: path
      value: models/marts
      childrens_parents: true
  - name: composite
    default: true
    definition:
      union:
        - intersection:
            - tag: a
            - "config.meta.owner:ana"
        - method: selector
          value: short
        - exclude:
            - orders
            - method: resource_type
              value: test
  - name: excl
    definition:
      method: tag
      value: x
      exclude: [y]
`
	sf, err := Parse("selectors.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if sf.Default != "composite" {
		t.Errorf("default = %q", sf.Default)
	}
	for name, want := range map[string]string{
		"cli":       "tag:nightly+ config.materialized:table,stg_*",
		"short":     "tag:nightly",
		"full":      "2+fqn:orders+1",
		"at":        "@path:models/marts",
		"composite": "tag:a,config.meta.owner:ana tag:nightly --exclude orders resource_type:test",
		"excl":      "tag:x --exclude y",
	} {
		e, err := sf.Expr(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := e.String(); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	e, _ := sf.Expr("full")
	if e.Indirect != "cautious" {
		t.Errorf("indirect_selection not kept: %q", e.Indirect)
	}
}

func TestSelectorFileErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"selectors: {}\n", "selectors.yml:1:12: `selectors:` must be a list"},
		{"selectors:\n  - definition: x\n", "selectors.yml:2:5: selector without a `name`"},
		{"selectors:\n  - name: a\n", "selector 'a' has no `definition`"},
		{"selectors:\n  - name: a\n    definition: x\n  - name: a\n    definition: y\n", "selectors.yml:4:5: selector 'a' is defined twice (also at line 2)"},
		{"selectors:\n  - name: a\n    definition:\n      method: tag\n", "needs both `method` and `value`"},
		{"selectors:\n  - name: a\n    definition:\n      method: tag\n      value: x\n      children_depth: -1\n", "selectors.yml:6:23: `children_depth` must be a non-negative integer"},
		{"selectors:\n  - name: a\n    definition:\n      method: tag\n      value: x\n      indirect_selection: lazy\n", "invalid indirect_selection 'lazy'"},
		{"selectors:\n  - name: a\n    definition:\n      method: selector\n      value: missing\n", "unknown selector 'missing'"},
		{"selectors:\n  - name: a\n    definition: \"tag:x+ @y\"\n  - name: b\n    definition: \"@y+\"\n", "selectors.yml:5:17: invalid selector \"@y+\": the '@' prefix and a trailing '+' cannot be combined"},
		{"selectors:\n  - name: a\n    definition:\n      exclude: [x]\n", "only allowed inside a union"},
		{"selectors:\n  - name: a\n    colour: red\n    definition: x\n", "unknown selector key 'colour'"},
		{"selectors:\n  - name: b\n    definition: {method: selector, value: a}\n  - name: a\n    definition: x\n", "selectors.yml:3:26: selector 'b' uses selector 'a', which is defined below it (line 4)"},
	} {
		_, err := Parse("selectors.yml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.src, err, tc.want)
		}
	}
}

// posRe is the position every Parse error starts with: the file, then a
// line (and a column where one node is to blame).
var posRe = regexp.MustCompile(`^selectors\.yml:[1-9][0-9]*(:[1-9][0-9]*)?: `)

// FuzzParseSelectorFile: Parse never panics; every error names
// selectors.yml and a line; an accepted file resolves every selector it
// defines; and writing the definitions back out as YAML gives a file that
// parses to the same selectors (compilation depends on the YAML's content,
// not on how it was spelled: flow or block style, quoting, comments).
func FuzzParseSelectorFile(f *testing.F) {
	for _, s := range []string{
		"selectors:\n  - name: a\n    definition: \"tag:x+ @y\"\n",
		"selectors:\n  - name: a\n    default: true\n    definition: {tag: nightly}\n",
		"selectors:\n  - name: a\n    definition:\n      union:\n        - intersection: [{tag: a}, \"config.meta.owner:ana\"]\n        - exclude: [orders, {method: resource_type, value: test}]\n",
		"selectors:\n  - name: a\n    definition:\n      method: fqn\n      value: orders\n      parents: true\n      parents_depth: 2\n      children: true\n      children_depth: 1\n      indirect_selection: cautious\n      exclude: [y]\n",
		"selectors:\n  - name: b\n    definition: {method: selector, value: a, indirect_selection: eager}\n  - name: a\n    definition: {method: path, value: models/marts, childrens_parents: true}\n",
		"selectors:\n  - name: a\n    definition: {method: selector, value: a}\n",
		"selectors:\n  - name: a\n    description: &d x\n    definition: *d\n",
		"selectors: {}\n", "selectors:\n  - definition: x\n", "- a\n", "selectors: [\n", "",
		"selectors:\n\t- name: a\n", "selectors:\n  - name: a\n    definition: \"\\x00\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		sf, err := Parse("selectors.yml", src)
		if err != nil {
			if !posRe.MatchString(err.Error()) {
				t.Fatalf("error without selectors.yml:line: %v", err)
			}
			return
		}
		if sf.Default != "" && sf.Defs[sf.Default] == nil {
			t.Fatalf("default %q is not defined", sf.Default)
		}
		if len(sf.Order) != len(sf.Defs) {
			t.Fatalf("%d names in order, %d definitions", len(sf.Order), len(sf.Defs))
		}
		want := map[string]string{}
		for _, name := range sf.Order {
			e, err := sf.Expr(name)
			if err != nil {
				t.Fatalf("accepted file, but selector %q does not compile: %v", name, err)
			}
			want[name] = describe(e)
		}
		out, ok := reencode(sf)
		if !ok {
			return // an alias reaches outside its definition: no standalone copy
		}
		sf2, err := Parse("selectors.yml", out)
		if err != nil {
			t.Fatalf("re-encoded file fails: %v\n%s", err, out)
		}
		if sf2.Default != sf.Default || !slices.Equal(sf2.Order, sf.Order) {
			t.Fatalf("re-encoded: default %q order %q, want %q %q", sf2.Default, sf2.Order, sf.Default, sf.Order)
		}
		for _, name := range sf.Order {
			e, err := sf2.Expr(name)
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(e); got != want[name] {
				t.Fatalf("%s: re-encoded %s, was %s\n%s", name, got, want[name], out)
			}
		}
	})
}

// describe prints an expression with its indirect_selection overrides,
// which Expr.String leaves out.
func describe(e *selector.Expr) string {
	var b strings.Builder
	var walk func(*selector.Expr)
	walk = func(e *selector.Expr) {
		fmt.Fprintf(&b, "(%d %q", e.Op, e.Indirect)
		if e.Spec != nil {
			b.WriteString(" " + e.String())
		}
		for _, a := range e.Args {
			walk(a)
		}
		b.WriteByte(')')
	}
	walk(e)
	return b.String()
}

// reencode writes sf's selectors back out as YAML; false when a definition
// holds an alias (its anchor may live outside the definition).
func reencode(sf *File) ([]byte, bool) {
	type entry struct {
		Name        string     `yaml:"name"`
		Description string     `yaml:"description,omitempty"`
		Default     bool       `yaml:"default,omitempty"`
		Definition  *yaml.Node `yaml:"definition"`
	}
	var hasAlias func(*yaml.Node) bool
	hasAlias = func(n *yaml.Node) bool {
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			return true
		}
		return slices.ContainsFunc(n.Content, hasAlias)
	}
	var list []entry
	for _, name := range sf.Order {
		d := sf.Defs[name]
		if hasAlias(d.Definition) {
			return nil, false
		}
		list = append(list, entry{d.Name, d.Description, d.Default, d.Definition})
	}
	out, err := yaml.Marshal(map[string]any{"selectors": list})
	if err != nil {
		return nil, false
	}
	return out, true
}
