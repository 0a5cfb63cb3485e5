package manifest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

// sameAsEncodingJSON fails when the fast encoder writes other bytes than
// encoding/json (SetEscapeHTML(false)) for v.
func sameAsEncodingJSON(t *testing.T, what string, v any) {
	t.Helper()
	encodesAs(t, what, v, v)
}

// encodesAs fails when the fast encoder writes other bytes for fast than
// encoding/json writes for std.
func encodesAs(t *testing.T, what string, fast, std any) {
	t.Helper()
	got, want, gotErr, wantErr := manifest.EncodeAs(fast, std)
	if (wantErr != nil) != (gotErr != nil) {
		t.Fatalf("%s: encoding/json error %v, fast encoder error %v", what, wantErr, gotErr)
	}
	if wantErr == nil && !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		lo := max(0, i-80)
		t.Fatalf("%s: differs at byte %d\n fast: %s\n json: %s", what, i, got[lo:min(len(got), i+80)], want[lo:min(len(want), i+80)])
	}
}

func TestFastJSONScalarsAndStrings(t *testing.T) {
	s := "x"
	yes := true
	values := []any{
		nil, true, false, 0, -7, int64(1) << 62, int32(-3), uint64(math.MaxUint64),
		0.0, 1.5, -2.25, 1e-7, 1e-6, 123456789.125, 1e20, 1e21, 1.5e300, -3e-9, 5e-324, float32(1.1),
		"", "plain", `quote " backslash \ slash /`, "<html> & 'apos'", "tab\tnl\nret\rbs\bff\f", "\x00\x01\x1f\x7f",
		"é ü 日本 🎉", "line\u2028sep\u2029para", "bad \xff utf8 \xe2\x82", "\xc0\x80",
		&s, (*string)(nil), &yes, (*bool)(nil),
		map[string]any{"b": 1, "a": []any{"x", nil, map[string]any{}}, "": "empty key", "é": 2.5},
		map[string]any(nil), []any{}, []any(nil), []string{}, []string(nil), [][]string{{"a"}, nil},
		manifest.Config{"materialized": "view", "tags": []any{"a"}, "meta": map[string]any{"k": "v"}},
		map[string]string{"z": "1", "a": "2"}, map[string][]string{"n": {"a", "b"}, "m": nil},
		[]map[string]any{{"type": "not_null"}}, manifest.DependsOn{Macros: []string{"m"}},
		[]manifest.RefArgs{{Name: "a", Version: 2}, {Name: "b", Package: &s, Version: "v1"}},
		map[string]*manifest.Column{"id": {Name: "id", Meta: map[string]any{}}},
		map[int]string{2: "b", 1: "a"}, []byte("base64"), struct{ A int }{1},
	}
	for _, v := range values {
		sameAsEncodingJSON(t, "value", v)
	}
	for _, v := range []any{math.NaN(), math.Inf(1), map[string]any{"f": func() {}}} {
		if _, err := manifest.AppendJSON(nil, v); err == nil {
			t.Errorf("%T: want an error, as encoding/json gives", v)
		}
	}
}

