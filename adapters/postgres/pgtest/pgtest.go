// Package pgtest finds the PostgreSQL server tests run against and gives
// each test a schema of its own.
//
// The server comes from KILN_PG_HOST, KILN_PG_PORT, KILN_PG_USER,
// KILN_PG_PASSWORD and KILN_PG_DATABASE (defaults 127.0.0.1, 5432,
// postgres, "", test). When none answers within about two seconds the test
// is skipped with one line — or fails, when KILN_REQUIRE_PG is set (CI sets
// it, so PostgreSQL tests can never silently stop running there).
package pgtest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-dev/kiln/adapters/adaptertest/testserver"
)

// Server is where the tests connect.
type Server struct {
	Host, User, Password, Database string
	Port                           int
}

var env = testserver.Env

// FromEnv reads the KILN_PG_* variables.
func FromEnv() Server {
	port, _ := strconv.Atoi(env("KILN_PG_PORT", "5432"))
	return Server{Host: env("KILN_PG_HOST", "127.0.0.1"), Port: port, User: env("KILN_PG_USER", "postgres"),
		Password: os.Getenv("KILN_PG_PASSWORD"), Database: env("KILN_PG_DATABASE", "test")}
}

// Fields returns a profiles.yml output for schema (threads 4).
func (s Server) Fields(schema string) map[string]any {
	return map[string]any{"type": "postgres", "host": s.Host, "port": s.Port, "user": s.User,
		"password": s.Password, "dbname": s.Database, "schema": schema, "threads": 4, "connect_timeout": 5}
}

// Env returns the KILN_PG_* variables for a CLI run in a test (profiles
// that read them with env_var()).
func (s Server) Env() map[string]string {
	return map[string]string{"KILN_PG_HOST": s.Host, "KILN_PG_PORT": strconv.Itoa(s.Port), "KILN_PG_USER": s.User,
		"KILN_PG_PASSWORD": s.Password, "KILN_PG_DATABASE": s.Database}
}

func (s Server) connConfig() (*pgx.ConnConfig, error) {
	cc, err := pgx.ParseConfig(fmt.Sprintf("host='%s' port=%d user='%s' dbname='%s' sslmode=disable connect_timeout=2", s.Host, s.Port, s.User, s.Database))
	if err != nil {
		return nil, err
	}
	cc.Password = s.Password
	return cc, nil
}

// Connect opens a plain pgx connection (for test setup and inspection).
func (s Server) Connect(ctx context.Context) (*pgx.Conn, error) {
	cc, err := s.connConfig()
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cc)
}

var (
	probeOnce sync.Once
	probeErr  error
)

// Require returns the server, skipping (or failing with KILN_REQUIRE_PG)
// the test when it does not answer.
func Require(t testing.TB) Server {
	t.Helper()
	s := FromEnv()
	probeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := s.Connect(ctx)
		if err == nil {
			err = c.Ping(ctx)
			c.Close(ctx)
		}
		probeErr = err
	})
	if probeErr != nil {
		msg := fmt.Sprintf("no PostgreSQL at %s:%d: %v", s.Host, s.Port, probeErr)
		testserver.Unavailable(t, "KILN_REQUIRE_PG", msg)
	}
	return s
}

// Schema creates nothing but returns a fresh schema name kiln_test_<random>
// and drops that schema (with everything in it) when the test ends.
func Schema(t testing.TB, s Server) string {
	t.Helper()
	return testserver.Schema(t, func(name string) { DropSchema(t, s, name) })
}

// DropSchema drops a schema and its contents (test cleanup only: kiln
// itself never cascades).
func DropSchema(t testing.TB, s Server, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := s.Connect(ctx)
	if err != nil {
		t.Logf("dropping schema %s: %v", name, err)
		return
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "drop schema if exists "+pgx.Identifier{name}.Sanitize()+" cascade"); err != nil {
		t.Logf("dropping schema %s: %v", name, err)
	}
}
