package cli

// End-to-end tests of unit tests, failure storage, contracts, source
// freshness and CI reporting (JUnit XML, GitHub annotations, JSON logs),
// each on a project under testdata/ run on a real DuckDB file.

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kiln-dev/kiln/internal/report"
)

func execSQL(t *testing.T, db string, stmts ...string) {
	t.Helper()
	c, done := openDB(t, db)
	defer done()
	for _, s := range stmts {
		if _, err := c.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func querySQL(t *testing.T, db, q string) [][]any {
	t.Helper()
	c, done := openDB(t, db)
	defer done()
	tbl, _, err := c.Query(context.Background(), q, 0)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return tbl.Rows
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q\n%s", w, out)
		}
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestUnitTestsRunWithoutUpstreamRelations(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "unit_tests"))
	// Nothing is built: types come from the seed files, from describing the
	// upstream models and from the source's YAML data_types.
	res := kiln(t, dir, nil, "test", "-s", "test_type:unit", "--debug")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.all())
	}
	mustContain(t, res.stdout,
		"PASS customers::counts_completed_orders", "PASS customers::csv_and_fixture_file", "PASS stg_orders::sql_format",
		"PASS payments::payments_in_dollars", "PASS order_events::overrides_and_this",
		"columns of ref('raw_customers') from the seed file seeds/raw_customers.csv",
		"columns of ref('stg_orders') from compiling model stg_orders",
		"columns of source('stripe', 'payments') from the data_type of its YAML columns",
		"Found 4 models, 2 seeds, 5 unit tests, 1 source",
		"Done. PASS=5 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=5")
	validateArtifacts(t, dir)
	var man struct {
		UnitTests map[string]struct {
			Model     string         `json:"model"`
			Overrides map[string]any `json:"overrides"`
		} `json:"unit_tests"`
		Nodes map[string]any `json:"nodes"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	u, ok := man.UnitTests["unit_test.unit_shop.order_events.overrides_and_this"]
	if !ok || u.Model != "order_events" || u.Overrides["vars"] == nil || len(man.UnitTests) != 5 {
		t.Errorf("manifest unit_tests: %+v", man.UnitTests)
	}
	for id := range man.Nodes {
		if strings.HasPrefix(id, "unit_test.") {
			t.Errorf("unit test %s written under nodes", id)
		}
	}
}

func TestUnitTestSelection(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "unit_tests"))
	res := kiln(t, dir, nil, "test", "-s", "unit_test:csv_and_fixture_file")
	if res.code != 0 || !strings.Contains(res.stdout, "TOTAL=1") || !strings.Contains(res.stdout, "PASS customers::csv_and_fixture_file") {
		t.Errorf("unit_test: selection: exit %d\n%s", res.code, res.all())
	}
	res = kiln(t, dir, nil, "ls", "--resource-type", "unit_test")
	if res.code != 0 || !strings.Contains(res.stdout, "unit_test:unit_shop.overrides_and_this\n") || strings.Contains(res.stdout, "unit_shop.customers\n") {
		t.Errorf("ls --resource-type unit_test: exit %d\n%s", res.code, res.all())
	}
	// What ls prints selects the unit test, as in dbt.
	res = kiln(t, dir, nil, "ls", "-s", "unit_test:unit_shop.overrides_and_this", "--output", "json")
	if res.code != 0 || !strings.Contains(res.stdout, `"unique_id":"unit_test.unit_shop.order_events.overrides_and_this"`) || strings.Contains(res.stdout, `"alias"`) {
		t.Errorf("ls -s unit_test:unit_shop.overrides_and_this: exit %d\n%s", res.code, res.all())
	}
	// --resource-type unit_test in build runs only unit tests.
	res = kiln(t, dir, nil, "build", "--resource-type", "unit_test")
	if res.code != 0 || !strings.Contains(res.stdout, "Finished running 5 unit tests") {
		t.Errorf("build --resource-type unit_test: exit %d\n%s", res.code, res.all())
	}
}

func TestUnitTestFailureSkipsModelInBuild(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "unit_tests"))
	execSQL(t, filepath.Join(dir, "db.duckdb"), "create schema stripe", "create table stripe.payments as select 1 as id, 250 as amount")
	writeTestFile(t, filepath.Join(dir, "models", "failing.yml"), `unit_tests:
  - name: wrong_expectation
    model: customers
    given:
      - input: ref('raw_customers')
        rows: [{id: 1, first_name: Alice}, {id: 2, first_name: Bob}, {id: 4, first_name: Dan}]
      - input: ref('stg_orders')
        rows:
          - {order_id: 10, customer_id: 1, status: completed, amount: 5}
          - {order_id: 11, customer_id: 2, status: completed, amount: 7}
          - {order_id: 12, customer_id: 2, status: completed, amount: 3}
    expect:
      rows:
        - {customer_id: 1, order_count: 1}
        - {customer_id: 2, order_count: 1}
        - {customer_id: 3, order_count: 0}
`)
	res := kiln(t, dir, nil, "build")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.all())
	}
	mustContain(t, res.stdout,
		"FAIL 1 customers::wrong_expectation",
		"SKIP relation main.customers",
		"OK created sql table model main.order_events",
		"Failure in unit_test wrong_expectation (models/failing.yml)",
		"actual differs from expected (3 expected rows, 3 actual: 1 changed, 1 missing, 1 unexpected)",
		"→ | 2           | 1 → 2",
		"- | 3           | 0",
		"+ | 4           | 0")
	// The unit tests ran before their models: each START precedes the model's.
	out := res.stdout
	if strings.Index(out, "START unit_test order_events::overrides_and_this") > strings.Index(out, "START sql table model main.order_events") {
		t.Errorf("a unit test ran after its model:\n%s", out)
	}
	rr := runResults(t, dir)
	if rr["model.unit_shop.customers"] != "skipped" || rr["unit_test.unit_shop.customers.wrong_expectation"] != "fail" || rr["model.unit_shop.payments"] != "success" {
		t.Errorf("run_results: %v", rr)
	}
	validateArtifacts(t, dir)
}

func TestUnitTestBadInputIsParseError(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"unknown model": {`unit_tests:
  - name: t
    model: custmers
    given: []
    expect: {rows: []}
`, "models/bad.yml:2:5: error: unit test 't' tests unknown model 'custmers' — did you mean 'customers'?"},
		"unknown input": {`unit_tests:
  - name: t
    model: customers
    given:
      - input: ref('raw_orders')
        rows: []
    expect: {rows: []}
`, "models/bad.yml:5:9: error: unit test 't': input ref('raw_orders') is not used by model 'customers'"},
		"missing fixture": {`unit_tests:
  - name: t
    model: customers
    given:
      - input: ref('stg_orders')
        format: csv
        fixture: nope
    expect: {rows: []}
`, "models/bad.yml:5:9: error: unit test 't': fixture file 'nope' not found (looked for tests/fixtures/nope.csv)"},
		"unknown column": {`unit_tests:
  - name: t
    model: customers
    given:
      - input: ref('raw_customers')
        rows: [{id: 1, frist_name: x}]
    expect: {rows: []}
`, "models/bad.yml:5:9: error: unit test 't': input ref('raw_customers'): column 'frist_name' is not a column of this input (it has: id, first_name)"},
		"type mismatch": {`unit_tests:
  - name: t
    model: customers
    given:
      - input: ref('raw_customers')
        rows: [{id: 1}]
    expect:
      rows:
        - {customer_id: one}
`, "models/bad.yml:8:7: error: unit test 't': expect row 1, column 'customer_id': value 'one' cannot be compared with a column of type integer"},
		"bad format": {`unit_tests:
  - name: t
    model: customers
    given:
      - input: ref('raw_customers')
        format: yaml
    expect: {rows: []}
`, "unknown format 'yaml' (use dict, csv or sql)"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "unit_tests"))
			writeTestFile(t, filepath.Join(dir, "models", "bad.yml"), c.yaml)
			res := kiln(t, dir, nil, "build")
			if res.code != 2 {
				t.Fatalf("exit %d, want 2\n%s", res.code, res.all())
			}
			mustContain(t, res.stderr, c.want)
			if _, err := os.Stat(filepath.Join(dir, "db.duckdb")); err == nil {
				t.Error("the warehouse was opened despite a parse error")
			}
		})
	}
}

func TestStoreFailures(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "store_failures"))
	db := filepath.Join(dir, "db.duckdb")
	res := kiln(t, dir, nil, "build")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.all())
	}
	mustContain(t, res.stdout,
		"FAIL 1 not_null_people_model_name",
		`select * from "db"."main_dbt_test__audit"."not_null_people_model_name"`,
		"WARN 1 unique_people_model_id",
		"WARN 6 weighted_duplicates", "Got 6 results, configured to warn if > 1") // fail_calc: sum(weight)
	if strings.Contains(res.stdout, `"weighted_duplicates"`) {
		t.Error("a test without store_failures was stored")
	}
	rows := querySQL(t, db, `select table_name, table_type from information_schema.tables where table_schema = 'main_dbt_test__audit' order by 1`)
	got := ""
	for _, r := range rows {
		got += r[0].(string) + ":" + r[1].(string) + " "
	}
	if got != "accepted_values_people_model_status__inactive:BASE TABLE not_null_people_model_name:BASE TABLE unique_people_model_id:VIEW " {
		t.Errorf("audit relations: %s", got)
	}
	// The stored failing rows; limit: 1 also caps what is stored.
	if n := querySQL(t, db, `select count(*) from main_dbt_test__audit.accepted_values_people_model_status__inactive`)[0][0]; toInt64(n) != 1 {
		t.Errorf("limit 1 stored %v rows", n)
	}
	if r := querySQL(t, db, `select id from main_dbt_test__audit.not_null_people_model_name`); len(r) != 1 || toInt64(r[0][0]) != 2 {
		t.Errorf("stored not_null failures: %v", r)
	}

	// --store-failures stores every test; --warn-error-options promotes WARN.
	res = kiln(t, dir, nil, "test", "-s", "weighted_duplicates", "--store-failures", "--warn-error-options", `{"error": "all"}`)
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.all())
	}
	mustContain(t, res.stdout, "FAIL 6 weighted_duplicates", `select * from "db"."main_dbt_test__audit"."weighted_duplicates"`)
	res = kiln(t, dir, nil, "test", "-s", "weighted_duplicates", "--warn-error-options", `{"error": "all", "warn": ["LogTestResult"]}`)
	if res.code != 0 || !strings.Contains(res.stdout, "WARN 6 weighted_duplicates") {
		t.Errorf("warn list did not keep the warning: exit %d\n%s", res.code, res.all())
	}
	res = kiln(t, dir, nil, "test", "--warn-error-options", `{"eror": "all"}`)
	if res.code != 2 || !strings.Contains(res.stderr, "unknown key 'eror'") {
		t.Errorf("bad --warn-error-options: exit %d\n%s", res.code, res.all())
	}
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	}
	return -1
}

func TestContracts(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "contracts"))
	db := filepath.Join(dir, "db.duckdb")
	res := kiln(t, dir, nil, "build")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.all())
	}
	// Declared types (int → INTEGER, text → VARCHAR, numeric(10, 2)) and
	// constraints are in the table.
	cols := querySQL(t, db, `select column_name || ' ' || data_type from duckdb_columns() where table_name = 'orders' order by column_index`)
	if len(cols) != 3 || cols[0][0] != "order_id INTEGER" || cols[1][0] != "status VARCHAR" || cols[2][0] != "amount DECIMAL(10,2)" {
		t.Errorf("columns: %v", cols)
	}
	cons := querySQL(t, db, `select constraint_type from duckdb_constraints() where table_name = 'orders' order by constraint_index`)
	var kinds []string
	for _, r := range cons {
		kinds = append(kinds, r[0].(string))
	}
	if strings.Join(kinds, ",") != "NOT NULL,PRIMARY KEY,CHECK,CHECK" {
		t.Errorf("constraints: %v", kinds)
	}

	// A violated constraint fails the model and keeps the old table.
	writeTestFile(t, filepath.Join(dir, "models", "orders.sql"), "select null as order_id, 'placed' as status, 1.5 as amount")
	res = kiln(t, dir, nil, "build")
	if res.code != 1 || !strings.Contains(res.stdout, "NOT NULL constraint failed") {
		t.Errorf("constraint violation: exit %d\n%s", res.code, res.all())
	}
	if n := querySQL(t, db, "select count(*) from main.orders")[0][0]; toInt64(n) != 2 {
		t.Errorf("old table lost: %v rows", n)
	}

	// A type mismatch is reported before anything is built, naming the
	// column, the declared and the actual type.
	writeTestFile(t, filepath.Join(dir, "models", "orders.sql"), "select 1 as order_id, 42 as status, 1.5 as amount, 'x' as extra")
	res = kiln(t, dir, nil, "build")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.all())
	}
	mustContain(t, res.stdout, "models/schema.yml: contract of model 'orders' is not satisfied:",
		"column 'status' is declared as text but the query returns INTEGER",
		"the query returns column 'extra' (VARCHAR), which is not declared")
	if n := querySQL(t, db, "select count(*) from main.orders")[0][0]; toInt64(n) != 2 {
		t.Errorf("old table lost: %v rows", n)
	}
}

func TestSourceFreshness(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "freshness"))
	now := "(now() at time zone 'UTC')"
	execSQL(t, filepath.Join(dir, "db.duckdb"),
		"create schema raw",
		"create table raw.fresh_events as select "+now+" - interval 1 hour as loaded_at",
		"create table raw.late_events as select "+now+" - interval 2 day as loaded_at",
		"create table raw.stale_events as select "+now+" - interval 10 day as loaded_at",
		"create table raw.filtered_events as select * from (values ("+now+" - interval 5 minute, 'test'), ("+now+" - interval 3 hour, 'real')) t(loaded_at, kind)",
		"create table raw.no_policy as select "+now+" as loaded_at",
	)
	res := kiln(t, dir, nil, "source", "freshness")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1 (a stale source)\n%s", res.code, res.all())
	}
	mustContain(t, res.stdout,
		"PASS freshness of raw.fresh_events", "WARN freshness of raw.late_events",
		"ERROR STALE freshness of raw.stale_events", "ERROR freshness of raw.missing_table",
		"WARN freshness of raw.filtered_events", // the filter hides the 5-minute-old row
		"configured to error after 3 days", "Finished running 5 sources")
	if strings.Contains(res.stdout, "no_policy") {
		t.Error("a source with freshness: null was checked")
	}
	b, err := os.ReadFile(filepath.Join(dir, "target", "sources.json"))
	if err != nil {
		t.Fatal(err)
	}
	validateJSON(t, b, "sources-v3.json")
	var out struct {
		Results []struct {
			UniqueID string  `json:"unique_id"`
			Status   string  `json:"status"`
			Age      float64 `json:"max_loaded_at_time_ago_in_s"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	st := map[string]string{}
	for _, r := range out.Results {
		st[strings.TrimPrefix(r.UniqueID, "source.freshness.raw.")] = r.Status
	}
	want := map[string]string{"fresh_events": "pass", "late_events": "warn", "stale_events": "error", "filtered_events": "warn", "missing_table": "runtime error"}
	for k, v := range want {
		if st[k] != v {
			t.Errorf("%s: status %q, want %q (all: %v)", k, st[k], v, st)
		}
	}
	// Selection.
	res = kiln(t, dir, nil, "source", "freshness", "-s", "source:raw.fresh_events")
	if res.code != 0 || !strings.Contains(res.stdout, "1 of 1 PASS freshness of raw.fresh_events") {
		t.Errorf("selected freshness: exit %d\n%s", res.code, res.all())
	}
}

