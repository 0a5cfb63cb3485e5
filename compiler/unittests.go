package compiler

// Unit tests (`unit_tests:` in property YAML) become nodes of resource type
// unit_test that depend on the tested model. Everything that can be checked
// without a warehouse is checked here, so a bad unit test stops the run
// before anything is built: the model exists, every input is something the
// model reads, fixture files exist, fixture rows only name columns the input
// has (when its columns are known statically: seeds, and models with an
// enforced contract) and expected values fit the model's declared types.

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
	"github.com/kiln-dev/kiln/testing/unittest"
)

func (b *builder) buildUnitTests() {
	root := b.r.Project.Name
	for _, pf := range b.pkgs {
		if pf.proj.Name != root { // dbt runs only the root project's unit tests
			continue
		}
		fixtures := map[string]project.File{}
		for _, f := range pf.files.Fixtures {
			fixtures[f.Path] = f
		}
		for _, pr := range pf.props {
			for i := range pr.UnitTests {
				b.buildUnitTest(pf.proj, pr.Path, &pr.UnitTests[i], fixtures)
			}
		}
	}
}

func (b *builder) buildUnitTest(p *project.Project, file string, u *project.UnitTest, fixtures map[string]project.File) {
	cfg := manifest.Config{}
	for k, v := range u.Config {
		cfg[k] = v
	}
	if !cfg.Enabled() {
		return
	}
	errs := 0
	fail := func(pos diag.Pos, suggestion, format string, args ...any) {
		d := diag.Errorf(pos, "unit-test", format, args...)
		d.Suggestion = suggestion
		b.addDiag(d)
		errs++
	}
	// A versioned model has a node per version: the unit test is checked
	// against the latest and made once per version it tests.
	var model *manifest.Node
	var versions []*manifest.Node
	for _, n := range b.r.index.byName[u.Model] {
		if n.ResourceType == manifest.Model && n.PackageName == p.Name {
			versions = append(versions, n)
			if model == nil || n.Version == nil || versionKey(n.Version) == versionKey(n.LatestVersion) {
				model = n
			}
		}
	}
	if f := b.failed[u.Model]; model == nil && f != nil {
		f.dependents = append(f.dependents, "unit_test."+p.Name+"."+u.Model+"."+u.Name)
		return
	}
	if model == nil {
		var names []string
		for name, l := range b.r.index.byName {
			for _, n := range l {
				if n.ResourceType == manifest.Model && n.PackageName == p.Name {
					names = append(names, name)
					break
				}
			}
		}
		sort.Strings(names)
		fail(u.Pos, suggest(u.Model, names), "unit test '%s' tests unknown model '%s'", u.Name, u.Model)
		return
	}
	if model.Language == "python" {
		fail(u.Pos, "", "unit test '%s': model '%s' is a Python model; unit tests support SQL models only", u.Name, u.Model)
		return
	}
	def := &manifest.UnitTestDef{Model: model.Name, ModelID: model.UniqueID, Overrides: u.Overrides, Versions: u.Versions}
	for i, g := range u.Given {
		pos := u.Pos
		if i < len(u.GivenPos) {
			pos = u.GivenPos[i]
		}
		fx, ok := b.unitFixture(p, u, g, pos, fixtures, fail)
		if !ok {
			continue
		}
		in, err := unittest.ParseInput(fx.Input)
		if err != nil {
			fail(pos, "write the input as ref('model'), source('source', 'table') or this", "unit test '%s': %v", u.Name, err)
			continue
		}
		if !b.checkUnitInput(u, model, in, fx, pos, fail) {
			continue
		}
		def.Given = append(def.Given, fx)
	}
	if u.Expect != nil {
		if fx, ok := b.unitFixture(p, u, u.Expect, u.ExpectPos, fixtures, fail); ok {
			b.checkUnitExpect(u, model, fx, fail)
			def.Expect = fx
		}
	}
	for k := range u.Overrides {
		if k != "macros" && k != "vars" && k != "env_vars" {
			fail(u.Pos, "use macros:, vars: or env_vars:", "unit test '%s': unknown overrides key '%s'", u.Name, k)
		}
	}
	if model.Config.Materialized() == "incremental" {
		if m, _ := u.Overrides["macros"].(map[string]any); m == nil || m["is_incremental"] == nil {
			b.addWarn(u.Pos, "unit-test", "unit test '%s' tests incremental model '%s' without overriding is_incremental; add `overrides: {macros: {is_incremental: true}}` (or false) to say which branch you test", u.Name, u.Model)
		}
	}
	if errs > 0 {
		return
	}
	if model.Version == nil {
		b.addUnitTestNode(p, file, u, cfg, model, def)
		return
	}
	tested, err := testedVersions(versions, u.Versions)
	if err != nil {
		fail(u.Pos, "list versions the model has under versions: include: or exclude:", "unit test '%s': %v", u.Name, err)
		return
	}
	for _, v := range tested {
		d := *def
		d.ModelID = v.UniqueID
		d.VersionSuffix = "_v" + project.FormatVersion(v.Version)
		b.addUnitTestNode(p, file, u, cfg, v, &d)
	}
}

