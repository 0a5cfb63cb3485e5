package duckdb

import (
	"context"
	"fmt"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
)

// The project target is kiln overhead <= 2 ms per node beyond DuckDB's own
// time. Each benchmark has a "kiln" case (Materialize, rebuilding an existing
// relation: the full swap) and a "raw" case sending the same DDL straight to
// DuckDB through database/sql, so the difference is kiln's overhead.

func benchMaterialize(b *testing.B, kind adapters.RelationType) {
	ctx := context.Background()
	db := openFileDB(b, nil)
	c := conn(b, db)
	mustExec(b, c, "create table src as select range as id, range % 7 as k from range(100)")
	sql := "select k, count(*) as n, sum(id) as s from main.src group by k"
	b.Run("kiln", func(b *testing.B) {
		req := adapters.MaterializeRequest{Target: rel("main", "m_kiln"), Kind: kind, SQL: sql}
		materialize(b, c, req)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.Materialize(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kiln-first-build", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			req := adapters.MaterializeRequest{Target: rel("main", fmt.Sprintf("n%d_%d", b.N, i)), Kind: kind, SQL: sql}
			if _, err := c.Materialize(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		k := ddlType(kind)
		mustExec(b, c, "drop "+k+" if exists m_raw; create "+k+" m_raw as "+sql)
		q := "BEGIN TRANSACTION; CREATE " + k + ` "test"."main"."m_raw__dbt_tmp" AS (` + sql + `); ` +
			"ALTER " + k + ` "test"."main"."m_raw" RENAME TO "m_raw__dbt_backup"; ` +
			"ALTER " + k + ` "test"."main"."m_raw__dbt_tmp" RENAME TO "m_raw"; ` +
			"DROP " + k + ` "test"."main"."m_raw__dbt_backup"; COMMIT`
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.c.ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMaterializeView(b *testing.B)  { benchMaterialize(b, adapters.RelView) }
func BenchmarkMaterializeTable(b *testing.B) { benchMaterialize(b, adapters.RelTable) }

func BenchmarkLoadSeed(b *testing.B) {
	ctx := context.Background()
	c := conn(b, openFileDB(b, nil))
	csv := "id,name,amount,day\n"
	for i := 0; i < 1000; i++ {
		csv += fmt.Sprintf("%d,name %d,%d.5,2024-01-%02d\n", i, i, i, i%28+1)
	}
	p := writeFile(b, b.TempDir(), "s.csv", csv)
	req := adapters.SeedRequest{Target: rel("main", "s"), Path: p, QuoteColumns: true}
	loadSeed(b, c, req)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.LoadSeed(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
