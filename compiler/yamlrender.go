package compiler

// Jinja in property YAML, rendered at parse time as dbt renders it: the
// values under a model's, seed's, snapshot's or analysis's `config:` (seed
// column_types included), column data_type, and data tests' config (so
// `enabled: "{{ target.name == 'prod' }}"` disables a test). Values render
// natively (a boolean expression gives a boolean). Hooks stay unrendered:
// they render when they run. Test arguments render when the test runs.

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
)

func (b *builder) renderProperties(p *project.Project, pr *project.Properties) {
	for _, list := range [][]project.NodePatch{pr.Models, pr.Seeds, pr.Snapshots, pr.Analyses, pr.DataTests} {
		for i := range list {
			patch := &list[i]
			if !yamlHasJinja(patch.Config) && !columnsHaveJinja(patch) && !testsHaveJinja(patch.Tests) {
				continue
			}
			ctx := b.yamlContext(p, patch.Name)
			where := func(key string) diag.Pos {
				if pos, ok := patch.ConfigPos[key]; ok {
					return pos
				}
				return patch.Pos
			}
			for k, v := range patch.Config {
				if isHookKey(k) {
					continue
				}
				out, ok := b.renderYAMLValue(pr.Path, where(k), "config."+k, v, ctx)
				if !ok {
					// Reported; the unrendered text would only cause more
					// errors (an unknown materialization named "{{ ...").
					delete(patch.Config, k)
					continue
				}
				patch.Config[k] = out
			}
			b.renderTests(pr.Path, patch.Tests, ctx)
			for j := range patch.Columns {
				c := &patch.Columns[j]
				if hasJinjaText(c.DataType) {
					out, _ := b.renderYAMLValue(pr.Path, c.Pos, "data_type of column "+c.Name, c.DataType, ctx)
					c.DataType = toText(out)
				}
				b.renderTests(pr.Path, c.Tests, ctx)
			}
		}
	}
}

func (b *builder) renderTests(path string, tests []project.TestDef, ctx *jinja.Context) {
	for i := range tests {
		t := &tests[i]
		for k, v := range t.Config {
			out, ok := b.renderYAMLValue(path, t.Pos, "config."+k+" of test "+t.Name, v, ctx)
			if !ok {
				delete(t.Config, k)
				continue
			}
			t.Config[k] = out
		}
	}
}

// yamlContext is the parse-time context YAML values render in: target,
// var(), env_var() and the macros, with `this` named after the entry.
func (b *builder) yamlContext(p *project.Project, name string) *jinja.Context {
	n := &manifest.Node{PackageName: p.Name, Name: name, ResourceType: manifest.Model, Config: manifest.Config{}}
	return b.parseContext(n, &parseResolver{b: b, pkg: p.Name, node: n, base: n.Config})
}

// renderYAMLValue renders the strings in v; false when one failed (reported).
func (b *builder) renderYAMLValue(path string, pos diag.Pos, what string, v any, ctx *jinja.Context) (any, bool) {
	switch x := v.(type) {
	case string:
		if !hasJinjaText(x) {
			return v, true
		}
		out, err := b.r.Env.RenderNative(pos.File, x, ctx)
		if err != nil {
			// The error's own position is inside the value: yamlDiag maps
			// it into the file, from the YAML key's position on.
			dg := b.r.yamlDiag(pos, x, err)
			var je *jinja.Error
			if !errors.As(err, &je) || je.Msg == "" {
				dg.Message = err.Error()
			}
			dg.Code = "yaml-jinja"
			dg.Message = what + ": " + dg.Message
			if dg.Pos == pos {
				dg.Notes = append([]string{"value: " + x}, dg.Notes...)
			}
			dg.Suggestion = firstNonEmpty(dg.Suggestion, "fix the Jinja in this YAML value (it renders at parse time, with target, var() and env_var())")
			b.addDiag(dg)
			return v, false
		}
		return out, true
	case []any:
		ok := true
		for i, e := range x {
			var good bool
			x[i], good = b.renderYAMLValue(path, pos, what, e, ctx)
			ok = ok && good
		}
		return v, ok
	case map[string]any:
		ok := true
		for k, e := range x {
			var good bool
			x[k], good = b.renderYAMLValue(path, pos, what, e, ctx)
			ok = ok && good
		}
		return v, ok
	}
	return v, true
}

func isHookKey(k string) bool {
	return k == "pre-hook" || k == "post-hook" || k == "pre_hook" || k == "post_hook"
}

func hasJinjaText(s string) bool { return strings.Contains(s, "{{") || strings.Contains(s, "{%") }

func toText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func yamlHasJinja(v any) bool {
	switch x := v.(type) {
	case string:
		return hasJinjaText(x)
	case []any:
		for _, e := range x {
			if yamlHasJinja(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if !isHookKey(k) && yamlHasJinja(e) {
				return true
			}
		}
	}
	return false
}

func testsHaveJinja(tests []project.TestDef) bool {
	for _, t := range tests {
		if yamlHasJinja(t.Config) {
			return true
		}
	}
	return false
}

func columnsHaveJinja(patch *project.NodePatch) bool {
	for _, c := range patch.Columns {
		if hasJinjaText(c.DataType) || testsHaveJinja(c.Tests) {
			return true
		}
	}
	return false
}
