// Package unittest implements dbt unit tests (dbt 1.8+) independent of the
// warehouse: parsing `given` inputs (`ref(...)`, `source(...)`, `this`),
// reading fixture rows in the dict, csv and sql formats, generating the
// fixture SELECTs that replace the model's inputs, and comparing expected
// with actual rows in Go (order-insensitive, only the expected columns).
//
// The runner (internal/run) learns column types from the warehouse and the
// compiler renders the model with its inputs replaced; this package only
// turns rows and types into SQL and row sets into a readable diff.
package unittest

import (
	"encoding/csv"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// InputKind is what a `given` entry replaces.
type InputKind int

const (
	Ref InputKind = iota
	Source
	This
)

// Input is a parsed `input:` value.
type Input struct {
	Kind       InputKind
	Package    string // ref('pkg', 'name'): the package, else ""
	Name       string // ref name
	SourceName string // source('src', 'table')
	Table      string
}

// String renders the input as it is written in YAML.
func (in Input) String() string {
	switch in.Kind {
	case This:
		return "this"
	case Source:
		return fmt.Sprintf("source('%s', '%s')", in.SourceName, in.Table)
	}
	if in.Package != "" {
		return fmt.Sprintf("ref('%s', '%s')", in.Package, in.Name)
	}
	return fmt.Sprintf("ref('%s')", in.Name)
}

var (
	callRe = regexp.MustCompile(`^\s*(ref|source)\s*\((.*)\)\s*$`)
	argRe  = regexp.MustCompile(`^\s*(?:(\w+)\s*=\s*)?(?:'([^']*)'|"([^"]*)"|([0-9.]+))\s*$`)
)

// ParseInput parses `ref('x')`, `ref('pkg', 'x')`, `ref('x', v=2)`,
// `source('s', 't')` or `this`.
func ParseInput(s string) (Input, error) {
	s = strings.TrimSpace(s)
	if s == "this" {
		return Input{Kind: This}, nil
	}
	m := callRe.FindStringSubmatch(s)
	if m == nil {
		return Input{}, fmt.Errorf("input '%s' is not ref('...'), source('...', '...') or this", s)
	}
	var pos []string
	if strings.TrimSpace(m[2]) != "" {
		for _, a := range strings.Split(m[2], ",") {
			am := argRe.FindStringSubmatch(a)
			if am == nil {
				return Input{}, fmt.Errorf("input '%s': cannot read argument %q (use quoted names)", s, strings.TrimSpace(a))
			}
			if am[1] != "" { // version=/v= keyword: versions resolve to the same model here
				continue
			}
			pos = append(pos, am[2]+am[3]+am[4])
		}
	}
	if m[1] == "source" {
		if len(pos) != 2 {
			return Input{}, fmt.Errorf("input '%s': source() takes a source name and a table name", s)
		}
		return Input{Kind: Source, SourceName: pos[0], Table: pos[1]}, nil
	}
	switch len(pos) {
	case 1:
		return Input{Kind: Ref, Name: pos[0]}, nil
	case 2:
		return Input{Kind: Ref, Package: pos[0], Name: pos[1]}, nil
	}
	return Input{}, fmt.Errorf("input '%s': ref() takes a model name (and optionally a package first)", s)
}

// Rows are fixture rows. For the sql format only SQL is set; otherwise
// Columns lists every column named by any row, in first-seen order.
type Rows struct {
	Columns []string
	Data    []map[string]any
	SQL     string
}

// ReadRows interprets a fixture's rows in its format. content is the
// fixture file's text when `fixture:` is used (rows is then ignored).
func ReadRows(format string, rows any, content string) (Rows, error) {
	if format == "" {
		format = "dict"
	}
	switch format {
	case "dict":
		if content != "" {
			return Rows{}, fmt.Errorf("fixture files are csv or sql; set format: csv or format: sql")
		}
		return dictRows(rows)
	case "csv":
		text := content
		if text == "" {
			s, ok := rows.(string)
			if !ok && rows != nil {
				return Rows{}, fmt.Errorf("format: csv needs rows as a CSV string (rows: |) or a fixture file")
			}
			text = s
		}
		return csvRows(text)
	case "sql":
		text := content
		if text == "" {
			s, ok := rows.(string)
			if !ok {
				return Rows{}, fmt.Errorf("format: sql needs rows as a SQL string (rows: |) or a fixture file")
			}
			text = s
		}
		return Rows{SQL: strings.TrimRight(strings.TrimSpace(text), ";")}, nil
	}
	return Rows{}, fmt.Errorf("unknown format '%s' (use dict, csv or sql)", format)
}

func dictRows(rows any) (Rows, error) {
	var out Rows
	if rows == nil {
		return out, nil
	}
	list, ok := rows.([]any)
	if !ok {
		return out, fmt.Errorf("rows must be a list of mappings (format: dict), e.g. rows: [{id: 1}]")
	}
	seen := map[string]bool{}
	for i, r := range list {
		m, ok := r.(map[string]any)
		if !ok {
			return out, fmt.Errorf("row %d is not a mapping of column: value", i+1)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys) // YAML maps arrive unordered; keep output stable
		for _, k := range keys {
			if !seen[strings.ToLower(k)] {
				seen[strings.ToLower(k)] = true
				out.Columns = append(out.Columns, k)
			}
		}
		out.Data = append(out.Data, m)
	}
	return out, nil
}

func csvRows(text string) (Rows, error) {
	var out Rows
	text = strings.TrimSpace(text)
	if text == "" {
		return out, nil
	}
	r := csv.NewReader(strings.NewReader(text))
	r.TrimLeadingSpace = true
	recs, err := r.ReadAll()
	if err != nil {
		return out, fmt.Errorf("rows are not valid CSV: %v", err)
	}
	out.Columns = make([]string, len(recs[0]))
	for i, h := range recs[0] {
		out.Columns[i] = strings.TrimSpace(h)
	}
	for _, rec := range recs[1:] {
		m := make(map[string]any, len(rec))
		for i, v := range rec {
			v = strings.TrimSpace(v)
			if v == "" || v == "null" || v == "NULL" {
				m[out.Columns[i]] = nil
			} else {
				m[out.Columns[i]] = v
			}
		}
		out.Data = append(out.Data, m)
	}
	return out, nil
}

// Column is a column name and its SQL type ("" = unknown: no cast).
type Column struct {
	Name string
	Type string
}

// UnknownColumnError is a fixture column the input does not have.
type UnknownColumnError struct {
	Column    string
	Available []string
}

func (e *UnknownColumnError) Error() string {
	return fmt.Sprintf("column '%s' is not a column of this input (it has: %s)", e.Column, strings.Join(e.Available, ", "))
}

// CheckColumns reports the first fixture column that cols lacks
// (case-insensitive, as unquoted SQL identifiers are).
func CheckColumns(rows Rows, cols []Column) error {
	have := map[string]bool{}
	names := make([]string, len(cols))
	for i, c := range cols {
		have[strings.ToLower(c.Name)] = true
		names[i] = c.Name
	}
	for _, c := range rows.Columns {
		if !have[strings.ToLower(c)] {
			return &UnknownColumnError{Column: c, Available: names}
		}
	}
	return nil
}

// FixtureSQL returns a SELECT yielding rows with exactly cols, in order:
// given values cast to the column's type, missing ones typed NULLs. With
// no rows it yields an empty, correctly typed relation. quote quotes an
// identifier.
func FixtureSQL(cols []Column, rows Rows, quote func(string) string) (string, error) {
	if rows.SQL != "" {
		return rows.SQL, nil
	}
	if err := CheckColumns(rows, cols); err != nil {
		return "", err
	}
	if len(cols) == 0 {
		return "", fmt.Errorf("the input has no columns")
	}
	row := func(m map[string]any) string {
		parts := make([]string, len(cols))
		for i, c := range cols {
			v, ok := lookup(m, c.Name)
			lit := "null"
			if ok {
				lit = Literal(v)
				// Untyped (nothing to cast to): let CSV numbers be numbers.
				if s, isStr := v.(string); isStr && c.Type == "" {
					if _, err := strconv.ParseFloat(s, 64); err == nil {
						lit = s
					}
				}
			}
			if c.Type != "" {
				lit = "cast(" + lit + " as " + c.Type + ")"
			}
			parts[i] = lit + " as " + quote(c.Name)
		}
		return "select " + strings.Join(parts, ", ")
	}
	if len(rows.Data) == 0 {
		return row(nil) + " where false", nil
	}
	sel := make([]string, len(rows.Data))
	for i, m := range rows.Data {
		sel[i] = row(m)
	}
	return strings.Join(sel, "\nunion all\n"), nil
}

func lookup(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// Literal renders a YAML or CSV value as a SQL literal.
func Literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	}
	return "'" + strings.ReplaceAll(fmt.Sprint(v), "'", "''") + "'"
}

