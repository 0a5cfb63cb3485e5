package project

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/internal/diag"
)

const schemaYML = `
version: 2

models:
  - name: customers
    description: '{{ doc("customers") }}'
    meta: {owner: ana}
    tags: [pii]
    docs: {show: false}
    access: public
    config:
      materialized: table
      tags: [daily]
      contract: {enforced: true}
    constraints:
      - type: primary_key
        columns: [customer_id]
    data_tests:
      - dbt_utils.expression_is_true:
          arguments:
            expression: "lifetime_value >= 0"
          config:
            severity: warn
    columns:
      - name: customer_id
        description: Primary key
        data_type: integer
        quote: true
        meta: {a: 1}
        tags: [key]
        config:
          meta: {b: 2}
          tags: [id]
        data_tests:
          - unique
          - not_null:
              where: "id > 0"
              severity: warn
          - relationships:
              to: ref('orders')
              field: customer_id
              name: cust_has_orders
          - accepted_values:
              arguments:
                values: ['a', 'b']
                quote: false
              config: {severity: warn}
          - test_name: accepted_values
            values: [1, 2]
            name: custom_av
      - name: first_name
        tests: [not_null]
    versions:
      - v: 1
      - v: 2
        columns:
          - include: all
    latest_version: 2
    time_spine:
      standard_granularity_column: id

seeds:
  - name: raw_orders
    config:
      column_types: {id: integer}

snapshots:
  - name: orders_snapshot
    relation: source('shop', 'orders')
    config:
      unique_key: id
      strategy: timestamp
      updated_at: updated_at

analyses:
  - name: report
    description: an analysis

data_tests:
  - name: assert_positive
    description: singular test props
    config: {severity: warn}

sources:
  - name: shop
    database: raw
    schema: jaffle
    loader: fivetran
    loaded_at_field: _loaded_at
    freshness:
      warn_after: {count: 12, period: hour}
    quoting: {identifier: false}
    config:
      enabled: true
    tables:
      - name: orders
        identifier: raw_orders
        freshness: null
        columns:
          - name: id
            data_tests: [unique]
      - name: customers
        data_tests:
          - dbt_utils.unique_combination_of_columns:
              combination_of_columns: [a, b]

macros:
  - name: cents_to_dollars
    description: Converts cents
    arguments:
      - name: column_name
        type: string

exposures:
  - name: weekly
    label: Weekly KPIs
    type: dashboard
    maturity: high
    url: https://bi/1
    owner: {name: Ana, email: ana@x.io}
    depends_on:
      - ref('customers')
      - source('shop', 'orders')

unit_tests:
  - name: test_valid_email
    model: customers
    given:
      - input: ref('stg_customers')
        rows:
          - {id: 1, email: a@b.c}
    expect:
      rows:
        - {id: 1, ok: true}
    overrides:
      macros: {is_incremental: true}

groups:
  - name: finance
    owner: {email: f@x.io}

semantic_models:
  - name: sm
    model: ref('customers')
metrics:
  - name: m
`

