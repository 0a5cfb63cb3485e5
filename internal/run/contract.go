package run

// Model contracts (config contract: {enforced: true}). Before a contracted
// model is built, the columns its compiled SQL returns (described by the
// warehouse, nothing is run) are compared with the YAML columns and their
// data_type; every mismatch is reported at once. A contracted table is then
// created with the declared types and constraints and filled with an
// INSERT, under a temporary name swapped in inside one transaction, so a
// violated constraint leaves the old table untouched.

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

func contractEnforced(n *manifest.Node) bool {
	c, _ := n.Config["contract"].(map[string]any)
	e, _ := c["enforced"].(bool)
	return e
}

// typeAliases maps spellings of the same type to one name.
var typeAliases = map[string]string{
	"int": "integer", "int4": "integer", "signed": "integer", "integer": "integer",
	"bigint": "bigint", "int8": "bigint", "long": "bigint",
	"smallint": "smallint", "int2": "smallint", "short": "smallint",
	"tinyint": "tinyint", "int1": "tinyint",
	"hugeint": "hugeint", "int128": "hugeint",
	"varchar": "varchar", "text": "varchar", "string": "varchar", "char": "varchar", "bpchar": "varchar",
	"character varying": "varchar", "character": "varchar", "nvarchar": "varchar",
	"float": "float", "float4": "float", "real": "float",
	"double": "double", "float8": "double", "double precision": "double",
	"bool": "boolean", "boolean": "boolean", "logical": "boolean",
	"numeric": "decimal", "decimal": "decimal",
	"timestamp": "timestamp", "datetime": "timestamp", "timestamp without time zone": "timestamp",
	"timestamptz": "timestamptz", "timestamp with time zone": "timestamptz",
	"date": "date", "time": "time", "time without time zone": "time",
	"blob": "blob", "bytea": "blob", "binary": "blob", "varbinary": "blob",
	"uuid": "uuid", "json": "json", "interval": "interval",
}

var spaces = regexp.MustCompile(`\s+`)

// NormalizeType returns a canonical form of a SQL type name and its
// parameters: "INT4" → ("integer", ""), "numeric(10, 2)" → ("decimal",
// "10,2"). varchar lengths are dropped (DuckDB ignores them).
func NormalizeType(t string) (base, params string) {
	t = strings.ToLower(spaces.ReplaceAllString(strings.TrimSpace(t), " "))
	if i := strings.IndexByte(t, '('); i >= 0 && strings.HasSuffix(t, ")") {
		params = strings.ReplaceAll(t[i+1:len(t)-1], " ", "")
		t = strings.TrimSpace(t[:i])
	}
	if a, ok := typeAliases[t]; ok {
		t = a
	}
	if t == "varchar" {
		params = ""
	}
	return t, params
}

// typesMatch compares a declared and an actual type by base type: as in
// dbt, size, precision and scale are not compared (numeric(10,2) accepts
// DECIMAL(4,2)); the table is created with the declared ones.
func typesMatch(declared, actual string) bool {
	// A bare NULL literal has no type of its own (DuckDB 2 reports it as
	// NULL); it fits every declared type, as the cast into the table does.
	if a := strings.Trim(strings.TrimSpace(actual), `"`); strings.EqualFold(a, "NULL") || strings.EqualFold(a, "SQLNULL") {
		return true
	}
	db, _ := NormalizeType(declared)
	ab, _ := NormalizeType(actual)
	return db == ab
}