// TypeFamily groups SQL type names (after alias normalisation) into the
// families whose values a YAML scalar can be checked against.
func TypeFamily(typ string) string {
	t := strings.ToLower(strings.TrimSpace(typ))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch t {
	case "int", "integer", "int4", "int2", "int8", "bigint", "smallint", "tinyint", "hugeint", "ubigint", "uinteger", "usmallint", "utinyint", "long", "short", "signed":
		return "integer"
	case "decimal", "numeric", "double", "float", "float4", "float8", "real", "double precision":
		return "number"
	case "bool", "boolean", "logical":
		return "boolean"
	case "date":
		return "date"
	case "timestamp", "datetime", "timestamp without time zone", "timestamp with time zone", "timestamptz":
		return "timestamp"
	case "varchar", "text", "string", "char", "bpchar", "character varying", "character":
		return "string"
	}
	return ""
}

// CheckValue reports whether a fixture value can be compared with a column
// of type typ (unknown types accept anything).
func CheckValue(typ string, v any) error {
	if v == nil {
		return nil
	}
	bad := func() error {
		return fmt.Errorf("value %s cannot be compared with a column of type %s", Literal(v), typ)
	}
	s, isStr := v.(string)
	switch TypeFamily(typ) {
	case "integer":
		switch x := v.(type) {
		case int, int64:
			return nil
		case float64:
			if x != float64(int64(x)) {
				return bad()
			}
			return nil
		}
		if _, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); !isStr || err != nil {
			return bad()
		}
	case "number":
		switch v.(type) {
		case int, int64, float64:
			return nil
		}
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); !isStr || err != nil {
			return bad()
		}
	case "boolean":
		if _, ok := v.(bool); ok {
			return nil
		}
		switch strings.ToLower(s) {
		case "true", "false", "t", "f":
		default:
			return bad()
		}
	case "date", "timestamp":
		if !isStr {
			return bad()
		}
		if _, err := time.Parse("2006-01-02", strings.TrimSpace(s)[:min(10, len(strings.TrimSpace(s)))]); err != nil {
			return bad()
		}
	}
	return nil
}

