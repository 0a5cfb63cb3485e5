package postgres

// Incremental models and snapshots: what PostgreSQL contributes to the
// portable algorithms in internal/run (see adapters/incremental.go).
//
// Staging tables are session temporary tables named without a schema: an
// unqualified name resolves to pg_temp before any other schema, so a
// project relation with the same name is never picked up, and another
// connection never sees them. The runner creates and drops them inside its
// transaction; CreateTempTableSQL drops a leftover of the same name first (a
// pooled session whose earlier transaction was ended by a hook's `commit;`
// can still hold one).
//
// The write lock is a transaction-scoped advisory lock on a 64-bit hash of
// the relation's lower-cased name: a second kiln process (or worker)
// building the same table waits at LockRelation until the first commits or
// rolls back, then sees its rows. Two snapshot runs can therefore never both
// see "no current row" for a key and both insert one.
//
// Type widening is decided in Go on format_type's spelling (integer,
// numeric(10,2), character varying(20), timestamp without time zone, ...),
// which is what ColumnsOfQuery reports for the staging table and the target
// alike. Only conversions that keep every stored value are allowed;
// timestamp ↔ timestamptz is refused because the result would depend on the
// session's TimeZone.

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
)

var _ adapters.IncrementalConn = (*Conn)(nil)

// IncrementalStrategies: MERGE arrived in PostgreSQL 15.
func (c *Conn) IncrementalStrategies() []string {
	if serverMajor(c.db.version) >= 15 {
		return []string{"append", "delete+insert", "merge", "microbatch"}
	}
	return []string{"append", "delete+insert", "microbatch"}
}

// serverMajor reads the major version from server_version ("15.4 (Debian
// 15.4-1)", "16beta1"); 0 when it cannot.
func serverMajor(v string) int {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	n, _ := strconv.Atoi(v[:i])
	return n
}

// TempRelation names a session temporary table for target (see the file
// comment): <id>__kiln_<purpose>, shortened with a hash to fit 63 bytes.
func (c *Conn) TempRelation(target adapters.Relation, purpose string) adapters.Relation {
	return adapters.Relation{Identifier: affixed(target.Identifier, "__kiln_"+purpose), Type: adapters.RelTable}
}

// CreateTempTableSQL drops a leftover temporary table of the same name and
// creates it from query (two statements; Exec uses the simple protocol).
func (c *Conn) CreateTempTableSQL(tmp adapters.Relation, query string) string {
	name := adapters.QuoteIdent(tmp.Identifier)
	return "drop table if exists pg_temp." + name + ";\ncreate temporary table " + name + " as (\n" + trimSQL(query) + "\n)"
}

// AlterColumnTypeSQL converts a column in place. The USING cast is explicit
// because PostgreSQL has no implicit cast for some widenings (integer to
// text); WidenType only returns types every stored value converts to.
func (c *Conn) AlterColumnTypeSQL(rel adapters.Relation, column, newType string) string {
	col := adapters.QuoteIdent(column)
	return "alter table " + rel.Render() + " alter column " + col + " type " + newType + " using " + col + "::" + newType
}

// LockRelation takes the relation's advisory lock for the current
// transaction (see the file comment); PostgreSQL releases it at COMMIT or
// ROLLBACK, so the returned release is a no-op. A cancelled context cancels
// the wait.
func (c *Conn) LockRelation(ctx context.Context, rel adapters.Relation) (func(), error) {
	if !c.inTx {
		return nil, fmt.Errorf("postgres: LockRelation needs an open transaction (the lock lasts until it ends)")
	}
	db := rel.Database
	if db == "" {
		db = c.db.cfg.Database
	}
	key := quoteLiteral(db + "." + rel.Schema + "." + rel.Identifier)
	if _, err := c.exec(ctx, "select pg_advisory_xact_lock(hashtextextended(lower("+key+"), 0))"); err != nil {
		return nil, fmt.Errorf("waiting for the write lock on %s: %w", rel.Render(), err)
	}
	return func() {}, nil
}

// Forget: the PostgreSQL adapter caches nothing about relations (every
// lookup reads pg_catalog), so there is nothing to drop.
func (c *Conn) Forget(adapters.Relation) {}

// WidenType implements adapters.IncrementalConn (see the file comment).
func (c *Conn) WidenType(have, incoming string) (string, error) { return widenType(have, incoming) }

func widenType(have, incoming string) (string, error) {
	a, b := parsePGType(have), parsePGType(incoming)
	if a.String() == b.String() {
		return have, nil
	}
	common, reason := a.common(b)
	if common == nil {
		return "", &adapters.TypeChangeError{Have: have, Incoming: incoming, Reason: reason}
	}
	if common.String() == a.String() {
		return have, nil
	}
	return common.String(), nil
}

