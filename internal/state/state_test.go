package state

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/graph"
	"github.com/kiln-dev/kiln/graph/selector"
)

// node builds a manifest.json node entry.
func node(id string, mut func(map[string]any)) map[string]any {
	n := map[string]any{
		"unique_id": id, "resource_type": "model", "package_name": "p", "name": id[strings.LastIndexByte(id, '.')+1:],
		"database": "db", "schema": "prod", "alias": id[strings.LastIndexByte(id, '.')+1:],
		"checksum":    map[string]any{"name": "sha256", "checksum": "c-" + id},
		"config":      map[string]any{"materialized": "table"},
		"description": "", "columns": map[string]any{},
		"depends_on": map[string]any{"macros": []any{}, "nodes": []any{}},
		"contract":   map[string]any{"enforced": false},
	}
	if mut != nil {
		mut(n)
	}
	return n
}

func side(t *testing.T, nodes []map[string]any, macros map[string]string, sc *Sidecar) *Side {
	t.Helper()
	doc := map[string]any{"nodes": map[string]any{}, "sources": map[string]any{}, "exposures": map[string]any{}, "macros": map[string]any{}}
	for _, n := range nodes {
		doc["nodes"].(map[string]any)[n["unique_id"].(string)] = n
	}
	for id, sql := range macros {
		doc["macros"].(map[string]any)[id] = map[string]any{"macro_sql": sql, "depends_on": map[string]any{"macros": []any{}}}
	}
	b, _ := json.Marshal(doc)
	m, err := decodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	return &Side{Manifest: m, Sidecar: sc}
}

func universe(ids ...string) *selector.Universe {
	g := graph.New()
	nodes := map[string]*selector.Node{}
	for _, id := range ids {
		g.AddNode(id)
		nodes[id] = &selector.Node{ID: id, ResourceType: "model", Name: id[strings.LastIndexByte(id, '.')+1:]}
	}
	return &selector.Universe{Graph: g, Nodes: nodes}
}

