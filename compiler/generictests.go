package compiler

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
)

// A generic test instance declared in property YAML on a model, seed,
// snapshot or source table (optionally on one of its columns).
type testTarget struct {
	kind       string // "models", "seeds", "snapshots", "sources"
	name       string // model name, or source table name
	sourceName string
	column     string
	parentID   string
	version    any // versioned models: the version tested
}

// genTest is a generic test built (in parallel) but not yet added to the
// manifest; adding is serial and in file order, so results stay
// deterministic.
type genTest struct {
	node *manifest.Node
	pend *pending
	tt   testTarget
	pos  diag.Pos
	file string
}

func (b *builder) buildGenericTests(p *project.Project, pr *project.Properties) []genTest {
	var out []genTest
	addFor := func(kind string, patches []project.NodePatch, resource string) {
		for _, np := range patches {
			if len(np.Versions) > 0 && kind == "models" {
				out = b.addVersionTests(p, pr.Path, &np, out)
				continue
			}
			parent := resource + "." + p.Name + "." + np.Name
			if _, ok := b.m.Nodes[parent]; !ok {
				continue // disabled or missing: reported elsewhere
			}
			for _, t := range np.Tests {
				out = b.addGenericTest(p, pr.Path, testTarget{kind: kind, name: np.Name, parentID: parent}, t, out)
			}
			for _, c := range np.Columns {
				for _, t := range c.Tests {
					out = b.addGenericTest(p, pr.Path, testTarget{kind: kind, name: np.Name, column: c.Name, parentID: parent}, t, out)
				}
			}
		}
	}
	addFor("models", pr.Models, manifest.Model)
	addFor("seeds", pr.Seeds, manifest.Seed)
	addFor("snapshots", pr.Snapshots, manifest.Snapshot)
	for _, s := range pr.Sources {
		for _, tbl := range s.Tables {
			parent := "source." + p.Name + "." + s.Name + "." + tbl.Name
			if _, ok := b.m.Sources[parent]; !ok {
				continue
			}
			tt := testTarget{kind: "sources", name: tbl.Name, sourceName: s.Name, parentID: parent}
			for _, t := range tbl.Tests {
				out = b.addGenericTest(p, pr.Path, tt, t, out)
			}
			for _, c := range tbl.Columns {
				tc := tt
				tc.column = c.Name
				for _, t := range c.Tests {
					out = b.addGenericTest(p, pr.Path, tc, t, out)
				}
			}
		}
	}
	return out
}

// addVersionTests builds a versioned model's tests once per version: the
// version's data_tests (else the model's), and the tests of every column
// the version has, each refing that version.
func (b *builder) addVersionTests(p *project.Project, file string, np *project.NodePatch, out []genTest) []genTest {
	for i := range np.Versions {
		v := &np.Versions[i]
		parent := manifest.Model + "." + p.Name + "." + np.Name + "." + v.VersionName()
		if _, ok := b.m.Nodes[parent]; !ok {
			continue // disabled or missing: reported elsewhere
		}
		merged := mergeVersion(np, v)
		for _, c := range merged.Columns {
			for _, t := range c.Tests {
				out = b.addGenericTest(p, file, testTarget{kind: "models", name: np.Name, column: c.Name, parentID: parent, version: v.V}, t, out)
			}
		}
		for _, t := range merged.Tests {
			out = b.addGenericTest(p, file, testTarget{kind: "models", name: np.Name, parentID: parent, version: v.V}, t, out)
		}
	}
	return out
}

// insertGenericTests adds built tests to the manifest.
func (b *builder) insertGenericTests(tests []genTest) {
	for _, g := range tests {
		n := g.node
		if !n.Config.Enabled() {
			b.m.Disabled[n.UniqueID] = append(b.m.Disabled[n.UniqueID], n)
			continue
		}
		if _, dup := b.m.Nodes[n.UniqueID]; dup {
			b.addWarn(g.pos, "duplicate-test", "test '%s' is declared twice in %s; the second is ignored", n.Name, g.file)
			continue
		}
		b.m.Nodes[n.UniqueID] = n
		b.pending[n.UniqueID] = g.pend
		b.order = append(b.order, n.UniqueID)
		if g.tt.column != "" {
			if parent := b.m.Nodes[g.tt.parentID]; parent != nil {
				if c := parent.Columns[g.tt.column]; c != nil {
					c.Tests = append(c.Tests, n.UniqueID)
				}
			}
		}
	}
}

var nonIdent = regexp.MustCompile(`[^0-9a-zA-Z_]+`)

