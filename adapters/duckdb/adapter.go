// Package duckdb is kiln's DuckDB adapter, built on the official
// github.com/duckdb/duckdb-go/v2 driver (pinned to v2.5.6, DuckDB 1.4.5).
//
// Invariants worth knowing before changing anything here:
//
//   - One process, one database handle. Open creates one driver connector and
//     one *sql.DB over it; every Conn is a dedicated *sql.Conn (one DuckDB
//     connection), so a worker's transaction never hops connections. DuckDB
//     allows many connections in one process; it refuses a second *process*
//     (the file lock), which Open reports as *adapters.LockedError.
//   - Nothing is lost. Materialize and LoadSeed do all their DDL and DML inside
//     one DuckDB transaction (DuckDB has transactional DDL); on any error the
//     transaction is rolled back and the old relation is exactly as before.
//   - Few statements. Materialize sends its statements as one multi-statement
//     batch and consults a small in-process relation cache instead of the
//     catalog (DuckDB's duckdb_views() costs about a millisecond a call). A
//     stale cache can only make a DDL statement fail with a Catalog Error inside
//     the rolled-back transaction; the adapter then re-reads the catalog and
//     retries once, so the cache is a speed-up, never a source of truth.
//   - Errors carry DuckDB's own message (see Error), never the SQL text.
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/kiln-dev/kiln/adapters"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// TypeName is the profile `type:` value.
const TypeName = "duckdb"

const memoryPath = ":memory:"

// New returns the DuckDB adapter.
func New() adapters.Adapter { return adapter{} }

var _ adapters.EarlyOpener = adapter{}

// Dialect is the adapter's SQL dialect (adapters.DialectProvider).
func (adapter) Dialect() adapters.Dialect { return Dialect{} }

type adapter struct{}

func (adapter) Type() string { return TypeName }

// config is the parsed DuckDB target output (dbt-duckdb's credentials keys
// that kiln supports).
type config struct {
	Path       string // as resolved: absolute, or ":memory:"
	RawPath    string // as written in the profile
	Database   string
	Schema     string
	Threads    int
	Settings   []setting // sorted by key for deterministic SET order
	Extensions []string
}

type setting struct {
	Key   string
	Value any
}

func parseConfig(creds adapters.Credentials) (config, error) {
	f := creds.Fields
	c := config{Path: memoryPath, RawPath: memoryPath, Schema: "main", Threads: 1}
	if v, ok := f["path"]; ok && v != nil {
		s, err := adapters.CredString("path", v)
		if err != nil {
			return c, err
		}
		if s != "" {
			c.RawPath, c.Path = s, s
		}
	}
	if c.Path != memoryPath {
		if strings.Contains(c.Path, "://") || strings.HasPrefix(c.Path, "md:") {
			return c, fmt.Errorf("path %q: remote DuckDB paths (MotherDuck, URLs) are not supported by kiln", c.Path)
		}
		if !filepath.IsAbs(c.Path) && creds.Dir != "" {
			c.Path = filepath.Join(creds.Dir, c.Path)
		}
		if abs, err := filepath.Abs(c.Path); err == nil {
			c.Path = abs
		}
	}
	pathDB := databaseFromPath(c.Path)
	c.Database = pathDB
	if v, ok := f["database"]; ok && v != nil {
		s, err := adapters.CredString("database", v)
		if err != nil {
			return c, err
		}
		if s != "" && s != pathDB {
			return c, fmt.Errorf("the profile's database %q does not match its path %q: DuckDB names the database after the file, so database must be %q (or left out)", s, c.RawPath, pathDB)
		}
	}
	if pathDB == "" {
		return c, fmt.Errorf("cannot determine the database name from path %q", c.RawPath)
	}
	if v, ok := f["schema"]; ok && v != nil {
		s, err := adapters.CredString("schema", v)
		if err != nil {
			return c, err
		}
		if s != "" {
			c.Schema = s
		}
	}
	if v, ok := f["threads"]; ok && v != nil {
		n, err := adapters.CredInt("threads", v)
		if err != nil {
			return c, err
		}
		if n < 1 {
			return c, fmt.Errorf("threads must be at least 1, got %d", n)
		}
		c.Threads = n
	}
	if v, ok := f["settings"]; ok && v != nil {
		m, ok := v.(map[string]any)
		if !ok {
			return c, fmt.Errorf("settings must be a mapping of DuckDB setting names to values, got %T", v)
		}
		for k, val := range m {
			if !validSettingName(k) {
				return c, fmt.Errorf("settings: %q is not a valid DuckDB setting name", k)
			}
			c.Settings = append(c.Settings, setting{Key: k, Value: val})
		}
		sort.Slice(c.Settings, func(i, j int) bool { return c.Settings[i].Key < c.Settings[j].Key })
	}
	if v, ok := f["extensions"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			if ss, ok2 := v.([]string); ok2 {
				for _, s := range ss {
					list = append(list, s)
				}
			} else {
				return c, fmt.Errorf("extensions must be a list of extension names, got %T", v)
			}
		}
		for _, e := range list {
			var name string
			switch e := e.(type) {
			case string:
				name = e
			case map[string]any: // dbt-duckdb also accepts {name: x, repo: y}
				name, _ = e["name"].(string)
			}
			if !validSettingName(name) {
				return c, fmt.Errorf("extensions: %v is not a valid extension name", e)
			}
			c.Extensions = append(c.Extensions, name)
		}
	}
	return c, nil
}