// TestFastJSONMatchesEncodingJSON encodes every node, source, macro, doc
// and exposure of the testdata projects that compile both ways.
func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	compiled := 0
	for _, p := range compiledTestdata(t) {
		dir, r := p.dir, p.res
		compiled++
		m := r.Manifest
		for id, n := range m.Nodes {
			if n.UnitTest != nil {
				sameAsEncodingJSON(t, id, n.UnitTestJSON())
				continue
			}
			sameAsEncodingJSON(t, id, n.JSON())
			encodesAs(t, id+" (manifest entry)", n.ManifestEntry(), n.JSON())
			c := *n
			c.Compiled, c.CompiledCode, c.ExtraCTEs = true, "select 1 /* compiled */", []manifest.CTE{{ID: "model.x.y", SQL: "select 2"}}
			sameAsEncodingJSON(t, id+" (compiled)", c.JSON())
			encodesAs(t, id+" (compiled manifest entry)", c.ManifestEntry(), c.JSON())
		}
		for id, n := range m.Hooks {
			sameAsEncodingJSON(t, id, n.JSON())
		}
		for id, s := range m.Sources {
			sameAsEncodingJSON(t, id, s.JSON())
		}
		for id, mc := range m.Macros {
			sameAsEncodingJSON(t, id, mc.JSON())
			encodesAs(t, id+" (appendMacro)", mc, mc.JSON())
		}
		for id, dc := range m.Docs {
			sameAsEncodingJSON(t, id, dc.JSON())
		}
		for id, e := range m.Exposures {
			sameAsEncodingJSON(t, id, e.JSON())
		}
		sameAsEncodingJSON(t, dir+" parent_map", m.ParentMap)
		sameAsEncodingJSON(t, dir+" whole manifest", m.JSON())
		// WriteManifest (parallel, streamed, in dbt's key order) writes the
		// same document as encoding/json does from Manifest.JSON.
		out := filepath.Join(t.TempDir(), "manifest.json")
		restore := manifest.SetEncodeChunk(3 + compiled%5) // chunk boundaries inside every section
		err := m.WriteManifest(out)
		restore()
		if err != nil {
			t.Fatal(err)
		}
		written, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := manifest.MarshalNoEscape(m.JSON())
		var a, b any
		if err := json.Unmarshal(written, &a); err != nil {
			t.Fatalf("%s: manifest.json is not JSON: %v", dir, err)
		}
		json.Unmarshal(want, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: WriteManifest differs from Manifest.JSON", dir)
		}
	}
	t.Logf("%d projects compared", compiled)
	if compiled < 5 {
		t.Fatalf("only %d testdata projects compiled; the comparison needs real projects", compiled)
	}
}

// TestMacroEncodingEdgeCases: the macro writer with every optional field
// set, and with the ones manifest.json turns from nil into empty values.
func TestMacroEncodingEdgeCases(t *testing.T) {
	for _, mc := range []*manifest.MacroDef{
		{},
		{UniqueID: "macro.p.m", PackageName: "p", Name: "m", Path: "macros/m.sql", OriginalFilePath: "macros/m.sql",
			MacroSQL: "{% macro m(x) %}\"<x>\" \u2028 {{ x }}{% endmacro %}", DependsOn: []string{"macro.dbt.a"},
			Description: "d & <e>", Meta: map[string]any{"owner": "me", "n": 1.5, "l": []any{"a", nil}},
			Arguments: []map[string]any{{"name": "x", "type": "string", "description": ""}}, PatchPath: "p://macros/m.yml", CreatedAt: 1733312345.678901},
	} {
		encodesAs(t, "macro "+mc.Name, mc, mc.JSON())
	}
}

// TestManifestEntryEdgeCases covers config and column shapes the testdata
// projects may not: hooks as strings and objects, keys sorting before and
// after every default, nil and filled columns, each resource type.
func TestManifestEntryEdgeCases(t *testing.T) {
	q := true
	cfgs := []manifest.Config{
		nil, {},
		{"pre-hook": []any{"select 1", map[string]any{"sql": "select 2", "transaction": false}}, "post-hook": "not a list"},
		{"materialized": "table", "aaa": 1, "zzz": []any{"x"}, "meta": map[string]any{"owner": "me"}, "tags": []any{"t"}},
		{"enabled": false, "severity": "warn", "where": "x > 1", "contract": map[string]any{"enforced": true}},
	}
	cols := []map[string]*manifest.Column{
		nil, {},
		{"id": {Name: "id"}, "b": {Name: "b", Description: "d", Meta: map[string]any{"k": 1}, Tags: []string{"x"}, Quote: &q,
			Config: map[string]any{"meta": map[string]any{}}, Constraints: []map[string]any{{"type": "not_null"}}}},
	}
	for _, rt := range []string{manifest.Model, manifest.Seed, manifest.Snapshot, manifest.Test, manifest.Analysis, manifest.Operation} {
		for ci, cfg := range cfgs {
			for coi, col := range cols {
				n := &manifest.Node{UniqueID: rt + ".p.n", ResourceType: rt, PackageName: "p", Name: "n", Config: cfg, Columns: col,
					RawCode: "  select 1  ", FQN: []string{"p", "n"}}
				encodesAs(t, rt+" config "+string(rune('0'+ci))+" columns "+string(rune('0'+coi)), n.ManifestEntry(), n.JSON())
			}
		}
	}
}

