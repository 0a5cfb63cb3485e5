package cli

// End-to-end test of model versions (testdata/model_versions): each
// version is its own node and relation, ref() without a version is the
// latest, tests run per version, and `ls` with version selectors prints
// what dbt 1.11 prints (expected/ls_*.txt were recorded with dbt).

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkLsExpectations runs every `$ kiln ls ...` block of an expected file
// and compares the output line for line.
func checkLsExpectations(t *testing.T, dir, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(b), "$ kiln ls")[1:]
	if len(blocks) == 0 {
		t.Fatalf("%s has no `$ kiln ls` blocks", file)
	}
	for _, blk := range blocks {
		head, body, _ := strings.Cut(blk, "\n")
		args := append([]string{"ls", "-q"}, strings.Fields(head)...)
		res := kiln(t, dir, nil, args...)
		if res.code != 0 {
			t.Errorf("kiln %s: exit %d\n%s", strings.Join(args, " "), res.code, res.all())
			continue
		}
		if got, want := strings.TrimSpace(res.stdout), strings.TrimSpace(body); got != want {
			t.Errorf("kiln %s:\n got:\n%s\nwant (dbt):\n%s", strings.Join(args, " "), got, want)
		}
	}
}

func readManifest(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestModelVersions(t *testing.T) {
	dir := copyDir(t, repoRoot(t)+"/testdata/model_versions")
	res := kiln(t, dir, nil, "build")
	if res.code != 0 {
		t.Fatalf("build: exit %d\n%s", res.code, res.all())
	}
	db := filepath.Join(dir, "db.duckdb")
	// v1 excludes country and is a view (its config overrides the model's);
	// v3 (defined_in: dim_customers_next) is a prerelease.
	for table, want := range map[string]string{
		"dim_customers_v1":      "id,name,created_at\n1,ann,2024-01-01\n2,bob,2024-01-02\n3,cid,2024-02-03\n",
		"dim_customers_v3":      "id,name,country,created_at\n1,ANN,NL,2024-01-01\n2,BOB,DE,2024-01-02\n3,CID,NL,2024-02-03\n",
		"customers_by_country":  "country,customers\nDE,1\nNL,2\n",
		"legacy_customer_names": "name\nANN\nBOB\nCID\nann\nbob\ncid\n",
	} {
		if got := tableCSV(t, db, table); got != want {
			t.Errorf("%s:\n%s\nwant:\n%s", table, got, want)
		}
	}
	for _, want := range []string{"sql view model main.dim_customers_v1", "sql table model main.dim_customers_v2", "PASS unique_dim_customers_v1_id"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("missing %q in:\n%s", want, res.stdout)
		}
	}
	for _, want := range []string{
		"models/customers_by_country.sql:2:52: warning: model 'customers_by_country' refers to versioned model 'dim_customers' without a version: it resolves to the latest, v2; prerelease v3",
		"models/legacy_customer_names.sql:1:26: warning: model 'legacy_customer_names' refers to dim_customers.v1, which was deprecated on 2025-06-01",
	} {
		if !strings.Contains(res.all(), want) {
			t.Errorf("missing %q in:\n%s", want, res.all())
		}
	}
	validateArtifacts(t, dir)
	nodes := readManifest(t, dir)["nodes"].(map[string]any)
	v1, ok := nodes["model.model_versions.dim_customers.v1"].(map[string]any)
	if !ok {
		t.Fatalf("manifest has no model.model_versions.dim_customers.v1")
	}
	// The values dbt 1.11 writes for this project.
	for k, want := range map[string]string{
		"name": `"dim_customers"`, "version": `1`, "latest_version": `2`, "alias": `"dim_customers_v1"`,
		"deprecation_date": `"2025-06-01T00:00:00+00:00"`, "fqn": `["model_versions","dim_customers","v1"]`,
		"original_file_path": `"models/dim_customers_v1.sql"`, "patch_path": `"model_versions://models/dim_customers.yml"`,
		"unrendered_config": `{"materialized":"view","tags":["customers"]}`,
	} {
		if got := jsonString(v1[k]); got != want {
			t.Errorf("dim_customers.v1 %s = %s, want %s", k, got, want)
		}
	}
	if cols := v1["columns"].(map[string]any); len(cols) != 3 || cols["country"] != nil {
		t.Errorf("v1 columns (include: all, exclude: [country]) = %v", cols)
	}
	v3 := nodes["model.model_versions.dim_customers.v3"].(map[string]any)
	if d := v3["description"]; d != "The next version, not yet the latest." {
		t.Errorf("v3 description %q", d)
	}
	if d := v3["columns"].(map[string]any)["name"].(map[string]any)["description"]; d != "Upper-cased." {
		t.Errorf("v3 column name description %q", d)
	}
	legacy := nodes["model.model_versions.legacy_customer_names"].(map[string]any)
	if got, want := jsonString(legacy["refs"]), `[{"name":"dim_customers","package":null,"version":1},{"name":"dim_customers","package":null,"version":3}]`; got != want {
		t.Errorf("legacy refs %s, want %s", got, want)
	}
	if got, want := jsonString(legacy["depends_on"].(map[string]any)["nodes"]), `["model.model_versions.dim_customers.v1","model.model_versions.dim_customers.v3"]`; got != want {
		t.Errorf("legacy depends_on %s, want %s", got, want)
	}
	spine := nodes["model.model_versions.metricflow_time_spine"].(map[string]any)
	if got, want := jsonString(spine["time_spine"]), `{"custom_granularities":[],"standard_granularity_column":"date_day"}`; got != want {
		t.Errorf("time_spine %s, want %s", got, want)
	}
	if g := spine["columns"].(map[string]any)["date_day"].(map[string]any)["granularity"]; g != "day" {
		t.Errorf("date_day granularity %v", g)
	}
	test := nodes["test.model_versions.unique_dim_customers_v1_id.f55d167630"].(map[string]any)
	if got, want := jsonString(test["test_metadata"].(map[string]any)["kwargs"]), `{"column_name":"id","model":"{{ get_where_subquery(ref('dim_customers', version='1')) }}"}`; got != want {
		t.Errorf("versioned test kwargs %s, want %s", got, want)
	}
	checkLsExpectations(t, dir, filepath.Join(dir, "expected", "ls_versions.txt"))
}

