package cli

// End-to-end tests of the macro layer (compiler/jinja/fastpath.go,
// internal/run/jinjamat.go): custom {% materialization %} blocks of the
// project and of a package, run inside kiln's transaction envelope, and
// overridden building blocks run inside kiln's own materializations; on
// DuckDB and PostgreSQL.

import (
	"strings"
	"testing"
)

func TestCustomMaterializations(t *testing.T) {
	forEachTarget(t, "macro_layer", func(t *testing.T, tg *e2eTarget) {
		tg.mustKiln(t, 0, "build")
		// A post-hook sees the new relation: its row lands in the table
		// that is swapped in, not in the old one (issue 13).
		wantRows(t, "audited after run 1", tg.rows(t, "select id, note from "+tg.model("audited")), "1|model", "99|post-hook")
		wantRows(t, "appended after run 1", tg.rows(t, "select id from "+tg.model("appended")), "1")

		tg.mustKiln(t, 0, "build", "--vars", "{id: 2}")
		wantRows(t, "audited after run 2", tg.rows(t, "select id, note from "+tg.model("audited")), "2|model", "99|post-hook")
		wantRows(t, "appended after run 2", tg.rows(t, "select id from "+tg.model("appended")), "1", "2")

		// The materialization fails after renaming the new table in: kiln
		// rolls its transaction back and the old table is untouched.
		res := tg.mustKiln(t, 1, "build", "--vars", "{id: 3, fail: true}")
		if !strings.Contains(res.stdout, "failing on purpose after the build") || !strings.Contains(res.stdout, "macros/audited_table.sql:19") {
			t.Errorf("the failure should name the macro's file and line:\n%s", res.stdout)
		}
		wantRows(t, "audited after the failed run", tg.rows(t, "select id, note from "+tg.model("audited")), "2|model", "99|post-hook")
		left := tg.rows(t, "select table_name from information_schema.tables where table_schema = '"+tg.schema+"' and table_name like 'audited%'")
		wantRows(t, "relations left behind", left, "audited")

		// A package's {% materialization view %} cannot replace the
		// built-in one (it would raise): plain_view builds as a view.
		if !strings.Contains(res.stdout, "OK created sql view model "+tg.schema+".plain_view") {
			t.Errorf("plain_view should build with kiln's view materialization:\n%s", res.stdout)
		}
	})
}

func TestCustomMaterializationMistakes(t *testing.T) {
	dir := copyDir(t, repoRoot(t)+"/testdata/macro_layer")
	res := kiln(t, dir, nil, "run", "-s", "no_relations", "--vars", "{bad: true}")
	if res.code != 1 || !strings.Contains(res.stdout, "Compilation Error in model no_relations") || !strings.Contains(res.stdout, "materialization_no_relations_default (macros/audited_table.sql:28) must end with {{ return({'relations': [this]}) }}") {
		t.Errorf("a materialization that returns nothing: exit %d\n%s", res.code, res.all())
	}
}

func TestPostHookSeesNewRelation(t *testing.T) {
	forEachTarget(t, "macro_layer", func(t *testing.T, tg *e2eTarget) {
		tg.mustKiln(t, 0, "run", "-s", "hooked_table")
		wantRows(t, "run 1", tg.rows(t, "select id from "+tg.model("hooked_table")), "1", "42")
		tg.mustKiln(t, 0, "run", "-s", "hooked_table", "--vars", "{id: 2}")
		wantRows(t, "run 2", tg.rows(t, "select id from "+tg.model("hooked_table")), "2", "42")
		// ref() in a model's hook: captured at parse time, so the referenced
		// model is built first.
		tg.mustKiln(t, 0, "run", "-s", "hook_target hook_ref", "--threads", "1")
		wantRows(t, "hook_target", tg.rows(t, "select id from "+tg.model("hook_target")), "1", "7")
		// A seed's post-hook runs after the load, inside its transaction:
		// on the first load (no table before) and on a reload, its insert
		// lands in the loaded table once.
		tg.mustKiln(t, 0, "seed", "-s", "hooked_seed")
		wantRows(t, "seed load 1", tg.rows(t, "select id from "+tg.model("hooked_seed")), "1", "2", "42")
		tg.mustKiln(t, 0, "seed", "-s", "hooked_seed")
		wantRows(t, "seed load 2", tg.rows(t, "select id from "+tg.model("hooked_seed")), "1", "2", "42")
		tg.mustKiln(t, 0, "seed", "-s", "hooked_seed", "--full-refresh")
		wantRows(t, "seed full refresh", tg.rows(t, "select id from "+tg.model("hooked_seed")), "1", "2", "42")
		// An incremental model's statement() post-hook: first build, then
		// an incremental run.
		tg.mustKiln(t, 0, "run", "-s", "hooked_incremental")
		tg.mustKiln(t, 0, "run", "-s", "hooked_incremental", "--vars", "{id: 2}")
		wantRows(t, "hooked_incremental", tg.rows(t, "select id from "+tg.model("hooked_incremental")), "1", "10", "2", "20")
	})
}