func validateJSON(t *testing.T, doc []byte, schema string) {
	t.Helper()
	schemaDir := os.Getenv("KILN_DBT_SCHEMAS")
	if schemaDir == "" {
		schemaDir = filepath.Join(repoRoot(t), "..", "shared", "dbt-schemas")
	}
	if _, err := os.Stat(schemaDir); err != nil {
		t.Skipf("dbt JSON Schemas not found at %s", schemaDir)
	}
	sch, err := jsonschema.NewCompiler().Compile(filepath.Join(schemaDir, schema))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(doc)))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("does not validate against %s: %v", schema, err)
	}
}

func TestJUnitAndGitHubAnnotations(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "ci_reporting"))
	junit := filepath.Join(dir, "reports", "junit.xml")
	res := kiln(t, dir, map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": filepath.Dir(dir)}, "build", "--junit-xml", junit)
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.all())
	}
	proj := filepath.Base(dir)
	mustContain(t, res.stdout,
		"::error file="+proj+"/models/schema.yml,line=13,title=unit_test items%3A%3Adoubles_the_price FAIL::actual differs from expected")
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc report.JUnitSuites
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("junit.xml does not parse: %v\n%s", err, b)
	}
	// 1 seed, 1 model (skipped: its unit test failed), 2 data tests (skipped), 1 unit test.
	if doc.Tests != 5 || doc.Failures != 1 || doc.Skipped != 3 || doc.Errors != 0 {
		t.Errorf("totals: tests=%d failures=%d skipped=%d errors=%d\n%s", doc.Tests, doc.Failures, doc.Skipped, doc.Errors, b)
	}
	cases := map[string]report.JUnitCase{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			cases[c.ClassName] = c
		}
	}
	u := cases["unit_test.ci_reporting.items.doubles_the_price"]
	if u.Failure == nil || !strings.Contains(u.Failure.Text, "21 → 20") || u.File != "models/schema.yml" {
		t.Errorf("unit test case: %+v", u)
	}
	if c := cases["model.ci_reporting.items"]; c.Skipped == nil {
		t.Errorf("model case: %+v", c)
	}

	// Without the unit test, the model builds and not_null fails with its count.
	res = kiln(t, dir, map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": filepath.Dir(dir)}, "build", "--exclude", "test_type:unit", "--junit-xml", junit)
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.all())
	}
	mustContain(t, res.stdout, "::error file="+proj+"/models/schema.yml,line=10,title=test not_null_items_price FAIL::Got 1 result, configured to fail if != 0")
	b, _ = os.ReadFile(junit)
	doc = report.JUnitSuites{}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	cases = map[string]report.JUnitCase{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			cases[c.ClassName] = c
		}
	}
	var nn report.JUnitCase
	for id, c := range cases {
		if strings.HasPrefix(id, "test.ci_reporting.not_null_items_price") {
			nn = c
		}
	}
	if nn.Failure == nil || !strings.HasPrefix(nn.Failure.Message, "1 failing row: Got 1 result") || nn.Line != 10 {
		t.Errorf("not_null case: %+v", nn)
	}
	if doc.Tests != 4 || doc.Failures != 1 || doc.Skipped != 0 {
		t.Errorf("totals: %+v", doc)
	}
}

