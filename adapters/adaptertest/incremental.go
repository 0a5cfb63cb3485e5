package adaptertest

// The Incremental subtest builds a project twice through the compiler and
// the runner, the source rows changing in between, and checks every row:
// incremental models with each built-in strategy (append, delete+insert,
// merge — also on a composite key, with incremental_predicates and with
// merge_update_columns —, microbatch), on_schema_change adding a column,
// is_incremental() reading {{ this }}, a custom strategy macro, an
// overridden building block (get_delete_insert_merge_sql), snapshots
// (timestamp with hard_deletes invalidate, check, check_cols 'all' with
// hard_deletes new_record, a custom strategy), a custom {% materialization
// %} and unit tests (one of an incremental model, given `this`). Every adapter
// must produce the same rows; the SQL is kept portable (no dialect-specific
// syntax beyond what the adapters' own macros generate).

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/internal/run"
)

var incrementalFiles = map[string]string{
	// Round 1: ids 1 and 2 on 2024-01-01; round 2: id 2 changed, id 3 new, on 2024-01-02.
	"models/src.sql": `{{ config(materialized='table', event_time='d') }}
{% if var('round') == 1 %}
select 1 as id, 'a' as v, cast('2024-01-01' as date) as d
union all select 2, 'b', cast('2024-01-01' as date)
{% else %}
select 2 as id, 'B' as v, cast('2024-01-02' as date) as d
union all select 3, 'c', cast('2024-01-02' as date)
{% endif %}
`,
	"models/inc_append.sql":   "{{ config(materialized='incremental', incremental_strategy='append') }}\nselect id, v from {{ ref('src') }}\n",
	"models/inc_di.sql":       "{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='id') }}\nselect id, v from {{ ref('src') }}\n",
	"models/inc_merge.sql":    "{{ config(materialized='incremental', incremental_strategy='merge', unique_key='id') }}\nselect id, v from {{ ref('src') }}\n",
	"models/inc_default.sql":  "{{ config(materialized='incremental', unique_key=['id']) }}\nselect id, v from {{ ref('src') }}\n",
	"models/inc_custom.sql":   "{{ config(materialized='incremental', incremental_strategy='insert_new', unique_key='id') }}\nselect id, v from {{ ref('src') }}\n",
	"models/inc_override.sql": "{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='id', tag_rows=true) }}\nselect id, v from {{ ref('src') }}\n",
	"models/inc_mb.sql": `{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='d', batch_size='day', begin='2024-01-01') }}
select id, v, d from {{ ref('src') }}
`,
	// merge on a composite key. (delete+insert is overridden by the
	// project's default__get_delete_insert_merge_sql below, for every model.)
	"models/inc_merge_composite.sql": "{{ config(materialized='incremental', incremental_strategy='merge', unique_key=['id', 'k']) }}\nselect id, v, 'x' as k from {{ ref('src') }}\n",
	// incremental_predicates restrict the match: no stored row matches, so id 2 is kept twice.
	"models/inc_merge_predicates.sql": "{{ config(materialized='incremental', incremental_strategy='merge', unique_key='id', incremental_predicates=['DBT_INTERNAL_DEST.id > 100']) }}\nselect id, v from {{ ref('src') }}\n",
	// merge_update_columns: first_v keeps the value of the first version.
	"models/inc_merge_cols.sql": "{{ config(materialized='incremental', incremental_strategy='merge', unique_key='id', merge_update_columns=['v']) }}\nselect id, v, v as first_v from {{ ref('src') }}\n",
	// on_schema_change: round 2 adds a column.
	"models/inc_schema.sql": "{{ config(materialized='incremental', incremental_strategy='merge', unique_key='id', on_schema_change='append_new_columns') }}\nselect id, v{% if var('round') == 2 %}, 'new' as extra{% endif %} from {{ ref('src') }}\n",
	// is_incremental() and {{ this }}: only ids above the stored maximum.
	"models/inc_this.sql":   "{{ config(materialized='incremental', incremental_strategy='append') }}\nselect id, v from {{ ref('src') }}\n{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}\n",
	"models/custom_mat.sql": "{{ config(materialized='conformance_table') }}\nselect id, v from {{ ref('src') }}\n",
	"models/doubled.sql":    "select id, id * 2 as twice from {{ ref('src') }}\n",
	"models/unit.yml": `unit_tests:
  - name: doubles
    model: doubled
    given:
      - input: ref('src')
        rows: [{id: 5}, {id: 7}]
    expect:
      rows: [{id: 5, twice: 10}, {id: 7, twice: 14}]
  - name: incremental_reads_this
    model: inc_this
    overrides:
      macros: {is_incremental: true}
    given:
      - input: ref('src')
        rows: [{id: 1, v: a}, {id: 4, v: d}]
      - input: this
        rows: [{id: 2, v: b}]
    expect:
      rows: [{id: 4, v: d}]
`,
	"snapshots/snaps.sql": `{% snapshot snap_check %}
{{ config(target_schema=target.schema, unique_key='id', strategy='check', check_cols=['v']) }}
select id, v from {{ ref('src') }}
{% endsnapshot %}
{% snapshot snap_ts %}
{{ config(target_schema=target.schema, unique_key='id', strategy='timestamp', updated_at='d', hard_deletes='invalidate') }}
select id, v, d from {{ ref('src') }}
{% endsnapshot %}
{% snapshot snap_deleted %}
{{ config(target_schema=target.schema, unique_key='id', strategy='check', check_cols='all', hard_deletes='new_record') }}
select id, v from {{ ref('src') }}
{% endsnapshot %}
{% snapshot snap_custom %}
{{ config(target_schema=target.schema, unique_key='id', strategy='changed_value') }}
select id, v, d from {{ ref('src') }}
{% endsnapshot %}
`,
	"macros/blocks.sql": `{% macro get_incremental_insert_new_sql(arg_dict) %}
insert into {{ arg_dict['target_relation'] }} (id, v)
select id, v from {{ arg_dict['temp_relation'] }} s
where not exists (select 1 from {{ arg_dict['target_relation'] }} t where t.id = s.id)
{% endmacro %}

{#- Replaces dbt's delete+insert for models with tag_rows: rows say who wrote them. -#}
{% macro default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) %}
{%- set tag = config.get('tag_rows') -%}
{%- set key = unique_key if unique_key is string else unique_key[0] -%}
delete from {{ target }} where {{ key }} in (select {{ key }} from {{ source }});
insert into {{ target }} (id, v) select id, {{ "v || '!'" if tag else 'v' }} from {{ source }}
{% endmacro %}

{% macro snapshot_changed_value_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) %}
  {{ return({'unique_key': config.get('unique_key'), 'updated_at': 'd',
             'row_changed': snapshotted_rel ~ '.v <> ' ~ current_rel ~ '.v'}) }}
{% endmacro %}

{% materialization conformance_table, default %}
  {%- set existing = load_relation(this) -%}
  {%- set intermediate = make_intermediate_relation(this.incorporate(type='table')) -%}
  {%- set backup = make_backup_relation(this, 'table') -%}
  {{ drop_relation_if_exists(load_relation(intermediate)) }}
  {% call statement('main') -%}
    {{ get_create_table_as_sql(False, intermediate, sql) }}
  {%- endcall %}
  {% if existing is not none %}{{ adapter.rename_relation(existing, backup) }}{% endif %}
  {{ adapter.rename_relation(intermediate, this) }}
  {% do adapter.commit() %}
  {{ drop_relation_if_exists(load_relation(backup)) }}
  {{ return({'relations': [this]}) }}
{% endmaterialization %}
`,
}

