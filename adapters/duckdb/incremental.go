package duckdb

// Incremental models: what DuckDB contributes to the portable algorithms in
// internal/run (see adapters/incremental.go). Staging tables live in
// DuckDB's per-connection "temp" catalog, fully qualified so that a table of
// the project with the same name can never be picked up by mistake.
//
// Type widening is decided here, in Go, rather than by asking DuckDB for the
// UNION type of two columns: DuckDB's implicit casts are permissive (VARCHAR
// casts to INTEGER[], INTEGER to DATE), which is right for a query and wrong
// for deciding what may be stored. The rules below only ever return a type
// that represents every value of both inputs exactly.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
)

var _ adapters.IncrementalConn = (*Conn)(nil)

// IncrementalStrategies: DuckDB 1.4 has MERGE, so all four built-ins.
func (c *Conn) IncrementalStrategies() []string {
	return []string{"append", "delete+insert", "merge", "microbatch"}
}

// TempRelation names a staging table in the connection's temp catalog.
func (c *Conn) TempRelation(target adapters.Relation, purpose string) adapters.Relation {
	return adapters.Relation{Database: "temp", Schema: "main", Identifier: target.Identifier + "__kiln_" + purpose, Type: adapters.RelTable}
}

// CreateTempTableSQL creates a temporary table from a query. Temporary
// tables need no schema in DuckDB; the name is the bare identifier.
func (c *Conn) CreateTempTableSQL(tmp adapters.Relation, query string) string {
	return "CREATE OR REPLACE TEMPORARY TABLE " + adapters.QuoteIdent(tmp.Identifier) + " AS (\n" + trimSQL(query) + "\n)"
}

// AlterColumnTypeSQL converts a column in place (DuckDB casts the values).
func (c *Conn) AlterColumnTypeSQL(rel adapters.Relation, column, newType string) string {
	return "ALTER TABLE " + rel.Render() + " ALTER COLUMN " + adapters.QuoteIdent(column) + " SET DATA TYPE " + newType
}

// Forget invalidates the relation cache for rel's schema.
func (c *Conn) Forget(rel adapters.Relation) {
	c.db.cache.invalidate(c.defaultDB(rel.Database), rel.Schema)
}

// WidenType implements adapters.IncrementalConn (see the file comment).
func (c *Conn) WidenType(have, incoming string) (string, error) { return widenType(have, incoming) }

func widenType(have, incoming string) (string, error) {
	a, b := parseType(have), parseType(incoming)
	if a.String() == b.String() {
		return have, nil
	}
	fail := func(reason string) (string, error) {
		return "", &adapters.TypeChangeError{Have: have, Incoming: incoming, Reason: reason}
	}
	if a.nested || b.nested {
		return fail("nested types (LIST, STRUCT, MAP) are not evolved; rebuild with --full-refresh")
	}
	common, reason := commonType(a, b)
	if common == nil {
		return fail(reason)
	}
	if common.String() == a.String() {
		return have, nil
	}
	return common.String(), nil
}

// dtype is a parsed scalar DuckDB type.
type dtype struct {
	kind   string // canonical name: INTEGER, DECIMAL, VARCHAR, TIMESTAMP, ...
	p, s   int    // DECIMAL precision and scale
	nested bool
}

func (t *dtype) String() string {
	if t.kind == "DECIMAL" {
		return fmt.Sprintf("DECIMAL(%d,%d)", t.p, t.s)
	}
	return t.kind
}

var typeAliases = map[string]string{
	"INT": "INTEGER", "INT4": "INTEGER", "SIGNED": "INTEGER", "INT8": "BIGINT", "LONG": "BIGINT",
	"INT2": "SMALLINT", "SHORT": "SMALLINT", "INT1": "TINYINT", "INT16": "HUGEINT", "INT128": "HUGEINT",
	"FLOAT4": "FLOAT", "REAL": "FLOAT", "FLOAT8": "DOUBLE", "DOUBLE PRECISION": "DOUBLE",
	"STRING": "VARCHAR", "TEXT": "VARCHAR", "CHAR": "VARCHAR", "BPCHAR": "VARCHAR", "CHARACTER VARYING": "VARCHAR", "CHARACTER": "VARCHAR",
	"NUMERIC": "DECIMAL", "BOOL": "BOOLEAN", "LOGICAL": "BOOLEAN", "DATETIME": "TIMESTAMP",
	"TIMESTAMP_US": "TIMESTAMP", "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITHOUT TIME ZONE": "TIMESTAMP",
}