func TestJSONLogFormat(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "ci_reporting"))
	res := kiln(t, dir, nil, "build", "--log-format", "json")
	if res.code != 1 {
		t.Fatalf("exit %d\n%s", res.code, res.all())
	}
	codes := map[string]int{}
	var stats map[string]any
	sc := bufio.NewScanner(strings.NewReader(res.stdout))
	for sc.Scan() {
		var ev report.JSONEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not a JSON event: %q: %v", sc.Text(), err)
		}
		if ev.Info.Name == "" || ev.Info.Code == "" || ev.Info.TS == "" || ev.Info.Level == "" || ev.Info.InvocationID == "" {
			t.Errorf("incomplete info: %s", sc.Text())
		}
		codes[ev.Info.Code]++
		if ev.Info.Code == "Z023" {
			stats, _ = ev.Data["stats"].(map[string]any)
		}
		if ev.Info.Code == "Q007" && ev.Data["node_info"] == nil {
			t.Errorf("test result without node_info: %s", sc.Text())
		}
	}
	// 5 nodes start; 1 seed result, 1 unit test result; the model and its 2 tests are skipped.
	if codes["Q011"] != 2 || codes["Q016"] != 1 || codes["Q007"] != 1 || codes["Q034"] != 3 || codes["Z023"] != 1 {
		t.Errorf("event codes: %v\n%s", codes, res.stdout)
	}
	if stats == nil || stats["error"] != float64(1) || stats["skip"] != float64(3) {
		t.Errorf("stats: %v", stats)
	}
	if strings.Contains(res.stdout, "::error") {
		t.Error("annotations printed outside GitHub Actions")
	}
	res = kiln(t, dir, nil, "run", "--log-format", "json", "--exclude", "test_type:unit")
	if !strings.Contains(res.stdout, `"code":"Q012"`) {
		t.Errorf("no model result event:\n%s", res.stdout)
	}
	res = kiln(t, dir, nil, "run", "--log-format", "yaml")
	if res.code != 2 || !strings.Contains(res.stderr, "--log-format: 'yaml' is not a log format") {
		t.Errorf("bad --log-format: exit %d\n%s", res.code, res.all())
	}
}