// snapshotMacroFiles are the snapshots of incrementalFiles in a project
// that overrides snapshot_merge_sql (delegating to dbt's): the runner then
// takes dbt's snapshot macros (build_snapshot_table, snapshot_staging_table,
// the adapter's snapshot_merge_sql) instead of its own statements, and the
// history must be the same.
var snapshotMacroFiles = map[string]string{
	"models/src.sql":      incrementalFiles["models/src.sql"],
	"snapshots/snaps.sql": incrementalFiles["snapshots/snaps.sql"],
	"macros/blocks.sql": `{% macro snapshot_changed_value_strategy(node, snapshotted_rel, current_rel, model_config, target_exists) %}
  {{ return({'unique_key': config.get('unique_key'), 'updated_at': 'd',
             'row_changed': snapshotted_rel ~ '.v <> ' ~ current_rel ~ '.v'}) }}
{% endmacro %}

{% macro snapshot_merge_sql(target, source, insert_cols) -%}
  {{ return(dbt.snapshot_merge_sql(target, source, insert_cols)) }}
{%- endmacro %}
`,
}

// snapshotChecks are the rows every adapter's snapshots of round 1 and 2
// must hold.
var snapshotChecks = []struct {
	query string // %s: the snapshot's relation
	snap  string
	want  []string
}{
	// check: id 2 changed (a closed and a current version), 3 is new, 1 stays current.
	{"select id, v, case when dbt_valid_to is null then 'current' else 'closed' end from %s", "snap_check",
		[]string{"1|a|current", "2|B|current", "2|b|closed", "3|c|current"}},
	// timestamp with hard_deletes: invalidate: id 1 left the source and is closed.
	{"select id, v, case when dbt_valid_to is null then 'current' else 'closed' end from %s", "snap_ts",
		[]string{"1|a|closed", "2|B|current", "2|b|closed", "3|c|current"}},
	// hard_deletes: new_record: id 1 left the source; its version is closed and a deletion record is current.
	{"select id, v, case when dbt_valid_to is null then 'current' else 'closed' end, dbt_is_deleted from %s", "snap_deleted",
		[]string{"1|a|closed|False", "1|a|current|True", "2|B|current|False", "2|b|closed|False", "3|c|current|False"}},
	{"select id, v, dbt_valid_from, dbt_valid_to from %s", "snap_custom",
		[]string{"1|a|2024-01-01|NULL", "2|B|2024-01-02|NULL", "2|b|2024-01-01|2024-01-02", "3|c|2024-01-02|NULL"}},
}