func TestOverriddenBuildingBlocks(t *testing.T) {
	forEachTarget(t, "macro_overrides", func(t *testing.T, tg *e2eTarget) {
		tg.mustKiln(t, 0, "build")
		tg.mustKiln(t, 0, "build", "--vars", "{id: 2}")
		// create_table_as: the project's SQL built the table, swapped in.
		wantRows(t, "tbl", tg.rows(t, "select id, val, built_by from "+tg.model("tbl")), "2|v|create_table_as override")
		// get_delete_insert_merge_sql: the project's statements applied
		// the new rows inside kiln's incremental transaction.
		wantRows(t, "inc_di", tg.rows(t, "select id, note from "+tg.model("inc_di")), "1|delete+insert override", "2|delete+insert override")
		// The project's own view materialization replaced kiln's.
		wantRows(t, "vw", tg.rows(t, "select id, built_by from "+tg.model("vw")), "2|project view")
		// adapter.get_columns_in_relation went through the project's macro.
		wantRows(t, "cols", tg.rows(t, "select names from "+tg.model("cols")), "id,val")
	})
}

func TestProjectHooksOfPackages(t *testing.T) {
	forEachTarget(t, "project_hooks", func(t *testing.T, tg *e2eTarget) {
		res := tg.mustKiln(t, 0, "run")
		// dbt's order: the root project's hooks, then each package's by name.
		for _, line := range []string{"START hook: project_hooks.on-run-start.0", "START hook: apkg.on-run-start.2", "START hook: zpkg.on-run-start.3", "START hook: zpkg.on-run-end.2"} {
			if !strings.Contains(res.stdout, line) {
				t.Errorf("missing %q:\n%s", line, res.stdout)
			}
		}
		// Each start hook counts the rows before it; end hooks ref() a model.
		wantRows(t, "hook_log", tg.rows(t, "select who, n from "+tg.model("hook_log")),
			"root-start|0", "apkg-start|1", "zpkg-start|2", "root-end|1", "apkg-end|1", "zpkg-end|1")
		// Each hook is a result, as in dbt: in run_results.json, in the
		// summary's "N project hooks" and in the PASS count.
		rr := runResults(t, tg.dir)
		for _, id := range []string{"operation.project_hooks.project_hooks-on-run-start-0", "operation.apkg.apkg-on-run-start-0", "operation.zpkg.zpkg-on-run-end-0"} {
			if rr[id] != "success" {
				t.Errorf("run_results.json: hook %s is %q, want success", id, rr[id])
			}
		}
		mustContain(t, res.stdout, "project hooks, ", "Finished running ")
		// ref() in a run-operation macro.
		tg.mustKiln(t, 0, "run-operation", "log_rows")
		wantRows(t, "operation", tg.rows(t, "select n from "+tg.model("hook_log")+" where who = 'operation'"), "1")

		// A failing on-run-start hook skips the hooks after it and every
		// node; on-run-end still runs (and fails here: m was not built); exit 1.
		tg.exec(t, "drop view "+tg.model("m"))
		res = tg.mustKiln(t, 1, "run", "--vars", "{fail_hook: true}")
		for _, line := range []string{"ERROR hook: apkg.on-run-start.2", "SKIP hook: zpkg.on-run-start.3", "SKIP relation " + tg.schema + ".m", "Completed with 2 errors"} {
			if !strings.Contains(res.stdout, line) {
				t.Errorf("missing %q:\n%s", line, res.stdout)
			}
		}
		rr = runResults(t, tg.dir)
		if got := rr["model.project_hooks.m"]; got != "skipped" {
			t.Errorf("model m: %s, want skipped", got)
		}
		if rr["operation.apkg.apkg-on-run-start-0"] != "error" || rr["operation.zpkg.zpkg-on-run-start-0"] != "skipped" {
			t.Errorf("run_results.json: failed hook %q, hook after it %q; want error, skipped", rr["operation.apkg.apkg-on-run-start-0"], rr["operation.zpkg.zpkg-on-run-start-0"])
		}
		if n := tg.rows(t, "select count(*) from information_schema.tables where table_schema = '"+tg.schema+"' and table_name = 'm'"); n[0] != "0" {
			t.Errorf("m was built after the failed on-run-start hook")
		}
	})
}

