package postgres

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/postgres/pgtest"
)

// TestParallelRebuildsSharingADependentView rebuilds views and tables that
// one view reads, at 4 threads, 20 times: PostgreSQL's swap recreates the
// dependent view inside each rebuild, and two rebuilds doing it at once
// used to deadlock (40P01) or fail with "could not open relation with OID".
func TestParallelRebuildsSharingADependentView(t *testing.T) {
	srv := pgtest.Require(t)
	schema := pgtest.Schema(t, srv)
	db := openTest(t, srv.Fields(schema))
	ctx := context.Background()
	conns := make([]*Conn, 4)
	for i := range conns {
		ac, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ac.Close() })
		conns[i] = ac.(*Conn)
	}
	rel := func(name string) adapters.Relation { return adapters.Relation{Schema: schema, Identifier: name} }
	kinds := []adapters.RelationType{adapters.RelView, adapters.RelView, adapters.RelTable, adapters.RelTable}
	names := []string{"a", "b", "c", "d"}
	build := func(c *Conn, i, round int) error {
		_, err := c.Materialize(ctx, adapters.MaterializeRequest{Target: rel(names[i]), Kind: kinds[i],
			SQL: fmt.Sprintf("select %d as id, %d as round", i, round)})
		return err
	}
	for i := range names {
		if err := build(conns[0], i, 0); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(t, conns[0], fmt.Sprintf(`create view %[1]s.shared as select a.id as a, b.id as b, c.id as c, d.id as d from %[1]s.a, %[1]s.b, %[1]s.c, %[1]s.d`, schema))
	mustExec(t, conns[0], fmt.Sprintf(`create view %[1]s.shared_top as select * from %[1]s.shared join %[1]s.b on true`, schema))
	for round := 1; round <= 20; round++ {
		var wg sync.WaitGroup
		errs := make([]error, len(names))
		for i := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = build(conns[i], i, round)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, rebuilding %s: %v", round, names[i], err)
			}
		}
	}
	got := rows(t, conns[0], "select a, b, c, d from "+schema+".shared")
	if len(got) != 1 || fmt.Sprint(got[0]) != "[0 1 2 3]" {
		t.Errorf("shared view after the rebuilds: %v", got)
	}
	if got := rows(t, conns[0], "select round from "+schema+".b"); fmt.Sprint(got) != "[[20]]" {
		t.Errorf("b: %v", got)
	}
}

// TestSeedReloadNeverShowsAnEmptyTable: a transaction whose snapshot was
// taken before a seed reload still reads the old rows afterwards (TRUNCATE
// would show it an empty table), and a query after the reload reads the new.
func TestSeedReloadNeverShowsAnEmptyTable(t *testing.T) {
	c, schema := setup(t)
	srv := pgtest.Require(t)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "people.csv")
	writeCSV := func(rows int) {
		b := "id,name\n"
		for i := 1; i <= rows; i++ {
			b += fmt.Sprintf("%d,p%d\n", i, i)
		}
		if err := os.WriteFile(path, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	req := adapters.SeedRequest{Target: adapters.Relation{Schema: schema, Identifier: "people"}, Path: path}
	writeCSV(3)
	if _, err := c.LoadSeed(ctx, req); err != nil {
		t.Fatal(err)
	}
	reader, err := srv.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close(ctx)
	if _, err := reader.Exec(ctx, "begin isolation level repeatable read"); err != nil {
		t.Fatal(err)
	}
	var one int
	if err := reader.QueryRow(ctx, "select 1").Scan(&one); err != nil { // the snapshot is taken here
		t.Fatal(err)
	}
	writeCSV(5)
	if _, err := c.LoadSeed(ctx, req); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := reader.QueryRow(ctx, "select count(*) from "+schema+".people").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("a snapshot from before the reload sees %d rows, want the old 3", n)
	}
	if _, err := reader.Exec(ctx, "commit"); err != nil {
		t.Fatal(err)
	}
	if err := reader.QueryRow(ctx, "select count(*) from "+schema+".people").Scan(&n); err != nil || n != 5 {
		t.Errorf("after the reload: %d rows (%v), want 5", n, err)
	}
}