// TestUnitTestBadInputFoundBeforeRunning covers mistakes that need the
// warehouse to detect (the input is an ordinary model whose columns are only
// known by describing its SQL): they still exit 2, before anything runs.
func TestUnitTestBadInputFoundBeforeRunning(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"unknown column of a model input": {`unit_tests:
  - name: t
    model: customers
    given:
      - input: ref('stg_orders')
        rows: [{order_id: 1, custmer_id: 1}]
    expect: {rows: []}
`, "models/bad.yml:5:9"},
		"expect value of the wrong type": {`unit_tests:
  - name: t
    model: customers
    given:
      - input: ref('raw_customers')
        rows: [{id: 1}]
      - input: ref('stg_orders')
        rows: [{order_id: 1, customer_id: 1}]
    expect:
      rows:
        - {lifetime_value: lots}
`, "models/bad.yml:10:7: expect column 'lifetime_value': value 'lots' cannot be compared"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "unit_tests"))
			writeTestFile(t, filepath.Join(dir, "models", "bad.yml"), c.yaml)
			res := kiln(t, dir, nil, "build")
			if res.code != 2 {
				t.Fatalf("exit %d, want 2\n%s", res.code, res.all())
			}
			mustContain(t, res.stderr, c.want)
			mustContain(t, res.stderr, "nothing was run")
			c2, done := openDB(t, filepath.Join(dir, "db.duckdb"))
			defer done()
			tbl, _, err := c2.Query(t.Context(), "select count(*) from information_schema.tables where table_schema not in ('information_schema', 'pg_catalog')", 0)
			if err != nil || fmtCell(tbl.Rows[0][0]) != "0" {
				t.Errorf("something was built before the unit tests were checked: %v %v", tbl, err)
			}
		})
	}
}
