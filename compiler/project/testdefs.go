package project

// Generic test entries under data_tests:/tests:, in every form dbt accepts.

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// tests parses a data_tests:/tests: list.
func (d *ydoc) tests(n *ynode, column string, owner *owner) []TestDef {
	items := d.list(n, "data_tests")
	out := make([]TestDef, 0, len(items))
	for _, it := range items {
		t := TestDef{Column: column, Pos: d.pos(it)}
		switch it.Kind {
		case yaml.ScalarNode:
			if isNull(it) || it.Value == "" {
				d.errorf(it, "test", "", "empty test entry in %s", owner)
				continue
			}
			t.Name = it.Value
			out = append(out, t)
			continue
		case yaml.MappingNode:
		default:
			d.errorf(it, "test", "write `- unique` or `- accepted_values: {arguments: {values: [...]}}`",
				"a test must be a name or a mapping, not a %s", kindName(it))
			continue
		}
		ps := d.pairs(it)
		var args []kv
		hasTestName := false
		for _, e := range ps {
			if e.Key == "test_name" {
				hasTestName = true
				t.Name = d.str(e.V, "test_name")
			}
		}
		if hasTestName {
			// {test_name: unique, name: ..., config: ...}
			for _, e := range ps {
				if e.Key != "test_name" {
					args = append(args, e)
				}
			}
		} else {
			if len(ps) != 1 {
				keys := make([]string, len(ps))
				for i, e := range ps {
					keys[i] = e.Key
				}
				d.errorf(it, "test", "indent the test's settings under its name, e.g. `- accepted_values:` then `    arguments: ...` on the next lines",
					"a test entry must have exactly one key, the test name; found %d (%s)", len(ps), strings.Join(keys, ", "))
				continue
			}
			t.Name = ps[0].Key
			t.Pos = d.pos(ps[0].K)
			body := ps[0].V
			if !isNull(body) {
				if body.Kind != yaml.MappingNode {
					d.errorf(body, "test", fmt.Sprintf("write `- %s: {arguments: {...}}`", t.Name),
						"the settings of test '%s' must be a mapping, not a %s", t.Name, kindName(body))
					continue
				}
				args = d.pairs(body)
			}
		}
		if t.Name == "" {
			d.errorf(it, "test", "", "test entry in %s has no test name", owner)
			continue
		}
		d.testArgs(&t, args)
		out = append(out, t)
	}
	return out
}

// testArgs reads a test entry's settings the dbt 1.11 way: the keys under
// arguments: are merged over the entry's own keys (arguments: wins), and
// then, from the merged set, name, description, config and the config
// keys (where, severity, error_if, ...) are taken out, wherever they were
// written; everything left is a keyword argument of the test macro.
func (d *ydoc) testArgs(t *TestDef, args []kv) {
	var merged []kv
	at := map[string]int{}
	put := func(e kv) {
		if i, ok := at[e.Key]; ok {
			merged[i] = e
			return
		}
		at[e.Key] = len(merged)
		merged = append(merged, e)
	}
	var arguments *ynode
	for _, e := range args {
		if e.Key == "arguments" {
			arguments = e.V
			continue
		}
		put(e)
	}
	if !isNull(arguments) {
		if arguments.Kind != yaml.MappingNode {
			d.errorf(arguments, "test", "", "arguments of test '%s' must be a mapping, not a %s", t.Name, kindName(arguments))
		} else {
			for _, a := range d.pairs(arguments) {
				if i, ok := at[a.Key]; ok && a.Key != "config" {
					d.warnf(a.K, "test-argument-twice", "keep it under arguments: only",
						"'%s' of test '%s' is also given at line %d; the one under arguments: is used", a.Key, t.Name, merged[i].K.Line)
				}
				if a.Key == "config" {
					if i, ok := at["config"]; ok {
						d.errorf(a.K, "test-config-twice", "keep one config: on the test",
							"test '%s' has config: both under arguments: and on the test (line %d)", t.Name, merged[i].K.Line)
						continue
					}
				}
				put(a)
			}
		}
	}
	var legacy []kv
	var cfgNode *ynode
	for _, e := range merged {
		switch {
		case e.Key == "name":
			t.CustomName = d.str(e.V, "test name")
		case e.Key == "description":
			t.Description = d.str(e.V, "description")
		case e.Key == "config":
			cfgNode = e.V
			t.Config, _ = d.config(e.V, "data_tests")
		case testConfigArgs[e.Key]:
			legacy = append(legacy, e)
		default:
			if t.Args == nil {
				t.Args = map[string]any{}
			}
			t.Args[e.Key] = d.value(e.V)
			if v := deref(e.V); v != nil && v.Kind == yaml.MappingNode {
				// Test names are built from a mapping's values in the order
				// they are written, as dbt builds them.
				ps := d.pairs(v)
				keys := make([]string, len(ps))
				for i, p := range ps {
					keys[i] = p.Key
				}
				if t.ArgKeyOrder == nil {
					t.ArgKeyOrder = map[string][]string{}
				}
				t.ArgKeyOrder[e.Key] = keys
			}
		}
	}
	for _, e := range legacy {
		if _, dup := t.Config[e.Key]; dup {
			d.errorf(e.K, "test-config-twice", "keep only the one under config:",
				"'%s' of test '%s' is set both on the test and under config: (line %d)", e.Key, t.Name, cfgNode.Line)
			continue
		}
		if t.Config == nil {
			t.Config = map[string]any{}
		}
		t.Config[e.Key] = d.value(e.V)
	}
}
