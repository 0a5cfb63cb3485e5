package trino

// Incremental models and snapshots: what Trino contributes to the portable
// algorithms in internal/run (see adapters/incremental.go).
//
// Trino has no temporary tables, so staging tables are real tables next to
// the target, named <id>__kiln_<purpose>; the runner drops them when the
// node is done, and CreateTempTableSQL drops a leftover of a killed run
// first. The write lock is in-process (one kiln invocation never builds a
// relation twice at once); Trino has no lock a second kiln process could
// wait on, so two processes building the same incremental model at once is
// not safe — as with dbt-trino.
//
// Which strategies work depends on the catalog's connector: Iceberg and
// Delta Lake tables take DELETE and MERGE; the memory connector and most
// others only INSERT.

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
)

var _ adapters.IncrementalConn = (*Conn)(nil)

// rowLevel lists connectors whose tables take DELETE and MERGE.
var rowLevel = map[string]bool{"iceberg": true, "delta_lake": true, "delta-lake": true}

// IncrementalStrategies depends on the target catalog's connector.
func (c *Conn) IncrementalStrategies() []string {
	conn, err := c.db.connector(context.Background(), c, c.db.cfg.Catalog)
	if err == nil && rowLevel[conn] {
		return []string{"append", "delete+insert", "merge", "microbatch"}
	}
	return []string{"append"}
}

// TempRelation names a staging table next to target (see the file comment).
func (c *Conn) TempRelation(target adapters.Relation, purpose string) adapters.Relation {
	t := c.full(target)
	return adapters.Relation{Database: t.Database, Schema: t.Schema, Identifier: strings.ToLower(target.Identifier) + "__kiln_" + purpose, Type: adapters.RelTable}
}

// CreateTempTableSQL drops a leftover staging table and creates it from
// query (two statements; Exec runs them in order).
func (c *Conn) CreateTempTableSQL(tmp adapters.Relation, query string) string {
	return "drop table if exists " + tmp.Render() + ";\ncreate table " + tmp.Render() + " as\n" + adapters.TrimStatement(query)
}

// AlterColumnTypeSQL changes a column's type in place (Iceberg allows the
// widenings WidenType returns: integer to bigint, real to double, a larger
// decimal precision).
func (c *Conn) AlterColumnTypeSQL(rel adapters.Relation, column, newType string) string {
	return "alter table " + rel.Render() + " alter column " + adapters.QuoteIdent(column) + " set data type " + newType
}

// LockRelation serialises writers of rel within this process (see the file
// comment).
func (c *Conn) LockRelation(ctx context.Context, rel adapters.Relation) (func(), error) {
	r := c.full(rel)
	m := c.db.lockFor(strings.ToLower(r.Database + "." + r.Schema + "." + r.Identifier))
	done := make(chan struct{})
	go func() { m.Lock(); close(done) }()
	select {
	case <-done:
		return m.Unlock, nil
	case <-ctx.Done():
		go func() { <-done; m.Unlock() }()
		return nil, fmt.Errorf("waiting for the write lock on %s: %w", rel.Render(), ctx.Err())
	}
}

// Forget: the adapter caches nothing about relations.
func (c *Conn) Forget(adapters.Relation) {}

// WidenType implements adapters.IncrementalConn on Trino's type names.
func (c *Conn) WidenType(have, incoming string) (string, error) { return widenType(have, incoming) }

var intRank = map[string]int{"tinyint": 1, "smallint": 2, "integer": 3, "bigint": 4}

// trinoType is a parsed type name: base and parameters.
type trinoType struct {
	base string
	args []int
	raw  string
}

func parseType(s string) trinoType {
	u := strings.ToLower(strings.Join(strings.Fields(s), " "))
	t := trinoType{base: u, raw: u}
	if i := strings.IndexByte(u, '('); i >= 0 {
		if j := strings.IndexByte(u[i:], ')'); j > 0 {
			t.base = strings.TrimSpace(u[:i] + u[i+j+1:])
			for _, p := range strings.Split(u[i+1:i+j], ",") {
				if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil {
					t.args = append(t.args, n)
				}
			}
		}
	}
	if t.base == "int" {
		t.base = "integer"
	}
	return t
}

func widenType(have, incoming string) (string, error) {
	a, b := parseType(have), parseType(incoming)
	if a.raw == b.raw {
		return have, nil
	}
	refuse := func(reason string) (string, error) {
		return "", &adapters.TypeChangeError{Have: have, Incoming: incoming, Reason: reason}
	}
	switch {
	case intRank[a.base] > 0 && intRank[b.base] > 0:
		if intRank[a.base] >= intRank[b.base] {
			return have, nil
		}
		return b.base, nil
	case (a.base == "real" || a.base == "double") && (b.base == "real" || b.base == "double"):
		if a.base == "double" {
			return have, nil
		}
		return "double", nil
	case a.base == "double" && (b.base == "tinyint" || b.base == "smallint" || b.base == "integer"):
		return have, nil
	case a.base == "varchar" && (b.base == "varchar" || b.base == "char"):
		if len(a.args) == 0 || (len(b.args) == 1 && b.args[0] <= a.args[0]) {
			return have, nil
		}
		return "varchar", nil
	case a.base == "decimal" && b.base == "decimal" && len(a.args) == 2 && len(b.args) == 2:
		if a.args[1] != b.args[1] {
			return refuse("Iceberg keeps a decimal column's scale; only its precision can grow")
		}
		if b.args[0] <= a.args[0] {
			return have, nil
		}
		return fmt.Sprintf("decimal(%d,%d)", b.args[0], b.args[1]), nil
	case a.base == "decimal" && intRank[b.base] > 0 && len(a.args) == 2:
		digits := map[string]int{"tinyint": 3, "smallint": 5, "integer": 10, "bigint": 19}[b.base]
		if a.args[0]-a.args[1] >= digits {
			return have, nil
		}
		return refuse("the decimal column has too few integer digits")
	case a.base == b.base && (a.base == "timestamp" || a.base == "timestamp with time zone" || a.base == "time"):
		if len(a.args) > 0 && len(b.args) > 0 && b.args[0] <= a.args[0] {
			return have, nil
		}
		return refuse("Trino's lakehouse tables keep a timestamp's precision")
	case a.base == "timestamp" && b.base == "date":
		return have, nil
	}
	return refuse("the types are unrelated, or the table format cannot convert them in place")
}