// addUnitTestNode adds the unit test of one model (or model version).
func (b *builder) addUnitTestNode(p *project.Project, file string, u *project.UnitTest, cfg manifest.Config, model *manifest.Node, def *manifest.UnitTestDef) {
	id := "unit_test." + p.Name + "." + model.Name + "." + u.Name + def.VersionSuffix
	fqn := append([]string{}, model.FQN...)
	if def.VersionSuffix != "" {
		fqn = fqn[:len(fqn)-1] // a version's fqn ends in v<N>; its unit tests' do not
	}
	fqn = append(fqn, u.Name)
	n := &manifest.Node{
		UniqueID: id, ResourceType: manifest.UnitTest, PackageName: p.Name, Name: u.Name,
		Path: propertyFilePath(p, file), OriginalFilePath: file, FQN: fqn, Config: cfg, Tags: cfg.Tags(),
		Description: u.Description, Schema: model.Schema, Database: model.Database, Alias: u.Name,
		DependsOn: manifest.DependsOn{Nodes: []string{model.UniqueID}, Macros: []string{}},
		Checksum:  manifest.FileHash{Name: "sha256", Checksum: md5sum(id + fmt.Sprint(u.Given, u.Expect))},
		Pos:       u.Pos, Language: "sql", UnitTest: def, Version: model.Version,
	}
	if _, dup := b.m.Nodes[id]; dup {
		return // reported by CheckDuplicatePatches
	}
	b.m.Nodes[id] = n
}

// testedVersions picks the versions a unit test runs on: all, or those its
// `versions:` includes, minus those it excludes (dbt's rule), in version
// order. Naming a version the model does not have is an error.
func testedVersions(versions []*manifest.Node, sel map[string]any) ([]*manifest.Node, error) {
	have := map[string]*manifest.Node{}
	var names []string
	for _, v := range versions {
		k := versionKey(v.Version)
		have[k] = v
		names = append(names, project.FormatVersion(v.Version))
	}
	pick := func(key string) (map[string]bool, error) {
		list, ok := sel[key].([]any)
		if !ok {
			return nil, nil
		}
		out := map[string]bool{}
		for _, x := range list {
			k := versionKey(x)
			if have[k] == nil {
				return nil, fmt.Errorf("versions: %s: names version %v, which the model does not have (its versions: %s)", key, x, strings.Join(names, ", "))
			}
			out[k] = true
		}
		return out, nil
	}
	include, err := pick("include")
	if err != nil {
		return nil, err
	}
	exclude, err := pick("exclude")
	if err != nil {
		return nil, err
	}
	var out []*manifest.Node
	for _, v := range versions {
		k := versionKey(v.Version)
		if (include == nil || include[k]) && !exclude[k] {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UniqueID < out[j].UniqueID })
	return out, nil
}

