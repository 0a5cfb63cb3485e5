package main

// The DuckDB floor: the least work any tool could do to build the same
// project. It reads the compiled SQL kiln wrote to target/manifest.json and
// sends it straight to DuckDB through the same driver kiln embeds, one
// connection, in dependency order: each view as its own transaction
// (BEGIN; CREATE OR REPLACE VIEW … AS (<compiled SQL>); COMMIT) and each
// test as one count query over its compiled SQL. No parse, no scheduling, no
// rename swap, no artifacts — so kiln's build divided by this is kiln's
// overhead factor.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

type floorNode struct {
	ID           string `json:"unique_id"`
	ResourceType string `json:"resource_type"`
	RelationName string `json:"relation_name"`
	CompiledCode string `json:"compiled_code"`
	Config       struct {
		Materialized string `json:"materialized"`
	} `json:"config"`
	DependsOn struct {
		Nodes []string `json:"nodes"`
	} `json:"depends_on"`
}

// floorPlan is the statements of a compiled project in a dependency order.
type floorPlan struct {
	views, tests int
	stmts        []floorStmt
}

type floorStmt struct {
	sql   string
	query bool // a test: run as a query and read its one row
}

// loadFloorPlan reads proj/target/manifest.json (written by `kiln compile`)
// and orders its view models and tests so every node comes after what it
// depends on. Seeds and sources are expected to exist in the database.
func loadFloorPlan(proj string) (*floorPlan, error) {
	data, err := os.ReadFile(filepath.Join(proj, "target", "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m struct {
		Nodes map[string]floorNode `json:"nodes"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s/target/manifest.json: %w", proj, err)
	}
	ids := make([]string, 0, len(m.Nodes))
	for id, n := range m.Nodes {
		if n.ResourceType == "model" || n.ResourceType == "test" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	p := &floorPlan{}
	done := map[string]bool{}
	var visit func(id string) error
	visit = func(id string) error {
		n, ok := m.Nodes[id]
		if !ok || done[id] {
			return nil
		}
		done[id] = true
		for _, d := range n.DependsOn.Nodes {
			if err := visit(d); err != nil {
				return err
			}
		}
		switch {
		case n.ResourceType == "model":
			if n.Config.Materialized != "view" {
				return fmt.Errorf("%s is a %s; the floor covers view-only projects (gen -views)", id, n.Config.Materialized)
			}
			if n.CompiledCode == "" {
				return fmt.Errorf("%s has no compiled_code; run `kiln compile` first", id)
			}
			p.views++
			p.stmts = append(p.stmts, floorStmt{sql: "BEGIN TRANSACTION;\nCREATE OR REPLACE VIEW " + n.RelationName + " AS (\n" + n.CompiledCode + "\n);\nCOMMIT"})
		case n.ResourceType == "test":
			p.tests++
			p.stmts = append(p.stmts, floorStmt{sql: "select count(*) from (\n" + n.CompiledCode + "\n) dbt_internal_test", query: true})
		}
		return nil
	}
	for _, id := range ids {
		if err := visit(id); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// runFloor opens dbPath and runs the plan, returning the wall and CPU time
// (of this process) from opening the database to closing it.
func runFloor(dbPath string, p *floorPlan) (run1, error) {
	ctx := context.Background()
	cpu0 := selfCPU()
	start := time.Now()
	db, err := sql.Open("duckdb", dbPath)
	if err != nil {
		return run1{}, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return run1{}, err
	}
	for _, s := range p.stmts {
		if s.query {
			var n int64
			if err := conn.QueryRowContext(ctx, s.sql).Scan(&n); err != nil {
				return run1{}, fmt.Errorf("floor: %w\n%s", err, firstLines(s.sql))
			}
			continue
		}
		if _, err := conn.ExecContext(ctx, s.sql); err != nil {
			return run1{}, fmt.Errorf("floor: %w\n%s", err, firstLines(s.sql))
		}
	}
	if err := conn.Close(); err != nil {
		return run1{}, err
	}
	if err := db.Close(); err != nil {
		return run1{}, err
	}
	return run1{wall: time.Since(start), cpu: selfCPU() - cpu0, ok: true}, nil
}

// selfCPU is this process's user + system time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func firstLines(s string) string {
	lines := strings.SplitN(s, "\n", 4)
	return strings.Join(lines[:min(3, len(lines))], "\n")
}
