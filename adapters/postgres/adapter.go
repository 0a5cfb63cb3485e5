// Package postgres is kiln's PostgreSQL adapter, built on
// github.com/jackc/pgx/v5 (pgxpool, one pooled connection per worker).
//
// Invariants worth knowing before changing anything here:
//
//   - Nothing is lost. PostgreSQL DDL is transactional, so Materialize and
//     LoadSeed do all their DDL and DML inside one transaction; on any error it
//     is rolled back and the old relation is exactly as before.
//   - No CASCADE, ever. Views bind to the OID of the relation they read, so
//     rebuilding a relation other views depend on would either fail or, with
//     CASCADE, silently drop those views. Materialize finds the dependent
//     views in pg_depend and recreates them from their definitions inside the
//     same transaction (see materialize.go).
//   - Names fit in 63 bytes. PostgreSQL silently truncates longer
//     identifiers; kiln refuses target names over the limit and shortens its
//     own temporary and backup names with a hash so they never collide.
//   - User SQL runs over the simple query protocol (as psql does): several
//     statements per call work, nothing is prepared or cached (a rebuilt
//     relation can never hit "cached plan must not change result type"), and
//     values arrive as text, which Query converts to plain Go values.
//   - Cancelling a context sends PostgreSQL a cancel request for the running
//     statement, and closes the socket half a second later if the server has
//     not answered, so nothing waits on a dead server forever (and dial.go's
//     keepalives find a vanished server within about 90 s).
//   - Errors carry PostgreSQL's message and SQLSTATE (see Error), never the
//     SQL text and never the password.
package postgres

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kiln-dev/kiln/adapters"
)

// TypeName is the profile `type:` value.
const TypeName = "postgres"

// New returns the PostgreSQL adapter.
func New() adapters.Adapter { return adapter{} }

// Dialect is the adapter's SQL dialect (adapters.DialectProvider).
func (adapter) Dialect() adapters.Dialect { return Dialect{} }

type adapter struct{}

func (adapter) Type() string { return TypeName }

// config is the parsed target output (dbt-postgres's credential keys).
type config struct {
	Host           string
	Port           int
	User           string
	Password       string
	Database       string
	Schema         string
	Threads        int
	SSLMode        string
	ConnectTimeout int // seconds
	KeepalivesIdle int // seconds; 0: kiln's default (dial.go)
	SearchPath     string
	Role           string
	Retries        int
}

