package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallBenchFiles is a 5-model project like `bench/gen -models 5`: a seed,
// staging views over it, an intermediate view and two mart tables, a
// project macro, tests on three models.
var smallBenchFiles = map[string]string{
	"dbt_project.yml":                   "name: small\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: small\nmodels:\n  small:\n    marts:\n      +materialized: table\n",
	"profiles.yml":                      "small:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: small.duckdb\n      threads: 4\n",
	"seeds/raw_orders.csv":              "id,amount\n1,100\n2,250\n3,75\n",
	"macros/money.sql":                  "{% macro money(c) %}round({{ c }} / 100.0, 2){% endmacro %}",
	"models/staging/stg_orders.sql":     "select id, amount from {{ ref('raw_orders') }}",
	"models/staging/stg_amounts.sql":    "{% set cols = ['id', 'amount'] %}select {% for c in cols %}{{ c }}{% if not loop.last %}, {% endif %}{% endfor %} from {{ ref('stg_orders') }}",
	"models/intermediate/int_money.sql": "select id, {{ money('amount') }} as dollars from {{ ref('stg_amounts') }}",
	"models/marts/fct_orders.sql":       "select o.id, m.dollars from {{ ref('stg_orders') }} o join {{ ref('int_money') }} m using (id)",
	"models/marts/dim_totals.sql":       "select count(*) as n, sum(dollars) as total from {{ ref('fct_orders') }}",
	"models/schema.yml": `version: 2
models:
  - name: stg_orders
    columns: [{name: id, data_tests: [unique, not_null]}]
  - name: int_money
    columns: [{name: id, data_tests: [unique]}]
  - name: fct_orders
    description: orders in dollars
    columns: [{name: id, data_tests: [not_null]}]
`,
}

// BenchmarkSmallCommands runs every everyday command on a 5-model DuckDB
// project in-process (the #14 target: any command ≤ 30 ms). Process start,
// package init and the once-per-process internal macro registration are
// not in it: `perf stat kiln <command>` measures those (BENCHMARKS.md).
func BenchmarkSmallCommands(b *testing.B) {
	dir := b.TempDir()
	for rel, body := range smallBenchFiles {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if res := kiln(b, dir, nil, "build"); res.code != 0 {
		b.Fatalf("build: exit %d\n%s", res.code, res.all())
	}
	for _, args := range [][]string{{"ls"}, {"parse"}, {"compile"}, {"run"}, {"test"}, {"build"}, {"docs", "generate"}} {
		b.Run(strings.Join(args, "-"), func(b *testing.B) {
			for b.Loop() {
				if res := kiln(b, dir, nil, args...); res.code != 0 {
					b.Fatalf("exit %d\n%s", res.code, res.all())
				}
			}
		})
	}
	b.Run("parse-cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			os.RemoveAll(filepath.Join(dir, "target"))
			b.StartTimer()
			if res := kiln(b, dir, nil, "parse"); res.code != 0 {
				b.Fatalf("exit %d\n%s", res.code, res.all())
			}
		}
	})
}