// versionKey compares versions written as 2, 2.0 or "2" alike.
func versionKey(v any) string {
	return strings.TrimSuffix(project.FormatVersion(v), ".0")
}

// unitFixture reads one given/expect mapping and resolves its fixture file.
func (b *builder) unitFixture(p *project.Project, u *project.UnitTest, g map[string]any, pos diag.Pos, fixtures map[string]project.File, fail func(diag.Pos, string, string, ...any)) (manifest.UnitTestFixture, bool) {
	fx := manifest.UnitTestFixture{Rows: g["rows"], Pos: pos, Format: "dict"}
	fx.Input, _ = g["input"].(string)
	if f, ok := g["format"].(string); ok && f != "" {
		fx.Format = f
	}
	for k := range g {
		switch k {
		case "input", "rows", "format", "fixture":
		default:
			fail(pos, "use input, rows, format or fixture", "unit test '%s': unknown key '%s'", u.Name, k)
			return fx, false
		}
	}
	if f, ok := g["fixture"].(string); ok && f != "" {
		fx.Fixture = f
		ext := fx.Format
		if ext == "dict" {
			fail(pos, "add `format: csv` (or sql) next to `fixture:`", "unit test '%s': fixture files are csv or sql, but this entry has format dict", u.Name)
			return fx, false
		}
		var looked []string
		for _, tp := range p.TestPaths {
			cand := path.Join(tp, "fixtures", f+"."+ext)
			looked = append(looked, cand)
			if file, ok := fixtures[cand]; ok {
				fx.FixturePath, fx.FixtureContent = file.Path, string(file.Content)
				break
			}
		}
		if fx.FixturePath == "" {
			// Fixtures may live in subdirectories of fixtures/.
			for fp, file := range fixtures {
				if path.Base(fp) == f+"."+ext {
					fx.FixturePath, fx.FixtureContent = file.Path, string(file.Content)
					break
				}
			}
		}
		if fx.FixturePath == "" {
			fail(pos, "create "+looked[0]+" or fix the fixture name", "unit test '%s': fixture file '%s' not found (looked for %s)", u.Name, f, strings.Join(looked, ", "))
			return fx, false
		}
	}
	if _, err := unittest.ReadRows(fx.Format, fx.Rows, fx.FixtureContent); err != nil {
		fail(pos, "", "unit test '%s': %v", u.Name, err)
		return fx, false
	}
	return fx, true
}

func (b *builder) checkUnitInput(u *project.UnitTest, model *manifest.Node, in unittest.Input, fx manifest.UnitTestFixture, pos diag.Pos, fail func(diag.Pos, string, string, ...any)) bool {
	reads := func() string {
		var l []string
		for _, r := range model.Refs {
			l = append(l, "ref('"+r.Name+"')")
		}
		for _, s := range model.Sources {
			l = append(l, "source('"+s[0]+"', '"+s[1]+"')")
		}
		if len(l) == 0 {
			return "nothing"
		}
		return strings.Join(l, ", ")
	}
	var cols []string
	switch in.Kind {
	case unittest.This:
		return true
	case unittest.Ref:
		found := false
		for _, r := range model.Refs {
			if r.Name == in.Name && (in.Package == "" || r.Package == nil || *r.Package == in.Package) {
				found = true
			}
		}
		if !found {
			fail(pos, "give only inputs the model reads", "unit test '%s': input %s is not used by model '%s' (it reads %s)", u.Name, fx.Input, model.Name, reads())
			return false
		}
		ra := manifest.RefArgs{Name: in.Name}
		if in.Package != "" {
			ra.Package = &in.Package
		}
		t, _ := b.resolveRef(model.PackageName, ra)
		if t == nil {
			return true // reported as the model's unknown ref
		}
		cols = staticColumns(t)
	case unittest.Source:
		found := false
		for _, s := range model.Sources {
			if s[0] == in.SourceName && s[1] == in.Table {
				found = true
			}
		}
		if !found {
			fail(pos, "give only inputs the model reads", "unit test '%s': input %s is not used by model '%s' (it reads %s)", u.Name, fx.Input, model.Name, reads())
			return false
		}
	}
	if cols == nil {
		return true
	}
	rows, _ := unittest.ReadRows(fx.Format, fx.Rows, fx.FixtureContent)
	typed := make([]unittest.Column, len(cols))
	for i, c := range cols {
		typed[i] = unittest.Column{Name: c}
	}
	if err := unittest.CheckColumns(rows, typed); err != nil {
		fail(pos, "remove the column or fix its name", "unit test '%s': input %s: %v", u.Name, fx.Input, err)
		return false
	}
	return true
}