// checkContract compares the model's query columns with its declaration.
func (r *Runner) checkContract(ctx context.Context, c adapters.Conn, n *manifest.Node, sql string) error {
	cols, err := c.ColumnsOfQuery(ctx, sql)
	if err != nil {
		return err
	}
	where := n.PatchPath
	if i := strings.Index(where, "://"); i >= 0 {
		where = where[i+3:]
	}
	var problems []string
	if len(n.ColumnOrder) == 0 {
		problems = append(problems, "the contract is enforced but no columns are declared; list every column with its data_type")
	}
	actual := map[string]adapters.Column{}
	for _, col := range cols {
		actual[strings.ToLower(col.Name)] = col
	}
	declared := map[string]bool{}
	for _, name := range n.ColumnOrder {
		dc := n.Columns[name]
		declared[strings.ToLower(name)] = true
		ac, ok := actual[strings.ToLower(name)]
		switch {
		case dc == nil || dc.DataType == nil || strings.TrimSpace(*dc.DataType) == "":
			problems = append(problems, fmt.Sprintf("column '%s' has no data_type (every column of a contracted model needs one)", name))
		case !ok:
			problems = append(problems, fmt.Sprintf("column '%s' is declared (%s) but the query does not return it", name, *dc.DataType))
		case !typesMatch(*dc.DataType, ac.DataType):
			problems = append(problems, fmt.Sprintf("column '%s' is declared as %s but the query returns %s", name, *dc.DataType, ac.DataType))
		}
	}
	for _, col := range cols {
		if !declared[strings.ToLower(col.Name)] {
			problems = append(problems, fmt.Sprintf("the query returns column '%s' (%s), which is not declared", col.Name, col.DataType))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &contractError{msg: fmt.Sprintf("%s: contract of model '%s' is not satisfied:\n  - %s\nfix the SQL or the declared columns; nothing was built", where, n.Name, strings.Join(problems, "\n  - "))}
}

type contractError struct{ msg string }

func (e *contractError) Error() string { return e.msg }

// constraintSQL renders one constraint for DuckDB/Postgres DDL; ok is false
// for a constraint kiln cannot express (it is then warned about).
func constraintSQL(con map[string]any, quote func(string) string, column bool) (string, bool) {
	typ, _ := con["type"].(string)
	expr, _ := con["expression"].(string)
	prefix := ""
	if name, _ := con["name"].(string); name != "" {
		prefix = "constraint " + quote(name) + " "
	}
	cols := ""
	if !column {
		var l []string
		for _, c := range manifest.StringList(con["columns"]) {
			l = append(l, quote(c))
		}
		cols = " (" + strings.Join(l, ", ") + ")"
	}
	switch strings.ToLower(typ) {
	case "not_null":
		if !column {
			return "", false
		}
		return "not null", true
	case "unique":
		return prefix + "unique" + cols, true
	case "primary_key":
		return prefix + "primary key" + cols, true
	case "check":
		if expr == "" {
			return "", false
		}
		return prefix + "check (" + expr + ")", true
	case "foreign_key":
		if expr == "" {
			return "", false
		}
		if column {
			return prefix + "references " + expr, true
		}
		return prefix + "foreign key" + cols + " references " + expr, true
	case "custom":
		return expr, expr != ""
	}
	return "", false
}

// contractTable builds a contracted table model (see the file comment).
func (r *Runner) contractTable(ctx context.Context, b *Build) (adapters.Response, error) {
	n, c := b.Node, b.Conn
	quote := c.Dialect().Quote
	target := r.res.Relation(n)
	tmp := target.WithIdentifier(target.Identifier + "__dbt_tmp")
	backup := target.WithIdentifier(target.Identifier + "__dbt_backup")
	var defs, names []string
	for _, name := range n.ColumnOrder {
		col := n.Columns[name]
		def := quote(name) + " " + *col.DataType
		for _, con := range col.Constraints {
			s, ok := constraintSQL(con, quote, true)
			if !ok {
				r.p.Line("Warning: model %s: constraint %v on column %s is not supported here and is not enforced", n.Name, con["type"], name)
				continue
			}
			def += " " + s
		}
		defs = append(defs, def)
		names = append(names, quote(name))
	}
	for _, con := range n.Constraints {
		s, ok := constraintSQL(con, quote, false)
		if !ok {
			r.p.Line("Warning: model %s: model-level constraint %v is not supported here and is not enforced", n.Name, con["type"])
			continue
		}
		defs = append(defs, s)
	}
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	for _, h := range b.PreHooks {
		if !h.Transaction {
			if err := runHook(ctx, c, h); err != nil {
				return fail, err
			}
		}
	}
	for _, rel := range []adapters.Relation{tmp, backup} {
		if err := c.DropRelation(ctx, rel); err != nil {
			return fail, err
		}
	}
	existing, err := c.GetRelation(ctx, target.Database, target.Schema, target.Identifier)
	if err != nil {
		return fail, err
	}
	if err := c.Begin(ctx); err != nil {
		return fail, err
	}
	resp, err := func() (adapters.Response, error) {
		for _, h := range b.PreHooks {
			if h.Transaction {
				if err := runHook(ctx, c, h); err != nil {
					return fail, err
				}
			}
		}
		header := strings.TrimSpace(n.Config.String("sql_header", ""))
		if header != "" {
			header += "\n"
		}
		if _, err := c.Exec(ctx, header+"create table "+relSQL(c, tmp)+" (\n    "+strings.Join(defs, ",\n    ")+"\n)"); err != nil {
			return fail, err
		}
		list := strings.Join(names, ", ")
		ins, err := c.Exec(ctx, "insert into "+relSQL(c, tmp)+" ("+list+")\nselect "+list+" from (\n"+adapters.TrimStatement(b.SQL)+"\n) as model_subq")
		if err != nil {
			return fail, err
		}
		if existing != nil {
			ex := *existing
			if err := c.RenameRelation(ctx, ex, backup.Identifier); err != nil {
				return fail, err
			}
		}
		tmp.Type = adapters.RelTable
		if err := c.RenameRelation(ctx, tmp, target.Identifier); err != nil {
			return fail, err
		}
		for _, h := range b.PostHooks {
			if h.Transaction {
				if err := runHook(ctx, c, h); err != nil {
					return fail, err
				}
			}
		}
		if existing != nil {
			bk := backup
			bk.Type = existing.Type
			if err := c.DropRelation(ctx, bk); err != nil {
				return fail, err
			}
		}
		return ins, nil
	}()
	if err != nil {
		_ = c.Rollback(context.WithoutCancel(ctx))
		return resp, err
	}
	if err := c.Commit(ctx); err != nil {
		_ = c.Rollback(context.WithoutCancel(ctx))
		return fail, err
	}
	for _, h := range b.PostHooks {
		if !h.Transaction {
			if err := runHook(ctx, c, h); err != nil {
				return fail, err
			}
		}
	}
	return adapters.Response{Message: "OK", RowsAffected: resp.RowsAffected}, nil
}
