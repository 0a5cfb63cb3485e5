package project

// Model versions (dbt 1.5+): a model entry's `versions:` list. Each version
// is its own node, built from `<name>_v<v>.sql` or the file named by
// `defined_in:`, with the model's properties merged with the version's.

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/internal/diag"
)

// ModelVersion is one entry of a model's versions: list.
type ModelVersion struct {
	V               any // as written: 1, 2.0, "beta"
	DefinedIn       string
	Description     string
	Access          string
	Config          map[string]any
	ConfigPos       map[string]diag.Pos
	Constraints     []map[string]any
	Docs            map[string]any
	Tests           []TestDef
	Columns         []ColumnPatch // the version's own column entries
	Include         []string      // nil with IncludeAll: every model column
	IncludeAll      bool
	Exclude         []string
	DeprecationDate string
	Pos             diag.Pos
}

// VersionName is the identifier dbt uses in unique_ids, fqns and test
// names: "v" followed by the version as written.
func (v ModelVersion) VersionName() string { return "v" + FormatVersion(v.V) }

// FormatVersion prints a version value as Python's str() would.
func FormatVersion(v any) string {
	switch x := v.(type) {
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprintf("%.1f", x)
		}
		return fmt.Sprint(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

var versionKeys = []string{"v", "defined_in", "description", "access", "config", "constraints", "docs",
	"data_tests", "tests", "columns", "deprecation_date"}

func (d *ydoc) modelVersions(n *ynode, own *owner) []ModelVersion {
	var out []ModelVersion
	seen := map[string]diag.Pos{}
	for _, it := range d.list(n, "versions") {
		if it.Kind != yaml.MappingNode {
			d.errorf(it, "yaml-type", "write each version as a mapping, e.g. `- v: 1`", "each versions entry must be a mapping, not a %s", kindName(it))
			continue
		}
		ps := d.pairs(it)
		mv := ModelVersion{Pos: d.pos(it), IncludeAll: true}
		vown := &owner{what: "version", name: "?", parent: own}
		hasV := false
		for _, e := range ps {
			if e.Key == "v" {
				hasV = true
				mv.V = d.value(e.V)
				if mv.V == nil || isCollection(mv.V) {
					d.errorf(orNode(e.V, e.K), "version-v", "write the version as a number or a string, e.g. `v: 2`", "v: of a version of %s must be a number or a string", own)
					hasV = false
				}
				vown.name = FormatVersion(mv.V)
			}
		}
		if !hasV {
			d.errorf(it, "version-v", "add `v: 1` (the version identifier)", "version entry of %s has no v:", own)
			continue
		}
		if p, dup := seen[FormatVersion(mv.V)]; dup {
			d.errorf(it, "duplicate-version", "give each version its own v:", "version %s of %s is declared twice (also at line %d)", FormatVersion(mv.V), own, p.Line)
			continue
		}
		seen[FormatVersion(mv.V)] = mv.Pos
		d.checkKeys(ps, versionKeys, vown)
		var testsSeen kv
		for _, e := range ps {
			switch e.Key {
			case "defined_in":
				mv.DefinedIn = d.str(e.V, "defined_in")
			case "description":
				mv.Description = d.str(e.V, "description")
			case "access":
				mv.Access = d.access(e.V)
			case "config":
				mv.Config, mv.ConfigPos = d.config(e.V, "models")
			case "constraints":
				mv.Constraints = d.mapList(e.V, "constraints")
			case "docs":
				mv.Docs = d.mapValue(e.V, "docs")
			case "tests", "data_tests":
				if d.testsKey(&testsSeen, e, vown) {
					mv.Tests = d.tests(e.V, "", vown)
				}
			case "deprecation_date":
				mv.DeprecationDate = d.str(e.V, "deprecation_date")
			case "columns":
				d.versionColumns(e.V, vown, &mv)
			}
		}
		out = append(out, mv)
	}
	return out
}

func isCollection(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// versionColumns splits a version's columns: list into its (at most one)
// include/exclude element and its column entries.
func (d *ydoc) versionColumns(n *ynode, own *owner, mv *ModelVersion) {
	var cols []*ynode
	sawIncl := false
	for _, it := range d.list(n, "columns") {
		if it.Kind != yaml.MappingNode {
			cols = append(cols, it) // d.columns reports it
			continue
		}
		ps := d.pairs(it)
		isIncl := false
		for _, e := range ps {
			if e.Key == "include" || e.Key == "exclude" {
				isIncl = true
			}
		}
		if !isIncl {
			cols = append(cols, it)
			continue
		}
		if sawIncl {
			d.errorf(it, "version-include", "merge them into one `- include: ...` entry", "version %s of %s has more than one include/exclude entry", own.name, own.parent)
			continue
		}
		sawIncl = true
		for _, e := range ps {
			switch e.Key {
			case "include":
				if x := deref(e.V); x != nil && x.Kind == yaml.ScalarNode && (x.Value == "all" || x.Value == "*") {
					mv.IncludeAll = true
				} else {
					mv.IncludeAll = false
					mv.Include = d.strList(e.V, "include")
					if mv.Include == nil {
						mv.Include = []string{}
					}
				}
			case "exclude":
				mv.Exclude = d.strList(e.V, "exclude")
			default:
				d.errorf(e.K, "unknown-key", "an include/exclude entry has only include: and exclude:", "unknown key '%s' next to include/exclude in version %s of %s", e.Key, own.name, own.parent)
			}
		}
	}
	if len(cols) > 0 {
		mv.Columns = d.columns(&ynode{Kind: yaml.SequenceNode, Content: cols, Line: n.Line, Column: n.Column}, own)
	}
}