// staticColumns returns a node's full column list when it is known without
// the warehouse: a seed's CSV header, or a model with an enforced contract.
func staticColumns(n *manifest.Node) []string {
	switch n.ResourceType {
	case manifest.Seed:
		f, err := os.Open(n.AbsPath)
		if err != nil {
			return nil
		}
		defer f.Close()
		line, _ := bufio.NewReader(f).ReadBytes('\n')
		line = bytes.TrimPrefix(bytes.TrimRight(line, "\r\n"), []byte("\xef\xbb\xbf"))
		rows, err := unittest.ReadRows("csv", string(line), "")
		if err != nil {
			return nil
		}
		return rows.Columns
	case manifest.Model:
		if contractEnforced(n) && len(n.ColumnOrder) > 0 {
			return n.ColumnOrder
		}
	}
	return nil
}

func contractEnforced(n *manifest.Node) bool {
	c, _ := n.Config["contract"].(map[string]any)
	e, _ := c["enforced"].(bool)
	return e
}

// checkUnitExpect checks expected rows against the model's declared column
// types (YAML data_type) and, for a contracted model, its column names.
func (b *builder) checkUnitExpect(u *project.UnitTest, model *manifest.Node, fx manifest.UnitTestFixture, fail func(diag.Pos, string, string, ...any)) {
	rows, err := unittest.ReadRows(fx.Format, fx.Rows, fx.FixtureContent)
	if err != nil || rows.SQL != "" {
		return
	}
	types := map[string]string{}
	for name, c := range model.Columns {
		if c.DataType != nil && *c.DataType != "" {
			types[strings.ToLower(name)] = *c.DataType
		}
	}
	if cols := staticColumns(model); cols != nil {
		typed := make([]unittest.Column, len(cols))
		for i, c := range cols {
			typed[i] = unittest.Column{Name: c}
		}
		if err := unittest.CheckColumns(rows, typed); err != nil {
			fail(fx.Pos, "compare only columns the model returns", "unit test '%s': expect: %v", u.Name, err)
			return
		}
	}
	for i, r := range rows.Data {
		for _, c := range rows.Columns {
			typ := types[strings.ToLower(c)]
			if typ == "" {
				continue
			}
			if err := unittest.CheckValue(typ, r[c]); err != nil {
				fail(fx.Pos, "fix the expected value or the column's data_type", "unit test '%s': expect row %d, column '%s': %v (declared data_type of %s.%s)", u.Name, i+1, c, err, model.Name, c)
				return
			}
		}
	}
}

// propertyFilePath is a property file's path as dbt records it on what the
// file defines: relative to the resource folder it is found in.
func propertyFilePath(p *project.Project, file string) string {
	var paths []string
	for _, l := range [][]string{p.ModelPaths, p.SeedPaths, p.SnapshotPaths, p.AnalysisPaths, p.MacroPaths, p.TestPaths} {
		paths = append(paths, l...)
	}
	_, rel := fqnFor(p.Name, file, paths)
	return rel
}