func parseConfig(creds adapters.Credentials) (config, error) {
	f := creds.Fields
	c := config{Port: 5432, Threads: 1, ConnectTimeout: 10, Retries: 1}
	str := func(keys ...string) (string, error) { return adapters.CredField(f, keys...) }
	var err error
	if c.Host, err = str("host"); err != nil {
		return c, err
	}
	if c.User, err = str("user", "username"); err != nil {
		return c, err
	}
	if c.Password, err = str("password", "pass"); err != nil {
		return c, err
	}
	if c.Database, err = str("dbname", "database"); err != nil {
		return c, err
	}
	if d2, _ := str("database"); d2 != "" && c.Database != d2 {
		return c, fmt.Errorf("dbname %q and database %q disagree; they are aliases, keep one", c.Database, d2)
	}
	if c.Schema, err = str("schema"); err != nil {
		return c, err
	}
	if c.SSLMode, err = str("sslmode"); err != nil {
		return c, err
	}
	if c.SearchPath, err = str("search_path"); err != nil {
		return c, err
	}
	if c.Role, err = str("role"); err != nil {
		return c, err
	}
	for _, n := range []struct {
		key string
		dst *int
		min int
	}{{"port", &c.Port, 1}, {"threads", &c.Threads, 1}, {"connect_timeout", &c.ConnectTimeout, 0},
		{"keepalives_idle", &c.KeepalivesIdle, 0}, {"retries", &c.Retries, 0}} {
		if err := adapters.CredIntMin(f, n.key, n.dst, n.min); err != nil {
			return c, err
		}
	}
	if c.Port > 65535 {
		return c, fmt.Errorf("port must be at most 65535, got %d", c.Port)
	}
	var missing []string
	for _, m := range []struct{ key, val string }{{"host", c.Host}, {"user", c.User}, {"dbname", c.Database}, {"schema", c.Schema}} {
		if m.val == "" {
			missing = append(missing, m.key)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("the postgres target needs %s (see the README's PostgreSQL section for an example profile)", strings.Join(missing, ", "))
	}
	switch c.SSLMode {
	case "", "disable", "allow", "prefer", "require", "verify-ca", "verify-full":
	default:
		return c, fmt.Errorf("sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full; got %q", c.SSLMode)
	}
	return c, nil
}

// TargetInfo returns the non-secret target fields for Jinja's `target`
// (never the password).
func (adapter) TargetInfo(creds adapters.Credentials) map[string]any {
	c, _ := parseConfig(creds) // Open reports errors; show what parsed
	m := map[string]any{
		"type":            TypeName,
		"host":            c.Host,
		"port":            c.Port,
		"user":            c.User,
		"database":        c.Database,
		"dbname":          c.Database,
		"schema":          c.Schema,
		"threads":         c.Threads,
		"connect_timeout": c.ConnectTimeout,
		"retries":         c.Retries,
	}
	// dbt-postgres shows every credential field, unset ones at their
	// defaults (null, or the value below).
	for k, v := range map[string]string{"sslmode": c.SSLMode, "search_path": c.SearchPath, "role": c.Role} {
		m[k] = nil
		if v != "" {
			m[k] = v
		}
	}
	for _, k := range []string{"sslcert", "sslkey", "sslrootcert"} {
		m[k] = nil
		if v, ok := creds.Fields[k].(string); ok && v != "" {
			m[k] = v
		}
	}
	m["keepalives_idle"] = c.KeepalivesIdle
	m["autocommit"] = false
	if v, ok := creds.Fields["autocommit"].(bool); ok {
		m["autocommit"] = v
	}
	m["application_name"] = "dbt"
	if v, ok := creds.Fields["application_name"].(string); ok && v != "" {
		m["application_name"] = v
	}
	return m
}

// DB is one connection pool for an invocation.
type DB struct {
	cfg     config
	pool    *pgxpool.Pool
	version string

	schemaMu sync.Mutex
	schemas  map[string]bool // schemas known to exist
}

// Open connects and checks the connection (with the profile's retries).
// threads sizes the pool.
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
	pc, err := poolConfig(cfg, threads)
	if err != nil {
		return nil, &adapters.ConnectError{Target: creds.Target, Err: scrub(err, cfg.Password)}
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, &adapters.ConnectError{Target: creds.Target, Err: scrub(err, cfg.Password)}
	}
	db := &DB{cfg: cfg, pool: pool, schemas: map[string]bool{}}
	attempt := 0
	for ; ; attempt++ {
		err = db.probe(ctx)
		if err == nil || attempt >= cfg.Retries || !transientConnectErr(err) || ctx.Err() != nil {
			break
		}
		select {
		case <-time.After(time.Duration(attempt+1) * 500 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	if err != nil {
		pool.Close()
		err = connectErr(cfg, err)
		if attempt > 0 && ctx.Err() == nil {
			err = fmt.Errorf("%w (%d attempts; the profile's retries: %d)", err, attempt+1, cfg.Retries)
		}
		return nil, &adapters.ConnectError{Target: creds.Target, Err: err}
	}
	return db, nil
}

func (db *DB) probe(ctx context.Context) error {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	return c.QueryRow(ctx, "show server_version").Scan(&db.version)
}

// poolConfig builds pgx's configuration field by field (no connection
// string to escape, and no password in any string pgx might print).
func poolConfig(cfg config, threads int) (*pgxpool.Config, error) {
	// A keyword/value string lets pgx set up TLS (sslmode) and its
	// fallbacks for our host; the password is set on the parsed config so it
	// never appears in any string pgx might echo.
	sslmode := cfg.SSLMode
	if sslmode == "" {
		sslmode = "prefer"
	}
	kv := func(k, v string) string {
		return k + "='" + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), "'", `\'`) + "' "
	}
	dsn := kv("host", cfg.Host) + kv("port", strconv.Itoa(cfg.Port)) + kv("user", cfg.User) +
		kv("dbname", cfg.Database) + kv("sslmode", sslmode)
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cc := pc.ConnConfig
	cc.Password = cfg.Password
	cc.ConnectTimeout = time.Duration(cfg.ConnectTimeout) * time.Second
	cc.DialFunc = dialer(cfg).DialContext // keepalives: see dial.go
	cc.RuntimeParams = map[string]string{"application_name": "kiln"}
	if cfg.SearchPath != "" {
		cc.RuntimeParams["search_path"] = cfg.SearchPath
	}
	// Cancel the running statement on the server when a context ends; close
	// the socket if the server does not answer within cancelWait (a frozen
	// server: Ctrl-C must still end the run at once). Either way the
	// transaction is not committed, so nothing changes on the server.
	cc.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: cancelWait}
	}
	cc.DefaultQueryExecMode = pgx.QueryExecModeExec
	pc.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		// A killed kiln (kill -9) leaves its statements running on the server
		// until they next write to the socket — minutes for a big CREATE
		// TABLE AS, holding locks (an incremental model's advisory lock) that
		// block the next run. PostgreSQL 14+ can poll for the vanished client
		// and abort them.
		if serverMajor(c.PgConn().ParameterStatus("server_version")) >= 14 {
			if _, err := c.Exec(ctx, "set client_connection_check_interval = 1000"); err != nil {
				return err
			}
		}
		if cfg.Role != "" {
			_, err := c.Exec(ctx, "set role "+adapters.QuoteIdent(cfg.Role))
			return err
		}
		return nil
	}
	pc.MaxConns = int32(threads) + 2 // workers, plus one for run_query and one spare
	pc.MinConns = 0
	pc.MaxConnIdleTime = time.Minute
	pc.HealthCheckPeriod = 30 * time.Second
	return pc, nil
}

