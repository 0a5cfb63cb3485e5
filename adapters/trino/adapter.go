// Package trino is kiln's Trino adapter, built on the official Go client
// (github.com/trinodb/trino-go-client) through database/sql. It runs dbt
// projects on a Trino cluster with a dbt-trino compatible profile.
//
// Invariants worth knowing before changing anything here:
//
//   - Writes are autocommit. Trino's lakehouse connectors (Iceberg, Hive,
//     Delta) refuse writes inside START TRANSACTION ("Catalog only supports
//     writes using autocommit"), so Begin/Commit/Rollback bracket a unit of
//     work in kiln's bookkeeping only; no BEGIN is sent. What keeps the old
//     relation on failure is the order of the statements instead: a model is
//     built under a temporary name first and only renamed over the target
//     when the build succeeded (materialize.go), and an incremental model
//     stages its new rows in a table before the statements that change the
//     target run. A failure between those last statements can leave the
//     target half-updated, as with dbt-trino; the README says so.
//   - Names are lower case. Trino folds every identifier to lower case (also
//     quoted ones), so relations are looked up and reported lower-cased.
//   - Cancelling a context cancels the running query on the cluster (the
//     client sends DELETE to the query's URI).
//   - Errors carry Trino's error name and message, never the SQL text and
//     never the password.
package trino

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	trinodrv "github.com/trinodb/trino-go-client/trino"

	"github.com/kiln-dev/kiln/adapters"
)

// TypeName is the profile `type:` value.
const TypeName = "trino"

// New returns the Trino adapter.
func New() adapters.Adapter { return adapter{} }

type adapter struct{}

func (adapter) Type() string { return TypeName }

// Dialect is the adapter's SQL dialect (adapters.DialectProvider).
func (adapter) Dialect() adapters.Dialect { return Dialect{} }

// config is the parsed target output (dbt-trino's credential keys).
type config struct {
	Method            string // none | ldap
	Host              string
	Port              int
	User              string
	Password          string
	Catalog           string // dbt-trino's "database"
	Schema            string
	Threads           int
	HTTPScheme        string // http | https
	SessionProperties map[string]string
	Roles             map[string]string
	CertVerify        bool
	Timezone          string
	Retries           int
}

func parseConfig(creds adapters.Credentials) (config, error) {
	f := creds.Fields
	c := config{Method: "none", Port: 8080, Threads: 1, HTTPScheme: "http", CertVerify: true, Retries: 3}
	str := func(keys ...string) (string, error) { return adapters.CredField(f, keys...) }
	var err error
	if m, err := str("method"); err != nil {
		return c, err
	} else if m != "" {
		c.Method = strings.ToLower(m)
	}
	if c.Host, err = str("host"); err != nil {
		return c, err
	}
	if c.User, err = str("user", "username"); err != nil {
		return c, err
	}
	if c.Password, err = str("password", "pass"); err != nil {
		return c, err
	}
	if c.Catalog, err = str("database", "catalog"); err != nil {
		return c, err
	}
	if c.Schema, err = str("schema"); err != nil {
		return c, err
	}
	if s, err := str("http_scheme"); err != nil {
		return c, err
	} else if s != "" {
		c.HTTPScheme = strings.ToLower(s)
	}
	if c.Timezone, err = str("timezone"); err != nil {
		return c, err
	}
	for _, n := range []struct {
		key string
		dst *int
		min int
	}{{"port", &c.Port, 1}, {"threads", &c.Threads, 1}, {"retries", &c.Retries, 0}} {
		if err := adapters.CredIntMin(f, n.key, n.dst, n.min); err != nil {
			return c, err
		}
	}
	if c.Port > 65535 {
		return c, fmt.Errorf("port must be at most 65535, got %d", c.Port)
	}
	if v, ok := f["cert"]; ok && v != nil {
		return c, fmt.Errorf("cert (a CA bundle path) is not supported by kiln's trino adapter yet; install the CA in the system trust store, or set cert_verify: false on a test cluster")
	}
	if v, ok := f["cert_verify"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return c, fmt.Errorf("cert_verify must be true or false, got %v", v)
		}
		c.CertVerify = b
	}
	if c.SessionProperties, err = stringMap(f, "session_properties"); err != nil {
		return c, err
	}
	if c.Roles, err = stringMap(f, "roles"); err != nil {
		return c, err
	}
	var missing []string
	for _, m := range []struct{ key, val string }{{"host", c.Host}, {"user", c.User}, {"database", c.Catalog}, {"schema", c.Schema}} {
		if m.val == "" {
			missing = append(missing, m.key)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("the trino target needs %s (database is the Trino catalog; see the README's Trino section for an example profile)", strings.Join(missing, ", "))
	}
	switch c.Method {
	case "none":
		if c.Password != "" {
			return c, fmt.Errorf("method none sends no password; set method: ldap to authenticate with user and password")
		}
	case "ldap":
		if c.Password == "" {
			return c, fmt.Errorf("method ldap needs a password")
		}
		if c.HTTPScheme != "https" {
			return c, fmt.Errorf("method ldap needs http_scheme: https (Trino accepts passwords only over TLS)")
		}
	default:
		return c, fmt.Errorf("method must be none or ldap, got %q (kerberos, jwt, certificate and oauth are not supported yet)", c.Method)
	}
	switch c.HTTPScheme {
	case "http", "https":
	default:
		return c, fmt.Errorf("http_scheme must be http or https, got %q", c.HTTPScheme)
	}
	return c, nil
}

