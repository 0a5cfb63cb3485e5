package duckdb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
)

func TestTargetInfoDefaults(t *testing.T) {
	a := New()
	equal(t, "type", a.Type(), "duckdb")
	for _, tc := range []struct {
		name   string
		fields map[string]any
		want   map[string]any
	}{
		{"memory default", map[string]any{},
			map[string]any{"type": "duckdb", "path": ":memory:", "database": "memory", "schema": "main", "threads": 1}},
		{"file", map[string]any{"path": "jaffle_shop.duckdb", "threads": 4, "schema": "dev"},
			map[string]any{"type": "duckdb", "path": "jaffle_shop.duckdb", "database": "jaffle_shop", "schema": "dev", "threads": 4}},
		{"nested path, no extension", map[string]any{"path": "/data/warehouse", "threads": "2"},
			map[string]any{"type": "duckdb", "path": "/data/warehouse", "database": "warehouse", "schema": "main", "threads": 2}},
		{"settings are not exposed", map[string]any{"path": "x.db", "settings": map[string]any{"s3_secret_access_key": "SECRET"}},
			map[string]any{"type": "duckdb", "path": "x.db", "database": "x", "schema": "main", "threads": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// dbt-duckdb's other fields, at their defaults (settings empty
			// even when set: they can hold secrets)
			for k, v := range map[string]any{"config_options": nil, "extensions": nil, "settings": map[string]any{}, "external_root": ".",
				"use_credential_provider": nil, "attach": nil, "filesystems": nil, "remote": nil, "plugins": nil, "disable_transactions": false} {
				tc.want[k] = v
			}
			got := a.TargetInfo(adapters.Credentials{Fields: tc.fields, Dir: "/proj"})
			equal(t, "target", got, tc.want)
		})
	}
}

func TestDatabaseFromPath(t *testing.T) {
	for in, want := range map[string]string{
		":memory:":              "memory",
		"/a/jaffle_shop.duckdb": "jaffle_shop",
		"dev.db":                "dev",
		"noext":                 "noext",
		"/a/b.c.duckdb":         "b.c",
		"/a/.hidden":            ".hidden",
	} {
		equal(t, in, databaseFromPath(in), want)
	}
}