// transientConnectErr reports whether retrying a failed connect could help
// (network trouble, a server starting up), as opposed to a bad password or
// an unknown database.
func transientConnectErr(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "57P03" // cannot_connect_now: the server is starting
	}
	return !errors.Is(err, context.Canceled)
}

// connectErr writes a connect failure in kiln's words: where it connected
// and PostgreSQL's (or the network's) reason, never the password.
func connectErr(cfg config, err error) error {
	where := fmt.Sprintf("PostgreSQL at %s:%d (user %q, database %q)", cfg.Host, cfg.Port, cfg.User, cfg.Database)
	if strings.HasPrefix(cfg.Host, "/") {
		where = fmt.Sprintf("PostgreSQL at socket %s/.s.PGSQL.%d (user %q, database %q)", cfg.Host, cfg.Port, cfg.User, cfg.Database)
	}
	reason := err.Error()
	var pe *pgconn.PgError
	var ne net.Error
	var te *tls.CertificateVerificationError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &pe):
		reason = pe.Message + " (SQLSTATE " + pe.Code + ")"
	case errors.As(err, &te):
		reason = "TLS certificate verification failed: " + te.Err.Error()
	case errors.As(err, &ne) && ne.Timeout():
		reason = fmt.Sprintf("no answer within connect_timeout (%ds)", cfg.ConnectTimeout)
	case errors.As(err, &dnsErr):
		reason = dnsErr.Error()
	case errors.As(err, &opErr):
		reason = opErr.Error()
	default:
		// pgconn's text starts with "failed to connect to `user=.. database=..`:"
		// and the address; the cause follows the last ": " of the dial error.
		if i := strings.Index(reason, "dial error: "); i >= 0 {
			reason = reason[i+len("dial error: "):]
		} else if i := strings.LastIndex(reason, "): "); i >= 0 {
			reason = reason[i+3:]
		}
	}
	return scrub(fmt.Errorf("%s: %s", where, reason), cfg.Password)
}

// scrub removes the password from an error text, whatever produced it.
func scrub(err error, password string) error {
	if err == nil || password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, "********"))
}

// Conn acquires a pooled connection for one worker.
func (db *DB) Conn(ctx context.Context) (adapters.Conn, error) {
	pc, err := db.pool.Acquire(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &CancelledError{Err: ctx.Err()}
		}
		return nil, connectErr(db.cfg, err)
	}
	return &Conn{db: db, pc: pc}, nil
}

// cancelWait is how long a cancelled statement waits for the server to
// answer the cancel request before its socket is closed.
const cancelWait = 500 * time.Millisecond

// closeWait bounds how long Close waits for the pool to shut down.
const closeWait = 300 * time.Millisecond

// Close closes every pooled connection. pgx destroys a broken connection
// (one whose statement was cancelled against a frozen server) in the
// background, waiting up to 15 s for the server to take a cancel request,
// and pgxpool.Close waits for that: Close gives up after closeWait so that
// Ctrl-C against a frozen server still ends the run at once. The sockets
// are closed by pgx when its own deadline passes, or when kiln exits.
func (db *DB) Close() error {
	done := make(chan struct{})
	go func() {
		db.pool.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeWait):
	}
	return nil
}

// Version is the server's version, e.g. "15.4 (Debian 15.4-1)".
func (db *DB) Version() string { return db.version }

// Database is the connected database.
func (db *DB) Database() string { return db.cfg.Database }

// Schema is the target's default schema.
func (db *DB) Schema() string { return db.cfg.Schema }
