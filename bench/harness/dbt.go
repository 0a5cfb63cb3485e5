package main

// kiln and dbt-core side by side, interleaved run by run on the same
// projects so machine load hits both alike.

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

var dbtEnv = []string{"DBT_SEND_ANONYMOUS_USAGE_STATS=false", "DO_NOT_TRACK=1", "DBT_USE_COLORS=false"}

func dbtSection(o *options, t *table) {
	if _, err := os.Stat(o.dbt); err != nil {
		fmt.Fprintf(os.Stderr, "harness: skipping the dbt section: %s not found (conformance/setup-dbt.sh installs it)\n", o.dbt)
		return
	}
	for _, n := range o.dbtSizes {
		proj := generate(o, fmt.Sprintf("p%d", n), "-models", strconv.Itoa(n))
		target := filepath.Join(proj, "target")
		var kiln, dbt []run1
		for range o.dbtRepeat {
			os.RemoveAll(target)
			kiln = append(kiln, kilnRun(o, proj, "parse"))
			os.RemoveAll(target)
			dbt = append(dbt, measure(proj, dbtEnv, o.dbt, "parse", "--no-partial-parse", "--profiles-dir", proj, "--project-dir", proj))
		}
		os.RemoveAll(target)
		compare(t, fmt.Sprintf("parse, %s models, cold", thousands(n)), summarize(kiln), summarize(dbt), 50)
	}
	if o.pgBuild > 0 {
		pgBuild(o, t)
	}
}

// pgBuild builds a view-only project on PostgreSQL with both tools, each in
// its own schema, after one warm-up build each (schemas, seeds, dbt's
// partial-parse file and kiln's parse cache exist, as in everyday use).
func pgBuild(o *options, t *table) {
	tests := max(o.pgBuild/5, 2)
	name := fmt.Sprintf("pg%d_%d", o.pgBuild, tests)
	proj := generate(o, name, "-models", strconv.Itoa(o.pgBuild), "-views", "-tests", strconv.Itoa(tests))
	profile := fmt.Sprintf(`bench:
  target: pg
  outputs:
    pg:
      type: postgres
      host: %s
      port: 5432
      user: %s
      password: ""
      dbname: %s
      schema: "{{ env_var('BENCH_PG_SCHEMA') }}"
      threads: 4
`, o.pgHost, o.pgUser, o.pgDB)
	must(os.WriteFile(filepath.Join(proj, "profiles.yml"), []byte(profile), 0o644))
	// The generated sources point at DuckDB's main schema; on PostgreSQL the
	// seeds land in the target schema.
	src := filepath.Join(proj, "models", "staging", "_sources.yml")
	data, err := os.ReadFile(src)
	must(err)
	must(os.WriteFile(src, []byte(strings.Replace(string(data), "schema: main", `schema: "{{ target.schema }}"`, 1)), 0o644))

	// date_diff is DuckDB's, and PostgreSQL rounds only numerics to a number
	// of places: the PostgreSQL copy of the helper macros says it its way.
	macros := filepath.Join(proj, "macros", "bench_helpers.sql")
	data, err = os.ReadFile(macros)
	must(err)
	pgDiff := `(cast({{ column_name }} as date) - cast('{{ var("bench_start", "2020-01-01") }}' as date))`
	macroSQL := strings.Replace(string(data), `date_diff('day', cast('{{ var("bench_start", "2020-01-01") }}' as timestamp), {{ column_name }})`, pgDiff, 1)
	macroSQL = strings.Replace(macroSQL, "round({{ expression }}, {{ places }})", "round(cast({{ expression }} as numeric), {{ places }})", 1)
	must(os.WriteFile(macros, []byte(macroSQL), 0o644))

	kilnEnv := []string{"BENCH_PG_SCHEMA=perf_bench_kiln"}
	dbtRunEnv := append([]string{"BENCH_PG_SCHEMA=perf_bench_dbt"}, dbtEnv...)
	runKiln := func() run1 { return measure(proj, kilnEnv, o.kiln, "build") }
	runDbt := func() run1 {
		return measure(proj, dbtRunEnv, o.dbt, "build", "--profiles-dir", proj, "--project-dir", proj)
	}
	if !runKiln().ok || !runDbt().ok {
		fmt.Fprintln(os.Stderr, "harness: skipping the PostgreSQL build comparison: a warm-up build failed (its output is above)")
		return
	}
	var kiln, dbt []run1
	for range o.dbtRepeat {
		kiln = append(kiln, runKiln())
		dbt = append(dbt, runDbt())
	}
	compare(t, fmt.Sprintf("build, %s views + %d tests on PostgreSQL", thousands(o.pgBuild), tests), summarize(kiln), summarize(dbt), 10)
}

// compare adds the dbt row and the kiln row with the speed-up.
func compare(t *table, what string, kiln, dbt stats, goal float64) {
	t.add(dbt, "dbt-core: "+what, nil)
	ratio := dbt.median.Seconds() / kiln.median.Seconds()
	t.addRatio(kiln, "kiln: "+what, &target{minRatio: goal}, fmt.Sprintf("%.0f× faster than dbt", ratio), ratio)
}