// pgType is a parsed PostgreSQL type name.
// kind is canonical (smallint, integer, bigint, numeric, real, double
// precision, text, varchar, bpchar, date, timestamp, timestamptz, time,
// timetz, ...) or, for types kiln does not know, the name as written.
type pgType struct {
	kind  string
	n, s  int  // numeric precision/scale, varchar/bpchar length, time(stamp) precision; -1: none
	array bool // an array type: never widened
}

// pgAliases maps the spellings users and format_type use to one kind.
var pgAliases = map[string]string{
	"int2": "smallint", "int4": "integer", "int": "integer", "int8": "bigint",
	"decimal": "numeric", "float4": "real", "float8": "double precision", "float": "double precision",
	"character varying": "varchar", "character": "bpchar", "char": "bpchar",
	"timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
	"time without time zone": "time", "time with time zone": "timetz", "bool": "boolean",
}

func parsePGType(s string) *pgType {
	u := strings.ToLower(strings.Join(strings.Fields(s), " "))
	t := &pgType{kind: u, n: -1, s: -1}
	if strings.HasSuffix(u, "]") {
		t.array = true
		return t
	}
	// Modifiers sit after the first word group: numeric(10,2),
	// character varying(20), timestamp(3) without time zone.
	base, args := u, ""
	if i := strings.IndexByte(u, '('); i >= 0 {
		if j := strings.IndexByte(u[i:], ')'); j > 0 {
			base = strings.TrimSpace(u[:i] + " " + strings.TrimSpace(u[i+j+1:]))
			args = u[i+1 : i+j]
		}
	}
	if a, ok := pgAliases[base]; ok {
		base = a
	}
	t.kind = base
	nums := []int{}
	for _, p := range strings.Split(args, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil {
			nums = append(nums, n)
		}
	}
	switch base {
	case "numeric":
		if len(nums) > 0 {
			t.n, t.s = nums[0], 0
			if len(nums) > 1 {
				t.s = nums[1]
			}
		}
	case "varchar", "bpchar":
		if len(nums) > 0 {
			t.n = nums[0]
		}
	case "timestamp", "timestamptz", "time", "timetz":
		t.n = 6 // PostgreSQL's default and maximum
		if len(nums) > 0 {
			t.n = nums[0]
		}
	default:
		if args != "" {
			t.kind = u // an unknown type with modifiers: compared as written
		}
	}
	return t
}

// String is the type as DDL accepts it (format_type's spelling).
func (t *pgType) String() string {
	switch t.kind {
	case "numeric":
		if t.n >= 0 {
			return fmt.Sprintf("numeric(%d,%d)", t.n, t.s)
		}
	case "varchar":
		if t.n >= 0 {
			return fmt.Sprintf("character varying(%d)", t.n)
		}
		return "character varying"
	case "bpchar":
		if t.n >= 0 {
			return fmt.Sprintf("character(%d)", t.n)
		}
	case "timestamp", "timestamptz", "time", "timetz":
		zone := map[bool]string{false: " without time zone", true: " with time zone"}[strings.HasSuffix(t.kind, "tz")]
		word := strings.TrimSuffix(t.kind, "tz")
		if t.n != 6 {
			return fmt.Sprintf("%s(%d)%s", word, t.n, zone)
		}
		return word + zone
	}
	return t.kind
}

// pgIntDigits: decimal digits of the largest value of each integer type.
var pgIntDigits = map[string]int{"smallint": 5, "integer": 10, "bigint": 19}
var pgIntRank = map[string]int{"smallint": 1, "integer": 2, "bigint": 3}

// pgScalars are the built-in types whose text form keeps every value, so
// a text column can absorb them.
var pgScalars = map[string]bool{"smallint": true, "integer": true, "bigint": true, "numeric": true, "real": true,
	"double precision": true, "boolean": true, "date": true, "timestamp": true, "timestamptz": true, "time": true,
	"timetz": true, "interval": true, "uuid": true, "json": true, "jsonb": true, "money": true, "inet": true,
	"cidr": true, "macaddr": true, "bytea": true, `"char"`: true, "name": true, "xml": true,
	"text": true, "varchar": true, "bpchar": true}

func (t *pgType) isString() bool {
	return t.kind == "text" || t.kind == "varchar" || t.kind == "bpchar"
}
func (t *pgType) isInt() bool   { return pgIntRank[t.kind] > 0 }
func (t *pgType) isFloat() bool { return t.kind == "real" || t.kind == "double precision" }

