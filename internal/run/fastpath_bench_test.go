package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
)

// BenchmarkMacroLayerFastPath measures what the macro layer adds to one
// node on the fast path (nothing overridden): choosing the materialization,
// checking the building blocks for overrides, validating the incremental
// config and building the strategy's SQL through the dialect. The budget is
// 0.3 ms per node; it takes a few microseconds.
func BenchmarkMacroLayerFastPath(b *testing.B) {
	files := map[string]string{
		"models/t.sql": "{{ config(materialized='table') }}\nselect 1 as id",
		"models/i.sql": "{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}\nselect 1 as id",
	}
	for i := 0; i < 20; i++ { // a project with macros of its own
		files[fmt.Sprintf("macros/m%d.sql", i)] = fmt.Sprintf("{%% macro helper_%d(x) %%}{{ x }}{%% endmacro %%}", i)
	}
	res := compileProject(b, "duckdb", files)
	r := &Runner{res: res}
	ic := duckConn(b)
	table, incr := res.Manifest.Nodes["model.fp.t"], res.Manifest.Nodes["model.fp.i"]
	target := res.Relation(incr)
	tmp := ic.TempRelation(target, "new")
	dest := []adapters.Column{{Name: "id", DataType: "INTEGER"}, {Name: "v", DataType: "VARCHAR"}}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, n := range []*Build{{Runner: r, Node: table}, {Runner: r, Node: incr}} {
			if _, custom, err := r.materialization(n.Node.Config.Materialized()); err != nil || custom {
				b.Fatal(err, custom)
			}
			_ = n.overridden("get_create_table_as_sql", "create_table_as")
		}
		bld := &Build{Runner: r, Node: incr}
		cfg, err := bld.incrementalConfig(ic)
		if err != nil || cfg.macro != "" {
			b.Fatal(err, cfg.macro)
		}
		if _, err := bld.strategySQL(ctx, ic, cfg, target, tmp, dest, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteTextFile: writing a node's compiled SQL when the file holds
// the same text already (every rebuild) and when it changed.
func BenchmarkWriteTextFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "compiled", "m.sql")
	sql := strings.Repeat("select id, amount, created_at, category from \"db\".\"main\".\"stg\"\n", 20)
	b.Run("unchanged", func(b *testing.B) {
		if err := WriteSQLFile(path, sql); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := WriteSQLFile(path, sql); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rewrite-same", func(b *testing.B) { // what every rebuild did before
		for b.Loop() {
			if err := os.WriteFile(path, []byte(sql), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("changed", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if err := WriteSQLFile(path, sql+strconv.Itoa(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