func TestCustomSnapshotStrategy(t *testing.T) {
	forEachTarget(t, "macro_overrides", func(t *testing.T, tg *e2eTarget) {
		snap := "select version, dbt_valid_to is null from " + tg.model("versioned")
		tg.mustKiln(t, 0, "build", "--vars", "{v: 1}")
		tg.mustKiln(t, 0, "build", "--vars", "{v: 1}")
		wantRows(t, "unchanged", tg.rows(t, snap), "1|true")
		tg.mustKiln(t, 0, "build", "--vars", "{v: 2}")
		wantRows(t, "version grew", tg.rows(t, snap), "1|false", "2|true")
		// The strategy's row_changed only sees growth: going back is no change.
		tg.mustKiln(t, 0, "build", "--vars", "{v: 1}")
		wantRows(t, "version went back", tg.rows(t, snap), "1|false", "2|true")
	})
}

// A project's snapshot_merge_sql runs: every snapshot of macro_overrides
// goes through dbt's snapshot macros (internal/run/snapshotmacro.go), the
// override's merge_log row proves the merge was the project's, and the
// history is still right, hard deletes (new_record) included.
func TestOverriddenSnapshotMerge(t *testing.T) {
	forEachTarget(t, "macro_overrides", func(t *testing.T, tg *e2eTarget) {
		hist := "select id, val, dbt_is_deleted, dbt_valid_to is null from " + tg.model("gone")
		tg.mustKiln(t, 0, "build", "--vars", "{v: 1}")
		wantRows(t, "first run", tg.rows(t, hist), "1|a1|False|true", "2|b|False|true")
		// id 1 changes, id 2 leaves the query.
		tg.mustKiln(t, 0, "build", "--vars", "{v: 2}")
		wantRows(t, "id 2 deleted", tg.rows(t, hist),
			"1|a1|False|false", "1|a2|False|true", "2|b|False|false", "2|b|True|true")
		// id 1 changes again, id 2 comes back; then nothing changes.
		tg.mustKiln(t, 0, "build", "--vars", "{v: 3}")
		tg.mustKiln(t, 0, "build", "--vars", "{v: 3}")
		wantRows(t, "id 2 back", tg.rows(t, hist),
			"1|a1|False|false", "1|a2|False|false", "1|a3|False|true", "2|b|False|false", "2|b|True|false", "2|b|False|true")
		// The override ran on every later run, with dbt's staging rows:
		// insert + update + delete + deletion record, insert + update +
		// reinsert + closing the deletion record, nothing.
		wantRows(t, "merge_log", tg.rows(t, "select staged from "+tg.model("merge_log")+" where snap = 'gone'"), "4", "4", "0")
		// The project's build_snapshot_staging_table built the staging table.
		wantRows(t, "staged", tg.rows(t, "select staged from "+tg.model("merge_log")+" where snap = 'staged gone'"), "4", "4", "0")
		// dbt_valid_to_current and hard_deletes: invalidate: id 2's version is
		// closed when it leaves, a new one starts when it comes back.
		wantRows(t, "current_until", tg.rows(t, "select id, val, dbt_valid_to = cast('9999-12-31' as timestamp) from "+tg.model("current_until")),
			"1|a1|false", "1|a2|false", "1|a3|true", "2|b|false", "2|b|true")
		wantRows(t, "merge_log current_until", tg.rows(t, "select staged from "+tg.model("merge_log")+" where snap = 'current_until'"), "3", "3", "0")
	})
}