// synthesizeTestName builds a generic test's name as dbt does, so test
// names, and therefore console lines, selectors and artifacts, match what
// dbt users know: the test type and target, then str() of every argument
// value (arguments sorted by name; a list contributes its items and a
// mapping its values in the order written, keyOrder), cleaned to
// identifier characters and joined by "__". Names of 64 characters or more
// get a short form: the first 30 characters of type_target plus an md5.
func synthesizeTestName(testType, target string, args map[string]any, keyOrder map[string][]string) (short, full string) {
	keys := make([]string, 0, len(args))
	for k := range args {
		if k != "model" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var flat []string
	for _, k := range keys {
		switch v := args[k].(type) {
		case map[string]any:
			order := keyOrder[k]
			if len(order) != len(v) {
				order = manifest.Sorted(v)
			}
			for _, kk := range order {
				flat = append(flat, jinja.Str(v[kk]))
			}
		case []any:
			for _, x := range v {
				flat = append(flat, jinja.Str(x))
			}
		default:
			flat = append(flat, jinja.Str(v))
		}
	}
	for i, f := range flat {
		flat[i] = nonIdent.ReplaceAllString(f, "_")
	}
	ident := testType + "_" + target
	full = ident + "_" + strings.Join(flat, "__")
	if len(full) >= 64 {
		trunc := ident
		if len(trunc) > 30 {
			trunc = trunc[:30]
		}
		return trunc + "_" + md5sum(full), full
	}
	return full, full
}

var testConfigKeys = map[string]bool{
	"severity": true, "where": true, "limit": true, "tags": true, "enabled": true, "store_failures": true,
	"store_failures_as": true, "warn_if": true, "error_if": true, "fail_calc": true, "meta": true,
	"alias": true, "schema": true, "database": true, "group": true,
}

func (b *builder) addGenericTest(p *project.Project, yamlPath string, tt testTarget, t project.TestDef, out []genTest) []genTest {
	ns, testName := "", t.Name
	if i := strings.LastIndex(t.Name, "."); i >= 0 {
		ns, testName = t.Name[:i], t.Name[i+1:]
	}
	args := map[string]any{}
	for k, v := range t.Args {
		args[k] = v
	}
	if _, given := args["column_name"]; tt.column != "" && !given {
		args["column_name"] = tt.column // dbt lets arguments: override it
	}
	typ := testName
	if ns != "" {
		typ = ns + "_" + testName
	}
	target := tt.name
	if tt.version != nil {
		target += "_v" + project.FormatVersion(tt.version)
	}
	if tt.kind == "sources" {
		typ = "source_" + typ
		target = tt.sourceName + "_" + tt.name
	}
	short, full := synthesizeTestName(typ, target, args, t.ArgKeyOrder)
	if t.CustomName != "" {
		short, full = t.CustomName, t.CustomName
	}
	macro := "test_" + testName
	if !b.r.Env.HasMacro(ns, macro) && !b.macroExists(p.Name, ns, macro) {
		b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "unknown-test", Pos: t.Pos,
			Message:    fmt.Sprintf("unknown generic test '%s' on %s '%s'", t.Name, strings.TrimSuffix(tt.kind, "s"), tt.name),
			Suggestion: b.suggestTest(testName)})
		return out
	}
	if ns == "" || ns == "dbt" {
		for _, need := range requiredTestArgs[testName] {
			if _, ok := args[need.arg]; !ok {
				on := strings.TrimSuffix(tt.kind, "s") + " '" + tt.name + "'"
				if tt.column != "" {
					on = "column '" + tt.column + "' of " + on
				}
				b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "test-argument", Pos: t.Pos,
					Message:    fmt.Sprintf("test '%s' on %s has no '%s': %s", t.Name, on, need.arg, need.what),
					Suggestion: "add it under the test, e.g. " + need.example})
				return out
			}
		}
	}
	paths := make([]string, 0, len(p.ModelPaths)+len(p.SeedPaths)+len(p.SnapshotPaths))
	paths = append(append(append(paths, p.ModelPaths...), p.SeedPaths...), p.SnapshotPaths...)
	dirs, _ := fqnFor(p.Name, yamlPath, paths)
	fqn := append(append([]string{}, dirs[:len(dirs)-1]...), full)
	kwargs := map[string]any{}
	for k, v := range args {
		kwargs[k] = v
	}
	if tt.kind == "sources" {
		kwargs["model"] = fmt.Sprintf("{{ get_where_subquery(source('%s', '%s')) }}", tt.sourceName, tt.name)
	} else if tt.version != nil {
		kwargs["model"] = fmt.Sprintf("{{ get_where_subquery(ref('%s', version='%s')) }}", tt.name, project.FormatVersion(tt.version))
	} else {
		kwargs["model"] = fmt.Sprintf("{{ get_where_subquery(ref('%s')) }}", tt.name)
	}
	var nsPtr *string
	if ns != "" {
		nsPtr = &ns
	}
	n := &manifest.Node{
		UniqueID:         "test." + p.Name + "." + full + "." + testHash(full, map[string]any{"name": testName, "kwargs": kwargs, "namespace": nsOrNil(ns)}),
		ResourceType:     manifest.Test,
		PackageName:      p.Name,
		Name:             full,
		Alias:            short,
		Path:             short + ".sql",
		OriginalFilePath: yamlPath,
		FQN:              fqn,
		RawCode:          fmt.Sprintf("{{ %s(**_dbt_generic_test_kwargs) }}", macroCallName(ns, testName)),
		Language:         "sql",
		Columns:          map[string]*manifest.Column{},
		ColumnName:       tt.column,
		FileKeyName:      tt.kind + "." + tt.name,
		AttachedNode:     tt.parentID,
		TestMetadata:     &manifest.TestMetadata{Name: testName, Kwargs: kwargs, Namespace: nsPtr},
		Description:      t.Description,
		Pos:              t.Pos,
	}
	if tt.kind == "sources" {
		n.FileKeyName = "sources." + tt.sourceName
		n.AttachedNode = ""
	}
	cfg := map[string]any{}
	for k, v := range singularKind.defaults {
		cfg[k] = v
	}
	cfg = project.MergeConfig(cfg, p.ConfigFor("data_tests", fqn))
	if p != b.r.Project {
		cfg = project.MergeConfig(cfg, b.r.Project.ConfigFor("data_tests", fqn))
	}
	cfg = project.MergeConfig(cfg, t.Config)
	if short != full && cfg["alias"] == nil {
		cfg["alias"] = short // as dbt: a hashed short name is the test's alias
	}
	// dbt names a test whose name is too long through config(alias=...):
	// it shows in config, config_call_dict and unrendered_config.
	var call map[string]any
	if short != full && t.CustomName == "" {
		if _, set := cfg["alias"]; !set {
			cfg["alias"] = short
		}
		call = map[string]any{"alias": short}
		n.ConfigCallDict = call
		n.RawCode += fmt.Sprintf("{{ config(alias=%q) }}", short)
	}
	n.Config = cfg
	n.UnrenderedConfig = b.unrenderedConfig(p, "data_tests", fqn, t.Config, call)
	n.Tags = n.Config.Tags()
	n.Checksum = manifest.FileHash{Name: "none", Checksum: ""}
	// Capture refs in the test's arguments (e.g. relationships' `to`).
	// The arguments' refs come first and the model's last, in dbt's order.
	res := &parseResolver{b: b, pkg: p.Name, node: n, base: n.Config}
	for _, k := range manifest.Sorted(args) {
		s, ok := args[k].(string)
		if !ok || !looksLikeJinjaCall(s) {
			continue
		}
		if _, err := b.r.Env.RenderString(yamlPath, "{{ "+s+" }}", &jinja.Context{Package: p.Name, Globals: b.r.baseGlobals(), Resolver: res, Ctx: b.ctx}); err != nil {
			b.addDiag(diag.Errorf(t.Pos, "test-argument", "argument '%s' of test '%s': %v", k, t.Name, err))
		}
	}
	if tt.kind == "sources" {
		res.sources = append(res.sources, []string{tt.sourceName, tt.name})
	} else {
		res.refs = append(res.refs, manifest.RefArgs{Name: tt.name, Version: tt.version})
	}
	n.Refs = res.refs
	n.Sources = res.sources
	return append(out, genTest{node: n, pend: &pending{node: n, proj: p, testRef: tt.name}, tt: tt, pos: t.Pos, file: yamlPath})
}