// InferCSV reads a seed CSV file and returns its columns with the types a
// seed load would give them (dbt's inference order: integer, number, date,
// timestamp, boolean, else text); overrides are config column_types.
func InferCSV(text string, overrides map[string]string) ([]Column, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\ufeff")))
	recs, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("empty CSV file")
	}
	cols := make([]Column, len(recs[0]))
	for i, h := range recs[0] {
		name := strings.TrimSpace(h)
		cols[i] = Column{Name: name, Type: overrides[name]}
		if cols[i].Type != "" {
			continue
		}
		var vals []string
		for _, rec := range recs[1:] {
			if i < len(rec) && rec[i] != "" && rec[i] != "null" {
				vals = append(vals, rec[i])
			}
		}
		cols[i].Type = inferType(vals)
	}
	return cols, nil
}

func inferType(vals []string) string {
	all := func(ok func(string) bool) bool {
		for _, v := range vals {
			if !ok(v) {
				return false
			}
		}
		return true
	}
	switch {
	case len(vals) == 0:
		return "varchar"
	case all(func(v string) bool { _, err := strconv.ParseInt(v, 10, 64); return err == nil }):
		return "integer"
	case all(func(v string) bool { _, err := strconv.ParseFloat(v, 64); return err == nil }):
		return "double"
	case all(func(v string) bool { _, err := time.Parse("2006-01-02", v); return err == nil }):
		return "date"
	case all(func(v string) bool { _, err := time.Parse("2006-01-02 15:04:05", v); return err == nil }),
		all(func(v string) bool { _, err := time.Parse(time.RFC3339, v); return err == nil }):
		return "timestamp"
	case all(func(v string) bool { return v == "true" || v == "false" }):
		return "boolean"
	}
	return "varchar"
}