func (s *suite) snapshotMacros(t *testing.T) {
	e, rows := s.buildRounds(t, snapshotMacroFiles)
	for _, c := range snapshotChecks {
		q := fmt.Sprintf(c.query, e.sql(c.snap))
		equal(t, q, rows(q), c.want)
	}
}

func (s *suite) incremental(t *testing.T) {
	e, rows := s.buildRounds(t, incrementalFiles)
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"select id, v from " + e.sql("inc_append"), []string{"1|a", "2|B", "2|b", "3|c"}},
		{"select id, v from " + e.sql("inc_di"), []string{"1|a", "2|B", "3|c"}},
		{"select id, v from " + e.sql("inc_merge"), []string{"1|a", "2|B", "3|c"}},
		{"select id, v from " + e.sql("inc_default"), []string{"1|a", "2|B", "3|c"}},
		{"select id, v from " + e.sql("inc_custom"), []string{"1|a", "2|b", "3|c"}},
		{"select id, v from " + e.sql("inc_override"), []string{"1|a", "2|B!", "3|c!"}},
		// Microbatch: the 2024-01-01 batch now has no rows, 2024-01-02 has two.
		{"select id, v, d from " + e.sql("inc_mb"), []string{"2|B|2024-01-02", "3|c|2024-01-02"}},
		{"select id, v, k from " + e.sql("inc_merge_composite"), []string{"1|a|x", "2|B|x", "3|c|x"}},
		{"select id, v from " + e.sql("inc_merge_predicates"), []string{"1|a", "2|B", "2|b", "3|c"}},
		{"select id, v, first_v from " + e.sql("inc_merge_cols"), []string{"1|a|a", "2|B|b", "3|c|c"}},
		{"select id, v, extra from " + e.sql("inc_schema"), []string{"1|a|NULL", "2|B|new", "3|c|new"}},
		{"select id, v from " + e.sql("inc_this"), []string{"1|a", "2|b", "3|c"}},
		{"select id, v from " + e.sql("custom_mat"), []string{"2|B", "3|c"}},
	} {
		equal(t, c.query, rows(c.query), c.want)
	}
	for _, c := range snapshotChecks {
		q := fmt.Sprintf(c.query, e.sql(c.snap))
		equal(t, q, rows(q), c.want)
	}
}