// A ref to a version that does not exist names the versions there are.
func TestModelVersionUnknown(t *testing.T) {
	dir := copyDir(t, repoRoot(t)+"/testdata/model_versions")
	if err := os.WriteFile(filepath.Join(dir, "models", "legacy_customer_names.sql"), []byte("select name from {{ ref('dim_customers', v=9) }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := kiln(t, dir, nil, "parse")
	want := "models/legacy_customer_names.sql:1:26: error: model 'legacy_customer_names' refers to unknown node 'dim_customers (version 9)'"
	if res.code != 2 || !strings.Contains(res.all(), want) || !strings.Contains(res.all(), "has versions 1, 2, 3") {
		t.Errorf("exit %d, want 2 and %q:\n%s", res.code, want, res.all())
	}
}

// Semantic models, metrics, saved queries and groups are in manifest.json
// with dbt's fields and depends_on, and `ls` lists and selects them as dbt.
func TestSemanticLayerManifestAndLs(t *testing.T) {
	dir := copyDir(t, repoRoot(t)+"/testdata/model_versions")
	if res := kiln(t, dir, nil, "build"); res.code != 0 {
		t.Fatalf("build: exit %d\n%s", res.code, res.all())
	}
	validateArtifacts(t, dir)
	m := readManifest(t, dir)
	for sec, id := range map[string]string{
		"semantic_models": "semantic_model.model_versions.revenue", "metrics": "metric.model_versions.revenue_per_customer",
		"saved_queries": "saved_query.model_versions.revenue_by_day", "groups": "group.model_versions.finance",
	} {
		if _, ok := m[sec].(map[string]any)[id]; !ok {
			t.Errorf("manifest %s lacks %s", sec, id)
		}
	}
	sm := m["semantic_models"].(map[string]any)["semantic_model.model_versions.revenue"].(map[string]any)
	for k, want := range map[string]string{
		"depends_on":    `{"macros":[],"nodes":["model.model_versions.finance_revenue"]}`,
		"node_relation": `{"alias":"finance_revenue","database":"db","relation_name":"\"db\".\"main\".\"finance_revenue\"","schema_name":"main"}`,
		"config":        `{"enabled":true,"group":"finance","meta":{}}`,
		"measures":      `[{"agg":"sum","agg_params":null,"agg_time_dimension":null,"config":{"meta":{}},"create_metric":false,"description":null,"expr":"revenue","label":null,"name":"revenue_total","non_additive_dimension":null},{"agg":"count_distinct","agg_params":null,"agg_time_dimension":null,"config":{"meta":{}},"create_metric":false,"description":null,"expr":"customer_id","label":null,"name":"customer_count","non_additive_dimension":null}]`,
	} {
		if got := jsonString(sm[k]); got != want {
			t.Errorf("semantic model %s = %s, want %s", k, got, want)
		}
	}
	ratio := m["metrics"].(map[string]any)["metric.model_versions.revenue_per_customer"].(map[string]any)
	if got, want := jsonString(ratio["depends_on"]), `{"macros":[],"nodes":["metric.model_versions.total_revenue","metric.model_versions.customers"]}`; got != want {
		t.Errorf("ratio metric depends_on %s, want %s", got, want)
	}
	if got := jsonString(ratio["type_params"].(map[string]any)["input_measures"]); !strings.Contains(got, `"name":"revenue_total"`) || !strings.Contains(got, `"name":"customer_count"`) {
		t.Errorf("ratio metric input_measures %s", got)
	}
	sq := m["saved_queries"].(map[string]any)["saved_query.model_versions.revenue_by_day"].(map[string]any)
	if got, want := jsonString(sq["exports"]), `[{"config":{"alias":"revenue_by_day_export","database":"db","export_as":"table","schema_name":"main"},"name":"revenue_by_day_export","unrendered_config":{"export_as":"table"}}]`; got != want {
		t.Errorf("saved query exports %s, want %s", got, want)
	}
	checkLsExpectations(t, dir, filepath.Join(dir, "expected", "ls_semantic.txt"))
}

// A private model may only be referenced from its own group (dbt's parse
// error), and a group: must name a defined group.
func TestPrivateModelAccess(t *testing.T) {
	dir := copyDir(t, repoRoot(t)+"/testdata/model_versions")
	if err := os.WriteFile(filepath.Join(dir, "models", "outsider.sql"), []byte("select * from {{ ref('finance_revenue') }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "models", "misgrouped.sql"), []byte("{{ config(group='finanse') }}\nselect 1 as x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := kiln(t, dir, nil, "parse")
	for _, want := range []string{
		"models/outsider.sql:1:23: error: model 'outsider' refers to model 'finance_revenue', which is private to the 'finance' group",
		"models/misgrouped.sql: error: model 'misgrouped' is in group 'finanse', which is not defined — did you mean 'finance'?",
	} {
		if res.code != 2 || !strings.Contains(res.all(), want) {
			t.Errorf("exit %d, want 2 and %q:\n%s", res.code, want, res.all())
		}
	}
}

// A metric on a measure no semantic model defines, or a saved query of an
// unknown metric, is a parse error naming the entry.
func TestSemanticLayerUnknownNames(t *testing.T) {
	dir := copyDir(t, repoRoot(t)+"/testdata/model_versions")
	path := filepath.Join(dir, "models", "finance.yml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "measure: revenue_total", "measure: revenue_totl", 1)
	s = strings.Replace(s, "metrics: [total_revenue]", "metrics: [total_revenu]", 1)
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	res := kiln(t, dir, nil, "parse")
	for _, want := range []string{
		"models/finance.yml:48:5: error: metric 'total_revenue' uses measure 'revenue_totl', which no semantic model defines — did you mean 'revenue_total'?",
		"models/finance.yml:66:5: error: saved query 'revenue_by_day' queries unknown metric 'total_revenu' — did you mean 'total_revenue'?",
	} {
		if res.code != 2 || !strings.Contains(res.all(), want) {
			t.Errorf("exit %d, want 2 and %q:\n%s", res.code, want, res.all())
		}
	}
}