func TestParsePropertiesFull(t *testing.T) {
	p, diags := ParseProperties("models/schema.yml", []byte(schemaYML))
	if len(diags) != 0 {
		t.Fatalf("unexpected diagnostics:\n%v", diags)
	}
	if len(p.Models) != 1 {
		t.Fatal(p.Models)
	}
	m := p.Models[0]
	if m.Name != "customers" || m.Description != `{{ doc("customers") }}` || m.Access != "public" ||
		m.Meta["owner"] != "ana" || !reflect.DeepEqual(m.Tags, []string{"pii"}) || m.Docs["show"] != false {
		t.Errorf("model header %+v", m)
	}
	if m.Pos != (diag.Pos{File: "models/schema.yml", Line: 5, Col: 5}) || m.DescriptionPos.Line != 6 {
		t.Errorf("pos %v / %v", m.Pos, m.DescriptionPos)
	}
	if m.Config["materialized"] != "table" || m.ConfigPos["materialized"].Line != 12 {
		t.Errorf("config %v %v", m.Config, m.ConfigPos)
	}
	if len(m.Constraints) != 1 || m.Constraints[0]["type"] != "primary_key" {
		t.Errorf("constraints %v", m.Constraints)
	}
	if len(m.Versions) != 2 || m.LatestVersion != 2 {
		t.Errorf("versions %v %v", m.Versions, m.LatestVersion)
	}
	if m.Raw["time_spine"] == nil {
		t.Errorf("raw %v", m.Raw)
	}
	if len(m.Tests) != 1 || m.Tests[0].Name != "dbt_utils.expression_is_true" || m.Tests[0].Args["expression"] != "lifetime_value >= 0" ||
		m.Tests[0].Config["severity"] != "warn" || m.Tests[0].Column != "" {
		t.Errorf("model tests %+v", m.Tests)
	}
	if ns, n := m.Tests[0].Namespace(); ns != "dbt_utils" || n != "expression_is_true" {
		t.Errorf("namespace %q %q", ns, n)
	}
	if len(m.Columns) != 2 {
		t.Fatalf("columns %+v", m.Columns)
	}
	c := m.Columns[0]
	if c.Name != "customer_id" || c.DataType != "integer" || c.Quote == nil || !*c.Quote ||
		!reflect.DeepEqual(c.Meta, map[string]any{"a": 1, "b": 2}) || !reflect.DeepEqual(c.Tags, []string{"key", "id"}) {
		t.Errorf("column %+v", c)
	}
	wantTests := []TestDef{
		{Name: "unique", Column: "customer_id"},
		{Name: "not_null", Column: "customer_id", Config: map[string]any{"where": "id > 0", "severity": "warn"}},
		{Name: "relationships", Column: "customer_id", Args: map[string]any{"to": "ref('orders')", "field": "customer_id"}, CustomName: "cust_has_orders"},
		{Name: "accepted_values", Column: "customer_id", Args: map[string]any{"values": []any{"a", "b"}, "quote": false}, Config: map[string]any{"severity": "warn"}},
		{Name: "accepted_values", Column: "customer_id", Args: map[string]any{"values": []any{1, 2}}, CustomName: "custom_av"},
	}
	if len(c.Tests) != len(wantTests) {
		t.Fatalf("column tests %+v", c.Tests)
	}
	for i, w := range wantTests {
		got := c.Tests[i]
		if got.Pos.Line == 0 {
			t.Errorf("test %d has no position", i)
		}
		got.Pos = diag.Pos{}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("test %d:\n got %#v\nwant %#v", i, got, w)
		}
	}
	if len(m.Columns[1].Tests) != 1 || m.Columns[1].Tests[0].Name != "not_null" {
		t.Errorf("tests: alias %+v", m.Columns[1].Tests)
	}

	if len(p.Seeds) != 1 || p.Seeds[0].Config["column_types"] == nil {
		t.Errorf("seeds %+v", p.Seeds)
	}
	if len(p.Snapshots) != 1 || p.Snapshots[0].Relation != "source('shop', 'orders')" {
		t.Errorf("snapshots %+v", p.Snapshots)
	}
	if len(p.Analyses) != 1 || len(p.DataTests) != 1 || p.DataTests[0].Config["severity"] != "warn" {
		t.Errorf("analyses/data tests %+v %+v", p.Analyses, p.DataTests)
	}
	if len(p.Sources) != 1 {
		t.Fatal(p.Sources)
	}
	s := p.Sources[0]
	if s.Database != "raw" || s.Schema != "jaffle" || s.Loader != "fivetran" || s.LoadedAtField != "_loaded_at" ||
		s.Freshness["warn_after"] == nil || s.Quoting["identifier"] != false || len(s.Tables) != 2 {
		t.Errorf("source %+v", s)
	}
	if tb := s.Tables[0]; tb.Identifier != "raw_orders" || !tb.NoFreshness || tb.Freshness != nil || len(tb.Columns) != 1 || tb.Columns[0].Tests[0].Name != "unique" {
		t.Errorf("source table %+v", tb)
	}
	if tb := s.Tables[1]; len(tb.Tests) != 1 || tb.Tests[0].Args["combination_of_columns"] == nil {
		t.Errorf("source table tests %+v", tb.Tests)
	}
	if len(p.Macros) != 1 || p.Macros[0].Arguments[0]["name"] != "column_name" {
		t.Errorf("macros %+v", p.Macros)
	}
	if len(p.Exposures) != 1 || p.Exposures[0].Type != "dashboard" || !reflect.DeepEqual(p.Exposures[0].DependsOn, []string{"ref('customers')", "source('shop', 'orders')"}) {
		t.Errorf("exposures %+v", p.Exposures)
	}
	if len(p.UnitTests) != 1 || p.UnitTests[0].Model != "customers" || len(p.UnitTests[0].Given) != 1 || p.UnitTests[0].Expect["rows"] == nil {
		t.Errorf("unit tests %+v", p.UnitTests)
	}
	if len(p.Groups) != 1 || p.Groups[0]["name"] != "finance" {
		t.Errorf("groups %+v", p.Groups)
	}
	if len(p.Semantic["semantic_models"]) == 0 || len(p.Semantic["metrics"]) == 0 {
		t.Errorf("semantic %+v", p.Semantic)
	}
}

