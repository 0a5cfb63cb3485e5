package cli

// End-to-end test of the Jinja context objects packages read: `graph`
// (every field of dbt's graph, config defaults included) and on-run-end's
// `results` (RunResult objects). The expected lines are what dbt 1.11
// logs for testdata/context_objects (dbt also lists a no-op result for the
// exposure, which kiln's build does not run).

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGraphAndResultsObjects(t *testing.T) {
	dir := copyDir(t, repoRoot(t)+"/testdata/context_objects")
	res := kiln(t, dir, nil, "build")
	if res.code != 0 {
		t.Fatalf("build: exit %d\n%s", res.code, res.all())
	}
	for _, want := range []string{
		// a string var renders when var() is called, in the caller's context
		"var who=dev:people_model",
		// graph fields; tags from dbt_project.yml rendered with target;
		// config.meta and data_type from property YAML rendered
		"model: enabled=True materialized=table on_schema_change=ignore fqn=context_objects.people_model refs=people depends=seed.context_objects.people description=One row per person. owner=data-team columns=id,name pk=id tags=on_dev env=dev dtype=integer",
		"seed: column_types=bigint",
		"source: loader=fivetran loaded_at_field=synced_at warn_after=12hour enabled=True",
		"exposure: owner=ann@example.com depends=model.context_objects.people_model",
		"hooks: operation.context_objects.context_objects-on-run-end-0",
		"result: model.context_objects.people_model status=success timing=compile,execute thread=True time=True failures=None message=OK response=OK compiled=True started=True",
		"result: seed.context_objects.people status=success timing=compile,execute thread=True time=True failures=None message=INSERT 2 response=INSERT 2 compiled=False started=True",
		// a list element of a test argument rendered: the test passes
		"result: test.context_objects.accepted_values_people_model_name___ann___bob.2e78b6c05c status=pass timing=compile,execute thread=True time=True failures=0 message=None response=OK compiled=True started=True",
		"result: test.context_objects.not_null_people_model_id.5b5a63ca59 status=pass timing=compile,execute thread=True time=True failures=0 message=None response=OK compiled=True started=True",
		"result: test.context_objects.unique_people_model_id.d135da87e9 status=pass timing=compile,execute thread=True time=True failures=0 message=None response=OK compiled=True started=True",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("missing %q in:\n%s", want, res.stdout)
		}
	}
	// manifest.json has the same nodes, hooks included, and stays valid.
	validateArtifacts(t, dir)
	b, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil || !strings.Contains(string(b), `"operation.context_objects.context_objects-on-run-end-0":{`) {
		t.Errorf("manifest.json lacks the on-run-end hook's operation node (%v)", err)
	}
	// config.enabled rendered to false: the not_null test on name is off.
	if strings.Contains(res.stdout, "not_null_people_model_name") {
		t.Errorf("the test disabled by a rendered config.enabled ran:\n%s", res.stdout)
	}
}

func TestPropertyYAMLJinjaError(t *testing.T) {
	dir := copyDir(t, repoRoot(t)+"/testdata/context_objects")
	path := filepath.Join(dir, "models", "schema.yml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), "{{ 'int' ~ 'eger' }}", "{{ 'int' ~ }}", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	res := kiln(t, dir, nil, "parse")
	// The file's own line and column of the error inside the value.
	want := "models/schema.yml:10:32: error: data_type of column id: syntax error"
	if res.code != 2 || !strings.Contains(res.all(), want) || !strings.Contains(res.all(), `10 |         data_type: "{{ 'int' ~ }}"`) {
		t.Errorf("exit %d, want 2 and %q:\n%s", res.code, want, res.all())
	}
}