// requiredTestArgs are the arguments dbt's built-in generic tests cannot
// do without. dbt renders the test anyway and fails at run time with a
// message about Jinja ("'values' is undefined") or, for accepted_values,
// compares against an empty list; kiln says which argument at the YAML line.
var requiredTestArgs = map[string][]struct{ arg, what, example string }{
	"accepted_values": {{"values", "the list of values the column may hold", "`arguments: {values: ['placed', 'shipped']}`"}},
	"relationships": {
		{"to", "the model or source the column points at", "`arguments: {to: ref('customers'), field: id}`"},
		{"field", "the column it must match there", "`arguments: {to: ref('customers'), field: id}`"},
	},
}

func nsOrNil(ns string) any {
	if ns == "" {
		return nil
	}
	return ns
}

func macroCallName(ns, name string) string {
	if ns != "" {
		return ns + ".test_" + name
	}
	return "test_" + name
}

var jinjaCallRE = regexp.MustCompile(`^\s*(ref|source|var|env_var)\s*\(`)

func looksLikeJinjaCall(s string) bool { return jinjaCallRE.MatchString(s) }

func (b *builder) macroExists(pkg, ns, macro string) bool {
	if ns != "" {
		return b.r.Env.HasMacro(ns, macro)
	}
	if b.r.Env.HasMacro(pkg, macro) || b.r.Env.HasMacro(b.r.Project.Name, macro) || b.r.Env.HasMacro("dbt", macro) {
		return true
	}
	for _, p := range b.r.Packages {
		if b.r.Env.HasMacro(p.Name, macro) {
			return true
		}
	}
	return false
}

func (b *builder) suggestTest(name string) string {
	var names []string
	for _, m := range b.r.Env.Macros() {
		if strings.HasPrefix(m.Name, "test_") {
			names = append(names, strings.TrimPrefix(m.Name, "test_"))
		}
	}
	if s := diag.DidYouMean(name, names); s != "" {
		return s
	}
	return "define it with {% test " + name + "(model, column_name) %} in macros/ or tests/generic/"
}