func TestParsePropertiesDiagnostics(t *testing.T) {
	cases := []struct {
		name  string
		src   string
		sev   diag.Severity
		parts []string
	}{
		{"syntax error", "models:\n  - name: a\n    description: x\n   columns: []\n", diag.Error,
			[]string{"models/s.yml:4:4: error: invalid YAML:", "4 |    columns: []"}},
		{"tab", "models:\n\t- name: a\n", diag.Error, []string{"models/s.yml:2:", "tabs"}},
		{"not mapping", "- name: a\n", diag.Error, []string{"models/s.yml:1:1: error: a property file must be a mapping"}},
		{"scalar file", "hello\n", diag.Error, []string{"must be a mapping", "not a string"}},
		{"version 1", "version: 1\nmodels: []\n", diag.Warning, []string{"models/s.yml:1:10: warning: property file version '1' is not 2", "version: 2"}},
		{"model without name", "models:\n  - description: x\n", diag.Error, []string{"models/s.yml:2:5: error: model entry has no name", "add `name: <model name>`"}},
		{"model entry not mapping", "models:\n  - orders\n", diag.Error, []string{"models/s.yml:2:5", "must be a mapping, found a string"}},
		{"models not list", "models:\n  name: orders\n", diag.Error, []string{"models/s.yml:2:3", "models must be a list, not a mapping"}},
		{"duplicate in file", "models:\n  - name: a\n  - name: a\n", diag.Error, nil}, // via CheckDuplicatePatches below
		{"unknown model key", "models:\n  - name: a\n    desciption: x\n", diag.Warning,
			[]string{"models/s.yml:3:5: warning: unknown key 'desciption' in model 'a' — did you mean 'description'?"}},
		{"unknown column key", "models:\n  - name: a\n    columns:\n      - name: id\n        data_typ: int\n", diag.Warning,
			[]string{"models/s.yml:5:9", "unknown key 'data_typ' in column 'id' of model 'a' — did you mean 'data_type'?"}},
		{"unknown config key", "models:\n  - name: a\n    config:\n      materialised: table\n", diag.Warning,
			[]string{"models/s.yml:4:7: warning: unknown config key 'materialised' — did you mean 'materialized'?"}},
		{"tests and data_tests", "models:\n  - name: a\n    tests: [unique]\n    data_tests: [not_null]\n", diag.Error,
			[]string{"models/s.yml:4:5", "sets both 'tests' and 'data_tests'"}},
		{"column tests and data_tests", "models:\n  - name: a\n    columns:\n      - name: id\n        tests: [unique]\n        data_tests: [not_null]\n", diag.Error,
			[]string{"models/s.yml:6:9", "column 'id' of model 'a' sets both"}},
		{"legacy config and config", "models:\n  - name: a\n    columns:\n      - name: id\n        data_tests:\n          - unique:\n              severity: warn\n              config:\n                severity: error\n", diag.Error,
			[]string{"models/s.yml:7:15", "'severity' of test 'unique' is set both on the test and under config:"}},
		{"test entry two keys", "models:\n  - name: a\n    data_tests:\n      - accepted_values:\n        values: [1]\n", diag.Error,
			[]string{"models/s.yml:4:9", "exactly one key", "accepted_values, values"}},
		{"test args not map", "models:\n  - name: a\n    data_tests:\n      - accepted_values: [1, 2]\n", diag.Error,
			[]string{"models/s.yml:4:26", "settings of test 'accepted_values' must be a mapping"}},
		{"argument twice", "models:\n  - name: a\n    data_tests:\n      - accepted_values:\n          values: [1]\n          arguments: {values: [2]}\n", diag.Warning,
			[]string{"models/s.yml:6:23: warning: 'values' of test 'accepted_values' is also given at line 5; the one under arguments: is used"}},
		{"unknown section", "model:\n  - name: a\n", diag.Warning, []string{"models/s.yml:1:1", "unknown top-level key 'model'", "did you mean 'models'?"}},
		{"exposure type", "exposures:\n  - name: e\n    type: dashbord\n    owner: {name: a}\n", diag.Error,
			[]string{"models/s.yml:3:11", "invalid type 'dashbord'", "did you mean 'dashboard'?"}},
		{"exposure owner", "exposures:\n  - name: e\n    type: ml\n", diag.Error, []string{"exposure 'e' has no owner"}},
		{"unit test without model", "unit_tests:\n  - name: u\n    given: []\n    expect: {rows: []}\n", diag.Error, []string{"unit test 'u' has no model"}},
		{"bad access", "models:\n  - name: a\n    access: publik\n", diag.Error, []string{"did you mean 'public'?"}},
		{"quote not bool", "models:\n  - name: a\n    columns:\n      - name: c\n        quote: sometimes\n", diag.Error, []string{"quote must be a boolean"}},
		{"duplicate yaml key", "models:\n  - name: a\n    description: x\n    description: y\n", diag.Warning, []string{"models/s.yml:4:5", "key 'description' is given twice"}},
		{"hook spelling", "models:\n  - name: a\n    config:\n      pre_hook: x\n      pre-hook: y\n", diag.Error, []string{"both 'pre-hook' and 'pre_hook'"}},
		{"self alias", "a: &a\n  b: *a\n", diag.Error, []string{"nested too deeply"}},
		{"version entry without v", "models:\n  - name: a\n    versions:\n      - defined_in: x\n", diag.Error, []string{"has no v:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, diags := ParseProperties("models/s.yml", []byte(c.src))
			if c.parts == nil {
				return
			}
			if !hasDiag(diags, c.sev, c.parts...) {
				t.Fatalf("want %v containing %q; got:\n%v", c.sev, c.parts, diags)
			}
		})
	}
}