func parseType(s string) *dtype {
	u := strings.ToUpper(strings.Join(strings.Fields(s), " "))
	t := &dtype{kind: u}
	if strings.HasSuffix(u, "]") || strings.HasPrefix(u, "STRUCT") || strings.HasPrefix(u, "MAP") || strings.HasPrefix(u, "UNION") || strings.HasPrefix(u, "LIST") {
		t.nested = true
		return t
	}
	base, args := u, ""
	if i := strings.IndexByte(u, '('); i >= 0 && strings.HasSuffix(u, ")") {
		base, args = strings.TrimSpace(u[:i]), u[i+1:len(u)-1]
	}
	if a, ok := typeAliases[base]; ok {
		base = a
	}
	t.kind = base
	switch base {
	case "DECIMAL":
		t.p, t.s = 18, 3 // DuckDB's default for a bare DECIMAL
		if args != "" {
			ps := strings.Split(args, ",")
			t.p, _ = strconv.Atoi(strings.TrimSpace(ps[0]))
			t.s = 0
			if len(ps) > 1 {
				t.s, _ = strconv.Atoi(strings.TrimSpace(ps[1]))
			}
		}
	case "VARCHAR":
		// VARCHAR(n) is plain VARCHAR in DuckDB.
	default:
		if args != "" {
			t.kind = base + "(" + args + ")"
		}
	}
	return t
}

// intDigits is the number of decimal digits an integer type needs, and
// whether it is unsigned; 0 for non-integers.
var intDigits = map[string]int{"TINYINT": 3, "SMALLINT": 5, "INTEGER": 10, "BIGINT": 19, "HUGEINT": 39,
	"UTINYINT": 3, "USMALLINT": 5, "UINTEGER": 10, "UBIGINT": 20, "UHUGEINT": 39}