// databaseFromPath mirrors dbt-duckdb: the file's base name without its last
// extension; ":memory:" is "memory".
func databaseFromPath(p string) string {
	if p == memoryPath {
		return "memory"
	}
	base := filepath.Base(p)
	// Python's os.path.splitext keeps leading dots: ".x.duckdb" -> ".x".
	trimmed := strings.TrimLeft(base, ".")
	if i := strings.LastIndexByte(trimmed, '.'); i > 0 {
		return base[:len(base)-len(trimmed)+i]
	}
	return base
}

func validSettingName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// sqlLiteral renders a settings value for SET.
func sqlLiteral(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case bool:
		if v {
			return "true"
		}
		return "false"
	case int, int64, int32:
		return fmt.Sprint(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return quoteString(fmt.Sprint(v))
	}
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TargetInfo returns the non-secret target fields. Settings are left out on
// purpose: they commonly hold S3 or MotherDuck credentials.
var targetDefaults = map[string]any{"config_options": nil, "extensions": nil, "external_root": ".",
	"use_credential_provider": nil, "attach": nil, "filesystems": nil, "remote": nil, "plugins": nil, "disable_transactions": false}

func (adapter) TargetInfo(creds adapters.Credentials) map[string]any {
	c, err := parseConfig(creds)
	m := map[string]any{
		"type":     TypeName,
		"path":     c.RawPath,
		"database": c.Database,
		"schema":   c.Schema,
		"threads":  c.Threads,
	}
	if err != nil { // still show what we can; Open reports the error
		if v, ok := creds.Fields["database"].(string); ok && v != "" {
			m["database"] = v
		}
	}
	// dbt-duckdb's other credential fields, so that `target` has every key
	// dbt's has. Only plain switches show their values: settings, attach,
	// filesystems, remote and plugins can hold secrets (S3 keys, tokens),
	// which kiln keeps out of templates, so they show dbt's empty defaults.
	for k, def := range targetDefaults {
		m[k] = def
	}
	m["settings"] = map[string]any{}
	for _, k := range []string{"external_root", "disable_transactions"} {
		if v, ok := creds.Fields[k]; ok {
			m[k] = v
		}
	}
	if len(c.Extensions) > 0 {
		exts := make([]any, len(c.Extensions))
		for i, e := range c.Extensions {
			exts[i] = e
		}
		m["extensions"] = exts
	}
	return m
}

// OpensEarly reports whether Open may run while the project compiles: only
// when it creates nothing, i.e. the database is in memory or its file
// exists (a compile error must not leave a new, empty database file).
func (adapter) OpensEarly(creds adapters.Credentials) bool {
	cfg, err := parseConfig(creds)
	if err != nil {
		return false // Open reports it, in its usual place
	}
	if cfg.Path == memoryPath {
		return true
	}
	fi, err := os.Stat(cfg.Path)
	return err == nil && fi.Mode().IsRegular()
}

// DB is one open DuckDB database (one per invocation).
type DB struct {
	cfg       config
	connector *duckdb.Connector
	sqlDB     *sql.DB
	version   string
	cache     *relCache

	schemaMu sync.Mutex
	schemas  map[[2]string]bool // (database, schema) known to exist
}

// Open opens the database file (or an in-memory database). threads sizes
// the idle pool; DuckDB connections are cheap, so the pool is not capped.
func (adapter) Open(ctx context.Context, creds adapters.Credentials, threads int) (adapters.DB, error) {
	db, err := open(ctx, creds, threads)
	if err != nil {
		return nil, err
	}
	return db, nil
}

func open(ctx context.Context, creds adapters.Credentials, threads int) (*DB, error) {
	cfg, err := parseConfig(creds)
	if err != nil {
		return nil, &adapters.ConnectError{Target: creds.Target, Err: err}
	}
	if threads < 1 {
		threads = cfg.Threads
	}
	dsn := cfg.Path
	if dsn == memoryPath {
		dsn = ""
	}
	init := func(ex driver.ExecerContext) error {
		for _, s := range cfg.Settings {
			q := "SET " + s.Key + " = " + sqlLiteral(s.Value)
			if _, err := ex.ExecContext(context.Background(), q, nil); err != nil {
				return fmt.Errorf("settings: SET %s: %w", s.Key, cleanError(err))
			}
		}
		return nil
	}
	connector, err := duckdb.NewConnector(dsn, init)
	if err != nil {
		msg := driverMessage(err)
		if isLockMessage(msg) {
			return nil, &adapters.LockedError{Path: cfg.Path, Err: &Error{Msg: msg}}
		}
		return nil, &adapters.ConnectError{Target: creds.Target, Err: &Error{Msg: msg}}
	}
	sqlDB := sql.OpenDB(connector) // closes the connector on Close
	sqlDB.SetMaxIdleConns(threads + 1)
	db := &DB{
		cfg:       cfg,
		connector: connector,
		sqlDB:     sqlDB,
		cache:     newRelCache(),
		schemas:   map[[2]string]bool{},
	}
	fail := func(err error) (*DB, error) {
		_ = sqlDB.Close()
		return nil, &adapters.ConnectError{Target: creds.Target, Err: err}
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fail(cleanError(err))
	}
	defer conn.Close()
	for _, ext := range cfg.Extensions {
		if _, err := conn.ExecContext(ctx, "LOAD "+ext); err != nil {
			return fail(fmt.Errorf("extensions: could not load %q (kiln loads extensions but does not download them; install it once with the DuckDB CLI: INSTALL %s;): %w", ext, ext, cleanError(err)))
		}
	}
	if n := engineThreads(cfg, threads, runtime.NumCPU()); n > 0 {
		// A global setting: one SET covers every connection of the handle.
		if _, err := conn.ExecContext(ctx, "SET threads = "+strconv.Itoa(n)); err != nil {
			return fail(fmt.Errorf("SET threads = %d: %w", n, cleanError(err)))
		}
	}
	var version, current string
	if err := conn.QueryRowContext(ctx, "select version(), current_database()").Scan(&version, &current); err != nil {
		return fail(cleanError(err))
	}
	if current != cfg.Database {
		return fail(fmt.Errorf("DuckDB named the database of %q %q, but kiln derived %q from the file name; rename the file to a plain name such as %q", cfg.RawPath, current, cfg.Database, "warehouse.duckdb"))
	}
	db.version = version
	return db, nil
}

// engineThreads is the DuckDB `threads` setting kiln chooses when kiln runs
// several workers (0: leave DuckDB's default, one thread per core). Each
// worker's statement already keeps a core busy; DuckDB's own task threads
// on top oversubscribe the machine and spend their time polling the task
// queue between a build's many small statements: building 1,000 views at 4
// workers on 2 cores took 9.2 s of CPU with DuckDB's default and 6.1 s with
// threads = 1, and less wall time too. So kiln gives DuckDB cores / workers
// threads (at least 1); a `threads` in the profile's settings wins.
func engineThreads(cfg config, workers, cores int) int {
	for _, s := range cfg.Settings {
		if k := strings.ToLower(s.Key); k == "threads" || k == "worker_threads" {
			return 0
		}
	}
	if workers <= 1 {
		return 0
	}
	return max(1, cores/workers)
}

// Conn returns a dedicated connection for one worker.
func (db *DB) Conn(ctx context.Context) (adapters.Conn, error) {
	c, err := db.conn(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (db *DB) conn(ctx context.Context) (*Conn, error) {
	c, err := db.sqlDB.Conn(ctx)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	return &Conn{db: db, c: c}, nil
}

// Close closes every connection and the database (releasing the file lock).
func (db *DB) Close() error { return db.sqlDB.Close() }

// Version is DuckDB's version, e.g. "v1.4.5".
func (db *DB) Version() string { return db.version }

// Database is the default database (catalog) name, e.g. "jaffle_shop".
func (db *DB) Database() string { return db.cfg.Database }

// Schema is the target's default schema.
func (db *DB) Schema() string { return db.cfg.Schema }

// Path is the resolved database path (absolute, or ":memory:").
func (db *DB) Path() string { return db.cfg.Path }

func isLockMessage(msg string) bool {
	return strings.Contains(msg, "Could not set lock on file") || strings.Contains(msg, "Conflicting lock is held")
}

// driverMessage strips duckdb-go's "database/sql/driver: could not connect to
// database: " prefix, leaving DuckDB's own text.
func driverMessage(err error) string {
	var de *duckdb.Error
	if errors.As(err, &de) {
		return de.Msg
	}
	msg := err.Error()
	for _, p := range []string{"database/sql/driver: ", "could not connect to database: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}