func TestStateSubSelectors(t *testing.T) {
	ids := []string{"model.p.body", "model.p.cfg", "model.p.rel", "model.p.docs", "model.p.contract", "model.p.macro", "model.p.same", "model.p.new", "model.p.var"}
	oldNodes := []map[string]any{
		node("model.p.body", nil),
		node("model.p.cfg", nil),
		node("model.p.rel", nil),
		node("model.p.docs", func(n map[string]any) {
			n["config"] = map[string]any{"persist_docs": map[string]any{"relation": true}}
			n["description"] = "old"
		}),
		node("model.p.contract", func(n map[string]any) {
			n["contract"] = map[string]any{"enforced": true}
			n["columns"] = map[string]any{"id": map[string]any{"name": "id", "data_type": "int"}}
		}),
		node("model.p.macro", func(n map[string]any) { n["depends_on"] = map[string]any{"macros": []any{"macro.p.m"}} }),
		node("model.p.same", nil),
		node("model.p.var", nil),
		node("model.p.removed", nil),
	}
	curNodes := []map[string]any{
		node("model.p.body", func(n map[string]any) { n["checksum"] = map[string]any{"name": "sha256", "checksum": "changed"} }),
		node("model.p.cfg", func(n map[string]any) { n["config"] = map[string]any{"materialized": "view"} }),
		node("model.p.rel", func(n map[string]any) {
			n["config"] = map[string]any{"materialized": "table", "schema": "marts"}
			n["schema"] = "dev_marts"
		}),
		node("model.p.docs", func(n map[string]any) {
			n["config"] = map[string]any{"persist_docs": map[string]any{"relation": true}}
			n["description"] = "new"
		}),
		node("model.p.contract", func(n map[string]any) {
			n["contract"] = map[string]any{"enforced": true}
			n["columns"] = map[string]any{"id": map[string]any{"name": "id", "data_type": "bigint"}}
		}),
		node("model.p.macro", func(n map[string]any) { n["depends_on"] = map[string]any{"macros": []any{"macro.p.m"}} }),
		// A different target schema alone is not a change.
		node("model.p.same", func(n map[string]any) { n["schema"] = "dev" }),
		node("model.p.new", nil),
		node("model.p.var", nil),
	}
	oldSC := &Sidecar{Version: 1, Nodes: map[string]*NodePrint{"model.p.var": {Vars: map[string]string{"x": "1"}}}}
	curSC := &Sidecar{Version: 1, Nodes: map[string]*NodePrint{"model.p.var": {Vars: map[string]string{"x": "2"}}}}
	st := &State{Side: *side(t, oldNodes, map[string]string{"macro.p.m": "old"}, oldSC)}
	cur := side(t, curNodes, map[string]string{"macro.p.m": "new"}, curSC)
	// With sidecars, macros compare through them: give the macro node
	// differing closure hashes like Compute would.
	oldSC.Nodes["model.p.macro"] = &NodePrint{Macros: "a"}
	curSC.Nodes["model.p.macro"] = &NodePrint{Macros: "b"}
	m := st.Methods(cur, t.TempDir())[selector.MethodState]
	u := universe(ids...)
	for value, want := range map[string][]string{
		"new":                             {"model.p.new"},
		"old":                             {"model.p.body", "model.p.cfg", "model.p.contract", "model.p.docs", "model.p.macro", "model.p.rel", "model.p.same", "model.p.var"},
		"modified":                        {"model.p.body", "model.p.cfg", "model.p.contract", "model.p.docs", "model.p.macro", "model.p.new", "model.p.rel", "model.p.var"},
		"unmodified":                      {"model.p.same"},
		"modified.body":                   {"model.p.body", "model.p.new"},
		"modified.configs":                {"model.p.cfg", "model.p.new"},
		"modified.relation":               {"model.p.new", "model.p.rel"},
		"modified.persisted_descriptions": {"model.p.docs", "model.p.new"},
		"modified.contract":               {"model.p.contract", "model.p.new"},
		"modified.macros":                 {"model.p.macro", "model.p.new"},
		"modified.vars":                   {"model.p.new", "model.p.var"},
	} {
		got, err := m(u, nil, value)
		if err != nil {
			t.Fatalf("state:%s: %v", value, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("state:%s = %v, want %v", value, got, want)
		}
	}
	if _, err := m(u, nil, "modifed"); err == nil || !strings.Contains(err.Error(), "modified.body") {
		t.Errorf("unknown state value: %v", err)
	}
	if _, err := m(u, []string{"x"}, "new"); err == nil {
		t.Error("state.x:new should fail")
	}

	// Without sidecars, macros compare through manifest.json and var
	// changes are invisible (as in dbt).
	st.Sidecar, cur.Sidecar = nil, nil
	m = st.Methods(cur, t.TempDir())[selector.MethodState]
	got, _ := m(u, nil, "modified.macros")
	if !slices.Equal(got, []string{"model.p.macro", "model.p.new"}) {
		t.Errorf("manifest macro comparison = %v", got)
	}
	got, _ = m(u, nil, "modified.vars")
	if !slices.Equal(got, []string{"model.p.new"}) {
		t.Errorf("vars without sidecars = %v", got)
	}
}

func TestResultAndSourceStatus(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("manifest.json", `{"nodes": {}, "sources": {}, "macros": {}}`)
	write("run_results.json", `{"results": [{"unique_id": "model.p.a", "status": "error"}, {"unique_id": "model.p.b", "status": "success"}], "args": {"which": "build"}}`)
	write("sources.json", `{"results": [{"unique_id": "source.p.s.a", "status": "pass", "max_loaded_at": "2024-01-01T00:00:00Z"}, {"unique_id": "source.p.s.b", "status": "pass", "max_loaded_at": "2024-01-02T00:00:00Z"}]}`)
	st, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Args["which"] != "build" || !slices.Equal(st.Order, []string{"model.p.a", "model.p.b"}) {
		t.Errorf("args/order: %v %v", st.Args, st.Order)
	}
	u := universe("model.p.a", "model.p.b", "source.p.s.a", "source.p.s.b", "source.p.s.c")
	cur := &Side{Manifest: &Manifest{}}
	target := t.TempDir()
	methods := st.Methods(cur, target)
	got, err := methods[selector.MethodResult](u, nil, "error")
	if err != nil || !slices.Equal(got, []string{"model.p.a"}) {
		t.Errorf("result:error = %v, %v", got, err)
	}
	if _, err := methods[selector.MethodResult](u, nil, "eror"); err == nil || !strings.Contains(err.Error(), "expected one of") {
		t.Errorf("result:eror: %v", err)
	}
	if _, err := methods[selector.MethodSourceStatus](u, nil, "fresher"); err == nil || !strings.Contains(err.Error(), "current target/sources.json") {
		t.Errorf("missing current sources.json: %v", err)
	}
	if err := os.WriteFile(filepath.Join(target, "sources.json"), []byte(`{"results": [
		{"unique_id": "source.p.s.a", "status": "pass", "max_loaded_at": "2024-01-01T00:00:00Z"},
		{"unique_id": "source.p.s.b", "status": "pass", "max_loaded_at": "2024-01-03T00:00:00Z"},
		{"unique_id": "source.p.s.c", "status": "warn", "max_loaded_at": "2024-01-01T00:00:00Z"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err = methods[selector.MethodSourceStatus](u, nil, "fresher")
	if err != nil || !slices.Equal(got, []string{"source.p.s.b", "source.p.s.c"}) {
		t.Errorf("source_status:fresher = %v, %v", got, err)
	}
	if _, err := methods[selector.MethodSourceStatus](u, nil, "stale"); err == nil {
		t.Error("source_status:stale should fail")
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing"))
	if !errors.Is(err, ErrNoManifest) || !strings.Contains(err.Error(), "copy the target/ directory") {
		t.Errorf("missing dir: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("{not json"), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "not a dbt manifest") {
		t.Errorf("bad manifest: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"nodes": {}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "run_results.json"), []byte(`[`), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "not a run_results.json") {
		t.Errorf("bad run_results: %v", err)
	}
	os.Remove(filepath.Join(dir, "run_results.json"))
	st, err := Load(dir)
	if err != nil || st.Results != nil || st.Sidecar != nil {
		t.Errorf("manifest only: %v %+v", err, st)
	}
}

func TestHashValueIgnoresMapOrder(t *testing.T) {
	a := hashValue(map[string]any{"x": 1, "y": []any{"a", "b"}}, true)
	b := hashValue(map[string]any{"y": []any{"a", "b"}, "x": 1}, true)
	if a != b {
		t.Error("equal values hash differently")
	}
	if hashValue(nil, false) == hashValue(nil, true) {
		t.Error("an undefined var must differ from a null one")
	}
	if len(a) != 64 {
		t.Errorf("hash %q", a)
	}
}

func TestRelationForDefer(t *testing.T) {
	st := &State{Side: *side(t, []map[string]any{
		node("model.p.v", func(n map[string]any) { n["config"] = map[string]any{"materialized": "view"} }),
		node("model.p.e", func(n map[string]any) { n["config"] = map[string]any{"materialized": "ephemeral"} }),
		node("model.p.t", nil),
		node("test.p.x", func(n map[string]any) { n["resource_type"] = "test" }),
	}, nil, nil)}
	if r, ok := st.Relation("model.p.v"); !ok || r.Render() != `"db"."prod"."v"` || r.Type != "view" {
		t.Errorf("view: %v %v", r, ok)
	}
	if r, ok := st.Relation("model.p.t"); !ok || r.Type != "table" {
		t.Errorf("table: %v %v", r, ok)
	}
	for _, id := range []string{"model.p.e", "test.p.x", "model.p.missing"} {
		if _, ok := st.Relation(id); ok {
			t.Errorf("%s should have no deferrable relation", id)
		}
	}
}