var signedOrder = []string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}
var unsignedOrder = []string{"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}

// signedHolding is the smallest signed type holding every value of an
// unsigned one.
var signedHolding = map[string]string{"UTINYINT": "SMALLINT", "USMALLINT": "INTEGER", "UINTEGER": "BIGINT", "UBIGINT": "HUGEINT"}

// exactInFloat lists the integer types every value of which FLOAT (24-bit
// mantissa) or DOUBLE (53-bit) represents exactly.
var exactInFloat = map[string]bool{"TINYINT": true, "SMALLINT": true, "UTINYINT": true, "USMALLINT": true}
var exactInDouble = map[string]bool{"TINYINT": true, "SMALLINT": true, "INTEGER": true, "UTINYINT": true, "USMALLINT": true, "UINTEGER": true}

var scalarKinds = map[string]bool{"BOOLEAN": true, "FLOAT": true, "DOUBLE": true, "DECIMAL": true, "DATE": true, "TIME": true,
	"TIMESTAMP": true, "TIMESTAMP_S": true, "TIMESTAMP_MS": true, "TIMESTAMP_NS": true, "TIMESTAMP WITH TIME ZONE": true,
	"TIME WITH TIME ZONE": true, "UUID": true, "INTERVAL": true, "VARCHAR": true}

func isInt(k string) bool      { return intDigits[k] > 0 }
func isUnsigned(k string) bool { return strings.HasPrefix(k, "U") && isInt(k) }
func isFloat(k string) bool    { return k == "FLOAT" || k == "DOUBLE" }

func rank(order []string, k string) int {
	for i, x := range order {
		if x == k {
			return i
		}
	}
	return -1
}

// commonType is the narrowest type holding both a and b exactly, or nil and
// the reason there is none.
func commonType(a, b *dtype) (*dtype, string) {
	ka, kb := a.kind, b.kind
	switch {
	case ka == "VARCHAR" || kb == "VARCHAR":
		other := kb
		if kb == "VARCHAR" {
			other = ka
		}
		if isInt(other) || scalarKinds[other] {
			return &dtype{kind: "VARCHAR"}, ""
		}
		return nil, "only scalar types convert to text"
	case isInt(ka) && isInt(kb):
		return commonInt(ka, kb)
	case isInt(ka) && kb == "DECIMAL":
		return decimalFor(intDigits[ka], 0, b.p-b.s, b.s)
	case ka == "DECIMAL" && isInt(kb):
		return decimalFor(a.p-a.s, a.s, intDigits[kb], 0)
	case ka == "DECIMAL" && kb == "DECIMAL":
		return decimalFor(a.p-a.s, a.s, b.p-b.s, b.s)
	case isFloat(ka) && isFloat(kb):
		return &dtype{kind: "DOUBLE"}, ""
	case isFloat(ka) && (isInt(kb) || kb == "DECIMAL"):
		return floatFor(ka, b)
	case isFloat(kb) && (isInt(ka) || ka == "DECIMAL"):
		return floatFor(kb, a)
	}
	if ta, tb := tsRank(ka), tsRank(kb); ta >= 0 && tb >= 0 {
		if ta == 4 || tb == 4 { // TIMESTAMP_NS has a smaller range than TIMESTAMP
			return nil, "TIMESTAMP_NS cannot hold every TIMESTAMP and vice versa"
		}
		if ta > tb {
			return a, ""
		}
		return b, ""
	}
	return nil, "the types are unrelated"
}

// tsRank orders DATE and naive timestamps by precision; -1 for others.
func tsRank(k string) int {
	switch k {
	case "DATE":
		return 0
	case "TIMESTAMP_S":
		return 1
	case "TIMESTAMP_MS":
		return 2
	case "TIMESTAMP":
		return 3
	case "TIMESTAMP_NS":
		return 4
	}
	return -1
}

func commonInt(ka, kb string) (*dtype, string) {
	ua, ub := isUnsigned(ka), isUnsigned(kb)
	if ua == ub {
		order := signedOrder
		if ua {
			order = unsignedOrder
		}
		if rank(order, ka) >= rank(order, kb) {
			return &dtype{kind: ka}, ""
		}
		return &dtype{kind: kb}, ""
	}
	u, s := ka, kb
	if ub {
		u, s = kb, ka
	}
	holder, ok := signedHolding[u]
	if !ok {
		return nil, u + " has no signed type that holds it"
	}
	if rank(signedOrder, holder) >= rank(signedOrder, s) {
		return &dtype{kind: holder}, ""
	}
	return &dtype{kind: s}, ""
}

// decimalFor holds integer digits i and scale s of both sides.
func decimalFor(i1, s1, i2, s2 int) (*dtype, string) {
	i, s := max(i1, i2), max(s1, s2)
	if i+s > 38 {
		return nil, fmt.Sprintf("it would need DECIMAL(%d,%d), beyond DuckDB's 38 digits", i+s, s)
	}
	return &dtype{kind: "DECIMAL", p: i + s, s: s}, ""
}

func floatFor(f string, other *dtype) (*dtype, string) {
	if other.kind == "DECIMAL" {
		if other.p <= 15 {
			return &dtype{kind: "DOUBLE"}, ""
		}
		return nil, fmt.Sprintf("DOUBLE keeps 15 significant digits, %s has %d", other.String(), other.p)
	}
	if f == "FLOAT" && exactInFloat[other.kind] {
		return &dtype{kind: "FLOAT"}, ""
	}
	if exactInDouble[other.kind] {
		return &dtype{kind: "DOUBLE"}, ""
	}
	return nil, "a floating-point type cannot hold every " + other.kind + " exactly"
}