// pgMaxNumeric is the largest declared numeric precision.
const pgMaxNumeric = 1000

// common is the narrowest type holding every value of t and o exactly, or
// nil and why there is none.
func (t *pgType) common(o *pgType) (*pgType, string) {
	if t.array || o.array {
		return nil, "array types are not evolved; rebuild with --full-refresh"
	}
	switch {
	case t.isString() || o.isString():
		return commonString(t, o)
	case t.kind == o.kind && (t.kind == "timestamp" || t.kind == "timestamptz" || t.kind == "time" || t.kind == "timetz"):
		return &pgType{kind: t.kind, n: max(t.n, o.n), s: -1}, ""
	case t.isInt() && o.isInt():
		if pgIntRank[t.kind] >= pgIntRank[o.kind] {
			return t, ""
		}
		return o, ""
	case t.kind == "numeric" && o.kind == "numeric":
		if t.n < 0 || o.n < 0 {
			return &pgType{kind: "numeric", n: -1, s: -1}, "" // unconstrained holds any numeric
		}
		return numericFor(t.n-t.s, t.s, o.n-o.s, o.s), ""
	case t.isInt() && o.kind == "numeric", t.kind == "numeric" && o.isInt():
		i, n := t, o
		if o.isInt() {
			i, n = o, t
		}
		if n.n < 0 {
			return n, ""
		}
		return numericFor(pgIntDigits[i.kind], 0, n.n-n.s, n.s), ""
	case t.isFloat() && o.isFloat():
		return &pgType{kind: "double precision", n: -1, s: -1}, ""
	case t.isFloat() || o.isFloat():
		f, x := t, o
		if o.isFloat() {
			f, x = o, t
		}
		return floatFor(f, x)
	case t.kind == "date" && o.kind == "timestamp":
		return o, ""
	case t.kind == "timestamp" && o.kind == "date":
		return t, ""
	case (t.kind == "date" || t.kind == "timestamp") && o.kind == "timestamptz", t.kind == "timestamptz" && (o.kind == "date" || o.kind == "timestamp"):
		return nil, "converting between local and zoned time depends on the session's TimeZone"
	case t.kind == "json" && o.kind == "jsonb", t.kind == "jsonb" && o.kind == "json":
		return &pgType{kind: "json", n: -1, s: -1}, "" // json keeps any jsonb's text; not the reverse
	}
	return nil, "the types are unrelated"
}

// commonString: text types widen to the longer one, other scalars to text.
func commonString(t, o *pgType) (*pgType, string) {
	str, other := t, o
	if !t.isString() {
		str, other = o, t
	}
	if !other.isString() {
		if !pgScalars[other.kind] {
			return nil, "kiln only converts built-in scalar types to text"
		}
		if str.kind == "text" || (str.kind == "varchar" && str.n < 0) {
			return str, "" // unbounded already
		}
		return &pgType{kind: "text", n: -1, s: -1}, ""
	}
	switch {
	case t.kind == "text" || o.kind == "text":
		return &pgType{kind: "text", n: -1, s: -1}, ""
	case t.kind == "bpchar" && o.kind == "bpchar" && t.n >= 0 && o.n >= 0:
		return &pgType{kind: "bpchar", n: max(t.n, o.n), s: -1}, ""
	case t.n < 0 || o.n < 0:
		return &pgType{kind: "varchar", n: -1, s: -1}, ""
	}
	return &pgType{kind: "varchar", n: max(t.n, o.n), s: -1}, ""
}

// numericFor holds integer digits i and scale s of both sides; beyond the
// largest declarable precision, unconstrained numeric still holds both.
func numericFor(i1, s1, i2, s2 int) *pgType {
	i, s := max(i1, i2), max(s1, s2)
	if i+s > pgMaxNumeric {
		return &pgType{kind: "numeric", n: -1, s: -1}
	}
	return &pgType{kind: "numeric", n: i + s, s: s}
}

// floatFor: real keeps 24 bits of mantissa (every smallint), double 53
// (every integer, and 15 significant decimal digits).
func floatFor(f, x *pgType) (*pgType, string) {
	switch {
	case x.kind == "smallint":
		return f, ""
	case x.kind == "integer":
		return &pgType{kind: "double precision", n: -1, s: -1}, ""
	case x.kind == "numeric" && x.n >= 0 && x.n <= 15:
		return &pgType{kind: "double precision", n: -1, s: -1}, ""
	case x.kind == "numeric":
		return nil, "double precision keeps 15 significant digits, " + x.String() + " can have more"
	case x.isInt():
		return nil, "a floating-point type cannot hold every " + x.kind + " exactly"
	}
	return nil, "the types are unrelated"
}