// A generic test on no column carries "column_name": null, as dbt writes
// it; one on a column names it; a singular test has no such key.
func TestGenericTestColumnName(t *testing.T) {
	tm := &manifest.TestMetadata{Name: "same_row_count"}
	for _, c := range []struct {
		node *manifest.Node
		want string
	}{
		{&manifest.Node{UniqueID: "test.p.a", ResourceType: manifest.Test, TestMetadata: tm}, `"column_name":null`},
		{&manifest.Node{UniqueID: "test.p.b", ResourceType: manifest.Test, TestMetadata: tm, ColumnName: "id"}, `"column_name":"id"`},
		{&manifest.Node{UniqueID: "test.p.c", ResourceType: manifest.Test}, ``},
	} {
		for _, v := range []any{c.node.JSON(), c.node.ManifestEntry()} {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			if c.want == "" && strings.Contains(s, `"column_name"`) || c.want != "" && !strings.Contains(s, c.want) {
				t.Errorf("%s: want %s in %s", c.node.UniqueID, c.want, s)
			}
		}
	}
}

// A unit test's overrides list macros, vars and env_vars once any is
// given, and its config carries static_analysis (null), as dbt writes them.
func TestUnitTestOverridesAndConfigShape(t *testing.T) {
	n := &manifest.Node{UniqueID: "unit_test.p.m.u", ResourceType: manifest.UnitTest, Name: "u",
		UnitTest: &manifest.UnitTestDef{Model: "m", Overrides: map[string]any{"vars": map[string]any{"x": 1}}}}
	b, err := json.Marshal(n.UnitTestJSON())
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Overrides map[string]any `json:"overrides"`
		Config    map[string]any `json:"config"`
	}
	json.Unmarshal(b, &got)
	ov, _ := json.Marshal(got.Overrides)
	if string(ov) != `{"env_vars":{},"macros":{},"vars":{"x":1}}` {
		t.Errorf("overrides %s", ov)
	}
	if v, ok := got.Config["static_analysis"]; !ok || v != nil {
		t.Errorf("config.static_analysis %v (set: %v), want null", v, ok)
	}
}

// config.docs is completed with show: true, and the node's docs take the
// node_color its config sets, as dbt writes them.
func TestDocsFromConfig(t *testing.T) {
	n := &manifest.Node{UniqueID: "model.p.m", ResourceType: manifest.Model, Name: "m",
		Config: manifest.Config{"docs": map[string]any{"node_color": "gold"}}}
	std, _ := json.Marshal(n.JSON())
	fast, err := manifest.AppendJSON(nil, n.ManifestEntry())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{std, fast} {
		var got struct {
			Docs   map[string]any `json:"docs"`
			Config struct {
				Docs map[string]any `json:"docs"`
			} `json:"config"`
		}
		json.Unmarshal(b, &got)
		d, _ := json.Marshal(got.Docs)
		c, _ := json.Marshal(got.Config.Docs)
		if want := `{"node_color":"gold","show":true}`; string(d) != want || string(c) != want {
			t.Errorf("docs %s, config.docs %s, want both %s", d, c, want)
		}
	}
}

type compiledProject struct {
	dir string
	res *compiler.Result
}

// compiledTestdata compiles every testdata project (and example_project)
// that compiles on its own for DuckDB; the error fixtures are left out.
func compiledTestdata(t *testing.T) []compiledProject {
	t.Helper()
	dirs, _ := filepath.Glob("../../testdata/*")
	dirs = append(dirs, "../../example_project")
	var out []compiledProject
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "dbt_project.yml")); err != nil {
			continue
		}
		getenv := func(string) (string, bool) { return "", false }
		proj, d := compiler.LoadProject(dir, nil, getenv)
		if d.HasErrors() {
			continue
		}
		r, err := compiler.Compile(context.Background(), compiler.Options{ProjectDir: dir, Project: proj, AdapterType: "duckdb", Getenv: getenv,
			Target: map[string]any{"name": "dev", "schema": "main", "database": "db", "type": "duckdb"}})
		if err != nil {
			continue // projects made to fail
		}
		out = append(out, compiledProject{dir: dir, res: r})
	}
	return out
}
