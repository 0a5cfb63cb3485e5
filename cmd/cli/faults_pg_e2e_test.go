package cli

// Faults on PostgreSQL: two runs on one target, parallel rebuilds under a
// shared view.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters/postgres/pgtest"
)

// pgProject writes a project (name faults) whose profile reads KILN_PG_*.
func pgProject(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "dbt_project.yml"), "name: faults\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: faults\n")
	writePGProfile(t, dir, "faults")
	for name, body := range files {
		writeFile(t, filepath.Join(dir, name), body)
	}
	return dir
}

// TestPostgresConcurrentRunsOnOneTarget: while one build runs, a second on
// the same target is refused at once with a clear message naming the
// holder (exit 2, nothing changed) — not a failure deep inside a model with
// a --full-refresh hint. A run killed with SIGKILL releases the target.
func TestPostgresConcurrentRunsOnOneTarget(t *testing.T) {
	srv := pgtest.Require(t)
	bin := builtKiln(t)
	schema := pgtest.Schema(t, srv)
	env := pgEnv(srv, schema)
	files := map[string]string{
		"models/slow.sql":  "{{ config(materialized='table') }}\nselect 1 as id{% if env_var('KILN_TEST_SLOW', '') %}, pg_sleep(30) is null as slept{% endif %}\n",
		"models/after.sql": "select * from {{ ref('slow') }}\n",
	}
	dir := pgProject(t, files)
	mustRun(t, dir, env, "build")

	start := func() (*exec.Cmd, *lockedBuffer) {
		cmd := exec.Command(bin, "build")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KILN_TEST_SLOW=1")
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute)
		for !strings.Contains(out.String(), "START sql table model") {
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				t.Fatalf("the slow model never started:\n%s", out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		return cmd, out
	}
	first, _ := start()
	other := pgProject(t, files) // another checkout of the project, same target
	res := kiln(t, other, env, "build")
	if res.code != ExitUsage {
		t.Errorf("second build: exit %d, want %d\n%s", res.code, ExitUsage, res.all())
	}
	mustContain(t, res.stderr, "another kiln run holds this target", `schema "`+schema+`"`, "PostgreSQL session", "(kiln, from ", "nothing was changed")
	if strings.Contains(res.all(), "full-refresh") || strings.Contains(res.stdout, "START") {
		t.Errorf("the second build must stop before building anything:\n%s", res.all())
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()

	// The killed run's session ends, and the target is free again.
	ctx := context.Background()
	c, err := srv.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for deadline := time.Now().Add(20 * time.Second); ; {
		var n int
		if err := c.QueryRow(ctx, "select count(*) from pg_locks where locktype = 'advisory' and pid <> pg_backend_pid() and granted and "+
			"((classid::bigint << 32) | objid::bigint) = hashtextextended('kiln target: ' || current_database() || '.' || lower($1), 0)", schema).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the killed run still holds the target lock")
		}
		time.Sleep(50 * time.Millisecond)
	}
	mustRun(t, other, env, "build")
}

// TestPostgresParallelRebuildsUnderASharedView: views and tables that one
// view reads are rebuilt in parallel (4 threads) in 20 builds in a row;
// each rebuild recreates the shared view, and none may deadlock or fail.
func TestPostgresParallelRebuildsUnderASharedView(t *testing.T) {
	srv := pgtest.Require(t)
	schema := pgtest.Schema(t, srv)
	env := pgEnv(srv, schema)
	dir := pgProject(t, map[string]string{
		"models/a.sql":      "select 1 as id",
		"models/b.sql":      "select 2 as id",
		"models/c.sql":      "{{ config(materialized='table') }} select 3 as id",
		"models/d.sql":      "{{ config(materialized='table') }} select 4 as id",
		"models/shared.sql": "select a.id as a, b.id as b, c.id as c, d.id as d from {{ ref('a') }} a, {{ ref('b') }} b, {{ ref('c') }} c, {{ ref('d') }} d",
		"models/top.sql":    "select s.*, b.id as b2 from {{ ref('shared') }} s, {{ ref('b') }} b",
	})
	for i := 0; i < 20; i++ {
		res := kiln(t, dir, env, "build", "--threads", "4")
		if res.code != 0 {
			t.Fatalf("build %d: exit %d\n%s", i+1, res.code, res.all())
		}
	}
}