// stringMap reads a mapping of scalar values (session_properties, roles).
func stringMap(f map[string]any, key string) (map[string]string, error) {
	v, ok := f[key]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s must be a mapping of names to values, got %T", key, v)
	}
	out := map[string]string{}
	for k, x := range m {
		switch x := x.(type) {
		case string:
			out[k] = x
		case bool:
			out[k] = strconv.FormatBool(x)
		case int, int64, float64:
			out[k] = fmt.Sprint(x)
		default:
			return nil, fmt.Errorf("%s.%s must be a string, number or boolean, got %T", key, k, x)
		}
	}
	return out, nil
}

// TargetInfo returns the non-secret target fields for Jinja's `target`.
func (adapter) TargetInfo(creds adapters.Credentials) map[string]any {
	c, _ := parseConfig(creds)
	m := map[string]any{
		"type":        TypeName,
		"method":      c.Method,
		"host":        c.Host,
		"port":        c.Port,
		"user":        c.User,
		"database":    c.Catalog,
		"schema":      c.Schema,
		"threads":     c.Threads,
		"http_scheme": c.HTTPScheme,
	}
	if len(c.SessionProperties) > 0 {
		sp := map[string]any{}
		for k, v := range c.SessionProperties {
			sp[k] = v
		}
		m["session_properties"] = sp
	}
	return m
}

// DB is one invocation's client.
type DB struct {
	cfg     config
	sqldb   *sql.DB
	version string

	mu         sync.Mutex
	schemas    map[string]bool   // "catalog.schema" known to exist
	connectors map[string]string // catalog → connector name
	locks      map[string]*sync.Mutex
}

// Open connects and checks the connection (with the profile's retries).
func (adapter) Open(ctx context.Context, creds adapters.Credentials, threads int) (adapters.DB, error) {
	return open(ctx, creds, threads)
}

// clientSeq names the custom HTTP clients registered with the driver (its
// registry is process-wide).
var clientSeq struct {
	sync.Mutex
	n int
}

