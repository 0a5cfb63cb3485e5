package compiler

import (
	"sort"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// inferPrimaryKeys fills each model's primary_key as dbt infers it: the
// columns of a primary_key constraint (model or column level), else the
// columns having both a unique and a not_null test, else the columns with
// an enabled unique (or unique_combination_of_columns) test.
func (b *builder) inferPrimaryKeys() {
	type colTests struct{ unique, uniqueDisabled, notNull map[string]bool }
	byModel := map[string]*colTests{}
	record := func(n *manifest.Node, enabled bool) {
		tm := n.TestMetadata
		if tm == nil || n.AttachedNode == "" {
			return
		}
		var cols []string
		if c, ok := tm.Kwargs["column_name"].(string); ok {
			cols = []string{c}
		} else if list, ok := tm.Kwargs["combination_of_columns"].([]any); ok {
			for _, x := range list {
				if s, ok := x.(string); ok {
					cols = append(cols, s)
				}
			}
		}
		ct := byModel[n.AttachedNode]
		if ct == nil {
			ct = &colTests{map[string]bool{}, map[string]bool{}, map[string]bool{}}
			byModel[n.AttachedNode] = ct
		}
		for _, c := range cols {
			switch tm.Name {
			case "unique", "unique_combination_of_columns":
				if enabled {
					ct.unique[c] = true
				} else {
					ct.uniqueDisabled[c] = true
				}
			case "not_null":
				ct.notNull[c] = true
			}
		}
	}
	for _, n := range b.m.Nodes {
		record(n, true)
	}
	for _, list := range b.m.Disabled {
		for _, n := range list {
			record(n, false)
		}
	}
	for _, n := range b.m.Nodes {
		if n.ResourceType != manifest.Model {
			continue
		}
		n.PrimaryKey = constraintKey(n)
		if n.PrimaryKey != nil {
			continue
		}
		ct := byModel[n.UniqueID]
		if ct == nil {
			continue
		}
		var both, unique []string
		for c := range ct.notNull {
			if ct.unique[c] || ct.uniqueDisabled[c] {
				both = append(both, c)
			}
		}
		for c := range ct.unique {
			unique = append(unique, c)
		}
		sort.Strings(both)
		sort.Strings(unique)
		if len(both) > 0 {
			n.PrimaryKey = both
		} else if len(unique) > 0 {
			n.PrimaryKey = unique
		}
	}
}

// constraintKey is the primary key a model's constraints declare, or nil.
func constraintKey(n *manifest.Node) []string {
	for _, c := range n.Constraints {
		if c["type"] == "primary_key" {
			return manifest.StringList(c["columns"])
		}
	}
	var out []string
	for _, name := range manifest.Sorted(n.Columns) {
		for _, c := range n.Columns[name].Constraints {
			if c["type"] == "primary_key" {
				out = append(out, n.Columns[name].Name)
			}
		}
	}
	return out
}