// buildRounds builds the project files in a fresh schema for round 1, then
// round 2 (every node must succeed), and returns an env on that schema and
// a query that formats and sorts rows.
func (s *suite) buildRounds(t *testing.T, files map[string]string) (*env, func(string) []string) {
	dir := t.TempDir()
	schema := s.h.Schema(t)
	writeFile(t, dir, "dbt_project.yml", "name: conformance\nversion: '1.0'\nprofile: conformance\n")
	for name, src := range files {
		writeFile(t, dir, name, src)
	}
	start, end := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)
	opts := run.Options{EventTimeStart: &start, EventTimeEnd: &end}
	for round := 1; round <= 2; round++ {
		_, db, sum := s.build(t, dir, schema, opts, map[string]any{"round": round})
		db.Close()
		for _, rr := range sum.Results {
			if rr.Status != manifest.StatusSuccess && rr.Status != manifest.StatusPass {
				msg := ""
				if rr.Message != nil {
					msg = *rr.Message
				}
				t.Fatalf("round %d: %s: %s: %s", round, rr.UniqueID, rr.Status, msg)
			}
		}
		if len(sum.Results) < len(files) {
			t.Fatalf("round %d: only %d results", round, len(sum.Results))
		}
	}
	e := s.env(t)
	e.schema = schema
	rows := func(q string) []string {
		var out []string
		for _, r := range e.rows(q) {
			parts := make([]string, len(r))
			for i, v := range r {
				switch x := v.(type) {
				case nil:
					parts[i] = "NULL"
				case time.Time:
					parts[i] = x.UTC().Format("2006-01-02")
				default:
					parts[i] = strings.TrimSpace(strings.ReplaceAll(fmtAny(x), "\n", " "))
				}
			}
			out = append(out, strings.Join(parts, "|"))
		}
		sort.Strings(out)
		return out
	}
	return e, rows
}

func fmtAny(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// unofferedStrategy: insert_overwrite is a built-in strategy of dbt that
// neither dbt-duckdb, dbt-postgres nor dbt-trino offers; the model fails on
// its first run, naming its file and the strategies that work, even though
// the project defines get_incremental_insert_overwrite_sql.
func (s *suite) unofferedStrategy(t *testing.T) {
	dir := t.TempDir()
	schema := s.h.Schema(t)
	writeFile(t, dir, "dbt_project.yml", "name: conformance\nversion: '1.0'\nprofile: conformance\n")
	writeFile(t, dir, "models/io.sql", "{{ config(materialized='incremental', incremental_strategy='insert_overwrite') }}\nselect 1 as id\n")
	writeFile(t, dir, "macros/io.sql", "{% macro get_incremental_insert_overwrite_sql(arg_dict) %}insert into {{ arg_dict['target_relation'] }} select * from {{ arg_dict['temp_relation'] }}{% endmacro %}\n")
	_, db, sum := s.build(t, dir, schema, run.Options{})
	db.Close()
	if len(sum.Results) != 1 || sum.Results[0].Status != manifest.StatusError || sum.Results[0].Message == nil {
		t.Fatalf("want one error result, got %+v", sum.Results)
	}
	msg := *sum.Results[0].Message
	typ := s.h.Adapter.Type()
	if want := "models/io.sql:1: incremental_strategy 'insert_overwrite' is not valid for the " + typ + " adapter, as in dbt-" + typ + " (supported: append"; !strings.Contains(msg, want) {
		t.Errorf("message lacks %q:\n%s", want, msg)
	}
	e := s.env(t)
	e.schema = schema
	for _, r := range e.relations() {
		if strings.HasPrefix(strings.ToLower(r), "io:") {
			t.Errorf("io was built")
		}
	}
}