func TestParsePropertiesEmpty(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n", "version: 2\n", "models:\n", "models: []\nsources: ~\n"} {
		p, diags := ParseProperties("x.yml", []byte(src))
		if p == nil || len(diags) != 0 {
			t.Errorf("%q: %v %v", src, p, diags)
		}
	}
}

func TestCheckDuplicatePatches(t *testing.T) {
	a, _ := ParseProperties("models/a.yml", []byte("models:\n  - name: orders\n  - name: customers\n  - name: orders\nsources:\n  - name: s\n    tables: [{name: t}]\n"))
	b, _ := ParseProperties("models/b.yml", []byte("models:\n  - name: customers\nseeds:\n  - name: orders\nsources:\n  - name: s\n    tables: [{name: t}, {name: u}]\n"))
	diags := CheckDuplicatePatches([]*Properties{a, b})
	if len(diags) != 3 {
		t.Fatalf("%v", diags)
	}
	want := []string{
		"models/a.yml:4:5: error: model 'orders' is described twice: here and at line 2 of the same file",
		"models/b.yml:2:5: error: model 'customers' is described twice: here and at models/a.yml:3:5",
		"models/b.yml:7:14: error: source table 's.t' is described twice: here and at models/a.yml:7:14",
	}
	for i, w := range want {
		if !strings.HasPrefix(diags[i].String(), w) {
			t.Errorf("got  %q\nwant %q", diags[i].String(), w)
		}
	}
}

func TestParsePropertyFilesPrefix(t *testing.T) {
	files := []File{
		{Path: "models/a.yml", Content: []byte("models:\n  - name: a\n    desciption: x\n")},
		{Path: "models/b.yml", Content: []byte("models: [")},
	}
	props, diags := ParsePropertyFiles(files, "dbt_packages/pkg")
	if len(props) != 2 || props[0].Path != "models/a.yml" || props[0].Models[0].Pos.File != "dbt_packages/pkg/models/a.yml" {
		t.Fatalf("%+v", props)
	}
	if len(diags) != 2 || diags[0].Pos.File != "dbt_packages/pkg/models/a.yml" || diags[1].Pos.File != "dbt_packages/pkg/models/b.yml" {
		t.Fatalf("%v", diags)
	}
}