func TestOpenCredentials(t *testing.T) {
	ctx := context.Background()
	t.Run("memory", func(t *testing.T) {
		db := openDB(t, adapters.Credentials{Fields: map[string]any{}})
		c := conn(t, db)
		equal(t, "db", scalar(t, c, "select current_database()"), "memory")
		equal(t, "version", strings.HasPrefix(db.Version(), "v2.0"), true)
	})
	t.Run("relative path resolves against Dir", func(t *testing.T) {
		dir := t.TempDir()
		db := openDB(t, adapters.Credentials{Fields: map[string]any{"path": "sub/../dev.duckdb", "database": "dev", "schema": "analytics", "threads": 3}, Dir: dir})
		equal(t, "path", db.Path(), filepath.Join(dir, "dev.duckdb"))
		equal(t, "schema", db.Schema(), "analytics")
		c := conn(t, db)
		equal(t, "db", scalar(t, c, "select current_database()"), "dev")
		if _, err := os.Stat(filepath.Join(dir, "dev.duckdb")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("database mismatch", func(t *testing.T) {
		_, err := New().Open(ctx, adapters.Credentials{Target: "dev", Fields: map[string]any{"path": "a.duckdb", "database": "b"}, Dir: t.TempDir()}, 1)
		var ce *adapters.ConnectError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), `database must be "a"`) {
			t.Fatalf("want ConnectError about the database name, got %v", err)
		}
	})
	t.Run("settings applied to every connection", func(t *testing.T) {
		db := openFileDB(t, map[string]any{"settings": map[string]any{"threads": 1, "default_null_order": "nulls_first", "preserve_insertion_order": false}})
		c1, c2 := conn(t, db), conn(t, db)
		for _, c := range []*Conn{c1, c2} {
			equal(t, "threads", scalar(t, c, "select current_setting('threads')"), int64(1))
			equal(t, "null order", scalar(t, c, "select lower(current_setting('default_null_order'))"), "nulls_first")
			equal(t, "pio", scalar(t, c, "select current_setting('preserve_insertion_order')"), false)
		}
	})
	t.Run("engine threads follow the workers", func(t *testing.T) {
		want := int64(max(1, runtime.NumCPU()/4))
		db := openFileDB(t, nil) // opened for 4 workers
		equal(t, "threads at 4 workers", scalar(t, conn(t, db), "select current_setting('threads')"), want)
		// a profile's own setting wins
		db = openFileDB(t, map[string]any{"settings": map[string]any{"threads": 3}})
		equal(t, "threads from settings", scalar(t, conn(t, db), "select current_setting('threads')"), int64(3))
	})
	t.Run("bad setting", func(t *testing.T) {
		_, err := New().Open(ctx, adapters.Credentials{Target: "dev", Fields: map[string]any{"settings": map[string]any{"no_such_setting": 1}}}, 1)
		if err == nil || !strings.Contains(err.Error(), "no_such_setting") {
			t.Fatalf("want error naming the setting, got %v", err)
		}
	})
	t.Run("extensions", func(t *testing.T) {
		// Statically linked extensions load without network access.
		db := openDB(t, adapters.Credentials{Fields: map[string]any{"extensions": []any{"json", map[string]any{"name": "parquet"}}}})
		c := conn(t, db)
		equal(t, "json", scalar(t, c, `select json_extract('{"a": 1}', '$.a')::int`), int64(1))
		_, err := New().Open(ctx, adapters.Credentials{Target: "dev", Fields: map[string]any{"extensions": []any{"no_such_ext_xyz"}}}, 1)
		if err == nil || !strings.Contains(err.Error(), `could not load "no_such_ext_xyz"`) || !strings.Contains(err.Error(), "INSTALL no_such_ext_xyz") {
			t.Fatalf("want a clear extension error, got %v", err)
		}
	})
	t.Run("bad threads", func(t *testing.T) {
		_, err := New().Open(ctx, adapters.Credentials{Fields: map[string]any{"threads": "many"}}, 1)
		if err == nil {
			t.Fatal("want error")
		}
	})
	t.Run("reopen keeps data", func(t *testing.T) {
		dir := t.TempDir()
		creds := adapters.Credentials{Fields: map[string]any{"path": "keep.duckdb"}, Dir: dir}
		db := openDB(t, creds)
		c := conn(t, db)
		mustExec(t, c, "create table t as select 42 as x")
		c.Close()
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db2 := openDB(t, creds)
		equal(t, "x", scalar(t, conn(t, db2), "select x from t"), int64(42))
	})
}

const lockChildEnv = "KILN_DUCKDB_LOCK_CHILD"

// lockChild runs in a child process: it opens the database file, says
// "ready" and holds the file until stdin closes.
func lockChild(path string) int {
	db, err := New().Open(context.Background(), adapters.Credentials{Fields: map[string]any{"path": path}}, 1)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	defer db.Close()
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	return 0
}

func TestLockedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockChildEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("child: %q %v", line, err)
	}
	_, err = New().Open(context.Background(), adapters.Credentials{Target: "dev", Fields: map[string]any{"path": path}}, 1)
	var le *adapters.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("want *adapters.LockedError, got %T %v", err, err)
	}
	equal(t, "path", le.Path, path)
	if !strings.Contains(err.Error(), "Conflicting lock") && !strings.Contains(err.Error(), "Could not set lock") {
		t.Errorf("message should carry DuckDB's lock text: %v", err)
	}
	if strings.Contains(err.Error(), "database/sql/driver") {
		t.Errorf("message has Go noise: %v", err)
	}
	// After the other process exits the file opens fine.
	stdin.Close()
	_ = cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		db, err := New().Open(context.Background(), adapters.Credentials{Fields: map[string]any{"path": path}}, 1)
		if err == nil {
			db.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("reopen after child exit: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestEngineThreads(t *testing.T) {
	set := func(k string) config { return config{Settings: []setting{{Key: k, Value: 2}}} }
	for _, c := range []struct {
		cfg            config
		workers, cores int
		want           int
	}{
		{config{}, 1, 2, 0},  // one worker: DuckDB's default
		{config{}, 0, 8, 0},  // unknown: the default
		{config{}, 4, 2, 1},  // oversubscribed: one engine thread
		{config{}, 4, 16, 4}, // cores shared among the workers
		{config{}, 3, 8, 2},
		{set("threads"), 4, 2, 0}, // the profile decides
		{set("THREADS"), 4, 2, 0},
		{set("worker_threads"), 4, 2, 0},
	} {
		if got := engineThreads(c.cfg, c.workers, c.cores); got != c.want {
			t.Errorf("engineThreads(%v, %d workers, %d cores) = %d, want %d", c.cfg.Settings, c.workers, c.cores, got, c.want)
		}
	}
}

// TestOpensEarly: Open may run before the compile only when it creates
// nothing.
func TestOpensEarly(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "there.duckdb"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "adir.duckdb"), 0o755); err != nil {
		t.Fatal(err)
	}
	a := New().(adapters.EarlyOpener)
	for path, want := range map[string]bool{
		":memory:": true, "there.duckdb": true, "missing.duckdb": false, "adir.duckdb": false, "md:remote": false,
	} {
		creds := adapters.Credentials{Fields: map[string]any{"type": "duckdb", "path": path}, Dir: dir}
		if got := a.OpensEarly(creds); got != want {
			t.Errorf("OpensEarly(%q) = %v, want %v", path, got, want)
		}
	}
}