func open(ctx context.Context, creds adapters.Credentials, threads int) (*DB, error) {
	cfg, err := parseConfig(creds)
	if err != nil {
		return nil, &adapters.ConnectError{Target: creds.Target, Err: err}
	}
	if threads < 1 {
		threads = cfg.Threads
	}
	dsn, err := cfg.dsn()
	if err != nil {
		return nil, &adapters.ConnectError{Target: creds.Target, Err: scrub(err, cfg.Password)}
	}
	sqldb, err := sql.Open("trino", dsn)
	if err != nil {
		return nil, &adapters.ConnectError{Target: creds.Target, Err: scrub(err, cfg.Password)}
	}
	sqldb.SetMaxOpenConns(threads + 2)
	sqldb.SetMaxIdleConns(threads + 2)
	db := &DB{cfg: cfg, sqldb: sqldb, schemas: map[string]bool{}, connectors: map[string]string{}, locks: map[string]*sync.Mutex{}}
	for attempt := 0; ; attempt++ {
		err = db.probe(ctx)
		if err == nil || attempt >= cfg.Retries || !transient(err) || ctx.Err() != nil {
			break
		}
		select {
		case <-time.After(time.Duration(attempt+1) * 500 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	if err != nil {
		sqldb.Close()
		return nil, &adapters.ConnectError{Target: creds.Target, Err: scrub(fmt.Errorf("Trino at %s://%s:%d (user %q, catalog %q): %w", cfg.HTTPScheme, cfg.Host, cfg.Port, cfg.User, cfg.Catalog, wrapErr(ctx, err)), cfg.Password)}
	}
	return db, nil
}

// dsn builds the driver's configuration; the password lives only in it.
func (c config) dsn() (string, error) {
	u := url.URL{Scheme: c.HTTPScheme, Host: c.Host + ":" + strconv.Itoa(c.Port)}
	if c.Password != "" {
		u.User = url.UserPassword(c.User, c.Password)
	} else {
		u.User = url.User(c.User)
	}
	tc := trinodrv.Config{
		ServerURI:         u.String(),
		Source:            "kiln",
		Catalog:           c.Catalog,
		Schema:            c.Schema,
		SessionProperties: c.SessionProperties,
		Roles:             c.Roles,
		TimeZone:          c.Timezone,
	}
	if c.HTTPScheme == "https" && !c.CertVerify {
		tc.SSLVerification = "NONE"
	}
	return tc.FormatDSN()
}

// transient reports whether retrying a failed connect could help: a cluster
// still starting ("SERVER_STARTING_UP", no worker yet) or network trouble.
func transient(err error) bool {
	var te *trinodrv.ErrTrino
	if errors.As(err, &te) {
		return te.ErrorName == "SERVER_STARTING_UP" || te.ErrorName == "NO_NODES_AVAILABLE"
	}
	return !errors.Is(err, context.Canceled)
}

func (db *DB) probe(ctx context.Context) error {
	row := db.sqldb.QueryRowContext(ctx, "select node_version from system.runtime.nodes where coordinator limit 1")
	return row.Scan(&db.version)
}

// Conn takes a connection for one worker.
func (db *DB) Conn(ctx context.Context) (adapters.Conn, error) {
	sc, err := db.sqldb.Conn(ctx)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	return &Conn{db: db, sc: sc}, nil
}

// Close closes the client.
func (db *DB) Close() error { return db.sqldb.Close() }

// Version is the coordinator's Trino version, e.g. "476".
func (db *DB) Version() string { return db.version }

// Node is one row of system.runtime.nodes.
type Node struct {
	ID, URI, Version, State string
	Coordinator             bool
}

// Nodes lists the cluster's nodes, the coordinator first.
func (db *DB) Nodes(ctx context.Context) ([]Node, error) {
	rows, err := db.sqldb.QueryContext(ctx, "select node_id, http_uri, node_version, coordinator, state from system.runtime.nodes")
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	defer rows.Close()
	var out []Node
	for rows.Next() {
		var n Node
		if err := rows.Scan(&n.ID, &n.URI, &n.Version, &n.Coordinator, &n.State); err != nil {
			return nil, wrapErr(ctx, err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(ctx, err)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Coordinator != out[j].Coordinator {
			return out[i].Coordinator
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// DebugLines implements adapters.DebugDescriber: the cluster's nodes for
// `kiln debug`.
func (db *DB) DebugLines(ctx context.Context) ([]string, error) {
	nodes, err := db.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	active := 0
	lines := []string{}
	for _, n := range nodes {
		role := "worker"
		if n.Coordinator {
			role = "coordinator"
		}
		if n.State == "active" {
			active++
		}
		lines = append(lines, fmt.Sprintf("  %s %s %s (Trino %s, %s)", role, n.ID, n.URI, n.Version, n.State))
	}
	head := fmt.Sprintf("Trino cluster: %d node(s), %d active", len(nodes), active)
	return append([]string{head}, lines...), nil
}

// connector returns the connector behind catalog (iceberg, memory, hive,
// ...), read once from system.metadata.catalogs.
func (db *DB) connector(ctx context.Context, c *Conn, catalog string) (string, error) {
	db.mu.Lock()
	name, ok := db.connectors[catalog]
	db.mu.Unlock()
	if ok {
		return name, nil
	}
	t, _, err := c.Query(ctx, "select connector_name from system.metadata.catalogs where catalog_name = "+quoteLiteral(catalog), 1)
	if err != nil {
		return "", err
	}
	if len(t.Rows) == 0 {
		return "", fmt.Errorf("trino: catalog %q does not exist on this cluster (the profile's database is the catalog)", catalog)
	}
	name = fmt.Sprint(t.Rows[0][0])
	db.mu.Lock()
	db.connectors[catalog] = name
	db.mu.Unlock()
	return name, nil
}

// lockFor returns the in-process write lock of one relation.
func (db *DB) lockFor(key string) *sync.Mutex {
	db.mu.Lock()
	defer db.mu.Unlock()
	m, ok := db.locks[key]
	if !ok {
		m = &sync.Mutex{}
		db.locks[key] = m
	}
	return m
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// scrub removes the password from an error text, whatever produced it.
func scrub(err error, password string) error {
	if err == nil || password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, "********"))
}