func FuzzParseProperties(f *testing.F) {
	f.Add([]byte(schemaYML))
	f.Add([]byte("models:\n  - name: a\n    columns:\n      - name: b\n        data_tests: [unique, {accepted_values: {values: [1]}}]\n"))
	f.Add([]byte("a: &a\n  b: *a\nmodels: *a\n"))
	f.Add([]byte("models:\n  - <<: {name: x}\n    columns: [{name: c, tests: [{test_name: t, name: n}]}]\n"))
	f.Add([]byte("sources: [{name: s, tables: [{name: t, freshness: null, quoting: {x: yes}}]}]\n"))
	f.Add([]byte("exposures: [{name: e, type: ml, owner: {}}]\nunit_tests: [{name: u, given: [1], expect: 2}]\n"))
	f.Add([]byte("version: 2\n\tmodels:"))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, diags := ParseProperties("f.yml", src)
		if p == nil {
			t.Fatal("nil properties")
		}
		_ = diags.Error()
		_ = CheckDuplicatePatches([]*Properties{p, p})
	})
}

func TestParsePropertiesFallbackSyntax(t *testing.T) {
	// Anchors, merge keys and CRLF line ends take the yaml.v3 path.
	src := "models:\r\n  - name: a\r\n    config: &cfg\r\n      materialized: table\r\n    columns: &cols\r\n      - name: id\r\n        data_tests: [unique]\r\n" +
		"  - name: b\r\n    config:\r\n      <<: *cfg\r\n      schema: s\r\n    columns: *cols\r\n"
	p, diags := ParseProperties("models/x.yml", []byte(src))
	if len(diags) != 0 || len(p.Models) != 2 {
		t.Fatalf("%v %+v", diags, p)
	}
	b := p.Models[1]
	if b.Config["materialized"] != "table" || b.Config["schema"] != "s" || len(b.Columns) != 1 || b.Columns[0].Tests[0].Name != "unique" {
		t.Fatalf("%+v", b)
	}
	if b.Pos != (diag.Pos{File: "models/x.yml", Line: 8, Col: 5}) {
		t.Fatalf("pos %v", b.Pos)
	}
}

// dbt reads a property file whatever its version: says; so does kiln.
func TestParsePropertiesOtherVersion(t *testing.T) {
	for _, v := range []string{"1", "3", "'2.0'"} {
		p, diags := ParseProperties("models/s.yml", []byte("version: "+v+"\nmodels:\n  - name: a\n    description: d\n"))
		if diags.HasErrors() || len(p.Models) != 1 || p.Models[0].Description != "d" {
			t.Errorf("version %s: models %+v, diags %v", v, p.Models, diags)
		}
	}
}

// dbt 1.11 merges arguments: over the entry's keys, then takes config keys,
// config:, name and description out of the merged set wherever they were.
func TestTestArgumentsMergedAsDBT(t *testing.T) {
	src := `models:
  - name: m
    columns:
      - name: id
        data_tests:
          - accepted_values:
              arguments:
                values: [1, 2]
                quote: false
                where: "id > 0"
                severity: warn
                name: my_test
                description: hi
                config:
                  tags: [a]
              error_if: ">10"
          - dbt_utils.some_test:
              arguments:
                nested: {b: 1, a: [x, y]}
`
	p, diags := ParseProperties("models/s.yml", []byte(src))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	td := p.Models[0].Columns[0].Tests
	if len(td) != 2 {
		t.Fatalf("tests: %+v", td)
	}
	a := td[0]
	if len(a.Args) != 2 || a.Args["quote"] != false || a.Args["values"] == nil {
		t.Errorf("args: %v", a.Args)
	}
	if a.Config["where"] != "id > 0" || a.Config["severity"] != "warn" || a.Config["error_if"] != ">10" || a.Config["tags"] == nil {
		t.Errorf("config: %v", a.Config)
	}
	if a.CustomName != "my_test" || a.Description != "hi" {
		t.Errorf("name %q description %q", a.CustomName, a.Description)
	}
	if got := td[1].ArgKeyOrder["nested"]; len(got) != 2 || got[0] != "b" || got[1] != "a" {
		t.Errorf("key order of nested: %v", got)
	}
}
