package differ

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" driver, to read both sides' files
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// PGConfig is the PostgreSQL server both sides build into (each in its own
// database, created and dropped by dbtdiff).
type PGConfig struct {
	Host, User, Password, AdminDatabase string
	Port                                int
}

// PGFromEnv reads KILN_PG_HOST, KILN_PG_PORT, KILN_PG_USER,
// KILN_PG_PASSWORD and KILN_PG_DATABASE, as kiln's tests do.
func PGFromEnv() PGConfig {
	p := PGConfig{Host: os.Getenv("KILN_PG_HOST"), User: os.Getenv("KILN_PG_USER"), Password: os.Getenv("KILN_PG_PASSWORD"), AdminDatabase: os.Getenv("KILN_PG_DATABASE")}
	p.Port, _ = strconv.Atoi(os.Getenv("KILN_PG_PORT"))
	return p.withDefaults()
}

func (p PGConfig) withDefaults() PGConfig {
	if p.Host == "" {
		p.Host = "127.0.0.1"
	}
	if p.Port == 0 {
		p.Port = 5432
	}
	if p.User == "" {
		p.User = "postgres"
	}
	if p.AdminDatabase == "" {
		p.AdminDatabase = "postgres"
	}
	return p
}

func (p PGConfig) url(db string) string {
	p = p.withDefaults()
	return fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable&connect_timeout=5", p.User, p.Password, p.Host, p.Port, db)
}

func (p PGConfig) createDatabases(ctx context.Context, names []string) error {
	conn, err := pgx.Connect(ctx, p.url(p.withDefaults().AdminDatabase))
	if err != nil {
		return fmt.Errorf("PostgreSQL at %s:%d: %w", p.withDefaults().Host, p.withDefaults().Port, err)
	}
	defer conn.Close(ctx)
	for _, n := range names {
		if _, err := conn.Exec(ctx, `drop database if exists "`+n+`" with (force)`); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, `create database "`+n+`"`); err != nil {
			return fmt.Errorf("creating database %s: %w", n, err)
		}
	}
	return nil
}

func (p PGConfig) ping(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, p.url(p.withDefaults().AdminDatabase))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func (p PGConfig) dropDatabases(ctx context.Context, names []string) {
	conn, err := pgx.Connect(ctx, p.url(p.withDefaults().AdminDatabase))
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	for _, n := range names {
		_, _ = conn.Exec(ctx, `drop database if exists "`+n+`" with (force)`)
	}
}

// open connects to a side's warehouse for reading.
func (c *comparison) open(s *side) (*sql.DB, error) {
	if c.o.Target == "postgres" {
		return sql.Open("pgx", c.o.PG.url(s.database))
	}
	return sql.Open("duckdb", s.dbPath+"?access_mode=READ_ONLY")
}

// compareRelations compares the rows of every relation both tools built:
// the row count and an order-independent hash of the rows.
func (c *comparison) compareRelations(ctx context.Context, dm, km map[string]any) {
	built := c.builtBoth()
	if len(built) == 0 {
		return
	}
	ddb, err := c.open(c.ws.dbt)
	if err != nil {
		c.diff("", "relations", "open: "+err.Error(), "")
		return
	}
	defer ddb.Close()
	kdb, err := c.open(c.ws.kiln)
	if err != nil {
		c.diff("", "relations", "", "open: "+err.Error())
		return
	}
	defer kdb.Close()
	dnodes, _ := dm["nodes"].(map[string]any)
	knodes, _ := km["nodes"].(map[string]any)
	for _, id := range built {
		de, _ := dnodes[id].(map[string]any)
		ke, _ := knodes[id].(map[string]any)
		if de == nil || ke == nil {
			continue
		}
		cfg, _ := de["config"].(map[string]any)
		switch fmt.Sprint(cfg["materialized"]) {
		case "ephemeral", "test", "unit", "operation":
			continue
		}
		dr, kr := relationName(de, c.ws.dbt, c.o.Target), relationName(ke, c.ws.kiln, c.o.Target)
		if dr == "" || kr == "" {
			continue
		}
		dsum := contents(ctx, ddb, dr)
		ksum := contents(ctx, kdb, kr)
		c.check(id, "rows", dsum, ksum)
	}
}

// builtBoth lists nodes that succeeded in the last command that ran them
// on both sides.
func (c *comparison) builtBoth() []string {
	last := map[string][2]string{}
	for _, rec := range c.steps {
		for i, o := range []*output{rec.dbt, rec.kiln} {
			rr := o.artifacts["run_results"]
			res, _ := rr["results"].([]any)
			if rec.cmd == "compile" || strings.HasPrefix(rec.cmd, "docs") {
				continue
			}
			for _, r := range res {
				m, _ := r.(map[string]any)
				id, _ := m["unique_id"].(string)
				v := last[id]
				v[i] = fmt.Sprint(m["status"])
				last[id] = v
			}
		}
	}
	var out []string
	for id, st := range last {
		if st[0] == "success" && st[1] == "success" && !strings.HasPrefix(id, "test.") && !strings.HasPrefix(id, "unit_test.") {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// relationName renders a node's relation for this side (PostgreSQL: the
// side's own database; the reading connection is already in it).
func relationName(n map[string]any, s *side, target string) string {
	schema, _ := n["schema"].(string)
	alias, _ := n["alias"].(string)
	if alias == "" {
		alias, _ = n["name"].(string)
	}
	if schema == "" || alias == "" {
		return ""
	}
	q := func(x string) string { return `"` + strings.ReplaceAll(x, `"`, `""`) + `"` }
	if target == "postgres" {
		return q(schema) + "." + q(alias)
	}
	db, _ := n["database"].(string)
	if db == "" {
		db = s.database
	}
	return q(db) + "." + q(schema) + "." + q(alias)
}

// contents summarises a relation: "<n> rows, <hash>", or the error.
func contents(ctx context.Context, db *sql.DB, rel string) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	rows, err := db.QueryContext(ctx, "select * from "+rel)
	if err != nil {
		return "error: " + firstLine(err.Error())
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "error: " + firstLine(err.Error())
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = canonValue(v)
		}
		lines = append(lines, strings.Join(parts, "\x1f"))
	}
	if err := rows.Err(); err != nil {
		return "error: " + firstLine(err.Error())
	}
	sort.Strings(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return fmt.Sprintf("%d rows, %d columns, %s", len(lines), len(cols), hex.EncodeToString(h[:6]))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// canonValue renders a value the same way whichever driver returned it.
func canonValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(t)
	case time.Time:
		return t.UTC().Format("2006-01-02T15:04:05.999999")
	case float64:
		return canonFloat(t)
	case float32:
		return canonFloat(float64(t))
	case *big.Int:
		return t.String()
	case fmt.Stringer:
		s := t.String()
		if f, err := strconv.ParseFloat(s, 64); err == nil && strings.ContainsAny(s, ".eE") {
			return canonFloat(f)
		}
		return s
	}
	s := fmt.Sprint(v)
	if f, err := strconv.ParseFloat(s, 64); err == nil && strings.ContainsAny(s, ".eE") {
		return canonFloat(f)
	}
	return s
}

func canonFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'g', 10, 64)
}
