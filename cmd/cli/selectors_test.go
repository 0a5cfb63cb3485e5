package cli

import (
	"strings"
	"testing"
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
	sf, err := parseSelectorFile("selectors.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if sf.deflt != "composite" {
		t.Errorf("default = %q", sf.deflt)
	}
	for name, want := range map[string]string{
		"cli":       "tag:nightly+ config.materialized:table,stg_*",
		"short":     "tag:nightly",
		"full":      "2+fqn:orders+1",
		"at":        "@path:models/marts",
		"composite": "tag:a,config.meta.owner:ana tag:nightly --exclude orders resource_type:test",
		"excl":      "tag:x --exclude y",
	} {
		e, err := sf.expr(name, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := e.String(); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	e, _ := sf.expr("full", nil)
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
	} {
		_, err := parseSelectorFile("selectors.yml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.src, err, tc.want)
		}
	}
}
